import type { StatusCause } from './api-status.js';
import { asArray, asObject, asString, isJsonObject, type JsonObject } from './json.js';
import type { ManifestKind } from './manifest-validator.js';
import { dns1123LabelProblem } from './metadata-rules.js';
import { parseQuantity } from './quantity.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
const MAX_SECRET_BYTES = 1024 * 1024;

/** Volume source fields of core/v1 Volume (everything but `name`). */
const POD_VOLUME_SOURCES = [
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'fc',
  'flexVolume',
  'flocker',
  'gcePersistentDisk',
  'gitRepo',
  'glusterfs',
  'hostPath',
  'image',
  'iscsi',
  'nfs',
  'persistentVolumeClaim',
  'photonPersistentDisk',
  'portworxVolume',
  'projected',
  'quobyte',
  'rbd',
  'scaleIO',
  'secret',
  'storageos',
  'vsphereVolume',
];

function checkConfigKeys(map: JsonObject | undefined, field: string, causes: StatusCause[]): void {
  if (!map) return;
  for (const key of Object.keys(map)) {
    if (key.length > 253 || !CONFIG_KEY.test(key)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}[${key}]`,
        message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      });
    }
  }
}

function checkSecret(secret: JsonObject, causes: StatusCause[]): void {
  const data = asObject(secret.data);
  const stringData = asObject(secret.stringData);
  checkConfigKeys(data, 'data', causes);
  checkConfigKeys(stringData, 'stringData', causes);
  let size = 0;
  for (const value of Object.values(data ?? {}))
    if (typeof value === 'string') size += Buffer.from(value, 'base64').length;
  for (const value of Object.values(stringData ?? {}))
    if (typeof value === 'string') size += Buffer.byteLength(value);
  if (size > MAX_SECRET_BYTES) {
    causes.push({
      reason: 'FieldValueTooLong',
      field: 'data',
      message: `Too long: must have at most ${MAX_SECRET_BYTES} bytes`,
    });
  }
}

function checkContainers(
  containers: JsonObject[],
  field: string,
  volumeNames: Set<string>,
  causes: StatusCause[],
): void {
  const names = new Set<string>();
  containers.forEach((container, index) => {
    const path = `${field}[${index}]`;
    const name = asString(container.name) ?? '';
    const problem = dns1123LabelProblem(name);
    if (problem)
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${path}.name`,
        message: `Invalid value: "${name}": ${problem}`,
      });
    if (names.has(name))
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${path}.name`,
        message: `Duplicate value: "${name}"`,
      });
    names.add(name);
    if (!asString(container.image))
      causes.push({ reason: 'FieldValueRequired', field: `${path}.image`, message: 'Required value' });
    asArray(container.volumeMounts).forEach((mount, mountIndex) => {
      if (!isJsonObject(mount)) return;
      const mountName = asString(mount.name) ?? '';
      if (!volumeNames.has(mountName)) {
        causes.push({
          reason: 'FieldValueNotFound',
          field: `${path}.volumeMounts[${mountIndex}].name`,
          message: `Not found: "${mountName}"`,
        });
      }
    });
  });
}

function checkPod(pod: JsonObject, causes: StatusCause[]): void {
  const spec = asObject(pod.spec);
  if (!spec) {
    causes.push({ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' });
    return;
  }
  const volumeNames = new Set<string>();
  asArray(spec.volumes).forEach((volume, index) => {
    if (!isJsonObject(volume)) return;
    const name = asString(volume.name) ?? '';
    const problem = dns1123LabelProblem(name);
    if (problem)
      causes.push({
        reason: 'FieldValueInvalid',
        field: `spec.volumes[${index}].name`,
        message: `Invalid value: "${name}": ${problem}`,
      });
    if (volumeNames.has(name))
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `spec.volumes[${index}].name`,
        message: `Duplicate value: "${name}"`,
      });
    volumeNames.add(name);
    const sources = POD_VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
    if (sources.length === 0) {
      causes.push({
        reason: 'FieldValueRequired',
        field: `spec.volumes[${index}]`,
        message: 'Required value: must specify a volume type',
      });
    } else if (sources.length > 1) {
      causes.push({
        reason: 'FieldValueForbidden',
        field: `spec.volumes[${index}].${sources[1]}`,
        message: 'Forbidden: may not specify more than 1 volume type',
      });
    }
  });
  const containers = asArray(spec.containers).filter(isJsonObject);
  if (containers.length === 0)
    causes.push({ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
  checkContainers(containers, 'spec.containers', volumeNames, causes);
  checkContainers(
    asArray(spec.initContainers).filter(isJsonObject),
    'spec.initContainers',
    volumeNames,
    causes,
  );
  const restartPolicy = asString(spec.restartPolicy);
  if (restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(restartPolicy)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.restartPolicy',
      message: `Unsupported value: "${restartPolicy}": supported values: "Always", "OnFailure", "Never"`,
    });
  }
}

function checkPersistentVolumeClaim(pvc: JsonObject, causes: StatusCause[]): void {
  const spec = asObject(pvc.spec) ?? {};
  const modes = asArray(spec.accessModes);
  if (modes.length === 0) {
    causes.push({
      reason: 'FieldValueRequired',
      field: 'spec.accessModes',
      message: 'Required value: at least 1 access mode is required',
    });
  }
  modes.forEach((mode) => {
    if (typeof mode === 'string' && !ACCESS_MODES.includes(mode)) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.accessModes',
        message: `Unsupported value: "${mode}": supported values: ${ACCESS_MODES.map((m) => `"${m}"`).join(', ')}`,
      });
    }
  });
  const storage = asObject(asObject(spec.resources)?.requests)?.storage;
  if (storage === undefined) {
    causes.push({
      reason: 'FieldValueRequired',
      field: 'spec.resources[storage]',
      message: 'Required value',
    });
  } else if ((parseQuantity(storage) ?? 0) <= 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.resources[storage]',
      message: `Invalid value: "${String(storage)}": must be greater than zero`,
    });
  }
  const volumeMode = asString(spec.volumeMode);
  if (volumeMode !== undefined && !['Block', 'Filesystem'].includes(volumeMode)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.volumeMode',
      message: `Unsupported value: "${volumeMode}": supported values: "Block", "Filesystem"`,
    });
  }
}

function checkNetworkAttachmentDefinition(nad: JsonObject, causes: StatusCause[]): void {
  const config = asString(asObject(nad.spec)?.config);
  if (config === undefined || config === '') return;
  try {
    JSON.parse(config);
  } catch {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.config',
      message: 'Invalid value: invalid config: not valid JSON',
    });
  }
}

/** The API server's type-specific validation beyond the schema, for core objects. */
export function checkCoreRules(kind: ManifestKind, object: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (kind === 'Secret') checkSecret(object, causes);
  if (kind === 'ConfigMap') {
    checkConfigKeys(asObject(object.data), 'data', causes);
    checkConfigKeys(asObject(object.binaryData), 'binaryData', causes);
  }
  if (kind === 'Pod') checkPod(object, causes);
  if (kind === 'PersistentVolumeClaim') checkPersistentVolumeClaim(object, causes);
  if (kind === 'NetworkAttachmentDefinition') checkNetworkAttachmentDefinition(object, causes);
  return causes;
}
