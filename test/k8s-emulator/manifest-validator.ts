import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { readSharedFile, upstreamSchema } from '../support/shared-files.js';
import type { StatusCause } from './api-status.js';
import { checkDataVolumeRules } from './cdi-rules.js';
import { checkCoreRules } from './core-rules.js';
import { buildCoreDefinitions } from './core-schemas.js';
import { isJsonObject, type JsonObject, type JsonValue, toJsonValue } from './json.js';
import { checkVirtualMachineRules } from './kubevirt-rules.js';
import { validateObjectMeta } from './metadata-rules.js';
import { isQuantity } from './quantity.js';

export type ManifestKind =
  | 'Namespace'
  | 'Secret'
  | 'ConfigMap'
  | 'PersistentVolumeClaim'
  | 'Pod'
  | 'Event'
  | 'StorageClass'
  | 'DataVolume'
  | 'StorageProfile'
  | 'VolumeImportSource'
  | 'VirtualMachine'
  | 'VirtualMachineInstance'
  | 'NetworkAttachmentDefinition';

/**
 * Where a problem comes from: the OpenAPI schema (strict), the API server's own metadata and
 * type rules, or a validating admission webhook (KubeVirt's virt-api, CDI's apiserver).
 */
export type ProblemSource = 'schema' | 'apiserver' | { webhook: string };

export interface ManifestProblem extends StatusCause {
  field: string;
  source: ProblemSource;
}

type Schema = Record<string, unknown>;

const SCHEMA_BASE = 'https://flotilla.invalid/schemas/';
const KUBEVIRT_WEBHOOK = 'virtualmachine-validator.kubevirt.io';
const CDI_WEBHOOK = 'datavolume-validate.cdi.kubevirt.io';

const EXPECTED_API_VERSION: Record<ManifestKind, string> = {
  Namespace: 'v1',
  Secret: 'v1',
  ConfigMap: 'v1',
  PersistentVolumeClaim: 'v1',
  Pod: 'v1',
  Event: 'v1',
  StorageClass: 'storage.k8s.io/v1',
  DataVolume: 'cdi.kubevirt.io/v1beta1',
  StorageProfile: 'cdi.kubevirt.io/v1beta1',
  VolumeImportSource: 'cdi.kubevirt.io/v1beta1',
  VirtualMachine: 'kubevirt.io/v1',
  VirtualMachineInstance: 'kubevirt.io/v1',
  NetworkAttachmentDefinition: 'k8s.cni.cncf.io/v1',
};

const SCHEMA_REF: Record<ManifestKind, string> = {
  Namespace: 'core.json#/definitions/V1Namespace',
  Secret: 'core.json#/definitions/V1Secret',
  ConfigMap: 'core.json#/definitions/V1ConfigMap',
  PersistentVolumeClaim: 'core.json#/definitions/V1PersistentVolumeClaim',
  Pod: 'core.json#/definitions/V1Pod',
  Event: 'core.json#/definitions/CoreV1Event',
  StorageClass: 'core.json#/definitions/V1StorageClass',
  DataVolume: 'cdi.json#/definitions/v1beta1.DataVolume',
  StorageProfile: 'cdi-populators.json#/definitions/StorageProfile',
  VolumeImportSource: 'cdi-populators.json#/definitions/VolumeImportSource',
  VirtualMachine: 'kubevirt.json#/definitions/v1.VirtualMachine',
  VirtualMachineInstance: 'kubevirt.json#/definitions/v1.VirtualMachineInstance',
  NetworkAttachmentDefinition: 'multus.json#/definitions/NetworkAttachmentDefinition',
};

/** Definitions that really are free-form in Kubernetes (raw JSON carried verbatim). */
const FREE_FORM_DEFINITIONS = new Set([
  'k8s.io.apimachinery.pkg.runtime.RawExtension',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Patch',
  'runtime.RawExtension',
  'v1.FieldsV1',
  'v1.Patch',
]);

