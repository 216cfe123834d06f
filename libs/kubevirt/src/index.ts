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
  ANNOTATION_USE_POPULATOR,
  buildDataVolumes,
  diskSizeQuantity,
  isSharedDisk,
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
  LEGACY_VIRTIO_WIN_ISO,
} from './guest-conversion-pod.js';
export {
  type GuestIpAddress,
  type GuestNetworkInfo,
  type GuestRoute,
  isLegacyWindowsGuest,
  isWindowsGuest,
  staticIpMappings,
} from './guest-network.js';
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
  vddkVmUuid,
  vmwareSystemSerial,
} from './migration-spec.js';
export {
  DNS1123_LABEL_MAX,
  isDns1123Label,
  isVmTargetName,
  toDns1123Label,
  toVmTargetName,
} from './naming.js';
export {
  ANNOTATION_DISK_INDEX,
  ANNOTATION_DISK_SOURCE,
  ANNOTATION_GUEST_CONVERSION,
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
  sharedDiskClaimName,
  toLabelValue,
  type VmObjectNames,
  vmObjectNames,
} from './object-names.js';
export {
  buildOwnerReferencePatch,
  buildVirtualMachine,
  CUSTOM_ATTRIBUTE_ANNOTATION_PREFIX,
  cpuTopology,
  customAttributeAnnotations,
  type DataVolumeRef,
  diskSerial,
} from './virtual-machine-builder.js';
