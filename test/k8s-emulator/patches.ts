import { badRequest, KubeApiError } from './api-status.js';
import { clone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from './json.js';

function patchFailed(message: string): KubeApiError {
  return new KubeApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

/** RFC 7386 JSON merge patch (`application/merge-patch+json`). */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return clone(patch);
  const result: JsonObject = isJsonObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function decodePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw patchFailed(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(root: JsonValue, segments: string[], path: string): { parent: JsonValue; key: string } {
  let current: JsonValue = root;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isJsonObject(current) && Object.hasOwn(current, segment)) current = current[segment];
    else throw patchFailed(`doc is missing path: "${path}": missing value`);
    if (current === undefined) throw patchFailed(`doc is missing path: "${path}": missing value`);
  }
  return { parent: current, key: segments[segments.length - 1] };
}

function readPointer(root: JsonValue, path: string): JsonValue {
  let current: JsonValue = root;
  for (const segment of decodePointer(path)) {
    const next: JsonValue | undefined = Array.isArray(current)
      ? current[Number(segment)]
      : isJsonObject(current)
        ? current[segment]
        : undefined;
    if (next === undefined) throw patchFailed(`doc is missing path: "${path}": missing value`);
    current = next;
  }
  return current;
}

function arrayIndex(array: JsonValue[], key: string, forInsert: boolean, path: string): number {
  if (key === '-' && forInsert) return array.length;
  if (!/^\d+$/.test(key)) throw patchFailed(`invalid array index "${key}" in "${path}"`);
  const index = Number(key);
  if (index > array.length || (!forInsert && index === array.length)) {
    throw patchFailed(`unable to access invalid index: ${index}: invalid index referenced in "${path}"`);
  }
  return index;
}

function addAt(root: JsonValue, path: string, value: JsonValue): JsonValue {
  const segments = decodePointer(path);
  if (segments.length === 0) return clone(value);
  const { parent, key } = parentOf(root, segments, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, clone(value));
  else if (isJsonObject(parent)) parent[key] = clone(value);
  else throw patchFailed(`doc is missing path: "${path}": missing value`);
  return root;
}

function removeAt(root: JsonValue, path: string): JsonValue {
  const segments = decodePointer(path);
  const { parent, key } = parentOf(root, segments, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, path), 1);
  else if (isJsonObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw patchFailed(`Unable to remove nonexistent key: ${key}: missing value`);
  return root;
}

/** RFC 6902 JSON patch (`application/json-patch+json`), the client-node default for PATCH. */
export function applyJsonPatch(target: JsonValue, operations: JsonValue): JsonValue {
  if (!Array.isArray(operations))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const operation of operations) {
    if (!isJsonObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw badRequest('invalid JSON patch operation');
    }
    const { op, path } = operation;
    switch (op) {
      case 'add':
        if (operation.value === undefined)
          throw patchFailed(`add operation does not apply: doc is missing path: "${path}"`);
        doc = addAt(doc, path, operation.value);
        break;
      case 'remove':
        doc = removeAt(doc, path);
        break;
      case 'replace':
        if (operation.value === undefined) throw patchFailed('replace operation missing value');
        readPointer(doc, path);
        doc = path === '' ? clone(operation.value) : addAt(removeAt(doc, path), path, operation.value);
        break;
      case 'move':
      case 'copy': {
        if (typeof operation.from !== 'string') throw patchFailed(`${op} operation missing from`);
        const value = clone(readPointer(doc, operation.from));
        if (op === 'move') doc = removeAt(doc, operation.from);
        doc = addAt(doc, path, value);
        break;
      }
      case 'test':
        if (!deepEqual(readPointer(doc, path), operation.value)) {
          throw patchFailed(`testing value ${path} failed: test failed`);
        }
        break;
      default:
        throw patchFailed(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

/** patchMergeKey of list fields in core/v1 and meta/v1 (from the upstream struct tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** Primitive lists with patchStrategy=merge: entries are unioned. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeListByKey(current: JsonValue[], patch: JsonValue[], mergeKey: string): JsonValue[] {
  const result = current.map((item) => clone(item));
  for (const item of patch) {
    if (!isJsonObject(item)) {
      result.push(clone(item));
      continue;
    }
    const index = result.findIndex(
      (existing) => isJsonObject(existing) && existing[mergeKey] === item[mergeKey],
    );
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = applyStrategicMergePatch(result[index], item);
    else result.push(applyStrategicMergePatch(undefined, item));
  }
  return result;
}

/**
 * Strategic merge patch for core types: maps merge, lists with a known merge key merge by that
 * key, `finalizers` union, other lists replace; `$patch: delete|replace` and
 * `$deleteFromPrimitiveList/` directives are honoured, `$setElementOrder/` and `$retainKeys` ignored.
 */
export function applyStrategicMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return clone(rest);
  }
  const result: JsonObject = isJsonObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const existing = result[field];
      if (Array.isArray(existing) && Array.isArray(value)) {
        result[field] = existing.filter((entry) => !value.some((removed) => deepEqual(removed, entry)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    if (isJsonObject(value) && value.$patch === 'delete') {
      delete result[key];
      continue;
    }
    const existing = result[key];
    if (Array.isArray(value) && Array.isArray(existing)) {
      if (MERGE_KEYS[key]) result[key] = mergeListByKey(existing, value, MERGE_KEYS[key]);
      else if (MERGED_PRIMITIVE_LISTS.has(key)) {
        result[key] = [
          ...existing,
          ...value.filter((entry) => !existing.some((old) => deepEqual(old, entry))),
        ];
      } else result[key] = clone(value);
      continue;
    }
    result[key] = isJsonObject(value) ? applyStrategicMergePatch(existing, value) : clone(value);
  }
  return result;
}
