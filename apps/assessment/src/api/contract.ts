import {
  Body,
  createParamDecorator,
  type ExecutionContext,
  Param,
  type PipeTransform,
  Query,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  type OpenAPIObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { z } from 'zod';
import { validate } from '../validation.js';
import { apiError } from './common.schemas.js';

/**
 * The API contract: each route's zod schemas are declared once and used twice, by the pipes that
 * validate input at the edge and by the decorators that publish them in /openapi.json. Schemas
 * carrying `.meta({ id })` become named components; the rest are inlined where used.
 */

type JsonSchema = { [keyword: string]: unknown };
type Io = 'input' | 'output';

/** Named schemas referred to by the routes, by component name, added to the document at start-up. */
const components = new Map<string, JsonSchema>();

function convert(schema: z.ZodType, io: Io): JsonSchema {
  // Unrepresentable parts (transforms, custom checks) document as "any value" rather than failing start-up.
  return z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
}

function definitionsOf(converted: JsonSchema): Record<string, JsonSchema> {
  return (converted.$defs ?? {}) as Record<string, JsonSchema>;
}

const DEFINITION_REF = /"#\/\$defs\/([^"]+)"/g;

function referencedIds(definition: JsonSchema): string[] {
  return [...JSON.stringify(definition).matchAll(DEFINITION_REF)].map((match) => match[1] as string);
}

/**
 * A schema with defaults reads differently as a request (fields optional) than as a response (fields
 * present): the request form of a named schema gets the `Input` suffix when it differs, and so does
 * every named schema that refers to one that does.
 */
function componentNames(
  schema: z.ZodType,
  io: Io,
  definitions: Record<string, JsonSchema>,
): Map<string, string> {
  const names = new Map(Object.keys(definitions).map((id) => [id, id]));
  if (io === 'output') return names;
  const outputDefinitions = definitionsOf(convert(schema, 'output'));
  const differing = new Set(
    Object.keys(definitions).filter(
      (id) => JSON.stringify(definitions[id]) !== JSON.stringify(outputDefinitions[id]),
    ),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, definition] of Object.entries(definitions)) {
      if (!differing.has(id) && referencedIds(definition).some((ref) => differing.has(ref))) {
        differing.add(id);
        grew = true;
      }
    }
  }
  for (const id of differing) names.set(id, `${id}Input`);
  return names;
}

function registerComponent(name: string, definition: JsonSchema): void {
  const existing = components.get(name);
  if (existing && JSON.stringify(existing) !== JSON.stringify(definition)) {
    throw new Error(`Two different API schemas are named ${name}; give one of them another id`);
  }
  components.set(name, definition);
}

/** The JSON Schema (2020-12, as OpenAPI 3.1 takes it) of a request or response, named parts registered. */
export function documentSchema(schema: z.ZodType, io: Io): JsonSchema {
  const converted = convert(schema, io);
  const { $schema: _dialect, $defs: _definitions, ...root } = converted;
  const definitions = definitionsOf(converted);
  const names = componentNames(schema, io, definitions);
  const rewrite = (value: JsonSchema): JsonSchema =>
    JSON.parse(
      JSON.stringify(value).replace(
        DEFINITION_REF,
        (_ref, id: string) => `"#/components/schemas/${names.get(id)}"`,
      ),
    ) as JsonSchema;
  for (const [id, definition] of Object.entries(definitions))
    registerComponent(names.get(id) ?? id, rewrite(definition));
  return rewrite(root);
}

