/**
 * What an assessment says about each VM. These types are the contract between the rule
 * library, the planner, the reports and the API; change them with care.
 */

export type Severity = 'critical' | 'warning' | 'info';
export type Disposition = 'rehost' | 'retain' | 'retire';
export type Effort = 'low' | 'medium' | 'high';
/** Why a VM is outside any wave although it is listed (templates, SRM placeholders, vCLS). */
export type OutOfScopeReason = 'template' | 'srm-placeholder' | 'cluster-service-vm';

export interface Concern {
  /** Stable id, e.g. `rdm-disk`. */
  id: string;
  severity: Severity;
  message: string;
  /** The field values that triggered it, e.g. `{ disk: 'Hard disk 2', raw: true }`. */
  evidence: Record<string, string | number | boolean | null>;
}

export interface DispositionReason {
  /** e.g. `concern:rdm-disk`, `retire:powered-off-long`, `override`. */
  code: string;
  message: string;
}

export interface RetireVerdict {
  /** 0..1: how sure we are the VM is unused. */
  confidence: number;
  /** Evidence behind the verdict, e.g. `{ configChangedAt: '2021-01-02', daysOff: 900 }`. */
  evidence: Record<string, string | number | boolean | null>;
}

export interface GuestOsMapping {
  /** OS family for grouping: `rhel`, `windows`, `ubuntu`, `sles`, `other-linux`, `other`, ... */
  family: string;
  /** KubeVirt cluster preference name, e.g. `rhel.9`, `windows.2k22`; null when none fits. */
  preference: string | null;
  support: 'supported' | 'legacy' | 'unsupported' | 'unknown';
  /** Windows guests need virtio drivers injected by virt-v2v. */
  needsDriverConversion: boolean;
  /** The OS name (or guest id) the mapping was decided from, for display. */
  osName?: string | null;
  /** Which source field decided the mapping; null when nothing matched. */
  matchedBy?: 'tools' | 'guest-id' | 'config' | null;
  /** Why the OS has its support level, when the policy's entry says (e.g. Forklift's OS list). */
  reason?: string | null;
}

export interface TargetDisk {
  label: string;
  capacityMiB: number;
  /** Requested PVC size: capacity rounded up to 1 MiB, as CDI needs. */
  requestMiB: number;
  datastore: string | null;
  storageClass: string | null;
}

export interface TargetSizing {
  sockets: number;
  coresPerSocket: number;
  threads: number;
  memoryMiB: number;
  /** Memory the node must hold for this VM: guest memory plus KubeVirt's per-VM overhead. */
  memoryWithOverheadMiB: number;
  disks: TargetDisk[];
  storageByClassMiB: Record<string, number>;
}

export interface TransferEstimate {
  /** Data CDI will copy: used space for thin disks, provisioned for thick ones. */
  dataMiB: number;
  /** Data to copy for the VM's biggest disk: the disk that bounds the copy time. */
  largestDiskMiB: number;
  /** Hours to copy this VM's disks alone at the policy's per-disk throughput, disks in parallel. */
  hours: number;
  /** What bounds `hours`: one disk's stream, or the ESXi host's total throughput. */
  bottleneck?: 'disk' | 'host';
}

/** Whether the VM can move warm; `reasons` says why not (empty when ready). */
export interface WarmReadiness {
  ready: boolean;
  reasons: string[];
}

export interface VmAssessment {
  /** `InventoryVm.key` */
  vmKey: string;
  name: string;
  moref: string | null;
  disposition: Disposition;
  /** Set when the VM is listed but out of migration scope; disposition is then `retain`. */
  outOfScope: OutOfScopeReason | null;
  effort: Effort;
  /** Readiness 0..100: 100 = moves as it is. */
  score: number;
  reasons: DispositionReason[];
  concerns: Concern[];
  /**
   * What the retire rules found, set whenever they found enough evidence; the disposition is then
   * `retire` unless an override, the out-of-scope rules or the appliance rules took precedence.
   */
  retire: RetireVerdict | null;
  os: GuestOsMapping;
  sizing: TargetSizing;
  transfer: TransferEstimate;
  warm: WarmReadiness;
  /** Target VM name (DNS-1123); equals name when no sanitizing was needed. */
  targetName: string;
  /** A person's decision that wins over the rules. */
  override: { disposition: Disposition; comment: string; by: string | null; at: string } | null;
}

export interface SizingTotals {
  vms: number;
  vcpus: number;
  memoryMiB: number;
  memoryWithOverheadMiB: number;
  storageMiB: number;
  storageByClassMiB: Record<string, number>;
  /** Worker nodes of the policy's shape needed after overcommit and headroom. */
  workerNodes: number;
  /** Nodes the CPU and the memory demand need on their own, before spare nodes are added. */
  workerNodesFor?: { cpu: number; memory: number; spare: number };
}

export interface AssessmentSummary {
  vms: number;
  rehost: number;
  retain: number;
  retire: number;
  templates: number;
  outOfScope: number;
  byEffort: Record<Effort, number>;
  byOsFamily: Record<string, number>;
  byConcern: Record<string, number>;
  sizing: { estate: SizingTotals; byCluster: Record<string, SizingTotals> };
  transfer: { dataMiB: number; hoursAtHostThroughput: number };
  /** VMs to rehost that can move warm (CBT on, no snapshot, no shared or independent disk). */
  warmReady: number;
}

/**
 * One run of the rules over an inventory. `policyHash` identifies the policy content used, so two
 * assessments of one inventory can be compared (same hash: differences come from the inventory).
 */
export interface AssessmentResult {
  vms: VmAssessment[];
  summary: AssessmentSummary;
  policyVersion: number;
  policyHash: string;
  /** The injected clock's value, ISO-8601. */
  assessedAt: string;
  /** The instant ages (power-off, snapshots) were counted to, ISO-8601. */
  countedTo: string;
  countedToBasis: CountedToBasis;
}

/** Why ages were counted to `countedTo`: asked for, the export's date, or the clock (no date known). */
export type CountedToBasis = 'as-of' | 'export' | 'clock';
