import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

/**
 * JSON schemas for core Kubernetes objects, derived from the Kubernetes v1.34 models that
 * @kubernetes/client-node generates from the upstream OpenAPI document: each model's attribute
 * map gives the properties and their types, its typings give the required properties (the ones
 * declared without `?`). The kubevirt and cdi swagger files carry only fragments of core/v1.
 */

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  getAttributeTypeMap(): AttributeType[];
}

type Schema = Record<string, unknown>;

const models = k8s as unknown as Record<string, unknown>;
const modelsDir = join(
  dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')),
  'gen',
  'models',
);

/** Maps whose values are resource.Quantity (a string like `10Gi`, or a JSON number). */
const QUANTITY_MAPS = new Set([
  'requests',
  'limits',
  'capacity',
  'allocatedResources',
  'overhead',
  'hard',
  'used',
  'allocatable',
]);

function modelClass(name: string): ModelClass | undefined {
  const candidate = models[name];
  if (typeof candidate === 'function' && 'getAttributeTypeMap' in candidate)
    return candidate as unknown as ModelClass;
  return undefined;
}

function requiredProperties(model: string): string[] {
  const file = join(modelsDir, `${model}.d.ts`);
  if (!existsSync(file)) return [];
  const required: string[] = [];
  for (const match of readFileSync(file, 'utf8').matchAll(/^ {4}'([A-Za-z0-9_$]+)': /gm))
    required.push(match[1]);
  return required;
}

function schemaForType(type: string, format: string, attribute: string, pending: string[]): Schema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: schemaForType(array[1], format, attribute, pending) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    const valueSchema = QUANTITY_MAPS.has(attribute)
      ? { type: ['string', 'number'], format: 'quantity' }
      : schemaForType(map[1], format, '', pending);
    return { type: 'object', additionalProperties: valueSchema };
  }
  switch (type) {
    case 'string':
      return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      if (format === 'int32' || format === 'int64') return { type: 'integer', format };
      return { type: 'number' };
    case 'Date':
      return { type: 'string', format: 'date-time' };
    case 'IntOrString':
      return { type: ['integer', 'string'] };
    case 'any':
    case 'object':
      return {};
  }
  if (modelClass(type)) {
    pending.push(type);
    return { $ref: `#/definitions/${type}` };
  }
  return {};
}

/** Builds a `definitions` document closed to unknown properties, reachable from `roots`. */
export function buildCoreDefinitions(roots: readonly string[]): Record<string, Schema> {
  const definitions: Record<string, Schema> = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop();
    if (name === undefined || definitions[name]) continue;
    const model = modelClass(name);
    if (!model) throw new Error(`no @kubernetes/client-node model named ${name}`);
    const properties: Record<string, Schema> = {};
    for (const attribute of model.getAttributeTypeMap()) {
      properties[attribute.baseName] = schemaForType(
        attribute.type,
        attribute.format,
        attribute.baseName,
        pending,
      );
    }
    const required = requiredProperties(name).filter((property) => property in properties);
    // apiVersion/kind/metadata are defaulted by the server from the URL.
    const effectiveRequired = required.filter(
      (property) => !['apiVersion', 'kind', 'metadata'].includes(property),
    );
    definitions[name] = {
      type: 'object',
      properties,
      additionalProperties: false,
      ...(effectiveRequired.length > 0 ? { required: effectiveRequired } : {}),
    };
  }
  return definitions;
}
