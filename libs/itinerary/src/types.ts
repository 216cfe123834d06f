import type { InventoryVm } from '#libs/inventory';
import type {
  GuestNetworkInfo,
  NetworkTarget,
  StorageTarget,
  VcenterCredentials,
  VcenterEndpoint,
} from '#libs/kubevirt';

/**
 * The cold-migration itinerary of one VM, with Forklift's phase names so operators can map its
 * documentation (`pkg/controller/plan/migrator`): each phase is persisted before and after it
 * acts, and each is idempotent, so a worker dying anywhere only means the phase runs again.
 */
export const COLD_PHASES = [
  'Preflight',
  'StorePowerState',
  'PowerOffSource',
  'WaitForPowerOff',
  'CreateDataVolumes',
  'CopyDisks',
  'ConvertGuest',
  'CreateVM',
  'WaitForVMReady',
  'Completed',
] as const;

/**
 * The warm itinerary (Forklift's `warmItinerary()`): snapshots and CBT deltas copied while the
 * source runs, looping CopyDisks -> CopyingPaused -> ... -> AddCheckpoint -> CopyDisks until the
 * cutover, which stops the source only for the last delta. Listed in the order a VM first meets
 * them; AddCheckpoint goes back to CopyDisks and CopyingPaused jumps to StorePowerState at cutover.
 * The final snapshot is removed once the VM exists (Forklift removes it before converting): the
 * source is off and its snapshot no longer matters to the copy, so it adds nothing to the downtime.
 */
export const WARM_PHASES = [
  'Preflight',
  'CreateInitialSnapshot',
  'WaitForInitialSnapshot',
  'StoreInitialSnapshotDeltas',
  'CreateDataVolumes',
  'CopyDisks',
  'CopyingPaused',
  'RemovePreviousSnapshot',
  'WaitForPreviousSnapshotRemoval',
  'CreateSnapshot',
  'WaitForSnapshot',
  'StoreSnapshotDeltas',
  'AddCheckpoint',
  'StorePowerState',
  'PowerOffSource',
  'WaitForPowerOff',
  'RemovePenultimateSnapshot',
  'WaitForPenultimateSnapshotRemoval',
  'CreateFinalSnapshot',
  'WaitForFinalSnapshot',
  'AddFinalCheckpoint',
  'Finalize',
  'ConvertGuest',
  'CreateVM',
  'RemoveFinalSnapshot',
  'WaitForVMReady',
  'WaitForFinalSnapshotRemoval',
  'Completed',
] as const;

/** Every phase name either itinerary knows: the cold ones first, in their order, then the warm-only ones. */
export const PHASES = [
  ...COLD_PHASES,
  ...WARM_PHASES.filter((phase) => !(COLD_PHASES as readonly string[]).includes(phase)),
] as const;

export type PhaseName = (typeof COLD_PHASES)[number] | (typeof WARM_PHASES)[number];

export function isPhaseName(value: string): value is PhaseName {
  return (PHASES as readonly string[]).includes(value);
}

export type MigrationType = 'cold' | 'warm';

export interface WarmMigrationSpec {
  /** Time between the end of one pre-copy and the start of the next (Forklift's 60 min default). */
  precopyIntervalMs: number;
  /**
   * The wave's booked cutover when the wave started (ISO); the execution's own cutover time,
   * which an operator may change or bring forward ("cut over now"), wins over it.
   */
  cutoverAt: string | null;
}

export type SourcePowerState = 'poweredOn' | 'poweredOff' | 'suspended';

/**
 * Everything the executor needs to migrate one VM, frozen when the wave starts (the approved
 * plan's content, the maps entries the VM uses, the assessment's guest OS decision). Never holds
 * credentials: it is stored in the database and shown to operators.
 */
export interface VmExecutionSpec {
  vmKey: string;
  name: string;
  /** vSphere `config.instanceUuid`: how Preflight finds the VM again. */
  instanceUuid: string;
  planId: string;
  waveNumber: number;
  targetName: string;
  targetNamespace: string;
  /** Source ESXi host: the copy slots are counted per host. */
  sourceHost: string | null;
  /** The inventory's VM (its raw source rows left out). */
  vm: InventoryVm;
  networkMap: Record<string, NetworkTarget>;
  storageMap: Record<string, StorageTarget>;
  /** VirtualMachineClusterPreference from the assessment's guest OS map. */
  preference: string | null;
  /**
   * Run virt-v2v-in-place over the copied disks (the default, as Forklift); false only for a raw
   * copy the plan chose, which gets sata disks and e1000e NICs.
   */
  convertGuest: boolean;
  /** Time zone of the source ESXi host from the inventory (vCenter's at Preflight wins). */
  hostTimeZone?: string | null;
  /** Multi-writer disks another VM of the wave copies: backing file -> that VM's key. */
  sharedDisksCopiedBy?: Record<string, string>;
  /**
   * `cold` stops the source for the whole copy; `warm` pre-copies CBT deltas while it runs and
   * stops it only for the last one. Absent in specs frozen before warm existed: cold.
   */
  migrationType?: MigrationType;
  /** Set when {@link migrationType} is `warm`. */
  warm?: WarmMigrationSpec;
  /** Start the VM in KubeVirt when its source was running. */
  startAfterMigration: boolean;
  /** Hard power-off when a guest shutdown does not finish in time (or Tools is not running). */
  allowHardPowerOff: boolean;
  /** One entry per disk in VMware order, as the copy scheduler and the DataVolumes see them. */
  disks: PlannedDiskSummary[];
}

