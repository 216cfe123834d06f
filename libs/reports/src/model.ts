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

export interface WaveReportEstate {
  vms: number;
  vcpus: number;
  memoryGiB: number;
  provisionedGiB: number;
  usedGiB: number;
  /** Data the migration copies for VMs in waves (used for thin disks, provisioned for thick). */
  transferGiB: number;
  /** Sum of the waves' estimated durations. */
  transferHours: number;
}

export interface WaveReportCounts {
  byDisposition: Readonly<Record<string, number>>;
  byEffort: Readonly<Record<string, number>>;
  byOsFamily: Readonly<Record<string, number>>;
  /** VMs per concern id. */
  byConcern: Readonly<Record<string, number>>;
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
  /** Change window as ISO 8601 instants, when one is booked. */
  window: { start: string; end: string } | null;
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
  disposition: ReportDisposition;
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
  vcpus: number;
  memoryGiB: number;
  provisionedGiB: number;
  usedGiB: number;
  /** Data the migration copies for this VM. */
  transferGiB: number;
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
  vms: number;
}

export interface WaveReportStorageMapping {
  datastore: string;
  storageClass: string;
  accessMode: string | null;
  volumeMode: string | null;
  vms: number;
  provisionedGiB: number;
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
  estate: WaveReportEstate;
  counts: WaveReportCounts;
  sizing: { estate: WaveReportSizing; clusters: readonly WaveReportClusterSizing[] };
  waves: readonly WaveReportWave[];
  vms: readonly WaveReportVm[];
  networkMap: readonly WaveReportNetworkMapping[];
  storageMap: readonly WaveReportStorageMapping[];
  policy: readonly WaveReportPolicySetting[];
}