const QUANTITY_DEFINITIONS = new Set(['k8s.io.apimachinery.pkg.api.resource.Quantity', 'resource.Quantity']);

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rewrites a Swagger 2.0 schema node for strict validation: closes objects that list their
 * properties, turns int-or-string and Quantity into the JSON types the API server accepts, maps
 * `nullable` onto a type union and drops documentation and `x-kubernetes-*` extensions.
 */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!isSchema(node)) return node;
  if (typeof node.$ref === 'string') {
    const target = node.$ref.replace('#/definitions/', '');
    if (QUANTITY_DEFINITIONS.has(target)) return { type: ['string', 'number'], format: 'quantity' };
    return { $ref: node.$ref };
  }
  if (node.format === 'int-or-string') return { type: ['integer', 'string'] };
  const result: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'default' || key === 'example' || key.startsWith('x-')) continue;
    if (key === 'discriminator') continue;
    if (key === 'properties' && isSchema(value)) {
      const properties: Schema = {};
      for (const [property, schema] of Object.entries(value)) properties[property] = strictify(schema);
      result.properties = properties;
      continue;
    }
    result[key] = strictify(value);
  }
  if (result.nullable === true) {
    if (typeof result.type === 'string') result.type = [result.type, 'null'];
    delete result.nullable;
  }
  if (
    result.type === 'object' &&
    result.properties !== undefined &&
    result.additionalProperties === undefined
  ) {
    result.additionalProperties = false;
  }
  return result;
}

/**
 * Properties a cluster's installed schemas lack, by definition name (`v1.Firmware`,
 * `v1beta1.DataVolumeSpec`, `V1PodSpec`): an older KubeVirt or CDI, whose API server does not know
 * a field the client sends.
 */
export type MissingSchemaProperties = Readonly<Record<string, readonly string[]>>;

function withoutProperties(definitions: Schema, missing: MissingSchemaProperties): void {
  for (const [name, properties] of Object.entries(missing)) {
    const definition = definitions[name];
    if (!isSchema(definition) || !isSchema(definition.properties)) continue;
    const kept: Schema = { ...definition.properties };
    for (const property of properties) delete kept[property];
    const required = Array.isArray(definition.required)
      ? definition.required.filter((entry) => !properties.includes(String(entry)))
      : undefined;
    definitions[name] = { ...definition, properties: kept, ...(required ? { required } : {}) };
  }
}

function swaggerDocument(file: string, id: string, missing: MissingSchemaProperties): Schema {
  const raw: unknown = JSON.parse(readSharedFile(upstreamSchema(file)));
  if (!isSchema(raw) || !isSchema(raw.definitions)) throw new Error(`${file} has no definitions`);
  const definitions: Schema = {};
  for (const [name, definition] of Object.entries(raw.definitions)) {
    if (QUANTITY_DEFINITIONS.has(name)) {
      definitions[name] = { type: ['string', 'number'], format: 'quantity' };
      continue;
    }
    const strict = strictify(definition);
    if (
      isSchema(strict) &&
      strict.type === 'object' &&
      strict.properties === undefined &&
      strict.additionalProperties === undefined &&
      !FREE_FORM_DEFINITIONS.has(name)
    ) {
      // Go structs without fields (`masquerade: {}`): a real decoder rejects any key inside.
      strict.additionalProperties = false;
    }
    definitions[name] = strict;
  }
  withoutProperties(definitions, missing);
  return { $id: `${SCHEMA_BASE}${id}`, definitions };
}

function multusDocument(): Schema {
  return {
    $id: `${SCHEMA_BASE}multus.json`,
    definitions: {
      NetworkAttachmentDefinition: {
        type: 'object',
        additionalProperties: false,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { $ref: 'kubevirt.json#/definitions/k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
          spec: {
            type: 'object',
            additionalProperties: false,
            properties: { config: { type: 'string' } },
          },
        },
      },
    },
  };
}

/**
 * CDI's StorageProfile and VolumeImportSource are not in the published swagger: their envelope is
 * checked, their spec and status are CDI's own business (the emulator writes them itself).
 */
