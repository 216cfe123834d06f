export {
  VsphereError,
  VsphereFaultError,
  VsphereTimeoutError,
  VsphereTlsError,
  VsphereTransportError,
} from './errors.js';
export { describeRef, type ManagedObjectReference, vmRef } from './managed-object.js';
export { certificateThumbprint, fetchServerThumbprint, normalizeThumbprint } from './server-certificate.js';
export {
  baseVmdk,
  CHANGE_ID_PATTERN,
  flattenSnapshotTrees,
  type TaskInfo,
  type TaskState,
  type VmSnapshotTree,
} from './snapshot-properties.js';
export type { VimFault, VimObject, VimValue } from './soap-response.js';
export {
  type VirtualDiskInfo,
  VM_PROPERTY_PATHS,
  VM_SUMMARY_PATHS,
  type VmPowerState,
  type VmProperties,
  type VmPropertyPath,
} from './vm-properties.js';
export {
  type TaskOutcome,
  VsphereClient,
  type VsphereConnectOptions,
  type VsphereServiceContent,
  type WaitOptions,
} from './vsphere-client.js';
