import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  admissionDenied,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  KubeApiError,
  namespaceNotFound,
  notFound,
  unsupportedMediaType,
} from './api-status.js';
import { isMultiStage } from './cdi-rules.js';
import {
  asArray,
  asObject,
  asString,
  clone,
  deepEqual,
  getPath,
  isJsonObject,
  isKubeObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  labelsOf,
  metaName,
  metaNamespace,
  metaUid,
  toJsonValue,
} from './json.js';
import { checkManifest, pruneUnknownFields, type SchemaCatalog } from './manifest-validator.js';
import type { ObjectStore } from './object-store.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patches.js';
import {
  apiVersionOf,
  findResourceByKind,
  NAMESPACES,
  RESOURCE_TYPES,
  type ResourceType,
} from './resource-types.js';
import { type FieldRequirement, type LabelSelector, matchesFields, matchesLabels } from './selectors.js';
import type { SimulationClock } from './simulation-clock.js';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/** How the decoder treats fields the schema does not know (`?fieldValidation=`; default Warn). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** Collects the warnings the response carries (`Warning: 299 - "..."` headers). */
  warnings?: string[];
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Pods only: overrides `spec.terminationGracePeriodSeconds`; 0 deletes at once. */
  gracePeriodSeconds?: number;
}

export interface ListSelectors {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
}

export interface ApiMachineryOptions {
  /** Strict admission (schema, metadata, webhooks). Default true. */
  validate: boolean;
  clusterPreferences?: readonly string[];
  /** Real API servers refuse strategic-merge patches of custom resources (415). */
  strategicMergeOnCustomResources: 'reject' | 'merge';
  defaultStorageClassName?: string;
  /** The schemas admission uses (default: upstream as shipped). */
  schemas?: SchemaCatalog;
  /** kubemacpool's VirtualMachine webhook refuses a MAC another VM already holds (default true). */
  kubemacpool?: boolean;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const FOREGROUND_FINALIZER = 'foregroundDeletion';

function randomSuffix(): string {
  const bytes = randomBytes(5);
  return [...bytes].map((byte) => GENERATE_NAME_ALPHABET[byte % GENERATE_NAME_ALPHABET.length]).join('');
}

function withoutVolatileMeta(object: KubeObject): KubeObject {
  const copy = clone(object);
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  return copy;
}

/** Fields the API server can select on, for an object of the given resource. */
export function selectableFields(resource: ResourceType, object: KubeObject): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': metaName(object),
    'metadata.namespace': metaNamespace(object),
  };
  for (const label of resource.fieldLabels) {
    if (label === 'source') {
      fields[label] = asString(getPath(object, 'source.component')) ?? '';
      continue;
    }
    const value = getPath(object, label);
    fields[label] = value === undefined || value === null ? '' : String(value);
  }
  return fields;
}

export function matchesSelectors(
  resource: ResourceType,
  object: KubeObject,
  selectors: ListSelectors,
): boolean {
  if (selectors.labelSelector && !matchesLabels(selectors.labelSelector, labelsOf(object))) return false;
  if (selectors.fieldSelector && !matchesFields(selectors.fieldSelector, selectableFields(resource, object)))
    return false;
  return true;
}

function ownerReferences(object: KubeObject): JsonObject[] {
  return asArray(object.metadata.ownerReferences).filter(isJsonObject);
}

function finalizers(object: KubeObject): string[] {
  return asArray(object.metadata.finalizers).filter((f): f is string => typeof f === 'string');
}

/**
 * Marked for deletion, no finalizer left, and no grace period running (a Pod in graceful
 * deletion goes when its kubelet deletes it with a grace period of 0).
 */
function finalizable(object: KubeObject): boolean {
  return (
    object.metadata.deletionTimestamp !== undefined &&
    finalizers(object).length === 0 &&
    Number(object.metadata.deletionGracePeriodSeconds ?? 0) === 0
  );
}

/**
 * The request-independent semantics of the API server: admission, optimistic concurrency,
 * subresources, patches, finalizers, garbage collection and namespace lifecycle. Both the HTTP
 * layer and the simulated controllers write through it.
 */
/** A merge patch that applies `next` and nulls out what `previous` set but `next` no longer does. */
function withRemovals(previous: JsonValue, next: JsonValue): JsonValue {
  if (!isJsonObject(previous) || !isJsonObject(next)) return next;
  const result: JsonObject = {};
  for (const key of Object.keys(previous)) {
    if (!(key in next)) result[key] = null;
  }
  for (const [key, value] of Object.entries(next)) {
    result[key] =
      isJsonObject(value) && isJsonObject(previous[key]) ? withRemovals(previous[key], value) : value;
  }
  return result;
}

