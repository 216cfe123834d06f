export {
  buildCredentialsSecret,
  buildCredentialsSecretPlaceholder,
  PLACEHOLDER_VCENTER_PASSWORD,
  PLACEHOLDER_VCENTER_USER,
  redactSecret,
  SECRET_KEY_PASSWORD,
  SECRET_KEY_USER,
  type VcenterCredentials,
} from './credentials-secret.js';
export {
  ANNOTATION_BIND_IMMEDIATE,
  ANNOTATION_DELETE_AFTER_COMPLETION,
  buildDataVolumes,
  diskSizeQuantity,
  type PlannedDisk,
  planDisks,
} from './data-volume-builder.js';
export { sortDisksAsVmware } from './disk-order.js';
export {
  type ExecutionManifest,
  type RenderOptions,
  renderExecutionManifests,
} from './execution-manifests.js';
export {
  buildGuestConversionPod,
  type ConversionPvc,
  DEFAULT_CONVERSION_RESOURCES,
  type GuestConversionOptions,
} from './guest-conversion-pod.js';
export type {
  AccessMode,
  DataVolume,
  ObjectMeta,
  OwnerReference,
  OwnerReferencePatch,
  Pod,
  ResourceRequirements,
  RunStrategy,
  Secret,
  VirtualMachine,
  VolumeMode,
} from './manifest-types.js';
export {
  ManifestBuildError,
  type NetworkTarget,
  type StorageTarget,
  targetVmName,
  type VcenterEndpoint,
  type VmMigrationSpec,
} from './migration-spec.js';
export { DNS1123_LABEL_MAX, isDns1123Label, toDns1123Label } from './naming.js';
export {
  ANNOTATION_DISK_INDEX,
  ANNOTATION_DISK_SOURCE,
  ANNOTATION_ORIGINAL_NAME,
  ANNOTATION_REDACTED,
  ANNOTATION_VM_KEY,
  boundedName,
  buildLabels,
  isLabelValue,
  LABEL_COMPONENT,
  LABEL_EXECUTION,
  LABEL_MANAGED_BY,
  LABEL_PLAN,
  LABEL_VM,
  LABEL_WAVE,
  toLabelValue,
  type VmObjectNames,
  vmObjectNames,
} from './object-names.js';
export {
  buildOwnerReferencePatch,
  buildVirtualMachine,
  cpuTopology,
  type DataVolumeRef,
} from './virtual-machine-builder.js';
