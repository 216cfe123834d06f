/**
 * Turns the API's OpenAPI document into the console's types: one entry per operation
 * (`'GET /inventories/{id}'`) with its path and query parameters, JSON body and 2xx JSON response,
 * and the document's component schemas. The console never declares an API shape by hand: when a
 * route's schema changes, regenerating this file makes the console's type check point at every use.
 */

interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  prefixItems?: SchemaObject[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  allOf?: SchemaObject[];
  description?: string;
}

interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  schema?: SchemaObject;
}

interface MediaTypes {
  content?: Record<string, { schema?: SchemaObject }>;
}

interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  requestBody?: MediaTypes & { required?: boolean };
  responses?: Record<string, MediaTypes>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, SchemaObject> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

function literal(value: unknown): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

/** One JSON Schema as a TypeScript type expression. */
export function schemaToType(schema: SchemaObject | undefined, depth = 0): string {
  if (!schema) return 'unknown';
  const pad = '  '.repeat(depth + 1);
  const nullable = (type: string) => (schema.nullable ? `${type} | null` : type);
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return nullable(`Schemas[${JSON.stringify(name)}]`);
  }
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum) return nullable(schema.enum.map(literal).join(' | ') || 'never');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return nullable(union.map((part) => schemaToType(part, depth)).join(' | ') || 'never');
  if (schema.allOf) return nullable(schema.allOf.map((part) => schemaToType(part, depth)).join(' & '));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) {
    return types.map((type) => schemaToType({ ...schema, type }, depth)).join(' | ');
  }
  switch (types[0]) {
    case 'null':
      return 'null';
    case 'string':
      return nullable(schema.format === 'binary' ? 'Blob' : 'string');
    case 'integer':
    case 'number':
      return nullable('number');
    case 'boolean':
      return nullable('boolean');
    case 'array':
      if (schema.prefixItems) {
        return nullable(`[${schema.prefixItems.map((item) => schemaToType(item, depth)).join(', ')}]`);
      }
      return nullable(`Array<${schemaToType(schema.items, depth)}>`);
    default: {
      const properties = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const lines = properties.map(
        ([name, property]) =>
          `${pad}${key(name)}${required.has(name) ? '' : '?'}: ${schemaToType(property, depth + 1)};`,
      );
      const extra = schema.additionalProperties;
      if (properties.length === 0 && !(extra && typeof extra === 'object')) {
        return nullable(types[0] === 'object' || extra === true ? 'Record<string, unknown>' : 'unknown');
      }
      if (extra && typeof extra === 'object') {
        lines.push(`${pad}[key: string]: ${schemaToType(extra, depth + 1)};`);
      } else if (extra === true) {
        lines.push(`${pad}[key: string]: unknown;`);
      }
      return nullable(`{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`);
    }
  }
}

function jsonSchema(media: MediaTypes | undefined): SchemaObject | undefined {
  const content = media?.content;
  if (!content) return undefined;
  return (content['application/json'] ?? content['multipart/form-data'])?.schema;
}

function parameters(operation: OperationObject, where: 'path' | 'query'): string {
  const list = (operation.parameters ?? []).filter((parameter) => parameter.in === where);
  if (list.length === 0) return 'never';
  const lines = list.map(
    (parameter) =>
      `      ${key(parameter.name)}${parameter.required ? '' : '?'}: ${schemaToType(parameter.schema, 3)};`,
  );
  return `{\n${lines.join('\n')}\n    }`;
}

function successResponse(operation: OperationObject): string {
  const codes = Object.keys(operation.responses ?? {})
    .filter((code) => code.startsWith('2'))
    .sort();
  for (const code of codes) {
    const media = operation.responses?.[code];
    const schema = jsonSchema(media);
    if (schema) return schemaToType(schema, 2);
    if (media?.content && Object.keys(media.content).length > 0) return 'Blob';
  }
  return codes.includes('204') ? 'undefined' : 'unknown';
}

/** The whole generated module. */
export function openApiToTypeScript(document: OpenApiDocument): string {
  const schemas = Object.entries(document.components?.schemas ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, schema]) => `  ${key(name)}: ${indent(schemaToType(schema, 1), '')};`);
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const body = jsonSchema(operation.requestBody);
      operations.push(
        [
          `  ${JSON.stringify(`${method.toUpperCase()} ${path}`)}: {`,
          `    path: ${parameters(operation, 'path')};`,
          `    query: ${parameters(operation, 'query')};`,
          `    body: ${body ? schemaToType(body, 2) : 'never'};`,
          `    response: ${successResponse(operation)};`,
          '  };',
        ].join('\n'),
      );
    }
  }
  return [
    "// Generated from the API's /openapi.json by `npm run console:api`; do not edit by hand.",
    '/* eslint-disable */',
    '',
    `export interface Schemas {\n${schemas.join('\n')}\n}`,
    '',
    `export interface Operations {\n${operations.join('\n')}\n}`,
    '',
  ].join('\n');
}