export class ApiMachinery {
  private readonly appliedConfigs = new Map<string, JsonValue>();
  private readonly gcQueue = new Set<string>();
  private gcScheduled = false;
  private closed = false;

  constructor(
    readonly store: ObjectStore,
    private readonly clock: SimulationClock,
    private readonly options: ApiMachineryOptions,
  ) {}

  close(): void {
    this.closed = true;
  }

  // ---- reads ---------------------------------------------------------------------------------

  get(resource: ResourceType, namespace: string, name: string): KubeObject {
    const found = this.store.get(resource, resource.namespaced ? namespace : '', name);
    if (!found) throw notFound(resource, name);
    return this.present(resource, found);
  }

  find(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store.get(resource, resource.namespaced ? namespace : '', name);
  }

  list(resource: ResourceType, namespace: string | undefined, selectors: ListSelectors = {}): KubeObject[] {
    return this.store
      .list(resource, resource.namespaced ? namespace : undefined)
      .filter((object) => matchesSelectors(resource, object, selectors))
      .map((object) => this.present(resource, object));
  }

  /** Stored objects always carry apiVersion/kind on the way out. */
  present(resource: ResourceType, object: KubeObject): KubeObject {
    return { apiVersion: apiVersionOf(resource), kind: resource.kind, ...object };
  }

  // ---- admission -----------------------------------------------------------------------------

  private checkTypeMeta(resource: ResourceType, body: KubeObject): void {
    const apiVersion = asString(body.apiVersion);
    const kind = asString(body.kind);
    if (resource.custom && (!apiVersion || !kind)) {
      throw badRequest(
        `Object '${!kind ? 'Kind' : 'apiVersion'}' is missing in '${JSON.stringify(body).slice(0, 200)}'`,
      );
    }
    if (apiVersion && apiVersion !== apiVersionOf(resource)) {
      throw badRequest(
        `the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(resource)})`,
      );
    }
    if (kind && kind !== resource.kind) {
      throw badRequest(`the kind in the data (${kind}) does not match the expected kind (${resource.kind})`);
    }
  }

  /**
   * The decoder: fields the schema does not know are refused (Strict, 400 "strict decoding
   * error"), or dropped with a warning (Warn, the default) or silently (Ignore), as a real API
   * server does since 1.27. Runs on the stored shape (no apiVersion/kind) before admission.
   */
  private decode(resource: ResourceType, object: KubeObject, options: WriteOptions): void {
    if (!this.options.validate) return;
    const presented = this.present(resource, object);
    const dropped = pruneUnknownFields(resource.kind, presented, this.options.schemas);
    if (dropped.length === 0) return;
    // Top-level keys were removed from the presented copy only; nested ones from the shared objects.
    for (const key of Object.keys(object)) if (!(key in presented)) delete object[key];
    const unknown = dropped.map((field) => `unknown field "${field}"`);
    if (options.fieldValidation === 'Strict') {
      throw badRequest(
        `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${unknown.join(', ')}`,
      );
    }
    if (options.fieldValidation !== 'Ignore') options.warnings?.push(...unknown);
  }

  /**
   * kubemacpool (a mutating webhook, before validation): a VirtualMachine asking for a MAC that
   * another VirtualMachine of the cluster holds is refused with the webhook's 500, as kubemacpool
   * releases before v0.51 did (later ones allow it and only raise an alert).
   */
  private allocateMacs(resource: ResourceType, object: KubeObject, operation: 'create' | 'update'): void {
    if (resource.kind !== 'VirtualMachine' || this.options.kubemacpool === false) return;
    const interfaces = asArray(getPath(object, 'spec.template.spec.domain.devices.interfaces'));
    const requested = new Set(
      interfaces
        .filter(isJsonObject)
        .map((entry) => asString(entry.macAddress)?.toLowerCase())
        .filter((mac): mac is string => mac !== undefined && mac !== ''),
    );
    if (requested.size === 0) return;
    const self = `${metaNamespace(object)}/${metaName(object)}`;
    for (const other of this.store.scan(resource)) {
      if (`${metaNamespace(other)}/${metaName(other)}` === self || other.metadata.deletionTimestamp) continue;
      const held = asArray(getPath(other, 'spec.template.spec.domain.devices.interfaces'))
        .filter(isJsonObject)
        .some((entry) => requested.has(asString(entry.macAddress)?.toLowerCase() ?? ''));
      if (!held) continue;
      const verb = operation === 'create' ? 'create' : 'update';
      throw new KubeApiError(
        500,
        '',
        `admission webhook "mutatevirtualmachines.kubemacpool.io" denied the request: Failed to ${verb} virtual machine allocation error: failed to allocate requested mac address`,
      );
    }
  }

