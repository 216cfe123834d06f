/**
 * The per-VM cold migration itinerary (Forklift's phases), its ports to vCenter and to the target
 * cluster, and their adapters. No NestJS, no database, no queue: the executor persists each step.
 */
export {
  admissionRank,
  admitCopies,
  type CopiesInFlight,
  type CopyCandidate,
  type CopyLimits,
  NO_COPIES_IN_FLIGHT,
  startOrder,
} from './copy-admission.js';
export {
  type CancelOutcome,
  importerMessage,
  itineraryOf,
  parseProgress,
  phaseAfter,
  startsInTarget,
  VmItinerary,
} from './itinerary.js';
export {
  DEFAULT_KUBE_RETRY,
  KubeApiError,
  type KubeRetryPolicy,
  KubeTargetCluster,
} from './kube-target-cluster.js';
export {
  isOwnedBy,
  migrationSpecOf,
  ownerLabelsOf,
  plannedDisksOf,
  sameThumbprint,
} from './migration-spec.js';
export {
  type DataVolumeCheckpoint,
  type DataVolumeCondition,
  type DataVolumeEvent,
  type DataVolumeState,
  type DeletedObjects,
  type EnsureResult,
  type MigrationSource,
  type OwnerLabels,
  type PodEvent,
  type PodState,
  type SourceDisk,
  type SourceDiskChangeId,
  type SourceSnapshot,
  type SourceSnapshots,
  type SourceTaskState,
  type SourceVcenter,
  type SourceVm,
  type TargetCluster,
  TargetConflictError,
  TargetRejectedError,
  type VirtualMachineState,
} from './ports.js';
export {
  COLD_PHASES,
  DEFAULT_TIMINGS,
  type DiskCopyState,
  type ItinerarySettings,
  type ItineraryTimings,
  isPhaseName,
  type MigrationType,
  PHASES,
  type PhaseDecision,
  type PhaseName,
  type PhaseOutcome,
  type PlannedDiskSummary,
  type SourcePowerState,
  type StepEvent,
  type StepResult,
  type VmExecutionSpec,
  type VmRuntime,
  type VmStep,
  WARM_PHASES,
  type WarmMigrationSpec,
  type WarmPrecopy,
  type WarmState,
} from './types.js';
export { VsphereSourceVcenter } from './vsphere-source-vcenter.js';
export { FINAL_SNAPSHOT_NAME, isFlotillaSnapshot, isWarm, PRECOPY_SNAPSHOT_PREFIX } from './warm-phases.js';
