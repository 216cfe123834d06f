import { badRequest } from './api-status.js';
import { isValidLabelKey, isValidLabelValue } from './metadata-rules.js';

type Operator = 'exists' | 'notexists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: Operator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of input) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

function parseRequirement(raw: string): LabelRequirement {
  const text = raw.trim();
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why}`);
  let requirement: LabelRequirement;
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  const cmpMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(text);
  if (setMatch) {
    const values = setMatch[3]
      .split(',')
      .map((v) => v.trim())
      .filter((v, _index, all) => v !== '' || all.length === 1);
    requirement = { key: setMatch[1], operator: setMatch[2] === 'in' ? 'in' : 'notin', values };
  } else if (cmpMatch) {
    const op = cmpMatch[2];
    const value = cmpMatch[3].trim();
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value)) throw fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      requirement = { key: cmpMatch[1], operator: op === '>' ? 'gt' : 'lt', values: [value] };
    } else {
      requirement = { key: cmpMatch[1], operator: op === '!=' ? '!=' : '=', values: [value] };
    }
  } else if (/^!\s*\S+$/.test(text)) {
    requirement = { key: text.slice(1).trim(), operator: 'notexists', values: [] };
  } else if (/^\S+$/.test(text)) {
    requirement = { key: text, operator: 'exists', values: [] };
  } else {
    throw fail(`found '${text}', expected: identifier`);
  }
  const keyProblem = isValidLabelKey(requirement.key);
  if (keyProblem) throw fail(`key: Invalid value: "${requirement.key}": ${keyProblem}`);
  if (requirement.operator !== 'gt' && requirement.operator !== 'lt') {
    for (const value of requirement.values) {
      const valueProblem = isValidLabelValue(value);
      if (valueProblem)
        throw fail(`values[0][${requirement.key}]: Invalid value: "${value}": ${valueProblem}`);
    }
  }
  return requirement;
}

/** Parses a `labelSelector` query value the way apimachinery's labels.Parse does. */
export function parseLabelSelector(input: string | null | undefined): LabelSelector {
  if (!input || input.trim() === '') return [];
  return splitTopLevel(input).map(parseRequirement);
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string>): boolean {
  return selector.every((req) => {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case '=':
        return has && value === req.values[0];
      case '!=':
        return !has || value !== req.values[0];
      case 'in':
        return has && req.values.includes(value);
      case 'notin':
        return !has || !req.values.includes(value);
      case 'gt':
        return has && /^-?\d+$/.test(value) && Number(value) > Number(req.values[0]);
      case 'lt':
        return has && /^-?\d+$/.test(value) && Number(value) < Number(req.values[0]);
    }
    return false;
  });
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

function splitEscaped(input: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (char === '\\' && i + 1 < input.length) {
      current += char + input[i + 1];
      i++;
      continue;
    }
    if (char === separator) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** Parses a `fieldSelector` and refuses field labels the resource does not index. */
export function parseFieldSelector(
  input: string | null | undefined,
  allowed: readonly string[],
): FieldRequirement[] {
  if (!input || input.trim() === '') return [];
  return splitEscaped(input, ',').map((raw) => {
    const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(raw.trim());
    if (!match) throw badRequest(`invalid selector: '${input}'; can't understand '${raw}'`);
    const field = match[1].trim();
    if (!allowed.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, operator: match[2] === '!=' ? '!=' : '=', value: unescapeFieldValue(match[3]) };
  });
}

export function matchesFields(selector: FieldRequirement[], fields: Record<string, string>): boolean {
  return selector.every((req) => {
    const value = fields[req.field] ?? '';
    return req.operator === '=' ? value === req.value : value !== req.value;
  });
}