export interface PlannedDiskSummary {
  index: number;
  label: string;
  backingFile: string;
  datastore: string;
  capacityBytes: number;
  dataVolume: string;
  /** A shared disk another VM of the wave copies (its key): this VM waits for the copy, takes no slot. */
  copiedBy?: string | null;
}

/** One disk's copy as the CopyDisks phase last saw it; shown by `GET /executions/:id`. */
export interface DiskCopyState {
  index: number;
  label: string;
  dataVolume: string;
  capacityBytes: number;
  /** DataVolume `status.phase` (Pending, ImportScheduled, ImportInProgress, Succeeded, Failed...). */
  phase: string | null;
  progressPct: number;
  bytesCopied: number;
  /** Importer restarts CDI counted; each starts the copy over from 0%. */
  restartCount: number;
  /** Highest progress of the current importer run: the stall clock moves only when it is passed. */
  runMaxPct?: number;
  /** The importer's latest condition message. */
  message: string | null;
  startedAt: string | null;
  lastProgressAt: string | null;
  finishedAt: string | null;
  /** The copy slot was given back (the copy ended). */
  released: boolean;
}

/** Phase handlers' own memory between two steps of the same VM. */
export interface VmRuntime {
  /** Managed object id of the source VM found at Preflight. */
  sourceRef?: string;
  /** `config.uuid` read at Preflight (the firmware serial uses it). */
  biosUuid?: string;
  /** `config.instanceUuid` read at Preflight (VDDK is given it). */
  instanceUuid?: string;
  /** The ESXi host's inventory path (`Folder/DC/Cluster/esxi`) for virt-v2v's vpx URL. */
  hostInventoryPath?: string;
  hostTimeZone?: string;
  guestNetwork?: GuestNetworkInfo;
  hasTpm?: boolean;
  nestedHv?: boolean;
  /** VMDK UUIDs vCenter reported, by backing file (the disks' serials). */
  diskUuids?: Record<string, string>;
  /**
   * The preference found at Preflight (namespaced first, then cluster-wide, as Forklift looks);
   * null when the named one exists nowhere and the VM is created without one.
   */
  preference?: { name: string; kind: 'VirtualMachinePreference' | 'VirtualMachineClusterPreference' } | null;
  shutdownRequestedAt?: string;
  hardPowerOffAt?: string;
  /** When WaitForPowerOff first saw the source off (the downtime runs from the power-off request). */
  sourceOffAt?: string;
  /** The conversion pod was created at this time. */
  conversionStartedAt?: string;
  vmUid?: string;
  /** When CreateVM first created (or found) the VirtualMachine: the end of the downtime. */
  vmCreatedAt?: string;
  /** When WaitForVMReady started waiting. */
  readyWaitSince?: string;
  /** A warm migration's snapshots and pre-copies (absent for cold). */
  warm?: WarmState;
  /** Cancel made sure no snapshot creation of this VM is still running (warm only). */
  cancelSnapshotSettled?: boolean;
}

/** One snapshot of a warm migration and the checkpoint copied from it. */
export interface WarmPrecopy {
  /** 1 for the initial snapshot; the final snapshot takes the next number. */
  number: number;
  final: boolean;
  /** `flotilla-precopy-<n>` or `flotilla-final`: what makes creating it idempotent. */
  snapshotName: string;
  /** The snapshot's managed object id once vCenter made it: the checkpoint's `current`. */
  snapshotRef: string | null;
  /** Each disk's change ID in this snapshot, by base backing file: the next checkpoint's `previous`. */
  changeIds: Record<string, string> | null;
  /** When the snapshot was asked for. */
  requestedAt: string;
  /** When its checkpoint was handed to CDI. */
  copyStartedAt: string | null;
  /** When CDI reported every disk's checkpoint copied. */
  copiedAt: string | null;
  /**
   * Bytes the checkpoint copied: the whole disks for the first; for a delta, CDI's final progress
   * (reported against the whole disk) times the capacity; null when CDI never reported any.
   */
  bytes: number | null;
  /** The snapshot was removed (after the next delta's change IDs were stored, or at the end). */
  removed: boolean;
}

