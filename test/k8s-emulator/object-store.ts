import { asArray, asString, clone, isJsonObject, type KubeObject, metaName, metaNamespace } from './json.js';
import { type ResourceType, resourceId } from './resource-types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  /** The object after the change (for DELETED, its last state with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The emulator's etcd: objects by resource and namespace/name, one global resourceVersion
 * counter, and a bounded history of changes from which watches replay (older requests get 410).
 */
export class ObjectStore {
  private revision: number;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  /** Lowest resourceVersion a watch may resume from (older ones are compacted away). */
  private compactedRevision: number;
  private readonly listeners = new Set<StoreListener>();
  /**
   * Owner uid -> the objects whose ownerReferences name it (the garbage collector's graph), so
   * finding an owner's dependents does not scan every object of every resource.
   */
  private readonly dependents = new Map<string, Map<string, { resource: ResourceType; key: string }>>();

  constructor(
    private readonly historyLimit: number,
    initialRevision = 1000,
  ) {
    this.revision = initialRevision;
    this.compactedRevision = initialRevision;
  }

  currentRevision(): number {
    return this.revision;
  }

  oldestResumableRevision(): number {
    return this.compactedRevision;
  }

  private bucket(resource: ResourceType): Map<string, KubeObject> {
    const id = resourceId(resource);
    let bucket = this.objects.get(id);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(id, bucket);
    }
    return bucket;
  }

  get(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const found = this.bucket(resource).get(key(namespace, name));
    return found ? clone(found) : undefined;
  }

  /** Objects of a resource, optionally of one namespace, sorted by namespace/name like etcd keys. */
  list(resource: ResourceType, namespace?: string): KubeObject[] {
    const result: KubeObject[] = [];
    for (const [objectKey, object] of this.bucket(resource)) {
      if (namespace !== undefined && !objectKey.startsWith(`${namespace}/`)) continue;
      result.push(clone(object));
    }
    return result.sort((a, b) => {
      const ka = key(metaNamespace(a), metaName(a));
      const kb = key(metaNamespace(b), metaName(b));
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }

  /** The stored object itself, without copying; callers must not mutate it. */
  peek(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.bucket(resource).get(key(namespace, name));
  }

  /**
   * The stored objects themselves, without copying, for controllers that scan a lot. Callers must
   * not mutate what they get.
   */
  *scan(resource: ResourceType, namespace?: string): IterableIterator<KubeObject> {
    for (const [objectKey, object] of this.bucket(resource)) {
      if (namespace !== undefined && !objectKey.startsWith(`${namespace}/`)) continue;
      yield object;
    }
  }

  /** The stored objects whose ownerReferences name `ownerUid` (callers must not mutate them). */
  *dependentsOf(ownerUid: string): IterableIterator<{ resource: ResourceType; object: KubeObject }> {
    for (const { resource, key: objectKey } of this.dependents.get(ownerUid)?.values() ?? []) {
      const object = this.bucket(resource).get(objectKey);
      if (object) yield { resource, object };
    }
  }

  private indexOwners(
    resource: ResourceType,
    objectKey: string,
    before?: KubeObject,
    after?: KubeObject,
  ): void {
    const uidsOf = (object: KubeObject | undefined) =>
      object
        ? asArray(object.metadata.ownerReferences)
            .filter(isJsonObject)
            .map((ref) => asString(ref.uid))
            .filter((uid): uid is string => uid !== undefined)
        : [];
    const entry = `${resourceId(resource)}|${objectKey}`;
    for (const uid of uidsOf(before)) {
      const of = this.dependents.get(uid);
      of?.delete(entry);
      if (of?.size === 0) this.dependents.delete(uid);
    }
    for (const uid of uidsOf(after)) {
      let of = this.dependents.get(uid);
      if (!of) {
        of = new Map();
        this.dependents.set(uid, of);
      }
      of.set(entry, { resource, key: objectKey });
    }
  }

  /** Stores a new object, stamping a fresh resourceVersion; returns the stored copy. */
  // Stored objects are never mutated in place (writes store fresh copies, reads hand out copies),
  // so events and history share them instead of copying again.

  insert(resource: ResourceType, object: KubeObject): KubeObject {
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    const objectKey = key(metaNamespace(stored), metaName(stored));
    this.indexOwners(resource, objectKey, this.bucket(resource).get(objectKey), stored);
    this.bucket(resource).set(objectKey, stored);
    this.record({ type: 'ADDED', resource, object: stored, resourceVersion: this.revision });
    return clone(stored);
  }

  replace(resource: ResourceType, object: KubeObject): KubeObject {
    const objectKey = key(metaNamespace(object), metaName(object));
    const previous = this.bucket(resource).get(objectKey);
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    this.indexOwners(resource, objectKey, previous, stored);
    this.bucket(resource).set(objectKey, stored);
    this.record({ type: 'MODIFIED', resource, object: stored, previous, resourceVersion: this.revision });
    return clone(stored);
  }

  remove(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const objectKey = key(namespace, name);
    const previous = this.bucket(resource).get(objectKey);
    if (!previous) return undefined;
    this.bucket(resource).delete(objectKey);
    this.indexOwners(resource, objectKey, previous, undefined);
    const last = clone(previous);
    last.metadata.resourceVersion = String(++this.revision);
    this.record({ type: 'DELETED', resource, object: last, previous, resourceVersion: this.revision });
    return clone(last);
  }

  /** Events after `resourceVersion`, or 'expired' when history no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreEvent[] | 'expired' {
    if (resourceVersion < this.compactedRevision) return 'expired';
    return this.history.filter((event) => event.resourceVersion > resourceVersion);
  }

  /** Drops history so that watches from older resourceVersions get 410 Gone (like etcd compaction). */
  compact(keepLast = 0): void {
    const keep = Math.max(0, keepLast);
    this.history = keep === 0 ? [] : this.history.slice(-keep);
    this.compactedRevision = this.history.length > 0 ? this.history[0].resourceVersion - 1 : this.revision;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    // Trim in batches: splicing the front of a long array on every write would be quadratic.
    if (this.history.length > this.historyLimit + Math.max(1, Math.floor(this.historyLimit / 10))) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRevision = dropped[dropped.length - 1].resourceVersion;
    }
    for (const listener of this.listeners) listener(event);
  }
}