/** `plansCreate`, `executionsCancel`: the names a client generated from the document gives its calls. */
export function contractOperationId(controllerKey: string, methodKey: string): string {
  const area = controllerKey.replace(/Controller$/, '');
  return `${area.charAt(0).toLowerCase()}${area.slice(1)}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Adds the named schemas to the document, declares the dialect they are written in (OpenAPI 3.1 =
 * JSON Schema 2020-12) and documents the error answer every route can give.
 */
export function withContractSchemas(document: OpenAPIObject): OpenAPIObject {
  const errorAnswer = {
    description: 'An error: 401/403 access, 404 missing, 409 conflict, 422 invalid input (naming the field)',
    content: { 'application/json': { schema: documentSchema(apiError, 'output') } },
  };
  for (const operations of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = operations[method];
      if (operation) operation.responses = { ...operation.responses, default: errorAnswer };
    }
  }
  const schemas = Object.fromEntries([...components].sort(([a], [b]) => a.localeCompare(b)));
  return {
    ...document,
    openapi: '3.1.0',
    components: { ...document.components, schemas: { ...document.components?.schemas, ...schemas } },
  };
}

/** Parses one parameter with its schema; a failure is a 422 naming the field (see validation.ts). */
export class SchemaValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(
    private readonly schema: T,
    private readonly where: string,
  ) {}

  transform(value: unknown): z.output<T> {
    // A request without a body (no Content-Type) reaches the pipe as undefined: read it as `{}`, so
    // optional-only bodies (approve with If-Match) need none and required fields are named.
    return validate(this.schema, value === undefined && this.where === 'body' ? {} : value, this.where);
  }
}

/** Applies swagger's method decorators from a parameter decorator, so one line declares both. */
function decorateMethod(target: object, key: string | symbol | undefined, decorator: MethodDecorator): void {
  if (key === undefined) throw new Error('API contract decorators go on route handler parameters');
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor) throw new Error(`No route handler ${String(key)} to document`);
  decorator(target, key, descriptor);
}

export interface ExampleObject {
  summary: string;
  value: unknown;
}

/** The JSON request body: validated by `schema`, documented from it, with examples for the main flows. */
export function ValidBody(
  schema: z.ZodType,
  options: { description?: string; examples?: Record<string, ExampleObject> } = {},
): ParameterDecorator {
  return (target, key, index) => {
    Body(new SchemaValidationPipe(schema, 'body'))(target, key, index);
    decorateMethod(
      target,
      key,
      ApiBody({
        schema: documentSchema(schema, 'input'),
        // An absent body is accepted when the schema accepts `undefined` (a default or `.optional()`).
        required: !schema.safeParse(undefined).success,
        ...(options.description ? { description: options.description } : {}),
        ...(options.examples ? { examples: options.examples } : {}),
      }),
    );
  };
}

/**
 * A multipart form: the uploaded file in `fileField` (read by multer) and the text fields, validated by
 * `fields` like a JSON body.
 */
export function ValidMultipartForm(
  fields: z.ZodObject,
  fileField: { name: string; description: string },
): ParameterDecorator {
  return (target, key, index) => {
    // Without a multipart body multer leaves no fields at all: the text fields are then all absent.
    const absentAsEmpty = z.preprocess((value) => value ?? {}, fields);
    Body(new SchemaValidationPipe(absentAsEmpty, 'form'))(target, key, index);
    const form = documentSchema(fields, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    decorateMethod(target, key, ApiConsumes('multipart/form-data'));
    decorateMethod(
      target,
      key,
      ApiBody({
        required: true,
        schema: {
          type: 'object',
          properties: {
            [fileField.name]: { type: 'string', format: 'binary', description: fileField.description },
            ...form.properties,
          },
          required: [fileField.name, ...(form.required ?? [])],
        },
      }),
    );
  };
}

/** The query string as one object: each property a documented query parameter. */
export function ValidQuery(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Query(new SchemaValidationPipe(schema, 'query'))(target, key, index);
    const { properties = {}, required = [] } = documentSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...propertySchema } = property;
      decorateMethod(
        target,
        key,
        ApiQuery({
          name,
          required: required.includes(name),
          schema: propertySchema,
          ...(typeof description === 'string' ? { description } : {}),
        }),
      );
    }
  };
}

/** One path parameter, parsed by `schema`; `what` names it in errors ("plan id"). */
export function ValidParam(name: string, schema: z.ZodType, what: string): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new SchemaValidationPipe(schema, what))(target, key, index);
    decorateMethod(
      target,
      key,
      ApiParam({ name, required: true, description: what, schema: documentSchema(schema, 'input') }),
    );
  };
}

/** One query parameter on its own, parsed by `schema`. */
export function ValidQueryParam(name: string, schema: z.ZodType, description: string): ParameterDecorator {
  return (target, key, index) => {
    Query(name, new SchemaValidationPipe(schema, name))(target, key, index);
    decorateMethod(
      target,
      key,
      ApiQuery({
        name,
        required: !schema.safeParse(undefined).success,
        description,
        schema: documentSchema(schema, 'input'),
      }),
    );
  };
}

/** A free-text path parameter such as a VM key (URL-encoded: keys hold a `/`). */
export function TextParam(name: string, what: string): ParameterDecorator {
  return ValidParam(name, z.string().min(1), what);
}

const headerValue = createParamDecorator((name: string, context: ExecutionContext): unknown => {
  const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
  return request.headers[name.toLowerCase()];
});

/** A request header parsed by `schema` (Nest runs no pipes on `@Headers()`). */
export function ValidHeader(name: string, schema: z.ZodType, description: string): ParameterDecorator {
  return (target, key, index) => {
    headerValue(name, new SchemaValidationPipe(schema, `${name} header`))(target, key, index);
    decorateMethod(
      target,
      key,
      ApiHeader({
        name,
        required: !schema.safeParse(undefined).success,
        description,
        schema: { type: 'string' },
      }),
    );
  };
}

const uuid = z.uuid('must be a UUID');

/** A resource id in the path: anything but a UUID is a 422 naming the parameter. */
export function UuidParam(name: string, what: string): ParameterDecorator {
  return ValidParam(name, uuid, what);
}

/** The JSON answer of a route, with the status it is sent with. */
export function Returns(
  schema: z.ZodType,
  options: { status?: number; description?: string; examples?: Record<string, ExampleObject> } = {},
): MethodDecorator {
  return ApiResponse({
    status: options.status ?? 200,
    description: options.description ?? 'Success',
    content: {
      'application/json': {
        schema: documentSchema(schema, 'output'),
        ...(options.examples ? { examples: options.examples } : {}),
      },
    },
  });
}

/** A route that answers with no body (204). */
export function ReturnsNothing(description: string): MethodDecorator {
  return ApiResponse({ status: 204, description });
}

/** A download that is not JSON (a workbook, a CSV file): its content types, as bytes. */
export function ReturnsFile(contentTypes: string[], description: string): MethodDecorator {
  return (target, key, descriptor) => {
    ApiProduces(...contentTypes)(target, key, descriptor);
    ApiResponse({
      status: 200,
      description,
      content: Object.fromEntries(
        contentTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
      ),
    })(target, key, descriptor);
  };
}

/** A server-sent-events stream; `schema` describes the `data` of each event. */
export function ReturnsEventStream(schema: z.ZodType, description: string): MethodDecorator {
  // OpenAPI 3.1 has no item schema for streams: the JSON of each event's `data` goes in an extension.
  const eventStreamSchema: SchemaObject = {
    type: 'string',
    description: 'Events of `id:`, `event:` and `data:` lines; each `data` is JSON as in x-event-data',
  };
  Object.assign(eventStreamSchema, { 'x-event-data': documentSchema(schema, 'output') });
  return (target, key, descriptor) => {
    ApiProduces('text/event-stream')(target, key, descriptor);
    ApiResponse({
      status: 200,
      description,
      content: {
        'text/event-stream': {
          schema: eventStreamSchema,
        },
      },
    })(target, key, descriptor);
  };
}