/** A warm VM's pre-copy state, persisted with each step (Forklift's `vm.warm`). */
export interface WarmState {
  /** The attempt this state belongs to: a retry starts the pre-copies over. */
  attempt: number;
  precopies: WarmPrecopy[];
  /** When the next pre-copy starts (end of the last one + the plan's interval). */
  nextPrecopyAt: string | null;
  /** Importer restarts over every checkpoint (Forklift's `warm.failures`). */
  failures: number;
  /** When the VM left CopyingPaused for the cutover (asked for its copy slots). */
  cutoverStartedAt?: string;
  /** Removing the final snapshot failed or timed out (a warning): it may be left in vCenter. */
  finalSnapshotWarning?: string;
}

export interface ItineraryTimings {
  /** Pause between two looks at a phase that waits on something (power state, pod, VM). */
  pollMs: number;
  /**
   * Pause between two looks at long work the cluster does: copies and guest conversions (the
   * executor's DataVolume and Pod watches wake the VM as soon as one ends).
   */
  copyPollMs: number;
  /** How long a guest shutdown may take before a hard power-off (when the plan allows it). */
  shutdownTimeoutMs: number;
  /** A copy whose bytes do not move for this long fails the VM. */
  copyStallTimeoutMs: number;
  conversionTimeoutMs: number;
  vmReadyTimeoutMs: number;
  /** A snapshot task (create or remove) taking longer fails the VM (Forklift's SNAPSHOT_REMOVAL_TIMEOUT: 120 min). */
  snapshotTimeoutMs?: number;
}

export const DEFAULT_TIMINGS: ItineraryTimings = {
  pollMs: 2_000,
  copyPollMs: 10_000,
  shutdownTimeoutMs: 5 * 60_000,
  copyStallTimeoutMs: 15 * 60_000,
  conversionTimeoutMs: 4 * 3_600_000,
  vmReadyTimeoutMs: 15 * 60_000,
  snapshotTimeoutMs: 120 * 60_000,
};

/** Forklift's `IMPORTER_RETRY` default: an importer restarted more often than this fails its disk. */
export const DEFAULT_IMPORTER_RESTART_LIMIT = 3;

/** What the executor brings to every phase: where vCenter is, the images, the timings. */
export interface ItinerarySettings {
  vcenter: VcenterEndpoint;
  credentials: VcenterCredentials;
  vddkInitImage: string;
  virtV2vImage: string | undefined;
  timings: ItineraryTimings;
  /** Importer restarts a disk may take; {@link DEFAULT_IMPORTER_RESTART_LIMIT} when unset. */
  importerRestartLimit?: number;
}

/** One VM as a phase handler sees it. */
export interface VmStep {
  executionId: string;
  spec: VmExecutionSpec;
  phase: PhaseName;
  runtime: VmRuntime;
  disks: DiskCopyState[];
  powerStateBefore: SourcePowerState | null;
  /** When the current phase first started (epoch ms). */
  phaseStartedAt: number;
  attempt: number;
  /**
   * The execution's cutover time (ISO) as an operator set it; when absent the spec's booked
   * cutover applies (warm only).
   */
  cutoverAt?: string | null;
}

export interface StepEvent {
  /** `precopy` and `cutover`: a warm VM's progress (a checkpoint copied, a cutover step). */
  kind: 'info' | 'warning' | 'error' | 'precopy' | 'cutover';
  message: string;
}

/** What a phase handler decided, and the state it wants persisted with that decision. */
export type PhaseDecision =
  | {
      kind: 'next';
      /** Not the phase after this one in the list: the warm loop and the cutover jump. */
      goto?: PhaseName;
      /**
       * The next phase copies data again (a warm pre-copy or the cutover): the VM goes back to the
       * copy scheduler and continues once its disks have slots, holding none while it waits.
       */
      needsCopySlots?: boolean;
    }
  | { kind: 'wait'; ms: number }
  | { kind: 'fail'; message: string };

export interface PhaseOutcome {
  decision: PhaseDecision;
  runtime?: VmRuntime;
  disks?: DiskCopyState[];
  powerStateBefore?: SourcePowerState;
  /** Disks whose copy ended: their slots go back to the scheduler. */
  releasedDisks?: number[];
  events?: StepEvent[];
}

/** Where an advanced VM goes: the next phase, or Completed's end. */
export interface StepResult extends PhaseOutcome {
  phase: PhaseName;
  /** Set when the decision was `next`: the phase to persist as pending. */
  nextPhase?: PhaseName;
  /** The itinerary is over (Completed ran). */
  finished?: boolean;
  /** The VM waits for copy slots before {@link nextPhase} (see `PhaseDecision`). */
  needsCopySlots?: boolean;
}
