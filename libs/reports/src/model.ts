/**
 * What the wave report is written from: plain data, with sizes already in GiB and hours so the
 * report does no domain arithmetic of its own. The plan, assessment and sizing code map their
 * own types onto this; the report depends on none of them.
 */

export type ReportDisposition = 'rehost' | 'retain' | 'retire';
export type ReportSeverity = 'critical' | 'warning' | 'info';
export type EvidenceValue = string | number | boolean | null;

export interface WaveReportPlan {
  id: string;
  name: string | null;
  version: number;
  /** Hash of the plan content the report shows; an upload with another hash is refused. */
  contentHash: string;
}

export interface WaveReportSizing {
  vms: number;
  vcpus: number;
  memoryGiB: number;
  /** Guest memory plus KubeVirt's per-VM overhead: what the nodes must hold. */
  memoryWithOverheadGiB: number;
  storageGiB: number;
  storageByClassGiB: Readonly<Record<string, number>>;
  workerNodes: number;
}

export interface WaveReportClusterSizing extends WaveReportSizing {
  /** Source vSphere cluster. */
  cluster: string;
}

export interface WaveReportWave {
  /** 1-based, unique within the plan. */
  number: number;
  name: string;
  /** Booked change window: ISO 8601 instants and the zone they are shown in; null when none. */
  window: WaveReportWindow | null;
  vmCount: number;
  groups: readonly string[];
  dataGiB: number;
  estimatedHours: number;
  /** VMs copied at once. */
  concurrency: number;
  /** Source ESXi hosts the wave reads from. */
  hosts: readonly string[];
  datastores: readonly string[];
  /** e.g. `draft`, `approved`, `running`, `done`. */
  status: string;
  /** Warm/cold split and estimates; absent for plans made before warm migration. */
  migration?: WaveReportMigration | null;
}

export interface WaveReportMigration {
  warmVms: number;
  coldVms: number;
  /** Booked cutover of the warm VMs (ISO 8601); null: an operator says when. */
  cutoverAt: string | null;
  /** Hours from the wave's start until its warm VMs can cut over; null with no warm VM. */
  hoursToCutoverReady: number | null;
  /** Expected downtime of the wave moved warm, moved cold, and as planned. */
  downtimeWarmMinutes: number;
  downtimeColdMinutes: number;
  downtimePlannedMinutes: number;
}

export interface WaveReportWindow {
  start: string;
  end: string;
  /** IANA zone, e.g. `Europe/Amsterdam`; `UTC` when none was given. */
  zone: string;
}

/** A finding of the plan's validation: errors block a wave's approval, warnings are shown. */
export interface WaveReportViolation {
  /** The wave concerned; null for plan-wide findings (a split group, a cycle). */
  wave: number | null;
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Names of the VMs involved. */
  vms: readonly string[];
  groups: readonly string[];
}

export interface WaveReportConcern {
  id: string;
  severity: ReportSeverity;
  message: string;
  evidence: Readonly<Record<string, EvidenceValue>>;
}

export interface WaveReportVm {
  /** Inventory key, stable across uploads; the load-back matches rows on it. */
  key: string;
  name: string;
  /** The disposition in force (a person's override wins over the assessment's). */
  disposition: ReportDisposition;
  /** Null when in scope; otherwise why not (`template`, `srm-placeholder`, ...). */
  outOfScope: string | null;
  effort: string;
  /** Readiness 0..100. */
  score: number;
  /** Wave number, or null when the VM is in no wave. */
  wave: number | null;
  /** Move group (application), when the planner grouped the VM. */
  group: string | null;
  /** Guest OS as vCenter reports it. */
  os: string;
  osFamily: string;
  /** KubeVirt cluster preference, when one fits. */
  preference: string | null;
  /** How the guest reaches KubeVirt: converted by virt-v2v (the default) or copied raw (the plan's choice). */
  conversion: 'virt-v2v' | 'raw copy';
  /** How the plan moves it: cold (stopped for the whole copy) or warm (pre-copies while it runs). */
  migration?: 'cold' | 'warm';
  /** `ready`, or why the VM cannot move warm. */
  warmReadiness?: string;
  vcpus: number;
  memoryGiB: number;
  provisionedGiB: number;
  usedGiB: number;
  /** Data the migration copies for this VM. */
  transferGiB: number;
  /** What the target storage must hold for it: the sized disks (vInfo's total when vDisk is absent). */
  targetStorageGiB: number;
  /** Target storage per storage class as the plan's storage map decides (`unmapped`, `excluded`). */
  storageByClassGiB: Readonly<Record<string, number>>;
  /** From the plan's storage map: a class, `unmapped` or `excluded`, one per distinct target. */
  storageClasses: readonly string[];
  targetNetworks: readonly string[];
  estimatedTransferHours: number;
  concerns: readonly WaveReportConcern[];
}

export interface WaveReportNetworkMapping {
  sourceNetwork: string;
  /** Target network: `pod` or a Multus network attachment `namespace/name`. */
  targetNetwork: string;
  targetType: string;
  /** Why a NIC is ignored, when the map says. */
  reason: string | null;
  vms: number;
}

export interface WaveReportStorageMapping {
  datastore: string;
  /** A storage class, `unmapped`, or `excluded` (the disks are not migrated). */
  storageClass: string;
  /** Why the disks are excluded, when they are. */
  reason: string | null;
  accessMode: string | null;
  volumeMode: string | null;
  vms: number;
  /** Target storage of the disks of VMs in waves on this source. */
  targetStorageGiB: number;
}

export interface WaveReportPolicySetting {
  key: string;
  value: string | number | boolean | null;
}

export interface WaveReportInput {
  plan: WaveReportPlan;
  /** ISO 8601 instant; passed in because clocks are injected. */
  generatedAt: string;
  /**
   * The instant the assessment counted power-off and snapshot ages to (ISO 8601), normally the
   * export's date; absent for assessments made before it was recorded.
   */
  countedTo?: string | null;
  /**
   * Target sizing; `scope` says which VMs it covers (e.g. `rehost VMs`). Its storage figures
   * are the sum of those VMs' `targetStorageGiB` and `storageByClassGiB` in the VMs sheet.
   */
  sizing: { scope: string; estate: WaveReportSizing; clusters: readonly WaveReportClusterSizing[] };
  waves: readonly WaveReportWave[];
  violations: readonly WaveReportViolation[];
  vms: readonly WaveReportVm[];
  networkMap: readonly WaveReportNetworkMapping[];
  storageMap: readonly WaveReportStorageMapping[];
  policy: readonly WaveReportPolicySetting[];
}