  private admit(resource: ResourceType, object: KubeObject): void {
    if (!this.options.validate) return;
    const problems = checkManifest(resource.kind, object, {
      skipTypeMeta: true,
      clusterPreferences: this.options.clusterPreferences,
      schemas: this.options.schemas,
    });
    if (problems.length === 0) return;
    const name = metaName(object) || asString(object.metadata.generateName) || '';
    const causes = problems.map(({ reason, message, field }) => ({ reason, message, field }));
    const webhook = problems.find((problem) => typeof problem.source === 'object')?.source;
    if (webhook && typeof webhook === 'object')
      throw admissionDenied(webhook.webhook, resource, name, causes);
    throw invalid(resource, name, causes);
  }

  private requireNamespace(resource: ResourceType, namespace: string, objectName: string): void {
    if (!resource.namespaced) return;
    const ns = this.store.get(NAMESPACES, '', namespace);
    if (!ns) throw namespaceNotFound(namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(
        resource,
        objectName,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  private applyCreateDefaults(resource: ResourceType, object: KubeObject): void {
    switch (resource.kind) {
      case 'Namespace': {
        object.metadata.labels = { ...labelsOf(object), 'kubernetes.io/metadata.name': metaName(object) };
        object.spec = { finalizers: ['kubernetes'] };
        object.status = { phase: 'Active' };
        break;
      }
      case 'Secret':
        object.type ??= 'Opaque';
        break;
      case 'PersistentVolumeClaim': {
        const spec = asObject(object.spec) ?? {};
        spec.volumeMode ??= 'Filesystem';
        if (spec.storageClassName === undefined && this.options.defaultStorageClassName) {
          spec.storageClassName = this.options.defaultStorageClassName;
        }
        object.spec = spec;
        object.status = { phase: 'Pending' };
        // The StorageObjectInUseProtection admission plugin marks every claim.
        if (!finalizers(object).includes('kubernetes.io/pvc-protection')) {
          object.metadata.finalizers = [...finalizers(object), 'kubernetes.io/pvc-protection'];
        }
        break;
      }
      case 'Pod': {
        const spec = asObject(object.spec) ?? {};
        spec.restartPolicy ??= 'Always';
        spec.dnsPolicy ??= 'ClusterFirst';
        spec.schedulerName ??= 'default-scheduler';
        spec.terminationGracePeriodSeconds ??= 30;
        spec.securityContext ??= {};
        for (const container of asArray(spec.containers).filter(isJsonObject)) {
          container.terminationMessagePath ??= '/dev/termination-log';
          container.terminationMessagePolicy ??= 'File';
          const image = asString(container.image) ?? '';
          container.imagePullPolicy ??=
            image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent';
        }
        object.spec = spec;
        object.status = { phase: 'Pending', qosClass: 'BestEffort' };
        break;
      }
      default:
        if (resource.custom && resource.hasStatus) delete object.status;
    }
  }

  /** Folds `stringData` into `data` like the Secret strategy; stringData is write-only. */
  private normalizeSecret(resource: ResourceType, object: KubeObject): void {
    if (resource.kind !== 'Secret' || !isJsonObject(object.stringData)) return;
    const data = asObject(object.data) ?? {};
    for (const [key, value] of Object.entries(object.stringData)) {
      if (typeof value === 'string') data[key] = Buffer.from(value).toString('base64');
    }
    object.data = data;
    delete object.stringData;
  }

  // ---- create --------------------------------------------------------------------------------

  create(resource: ResourceType, namespace: string, body: JsonValue, options: WriteOptions = {}): KubeObject {
    if (!isJsonObject(body)) throw badRequest('the body of the request must be a JSON object');
    const object = clone(body) as KubeObject;
    if (!isJsonObject(object.metadata)) object.metadata = {};
    this.checkTypeMeta(resource, object);
    const bodyNamespace = asString(object.metadata.namespace) ?? '';
    if (resource.namespaced) {
      if (bodyNamespace && bodyNamespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = namespace;
    } else {
      delete object.metadata.namespace;
    }
    if (asString(object.metadata.resourceVersion)) {
      throw internalError('resourceVersion should not be set on objects to be created');
    }
    const generateName = asString(object.metadata.generateName);
    if (!asString(object.metadata.name) && generateName) {
      object.metadata.name = `${generateName.slice(0, 58)}${randomSuffix()}`;
    }
    const name = metaName(object);
    this.requireNamespace(resource, namespace, name || generateName || '');
    delete object.apiVersion;
    delete object.kind;
    this.decode(resource, object, options);
    this.applyCreateDefaults(resource, object);
    this.allocateMacs(resource, object, 'create');
    this.admit(resource, this.present(resource, object));
    this.normalizeSecret(resource, object);
    for (const field of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'selfLink',
    ]) {
      delete object.metadata[field];
    }
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = this.clock.timestamp();
    if (resource.tracksGeneration) object.metadata.generation = 1;
    if (this.store.get(resource, metaNamespace(object), name)) throw alreadyExists(resource, name);
    if (options.dryRun) return this.present(resource, object);
    const stored = this.store.insert(resource, object);
    this.checkOwnersLater(resource, stored);
    return this.present(resource, stored);
  }

  // ---- update --------------------------------------------------------------------------------

  private checkImmutability(resource: ResourceType, existing: KubeObject, next: KubeObject): void {
    const name = metaName(existing);
    if (resource.kind === 'DataVolume') {
      // CDI admits checkpoint changes only for multi-stage imports (checkpoints on a VDDK or
      // ImageIO source); Go's semantic equality takes a nil list or false flag as unset.
      const multiStage = isMultiStage(asObject(next.spec));
      const strip = (spec: JsonValue | undefined) => {
        const copy = clone(asObject(spec) ?? {});
        if (multiStage || asArray(copy.checkpoints).length === 0) delete copy.checkpoints;
        if (multiStage || copy.finalCheckpoint === false) delete copy.finalCheckpoint;
        return copy;
      };
      if (!deepEqual(strip(existing.spec), strip(next.spec))) {
        throw admissionDenied('datavolume-validate.cdi.kubevirt.io', resource, name, [
          {
            reason: 'FieldValueDuplicate',
            field: 'DataVolume.Spec',
            message: 'Cannot update DataVolume Spec',
          },
        ]);
      }
    }
    if (resource.kind === 'PersistentVolumeClaim') {
      const strip = (spec: JsonValue | undefined) => {
        const copy = clone(asObject(spec) ?? {});
        const resources = asObject(copy.resources);
        if (resources) delete resources.requests;
        delete copy.volumeAttributesClassName;
        if (asString(asObject(spec)?.volumeName) === undefined) delete copy.volumeName;
        return copy;
      };
      const nextSpec = strip(next.spec);
      const existingSpec = strip(existing.spec);
      if (asString(asObject(existing.spec)?.volumeName) && !asString(asObject(next.spec)?.volumeName)) {
        delete existingSpec.volumeName;
      }
      if (!deepEqual(existingSpec, nextSpec)) {
        throw invalid(resource, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'spec',
            message:
              'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
          },
        ]);
      }
    }
    if (resource.kind === 'Pod') {
      const strip = (spec: JsonValue | undefined) => {
        const copy = clone(asObject(spec) ?? {});
        for (const container of asArray(copy.containers).filter(isJsonObject)) delete container.image;
        delete copy.activeDeadlineSeconds;
        delete copy.tolerations;
        return copy;
      };
      if (!deepEqual(strip(existing.spec), strip(next.spec))) {
        throw invalid(resource, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'spec',
            message:
              'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          },
        ]);
      }
    }
    if (resource.kind === 'Secret' && existing.immutable === true) {
      if (!deepEqual(existing.data, next.data) || next.immutable !== true) {
        throw invalid(resource, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'data',
            message: 'Forbidden: field is immutable when `immutable` is set',
          },
        ]);
      }
    }
    if (existing.metadata.deletionTimestamp) {
      const added = finalizers(next).filter((f) => !finalizers(existing).includes(f));
      if (added.length > 0) {
        throw invalid(resource, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: 'Forbidden: no new finalizers can be added if the object is being deleted',
          },
        ]);
      }
    }
  }

  private specChanged(existing: KubeObject, next: KubeObject): boolean {
    const strip = (object: KubeObject) => {
      const copy: JsonObject = { ...object };
      delete copy.metadata;
      delete copy.status;
      delete copy.apiVersion;
      delete copy.kind;
      return copy;
    };
    return !deepEqual(strip(existing), strip(next));
  }

  /** Writes `next` over `existing`; a no-op write keeps the resourceVersion, as the real server does. */
  private commit(
    resource: ResourceType,
    existing: KubeObject,
    next: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    delete next.apiVersion;
    delete next.kind;
    next.metadata.resourceVersion = existing.metadata.resourceVersion ?? '';
    if (resource.tracksGeneration && this.specChanged(existing, next)) {
      next.metadata.generation = (Number(existing.metadata.generation) || 0) + 1;
    }
    if (deepEqual(withoutVolatileMeta(existing), withoutVolatileMeta(next)))
      return this.present(resource, existing);
    if (options.dryRun) return this.present(resource, next);
    const stored = this.store.replace(resource, next);
    if (finalizable(stored)) {
      this.finalize(resource, stored);
      return this.present(resource, stored);
    }
    this.checkOwnersLater(resource, stored);
    return this.present(resource, stored);
  }

  private loadForWrite(resource: ResourceType, namespace: string, name: string): KubeObject {
    const existing = this.store.get(resource, resource.namespaced ? namespace : '', name);
    if (!existing) throw notFound(resource, name);
    return existing;
  }

  private checkResourceVersion(
    resource: ResourceType,
    existing: KubeObject,
    next: KubeObject,
    required: boolean,
  ): void {
    const wanted = asString(next.metadata.resourceVersion);
    if (!wanted) {
      if (required) {
        throw invalid(resource, metaName(existing), [
          {
            reason: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ]);
      }
      return;
    }
    if (wanted !== existing.metadata.resourceVersion) throw conflict(resource, metaName(existing));
  }

  update(
    resource: ResourceType,
    namespace: string,
    name: string,
    body: JsonValue,
    options: WriteOptions & { subresource?: 'status'; fromPatch?: boolean } = {},
  ): KubeObject {
    if (!isJsonObject(body)) throw badRequest('the body of the request must be a JSON object');
    const incoming = clone(body) as KubeObject;
    if (!isJsonObject(incoming.metadata)) incoming.metadata = {};
    this.checkTypeMeta(resource, incoming);
    const bodyName = asString(incoming.metadata.name);
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    incoming.metadata.name = name;
    const bodyNamespace = asString(incoming.metadata.namespace);
    if (resource.namespaced && bodyNamespace && bodyNamespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const existing = this.store.get(resource, resource.namespaced ? namespace : '', name);
    if (!existing) {
      if (resource.allowCreateOnUpdate && !options.subresource)
        return this.create(resource, namespace, incoming, options);
      throw notFound(resource, name);
    }
    this.checkResourceVersion(resource, existing, incoming, resource.custom && !options.fromPatch);
    let next: KubeObject;
    delete incoming.apiVersion;
    delete incoming.kind;
    this.decode(resource, incoming, options);
    if (options.subresource === 'status') {
      next = clone(existing);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      next = incoming;
      for (const field of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ]) {
        if (existing.metadata[field] === undefined) delete next.metadata[field];
        else next.metadata[field] = existing.metadata[field];
      }
      if (resource.namespaced) next.metadata.namespace = namespace;
      else delete next.metadata.namespace;
      if (resource.hasStatus) {
        if (existing.status === undefined) delete next.status;
        else next.status = existing.status;
      }
      if (resource.kind === 'Namespace') next.spec = existing.spec ?? {};
      this.normalizeSecret(resource, next);
      this.checkImmutability(resource, existing, next);
      this.allocateMacs(resource, next, 'update');
    }
    this.admit(resource, this.present(resource, next));
    return this.commit(resource, existing, next, options);
  }

  // ---- patch ---------------------------------------------------------------------------------

  patch(
    resource: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    rawBody: string,
    options: WriteOptions & { subresource?: 'status'; force?: boolean } = {},
  ): KubeObject {
    const type = contentType.split(';')[0].trim().toLowerCase();
    let patch: JsonValue;
    try {
      patch = toJsonValue(type === 'application/apply-patch+yaml' ? parseYaml(rawBody) : JSON.parse(rawBody));
    } catch (error) {
      throw badRequest(`error decoding patch: ${error instanceof Error ? error.message : String(error)}`);
    }
    const existing = this.store.get(resource, resource.namespaced ? namespace : '', name);
    if (type === 'application/apply-patch+yaml') {
      if (!options.fieldManager) {
        throw new KubeApiError(
          422,
          'Invalid',
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
          {
            causes: [
              {
                reason: 'FieldValueRequired',
                field: 'fieldManager',
                message: 'Required value: is required for apply patch',
              },
            ],
          },
        );
      }
      if (!isJsonObject(patch)) throw badRequest('apply patch must be an object');
      if (!existing) {
        if (options.subresource) throw notFound(resource, name);
        const body = clone(patch) as KubeObject;
        if (!isJsonObject(body.metadata)) body.metadata = {};
        if (asString(body.metadata.name) !== undefined && body.metadata.name !== name) {
          throw badRequest(
            `the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`,
          );
        }
        body.metadata.name = name;
        const created = this.create(resource, namespace, body, options);
        if (!options.dryRun)
          this.appliedConfigs.set(`${metaUid(created)}|${options.fieldManager}`, clone(patch));
        return created;
      }
    }
    if (!existing) throw notFound(resource, name);
    const current = this.present(resource, existing);
    let patched: JsonValue;
    switch (type) {
      case 'application/json-patch+json':
        patched = applyJsonPatch(current, patch);
        break;
      case 'application/merge-patch+json':
        patched = applyMergePatch(current, patch);
        break;
      case 'application/apply-patch+yaml': {
        // Server-side apply approximated per field manager: fields this manager applied before
        // and no longer applies are removed, everything else it applies is merged in.
        const key = `${metaUid(existing)}|${options.fieldManager ?? ''}`;
        const previous = this.appliedConfigs.get(key);
        const merge = previous ? withRemovals(previous, patch) : patch;
        patched = applyMergePatch(current, merge);
        if (!options.dryRun && isJsonObject(patch)) this.appliedConfigs.set(key, clone(patch));
        break;
      }
      case 'application/strategic-merge-patch+json':
        if (resource.custom && this.options.strategicMergeOnCustomResources === 'reject')
          throw unsupportedMediaType(type);
        patched = resource.custom
          ? applyMergePatch(current, patch)
          : applyStrategicMergePatch(current, patch);
        break;
      default:
        throw unsupportedMediaType(type);
    }
    if (!isKubeObject(patched)) throw badRequest('the patch removed the object metadata');
    return this.update(resource, namespace, name, patched, { ...options, fromPatch: true });
  }

  // ---- delete --------------------------------------------------------------------------------

  delete(
    resource: ResourceType,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): { object: KubeObject; deleted: boolean } {
    const existing = this.loadForWrite(resource, namespace, name);
    const preconditions = options.preconditions ?? {};
    if (preconditions.uid && preconditions.uid !== metaUid(existing)) {
      throw conflict(
        resource,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${metaUid(existing)}`,
      );
    }
    if (
      preconditions.resourceVersion &&
      preconditions.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw conflict(
        resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${String(existing.metadata.resourceVersion)}`,
      );
    }
    if (options.dryRun) return { object: this.present(resource, existing), deleted: true };
    const graceful = this.deletePodGracefully(resource, existing, options);
    if (graceful) return graceful;
    const policy = options.propagationPolicy ?? 'Background';
    if (existing.metadata.deletionTimestamp) {
      if (policy === 'Foreground' && !finalizers(existing).includes(FOREGROUND_FINALIZER)) {
        return this.deleteForeground(resource, existing);
      }
      return { object: this.present(resource, existing), deleted: false };
    }
    if (policy === 'Orphan') this.orphanDependents(existing);
    if (policy === 'Foreground') return this.deleteForeground(resource, existing);
    if (resource.kind === 'Namespace') return this.deleteNamespace(existing);
    if (finalizers(existing).length > 0) {
      const marked = clone(existing);
      marked.metadata.deletionTimestamp = this.clock.timestamp();
      marked.metadata.deletionGracePeriodSeconds = 0;
      return { object: this.present(resource, this.store.replace(resource, marked)), deleted: false };
    }
    const removed = this.finalize(resource, existing);
    return { object: this.present(resource, removed), deleted: true };
  }

  /**
   * The Pod strategy's graceful deletion: a Pod bound to a node and not finished gets
   * `deletionTimestamp` = now + grace period (the delete's `gracePeriodSeconds`, else
   * `spec.terminationGracePeriodSeconds`) and stays, Terminating, until its kubelet has stopped it
   * and deletes it with a grace period of 0. A later delete may only shorten the period.
   * Undefined when the ordinary deletion applies (other kinds, unscheduled or finished Pods, 0).
   */
  private deletePodGracefully(
    resource: ResourceType,
    existing: KubeObject,
    options: DeleteOptions,
  ): { object: KubeObject; deleted: boolean } | undefined {
    if (resource.kind !== 'Pod') return undefined;
    const phase = getPath(existing, 'status.phase');
    const specified = Number(getPath(existing, 'spec.terminationGracePeriodSeconds') ?? 30);
    let period = Math.max(0, Math.floor(options.gracePeriodSeconds ?? specified));
    if (!asString(getPath(existing, 'spec.nodeName')) || phase === 'Succeeded' || phase === 'Failed')
      period = 0;
    const now = this.clock.now();
    const deadline = existing.metadata.deletionTimestamp
      ? Date.parse(String(existing.metadata.deletionTimestamp))
      : Number.POSITIVE_INFINITY;
    if (period === 0) {
      if (!existing.metadata.deletionTimestamp) return undefined;
      // Force deletion of a terminating Pod: gone now, unless finalizers hold it.
      if (finalizers(existing).length > 0) {
        const marked = clone(existing);
        marked.metadata.deletionGracePeriodSeconds = 0;
        return { object: this.present(resource, this.store.replace(resource, marked)), deleted: false };
      }
      return { object: this.present(resource, this.finalize(resource, existing)), deleted: true };
    }
    if (now + period * 1000 >= deadline) return { object: this.present(resource, existing), deleted: false };
    const marked = clone(existing);
    marked.metadata.deletionTimestamp = `${new Date(now + period * 1000).toISOString().slice(0, 19)}Z`;
    marked.metadata.deletionGracePeriodSeconds = period;
    return { object: this.present(resource, this.store.replace(resource, marked)), deleted: false };
  }

  deleteCollection(
    resource: ResourceType,
    namespace: string | undefined,
    selectors: ListSelectors,
    options: DeleteOptions,
  ): KubeObject[] {
    const deleted: KubeObject[] = [];
    for (const object of this.store.list(resource, resource.namespaced ? namespace : undefined)) {
      if (!matchesSelectors(resource, object, selectors)) continue;
      try {
        deleted.push(this.delete(resource, metaNamespace(object), metaName(object), options).object);
      } catch (error) {
        if (!(error instanceof KubeApiError && error.code === 404)) throw error;
      }
    }
    return deleted;
  }

  private deleteForeground(
    resource: ResourceType,
    existing: KubeObject,
  ): { object: KubeObject; deleted: boolean } {
    const marked = clone(existing);
    marked.metadata.deletionTimestamp ??= this.clock.timestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    marked.metadata.finalizers = [
      ...finalizers(existing).filter((f) => f !== FOREGROUND_FINALIZER),
      FOREGROUND_FINALIZER,
    ];
    const stored = this.store.replace(resource, marked);
    for (const dependent of this.dependentsOf(stored)) {
      if (dependent.object.metadata.deletionTimestamp) continue;
      this.delete(dependent.resource, metaNamespace(dependent.object), metaName(dependent.object), {
        propagationPolicy: 'Foreground',
      });
    }
    this.finishForeground(resource, metaNamespace(stored), metaName(stored));
    const after = this.store.get(resource, metaNamespace(stored), metaName(stored));
    return { object: this.present(resource, after ?? stored), deleted: after === undefined };
  }

  private finishForeground(resource: ResourceType, namespace: string, name: string): void {
    const owner = this.store.get(resource, namespace, name);
    if (!owner || !finalizers(owner).includes(FOREGROUND_FINALIZER)) return;
    const blocking = this.dependentsOf(owner).filter((dependent) =>
      ownerReferences(dependent.object).some(
        (ref) => ref.uid === metaUid(owner) && ref.blockOwnerDeletion === true,
      ),
    );
    if (blocking.length > 0) return;
    this.removeFinalizer(resource, namespace, name, FOREGROUND_FINALIZER);
  }

  private deleteNamespace(existing: KubeObject): { object: KubeObject; deleted: boolean } {
    const marked = clone(existing);
    marked.metadata.deletionTimestamp = this.clock.timestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    marked.status = { phase: 'Terminating' };
    const stored = this.store.replace(NAMESPACES, marked);
    const namespace = metaName(existing);
    const sweep = () => {
      if (this.closed) return;
      let remaining = 0;
      for (const resource of RESOURCE_TYPES) {
        if (!resource.namespaced) continue;
        for (const object of this.store.list(resource, namespace)) {
          remaining++;
          if (!object.metadata.deletionTimestamp) {
            try {
              this.delete(resource, namespace, metaName(object));
            } catch (error) {
              if (!(error instanceof KubeApiError && error.code === 404)) throw error;
            }
          }
        }
      }
      if (remaining === 0) this.store.remove(NAMESPACES, '', namespace);
      else setTimeout(sweep, 5).unref();
    };
    setImmediate(sweep);
    return { object: this.present(NAMESPACES, stored), deleted: false };
  }

  /** Removes the object from storage and lets the garbage collector see its dependents. */
  private finalize(resource: ResourceType, object: KubeObject): KubeObject {
    const removed = this.store.remove(resource, metaNamespace(object), metaName(object)) ?? object;
    this.enqueueGc(removed);
    for (const ref of ownerReferences(removed)) {
      const ownerResource = findResourceByKind(asString(ref.apiVersion) ?? '', asString(ref.kind) ?? '');
      if (ownerResource)
        this.finishForeground(
          ownerResource,
          ownerResource.namespaced ? metaNamespace(removed) : '',
          asString(ref.name) ?? '',
        );
    }
    return removed;
  }

  // ---- controller-side writes ---------------------------------------------------------------

  /** Creates an object as a controller would (no admission); returns undefined when it exists. */
  createInternal(resource: ResourceType, object: KubeObject): KubeObject | undefined {
    const copy = clone(object);
    delete copy.apiVersion;
    delete copy.kind;
    if (this.store.get(resource, metaNamespace(copy), metaName(copy))) return undefined;
    copy.metadata.uid = randomUUID();
    copy.metadata.creationTimestamp = this.clock.timestamp();
    if (resource.tracksGeneration) copy.metadata.generation = 1;
    const stored = this.store.insert(resource, copy);
    this.checkOwnersLater(resource, stored);
    return this.present(resource, stored);
  }

  /** Read-modify-write of a whole object by a controller; no-op mutations are not written. */
  mutate(
    resource: ResourceType,
    namespace: string,
    name: string,
    mutator: (object: KubeObject) => void,
  ): KubeObject | undefined {
    const existing = this.store.peek(resource, namespace, name);
    if (!existing) return undefined;
    const next = clone(existing);
    mutator(next);
    if (deepEqual(existing, next)) return this.present(resource, clone(existing));
    const stored = this.store.replace(resource, next);
    if (finalizable(stored)) this.finalize(resource, stored);
    return this.present(resource, stored);
  }

  removeFinalizer(resource: ResourceType, namespace: string, name: string, finalizer: string): void {
    this.mutate(resource, namespace, name, (object) => {
      object.metadata.finalizers = finalizers(object).filter((f) => f !== finalizer);
      if ((object.metadata.finalizers as string[]).length === 0) delete object.metadata.finalizers;
    });
  }

  // ---- garbage collection --------------------------------------------------------------------

  dependentsOf(owner: KubeObject): { resource: ResourceType; object: KubeObject }[] {
    const uid = metaUid(owner);
    const ownerNamespace = metaNamespace(owner);
    const result: { resource: ResourceType; object: KubeObject; rank: number; key: string }[] = [];
    for (const { resource, object } of this.store.dependentsOf(uid)) {
      // A namespaced owner's namespaced dependents live in its namespace (the collector ignores others).
      if (resource.namespaced && ownerNamespace && metaNamespace(object) !== ownerNamespace) continue;
      result.push({
        resource,
        object: clone(object),
        rank: RESOURCE_TYPES.indexOf(resource),
        key: `${metaNamespace(object)}/${metaName(object)}`,
      });
    }
    // In resource order, then by key, as a scan of the store would find them.
    return result
      .sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ resource, object }) => ({ resource, object }));
  }

  private ownerExists(dependent: KubeObject, ref: JsonObject): boolean {
    const ownerResource = findResourceByKind(asString(ref.apiVersion) ?? '', asString(ref.kind) ?? '');
    // The real collector cannot resolve kinds it has no mapping for and leaves such dependents alone.
    if (!ownerResource) return true;
    const owner = this.store.get(
      ownerResource,
      ownerResource.namespaced ? metaNamespace(dependent) : '',
      asString(ref.name) ?? '',
    );
    return owner !== undefined && metaUid(owner) === ref.uid;
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = metaUid(owner);
    for (const dependent of this.dependentsOf(owner)) {
      this.mutate(
        dependent.resource,
        metaNamespace(dependent.object),
        metaName(dependent.object),
        (object) => {
          object.metadata.ownerReferences = ownerReferences(object).filter((ref) => ref.uid !== uid);
          if ((object.metadata.ownerReferences as JsonValue[]).length === 0)
            delete object.metadata.ownerReferences;
        },
      );
    }
  }

  private enqueueGc(removedOwner: KubeObject): void {
    for (const dependent of this.dependentsOf(removedOwner)) {
      this.gcQueue.add(
        `${dependent.resource.plural}|${dependent.resource.group}|${metaNamespace(dependent.object)}|${metaName(dependent.object)}`,
      );
    }
    this.scheduleGc();
  }

  /** An object whose owners are all gone is collected, as the real collector does on sight. */
  private checkOwnersLater(resource: ResourceType, object: KubeObject): void {
    if (ownerReferences(object).length === 0) return;
    this.gcQueue.add(`${resource.plural}|${resource.group}|${metaNamespace(object)}|${metaName(object)}`);
    this.scheduleGc();
  }

  private scheduleGc(): void {
    if (this.gcScheduled || this.closed) return;
    this.gcScheduled = true;
    setImmediate(() => {
      this.gcScheduled = false;
      if (!this.closed) this.runGc();
    });
  }

  private runGc(): void {
    const keys = [...this.gcQueue];
    this.gcQueue.clear();
    for (const entry of keys) {
      const [plural, group, namespace, name] = entry.split('|');
      const resource = RESOURCE_TYPES.find((r) => r.plural === plural && r.group === group);
      if (!resource) continue;
      const object = this.store.get(resource, namespace, name);
      if (!object) continue;
      const refs = ownerReferences(object);
      if (refs.length === 0) continue;
      const alive = refs.filter((ref) => this.ownerExists(object, ref));
      if (alive.length === refs.length) continue;
      if (alive.length > 0) {
        this.mutate(resource, namespace, name, (target) => {
          target.metadata.ownerReferences = alive;
        });
        continue;
      }
      if (!object.metadata.deletionTimestamp) {
        try {
          this.delete(resource, namespace, name, { propagationPolicy: 'Background' });
        } catch (error) {
          if (!(error instanceof KubeApiError && error.code === 404)) throw error;
        }
      }
    }
  }
}
