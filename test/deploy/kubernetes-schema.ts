import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as kubernetes from '@kubernetes/client-node';

/**
 * A strict validator of Kubernetes objects built from the OpenAPI-generated model classes that
 * @kubernetes/client-node ships: each class's `attributeTypeMap` gives the fields and their types,
 * its `.d.ts` says which are required. Unknown fields, wrong types, missing required fields and
 * non-integers where int32/int64 is declared are errors, as `kubectl apply --validate=strict` makes them.
 */

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}

/** The kinds Flotilla's manifests may contain, and their model classes. Anything else is refused. */
const KINDS: Record<string, string> = {
  'v1/Namespace': 'V1Namespace',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'v1/Service': 'V1Service',
  'apps/v1/Deployment': 'V1Deployment',
  'batch/v1/Job': 'V1Job',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
  'networking.k8s.io/v1/NetworkPolicy': 'V1NetworkPolicy',
};

const modelsDir = join(
  dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')),
  'gen',
  'models',
);
const requiredCache = new Map<string, Set<string>>();

function modelClass(type: string): ModelClass | undefined {
  const candidate = (kubernetes as unknown as Record<string, unknown>)[type];
  if (typeof candidate === 'function' && 'getAttributeTypeMap' in candidate)
    return candidate as unknown as ModelClass;
  return undefined;
}

/** Required properties are the ones the generated declaration does not mark optional (`'name': string`). */
function requiredFields(type: string): Set<string> {
  let required = requiredCache.get(type);
  if (!required) {
    const declaration = readFileSync(join(modelsDir, `${type}.d.ts`), 'utf8');
    required = new Set([...declaration.matchAll(/^\s+'([^']+)':\s/gm)].map((match) => match[1] as string));
    requiredCache.set(type, required);
  }
  return required;
}

const describe = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function check(value: unknown, type: string, format: string, path: string, problems: string[]): void {
  if (value === null || value === undefined) {
    problems.push(`${path}: expected ${type}, got ${describe(value)}`);
    return;
  }
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) {
      problems.push(`${path}: expected a list of ${array[1]}, got ${describe(value)}`);
      return;
    }
    for (const [index, item] of value.entries())
      check(item, array[1] as string, '', `${path}[${index}]`, problems);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: expected a map of ${map[1]}, got ${describe(value)}`);
      return;
    }
    for (const [key, item] of Object.entries(value))
      check(item, map[1] as string, '', `${path}.${key}`, problems);
    return;
  }
  switch (type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') {
        problems.push(`${path}: expected a string, got ${describe(value)}`);
        return;
      }
      if (format === 'byte' && !BASE64.test(value)) problems.push(`${path}: expected base64 data`);
      if (format.startsWith('date-time') && !DATE_TIME.test(value))
        problems.push(`${path}: expected an RFC 3339 time`);
      return;
    case 'Date':
      if (typeof value !== 'string' || !DATE_TIME.test(value))
        problems.push(`${path}: expected an RFC 3339 time, got ${describe(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected a boolean, got ${describe(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        problems.push(`${path}: expected a number, got ${describe(value)}`);
        return;
      }
      if ((format === 'int32' || format === 'int64') && !Number.isInteger(value))
        problems.push(`${path}: expected an integer, got ${value}`);
      return;
    case 'IntOrString':
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
        problems.push(`${path}: expected an integer or a string, got ${describe(value)}`);
      }
      return;
  }
  const model = modelClass(type);
  if (!model) {
    problems.push(`${path}: the validator does not know the type ${type}`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: expected ${type} (an object), got ${describe(value)}`);
    return;
  }
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute]));
  const fields = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(fields)) {
    const attribute = attributes.get(key);
    if (!attribute) {
      problems.push(
        `${path}.${key}: unknown field (${type} has: ${[...attributes.keys()].sort().join(', ')})`,
      );
      continue;
    }
    check(item, attribute.type, attribute.format, `${path}.${key}`, problems);
  }
  for (const required of requiredFields(type)) {
    if (fields[required] === undefined) problems.push(`${path}.${required}: required by ${type} but missing`);
  }
}

/** Every problem in the object, each as `path: what is wrong`; empty when it is valid. */
export function validateKubernetesObject(object: unknown): string[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object))
    return [`(document): expected an object, got ${describe(object)}`];
  const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
  const type = KINDS[`${String(apiVersion)}/${String(kind)}`];
  if (!type)
    return [
      `(document): no schema for apiVersion ${String(apiVersion)} kind ${String(kind)} (known: ${Object.keys(KINDS).join(', ')})`,
    ];
  const problems: string[] = [];
  check(object, type, '', kind as string, problems);
  const metadata = (object as { metadata?: { name?: unknown } }).metadata;
  if (typeof metadata?.name !== 'string' || metadata.name === '')
    problems.push(`${String(kind)}.metadata.name: required`);
  return problems;
}
