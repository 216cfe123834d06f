import type { Effort, Severity, VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import type { DowntimeMinutes, WaveMigration } from './migration-estimate.js';
import type { ManualEdits, MigrationType, PlanSettings } from './settings.js';

/** What formed a move group. `shared-disk` when only a shared VMDK tied otherwise ungrouped VMs. */
export type MoveGroupKey =
  | 'rule'
  | 'attribute'
  | 'vapp'
  | 'folder'
  | 'resource-pool'
  | 'name-prefix'
  | 'shared-disk'
  | 'singleton';

/** VMs that must move in the same wave. */
export interface MoveGroup {
  /** Unique in a plan; dependencies and per-group namespaces refer to it. */
  name: string;
  key: MoveGroupKey;
  /** The key's value (attribute value, folder, regex capture...), null for singletons. */
  value: string | null;
  /** Every member, sorted, whatever its disposition. */
  vmKeys: string[];
  vmNames: string[];
  /** Members the planner moves: rehost and in scope. */
  rehostVmKeys: string[];
  /** VMDK paths attached to more than one member (same file or multi-writer). */
  sharedDisks: string[];
  /** Other groups pulled in because they share a disk with this one. */
  mergedFrom: string[];
  /** Highest effort among the rehost members; null when none moves. */
  effort: Effort | null;
  /** Data to copy for the rehost members, shared disks counted once. */
  dataMiB: number;
}

export interface PlanInput {
  vms: InventoryVm[];
  assessments: VmAssessment[];
  settings: PlanSettings;
  /**
   * When the plan is checked (ms since the epoch): the earliest a wave can start, so a booked
   * cutover its warm VMs' initial copy cannot reach by then is reported. Not checked when absent.
   */
  now?: number;
}

export interface WaveVm {
  key: string;
  name: string;
  group: string;
  targetName: string;
  targetNamespace: string;
  effort: Effort | null;
  dataMiB: number;
  host: string | null;
  pinned: boolean;
  /** Absent in plans stored before warm migration (cold). */
  migrationType?: MigrationType;
  /** The VM's expected downtime on its own, moved warm and moved cold. */
  downtimeMinutes?: DowntimeMinutes;
}

export interface WaveConcern {
  vmKey: string;
  vmName: string;
  id: string;
  severity: Severity;
  message: string;
}

/** The transfer model behind `estimatedHours`. */
export interface WaveConcurrency {
  streamsPerHost: number;
  perDiskMiBps: number;
  perHostMiBps: number;
  /** Source hosts copying in parallel. */
  hosts: number;
  /** Disk streams open at once at the start of the wave, over all hosts. */
  peakStreams: number;
  /** The host that finishes last, null for an empty wave. */
  slowestHost: string | null;
}

export interface Wave {
  number: number;
  pilot: boolean;
  /** Created by an `add-wave` edit. */
  addedByHand: boolean;
  vmKeys: string[];
  vms: WaveVm[];
  groups: string[];
  dataMiB: number;
  dataGiB: number;
  /** Schedule simulation: largest disks first, per-host streams, per-disk and per-host throughput. */
  estimatedHours: number;
  concurrency: WaveConcurrency;
  hosts: string[];
  datastores: string[];
  networks: string[];
  openConcerns: { count: number; bySeverity: Record<Severity, number>; items: WaveConcern[] };
  /** The wave's namespace; a VM's own may differ when its group has one. */
  targetNamespace: string;
  /** Warm/cold split, time to cutover-ready and downtime; absent in plans stored before warm migration. */
  migration?: WaveMigration;
}

/** Each figure is a number of waves no plan can go below; `waves` is their maximum. */
export interface LowerBound {
  waves: number;
  byVmCount: number;
  byData: number;
  /** Total transfer time at the aggregate host throughput over the window. */
  byAggregateWindow: number;
  /** The busiest host's transfer time over the window. */
  byHostWindow: number;
  byHostVmCap: number;
  byDatastoreVmCap: number;
  /** Longest chain of dependent groups. */
  byDependencyChain: number;
  /** Highest wave number pinned or added by hand. */
  byManualEdits: number;
  /** 1 when a pilot wave is planned (it only holds pilot-sized content). */
  pilotWave: number;
  /** Groups too large for any wave; each takes a wave of its own. */
  oversizedGroups: number;
}

export type ViolationSeverity = 'error' | 'warning';

export type ViolationCode =
  | 'wave-over-vm-cap'
  | 'wave-over-data-cap'
  | 'wave-over-window'
  | 'host-cap'
  | 'datastore-cap'
  | 'pilot-over-cap'
  | 'pilot-not-low-risk'
  | 'group-split'
  | 'group-too-large'
  | 'group-partially-excluded'
  | 'shared-disk-partner-not-moving'
  | 'shared-disk-access-mode'
  | 'dependency-order'
  | 'dependency-cycle'
  | 'dependency-unknown-group'
  | 'unmapped-network'
  | 'unmapped-datastore'
  | 'multiple-pod-nics'
  | 'target-name-conflict'
  | 'vm-not-rehost'
  | 'vm-unknown'
  | 'vm-duplicated'
  | 'vm-excluded-in-wave'
  | 'vm-not-planned'
  | 'pin-not-honoured'
  | 'pin-ignored'
  | 'unknown-host'
  | 'warm-not-ready'
  | 'cutover-outside-window'
  | 'cutover-before-ready'
  | 'empty-wave';

export interface Violation {
  code: ViolationCode;
  /** Errors block approval of the wave; warnings are shown. */
  severity: ViolationSeverity;
  /** The wave concerned; null for plan-wide findings (a split group, a cycle). */
  wave: number | null;
  message: string;
  vmKeys: string[];
  groups: string[];
}

export interface ExcludedVm {
  vmKey: string;
  name: string;
  reason: 'manual' | 'retain' | 'retire' | 'out-of-scope' | 'not-assessed';
}

export interface WavePlan {
  waves: Wave[];
  groups: MoveGroup[];
  lowerBoundWaves: number;
  lowerBound: LowerBound;
  violations: Violation[];
  /** VMs in no wave and why. */
  excluded: ExcludedVm[];
  /** Authoritative after planning: edits update it; pass it back as `settings.manual` to re-plan. */
  manual: ManualEdits;
}

export type PlanEdit =
  /** `pin` defaults to true: a VM placed by hand stays there on re-plan. */
  | { kind: 'move-vm'; vmKey: string; toWave: number; pin?: boolean }
  | { kind: 'move-group'; group: string; toWave: number; pin?: boolean }
  | { kind: 'pin-vm'; vmKey: string }
  | { kind: 'unpin-vm'; vmKey: string }
  | { kind: 'pin-group'; group: string }
  | { kind: 'unpin-group'; group: string }
  | { kind: 'exclude-vm'; vmKey: string }
  /** Without `toWave` the VM waits, reported as `vm-not-planned`, for a move or a re-plan. */
  | { kind: 'include-vm'; vmKey: string; toWave?: number }
  | { kind: 'exclude-group'; group: string }
  | { kind: 'include-group'; group: string; toWave?: number }
  /** Appends an empty wave. */
  | { kind: 'add-wave' };

export interface PlanEditResult {
  plan: WavePlan;
  violations: Violation[];
}
