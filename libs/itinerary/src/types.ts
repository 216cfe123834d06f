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
export const PHASES = [
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

export type PhaseName = (typeof PHASES)[number];

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
  /** The conversion pod was created at this time. */
  conversionStartedAt?: string;
  vmUid?: string;
  /** When WaitForVMReady started waiting. */
  readyWaitSince?: string;
}

export interface ItineraryTimings {
  /** Pause between two looks at a phase that waits on something (power state, pod, VM). */
  pollMs: number;
  /** Pause between two looks at the copies' progress (a DataVolume watch may wake the VM earlier). */
  copyPollMs: number;
  /** How long a guest shutdown may take before a hard power-off (when the plan allows it). */
  shutdownTimeoutMs: number;
  /** A copy whose bytes do not move for this long fails the VM. */
  copyStallTimeoutMs: number;
  conversionTimeoutMs: number;
  vmReadyTimeoutMs: number;
}

export const DEFAULT_TIMINGS: ItineraryTimings = {
  pollMs: 2_000,
  copyPollMs: 10_000,
  shutdownTimeoutMs: 5 * 60_000,
  copyStallTimeoutMs: 15 * 60_000,
  conversionTimeoutMs: 4 * 3_600_000,
  vmReadyTimeoutMs: 15 * 60_000,
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
}

export interface StepEvent {
  kind: 'info' | 'warning' | 'error';
  message: string;
}

/** What a phase handler decided, and the state it wants persisted with that decision. */
export type PhaseDecision =
  | { kind: 'next' }
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
}