function cdiPopulatorsDocument(): Schema {
  const envelope = {
    type: 'object',
    additionalProperties: false,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: 'kubevirt.json#/definitions/k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      spec: { type: 'object' },
      status: { type: 'object' },
    },
  };
  return {
    $id: `${SCHEMA_BASE}cdi-populators.json`,
    definitions: { StorageProfile: envelope, VolumeImportSource: envelope },
  };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function createAjv(missing: MissingSchemaProperties): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  ajv.addFormat('date-time', DATE_TIME);
  ajv.addFormat('byte', BASE64);
  ajv.addFormat('quantity', { type: 'string', validate: (value: string) => isQuantity(value) });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addSchema(swaggerDocument('kubevirt.swagger.json', 'kubevirt.json', missing));
  ajv.addSchema(swaggerDocument('cdi.swagger.json', 'cdi.json', missing));
  const core = buildCoreDefinitions([
    'V1Namespace',
    'V1Secret',
    'V1ConfigMap',
    'V1PersistentVolumeClaim',
    'V1Pod',
    'CoreV1Event',
    'V1StorageClass',
  ]);
  withoutProperties(core, missing);
  ajv.addSchema({ $id: `${SCHEMA_BASE}core.json`, definitions: core });
  ajv.addSchema(multusDocument());
  ajv.addSchema(cdiPopulatorsDocument());
  return ajv;
}

/** The schemas one cluster admits with: the upstream ones, or those minus some properties. */
export class SchemaCatalog {
  private ajv: Ajv | undefined;
  private readonly validators = new Map<ManifestKind, ValidateFunction>();

  constructor(private readonly missing: MissingSchemaProperties = {}) {}

  validatorFor(kind: ManifestKind): ValidateFunction {
    const cached = this.validators.get(kind);
    if (cached) return cached;
    this.ajv ??= createAjv(this.missing);
    const validate = this.ajv.compile({ $ref: `${SCHEMA_BASE}${SCHEMA_REF[kind]}` });
    this.validators.set(kind, validate);
    return validate;
  }

  /** Compiles every kind's validator now (about half a second) rather than on its first use. */
  compileAll(): void {
    for (const kind of Object.keys(SCHEMA_REF) as ManifestKind[]) this.validatorFor(kind);
  }
}

let upstreamCatalog: SchemaCatalog | undefined;

/** The upstream schemas as shipped (compiled once per process). */
export function upstreamSchemas(): SchemaCatalog {
  upstreamCatalog ??= new SchemaCatalog();
  return upstreamCatalog;
}

