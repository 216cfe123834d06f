import type { InventoryVm } from '#libs/inventory';
import type { NetworkTarget, StorageTarget, VcenterCredentials, VcenterEndpoint } from '#libs/kubevirt';

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
  /** Run virt-v2v-in-place over the copied disks; when false the VM gets sata disks and e1000e NICs. */
  convertGuest: boolean;
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
  restartCount: number;
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
  /** `config.uuid` read at Preflight (VDDK and the firmware serial use it). */
  biosUuid?: string;
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

/** What the executor brings to every phase: where vCenter is, the images, the timings. */
export interface ItinerarySettings {
  vcenter: VcenterEndpoint;
  credentials: VcenterCredentials;
  vddkInitImage: string;
  virtV2vImage: string | undefined;
  timings: ItineraryTimings;
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