/** `/spec/template/spec/domain/devices/disks/0/name` -> `spec.template.spec.domain.devices.disks[0].name`. */
export function fieldPath(pointer: string, child?: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isSchema(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return jsonTypeName(value);
}

function schemaProblem(error: ErrorObject, object: unknown): ManifestProblem {
  const path = fieldPath(error.instancePath);
  const value = valueAt(object, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = fieldPath(error.instancePath, String(params.additionalProperty));
      return { reason: 'FieldValueInvalid', field, message: `unknown field "${field}"`, source: 'schema' };
    }
    case 'required': {
      const field = fieldPath(error.instancePath, String(params.missingProperty));
      return { reason: 'FieldValueRequired', field, message: 'Required value', source: 'schema' };
    }
    case 'type': {
      const actual = jsonTypeName(value);
      const expected = Array.isArray(params.type) ? params.type.join(',') : String(params.type);
      return {
        reason: 'FieldValueTypeInvalid',
        field: path,
        message: `Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`,
        source: 'schema',
      };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return {
        reason: 'FieldValueNotSupported',
        field: path,
        message: `Unsupported value: ${describeValue(value)}: supported values: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        source: 'schema',
      };
    }
    case 'format': {
      const format = String(params.format);
      const message =
        format === 'quantity'
          ? `Invalid value: ${describeValue(value)}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`
          : `Invalid value: ${describeValue(value)}: ${path} in body must be of type ${format}: ${describeValue(value)}`;
      return { reason: 'FieldValueInvalid', field: path, message, source: 'schema' };
    }
    default:
      return {
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${describeValue(value)}: ${path} in body ${error.message ?? 'is invalid'}`,
        source: 'schema',
      };
  }
}

/** Schema errors only (strict OpenAPI), in document order and without duplicates. */
export function schemaProblems(
  kind: ManifestKind,
  object: unknown,
  schemas: SchemaCatalog = upstreamSchemas(),
): ManifestProblem[] {
  const validate = schemas.validatorFor(kind);
  if (validate(object)) return [];
  const seen = new Set<string>();
  const problems: ManifestProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = schemaProblem(error, object);
    const key = `${problem.field}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/**
 * Removes the fields the schema does not know from `object` (the API server's decoder drops them
 * unless `fieldValidation=Strict`) and returns their paths, sorted (`spec.template.spec.x`).
 */
export function pruneUnknownFields(
  kind: ManifestKind,
  object: JsonObject,
  schemas: SchemaCatalog = upstreamSchemas(),
): string[] {
  const validate = schemas.validatorFor(kind);
  const dropped = new Set<string>();
  // A pass removes every unknown key ajv reports; a second pass is only a safety net.
  for (let pass = 0; pass < 3; pass++) {
    if (validate(object)) break;
    const unknown = (validate.errors ?? []).filter((error) => error.keyword === 'additionalProperties');
    if (unknown.length === 0) break;
    for (const error of unknown) {
      const property = String((error.params as Record<string, unknown>).additionalProperty);
      const parent = valueAt(object, error.instancePath);
      if (!isSchema(parent) || !(property in parent)) continue;
      delete parent[property];
      dropped.add(fieldPath(error.instancePath, property));
    }
  }
  return [...dropped].sort();
}

export interface CheckOptions {
  /** Skip the apiVersion/kind identity check (the server does its own against the URL). */
  skipTypeMeta?: boolean;
  /** Known VirtualMachineClusterPreference names; unknown references are denied like virt-api does. */
  clusterPreferences?: readonly string[];
  /** The schemas to admit with (default: upstream as shipped). */
  schemas?: SchemaCatalog;
}

/**
 * Everything a real cluster would reject this object for at admission: strict schema, metadata
 * rules, then the semantic checks of KubeVirt's and CDI's validating webhooks. Problems of a
 * later stage are reported only when the earlier stages pass, as the API server stops there.
 */
export function checkManifest(
  kind: ManifestKind,
  object: unknown,
  options: CheckOptions = {},
): ManifestProblem[] {
  let json: JsonValue;
  try {
    json = toJsonValue(object);
  } catch (error) {
    return [
      {
        reason: 'FieldValueInvalid',
        field: '',
        message: `not a JSON document: ${String(error)}`,
        source: 'apiserver',
      },
    ];
  }
  if (!isJsonObject(json)) {
    return [
      {
        reason: 'FieldValueInvalid',
        field: '',
        message: 'a manifest must be a JSON object',
        source: 'apiserver',
      },
    ];
  }
  const problems: ManifestProblem[] = [];
  if (!options.skipTypeMeta) {
    const expected = EXPECTED_API_VERSION[kind];
    if (json.apiVersion !== expected) {
      problems.push({
        reason: 'FieldValueInvalid',
        field: 'apiVersion',
        message: `Invalid value: ${describeValue(json.apiVersion)}: must be "${expected}" for ${kind}`,
        source: 'apiserver',
      });
    }
    if (json.kind !== kind) {
      problems.push({
        reason: 'FieldValueInvalid',
        field: 'kind',
        message: `Invalid value: ${describeValue(json.kind)}: must be "${kind}"`,
        source: 'apiserver',
      });
    }
  }
  problems.push(...schemaProblems(kind, json, options.schemas));
  if (problems.length > 0) return problems;
  const metadata = isJsonObject(json.metadata) ? json.metadata : {};
  const nameIsLabel = kind === 'Namespace';
  for (const cause of validateObjectMeta(metadata, { nameIsLabel })) {
    problems.push({ ...cause, field: cause.field ?? '', source: 'apiserver' });
  }
  for (const cause of checkCoreRules(kind, json))
    problems.push({ ...cause, field: cause.field ?? '', source: 'apiserver' });
  if (problems.length > 0) return problems;
  if (kind === 'VirtualMachine') {
    for (const cause of checkVirtualMachineRules(json, options.clusterPreferences)) {
      problems.push({ ...cause, field: cause.field ?? '', source: { webhook: KUBEVIRT_WEBHOOK } });
    }
  }
  if (kind === 'DataVolume') {
    for (const cause of checkDataVolumeRules(json)) {
      problems.push({ ...cause, field: cause.field ?? '', source: { webhook: CDI_WEBHOOK } });
    }
  }
  return problems;
}

/**
 * Validates a manifest the way the emulated cluster admits it and returns readable problems
 * (`spec.source.vddk.foo: unknown field "spec.source.vddk.foo"`); empty when it would be accepted.
 */
export function validateManifest(kind: ManifestKind, object: unknown): string[] {
  return checkManifest(kind, object).map((problem) =>
    problem.field && !problem.message.includes(problem.field)
      ? `${problem.field}: ${problem.message}`
      : problem.message,
  );
}
