import type { DataVolume, GuestNetworkInfo, Pod, Secret, VirtualMachine } from '#libs/kubevirt';
import type { SourcePowerState } from './types.js';

/** A virtual disk as vCenter reports it now (Preflight compares it with the approved plan). */
export interface SourceDisk {
  key: number;
  label: string | null;
  /** The base VMDK, `[ds] vm/vm.vmdk`, also while snapshots make the VM run on `-00000N` deltas. */
  backingFile: string;
  capacityBytes: number;
  /** The VMDK's UUID (`backing.uuid`), the guest's disk serial. */
  uuid?: string | null;
  /** `backing.changeId`: set when changed block tracking is active on this disk. */
  changeId?: string | null;
}

/** Where the VM runs, as libvirt's vpx driver and the guest clock need it. */
export interface SourceHost {
  /** `[Folder/]Datacenter/[Folder/]Cluster/esxi` (a standalone host: its compute resource). */
  inventoryPath: string;
  /** `config.dateTimeInfo.timeZone.name`; null when the host does not say. */
  timeZone: string | null;
}

export interface SourceVm {
  /** Managed object id, e.g. `vm-42`. */
  ref: string;
  name: string;
  powerState: SourcePowerState;
  toolsRunning: boolean;
  biosUuid: string | null;
  instanceUuid?: string | null;
  disks: SourceDisk[];
  host?: SourceHost | null;
  /** Guest addresses, prefixes, routes and DNS as VMware Tools reports them; null without Tools. */
  guestNetwork?: GuestNetworkInfo | null;
  /** A VirtualTPM device is configured. */
  hasTpm?: boolean;
  /** `config.nestedHVEnabled`. */
  nestedHv?: boolean;
  /** `config.changeTrackingEnabled` (CBT, which warm migration needs). */
  changeTrackingEnabled?: boolean;
}

/** What the itinerary needs of vCenter. */
export interface SourceVcenter {
  findVmByInstanceUuid(instanceUuid: string): Promise<SourceVm | null>;
  /** Power state and whether VMware Tools runs (a graceful shutdown needs it). */
  state(ref: string): Promise<{ powerState: SourcePowerState; toolsRunning: boolean }>;
  /** Asks VMware Tools to shut the guest down; returns at once. */
  shutdownGuest(ref: string): Promise<void>;
  /** Hard power-off, awaited; a VM already off is not an error. */
  powerOff(ref: string): Promise<void>;
  /** Power on, awaited; a VM already on is not an error. */
  powerOn(ref: string): Promise<void>;
  /** SHA-1 thumbprint of the vCenter certificate as served now (`AB:CD:...`). */
  thumbprint(): Promise<string>;
}

/**
 * Where a vCenter task the itinerary started (or found running) stands. Snapshot calls are
 * polled: each call is idempotent, so a worker that dies between two calls only repeats one.
 */
export type SourceTaskState =
  | { state: 'running' }
  | { state: 'done'; snapshotRef?: string }
  | { state: 'failed'; message: string };

export interface SourceSnapshot {
  /** Managed object id, e.g. `snapshot-101`. */
  ref: string;
  name: string;
  createdAt: string | null;
}

/** One disk as a snapshot (or the running VM) describes it for changed block tracking. */
export interface SourceDiskChangeId {
  key: number;
  /** The base VMDK (`[ds] vm/vm.vmdk`, a snapshot's `-000001` delta suffix stripped). */
  backingFile: string;
  /** `backing.changeId`; null when CBT is off for this disk (or not yet active). */
  changeId: string | null;
}

/** What warm migration needs of vCenter beyond {@link SourceVcenter}: snapshots and CBT. */
export interface SourceSnapshots {
  /**
   * Idempotent by name: a snapshot of the VM with this name → `done` with its ref; a
   * CreateSnapshot task running on the VM → `running`; the latest such task failed and no snapshot
   * exists → `failed`; otherwise starts `CreateSnapshot_Task(memory=false, quiesce)` → `running`.
   */
  snapshotVm(
    vmRef: string,
    name: string,
    options: { description: string; quiesce: boolean },
  ): Promise<SourceTaskState>;
  /**
   * Idempotent: the snapshot is gone → `done`; a RemoveSnapshot task running for it → `running`;
   * otherwise starts `RemoveSnapshot_Task(removeChildren=false, consolidate=true)` → `running`.
   */
  removeSnapshot(vmRef: string, snapshotRef: string): Promise<SourceTaskState>;
  /** Every snapshot of the VM (the tree flattened). */
  listSnapshots(vmRef: string): Promise<SourceSnapshot[]>;
  /** Change ID of each disk in the snapshot's `config.hardware.device`. */
  snapshotChangeIds(vmRef: string, snapshotRef: string): Promise<SourceDiskChangeId[]>;
  /** `config.changeTrackingEnabled` and each disk's current change ID (Preflight's CBT check). */
  changeTracking(vmRef: string): Promise<{ enabled: boolean; disks: SourceDiskChangeId[] }>;
}

/** What the itinerary needs of vCenter: a warm VM's snapshots and change IDs as well as power and disks. */
export type MigrationSource = SourceVcenter & SourceSnapshots;

/** One stage of a multi-stage (warm) import, exactly as CDI's `v1beta1.DataVolumeCheckpoint`. */
export interface DataVolumeCheckpoint {
  /** The change ID (or snapshot) the delta starts from; "" for the first, full copy. */
  previous: string;
  /** The snapshot this stage copies. */
  current: string;
}

/** The labels that identify what one execution created for one VM. */
export interface OwnerLabels {
  execution: string;
  vm: string;
}

export interface DataVolumeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface DataVolumeState {
  name: string;
  labels: Record<string, string>;
  phase: string | null;
  /** `status.progress` as a number of percent; null when CDI says N/A or nothing. */
  progressPct: number | null;
  restartCount: number;
  conditions: DataVolumeCondition[];
  /** The PVC CDI bound for it (`status.claimName`, else the DataVolume's name). */
  claimName: string;
  /** `spec.checkpoints` of a warm (multi-stage) import; empty for a cold one. */
  checkpoints?: DataVolumeCheckpoint[];
}

export interface PodState {
  name: string;
  labels: Record<string, string>;
  phase: string | null;
  /** The container's termination message or reason, when it ended. */
  message: string | null;
  /**
   * Deleted, still in its grace period: its phase says nothing about a new run, and its name is
   * taken until it is gone.
   */
  terminating: boolean;
}

export interface VirtualMachineState {
  name: string;
  uid: string;
  labels: Record<string, string>;
  ready: boolean;
  printableStatus: string | null;
  /** MAC addresses its interfaces ask for. */
  macAddresses: string[];
}

export interface EnsureResult<T> {
  /** False when the object already existed (a step running again after a crash). */
  created: boolean;
  object: T;
}

/** The target objects an execution created for a VM, deleted on cancel. */
export interface DeletedObjects {
  kind: string;
  name: string;
}

export interface DataVolumeEvent {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  phase: string | null;
  restartCount: number;
  /** How many checkpoints a warm DataVolume has (0 for a cold one). */
  checkpoints?: number;
}

/** A Pod of an execution (a guest conversion) changed phase. */
export interface PodEvent {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  phase: string | null;
}

/**
 * What the itinerary needs of the target cluster. Every `ensure` is idempotent by the object's
 * deterministic name: an object that exists with the same owner labels is taken as is, one that
 * exists with other labels is refused (`TargetConflictError`).
 */
export interface TargetCluster {
  ensureSecret(secret: Secret): Promise<EnsureResult<{ name: string }>>;
  ensureDataVolume(dataVolume: DataVolume): Promise<EnsureResult<DataVolumeState>>;
  ensurePod(pod: Pod): Promise<EnsureResult<PodState>>;
  ensureVirtualMachine(vm: VirtualMachine): Promise<EnsureResult<VirtualMachineState>>;
  getDataVolume(namespace: string, name: string): Promise<DataVolumeState | null>;
  deleteDataVolume(namespace: string, name: string): Promise<void>;
  getPod(namespace: string, name: string): Promise<PodState | null>;
  /** The PVC's `spec.volumeMode`, null when the PVC does not exist yet. */
  pvcVolumeMode(namespace: string, name: string): Promise<'Filesystem' | 'Block' | null>;
  /**
   * The PVC exists, is not being deleted, and CDI marked its import Succeeded
   * (`cdi.kubevirt.io/storage.pod.phase`): a copy whose DataVolume is gone (CDI's garbage
   * collection, or deleted after CreateVM) is still a finished copy.
   */
  pvcImportSucceeded(namespace: string, name: string): Promise<boolean>;
  /**
   * Whether a preference of this kind and name exists (a VirtualMachinePreference in `namespace`,
   * or a VirtualMachineClusterPreference); a cluster without the instancetype API has none.
   */
  preferenceExists(
    kind: 'VirtualMachinePreference' | 'VirtualMachineClusterPreference',
    namespace: string,
    name: string,
  ): Promise<boolean>;
  getVirtualMachine(namespace: string, name: string): Promise<VirtualMachineState | null>;
  /**
   * Every VirtualMachine in the cluster, for MAC conflicts; may be a few seconds old unless
   * `fresh` (after the cluster refused a MAC, the answer must say who holds it now).
   */
  listVirtualMachines(options?: {
    fresh?: boolean;
  }): Promise<Array<VirtualMachineState & { namespace: string }>>;
  /**
   * Sets a warm DataVolume's `spec.checkpoints` and `spec.finalCheckpoint` to these values
   * (idempotent: the whole list is written, so a step running again writes the same thing).
   * Appending a checkpoint to a `Paused` import makes CDI copy it.
   */
  setDataVolumeCheckpoints(
    namespace: string,
    name: string,
    checkpoints: DataVolumeCheckpoint[],
    finalCheckpoint: boolean,
  ): Promise<void>;
  /**
   * The checkpoints CDI marked copied on the PVC (`cdi.kubevirt.io/storage.checkpoint.copied.<current>`
   * annotations, whatever their value); null when the PVC does not exist.
   */
  copiedCheckpoints(namespace: string, claimName: string): Promise<string[] | null>;
  /** Merge-patches the PVC's metadata.ownerReferences (moves ownership to the VM). */
  patchPvcOwner(namespace: string, pvcName: string, patch: unknown): Promise<void>;
  deleteSecret(namespace: string, name: string): Promise<void>;
  deletePod(namespace: string, name: string): Promise<void>;
  /**
   * Deletes every VM, VMI, DataVolume, PVC, Pod and Secret carrying these labels, and what CDI
   * made for the DataVolumes/claims named in `claims` without our labels (populator `prime-` PVCs,
   * importer pods).
   */
  deleteOwned(namespace: string, owner: OwnerLabels, claims?: readonly string[]): Promise<DeletedObjects[]>;
  /**
   * Count of objects still carrying these labels, plus CDI's objects for `claims` (prime PVCs,
   * importer pods, VolumeImportSources): after deleteOwned they may still be terminating.
   */
  countOwned(namespace: string, owner: OwnerLabels, claims?: readonly string[]): Promise<number>;
}

/** An object with our deterministic name exists but was not created by this execution for this VM. */
export class TargetConflictError extends Error {
  constructor(
    readonly kind: string,
    readonly namespace: string,
    readonly objectName: string,
    readonly labels: Record<string, string>,
  ) {
    super(
      `${kind} ${namespace}/${objectName} already exists and was not created by this execution for this VM ` +
        `(labels: ${JSON.stringify(labels)})`,
    );
    this.name = 'TargetConflictError';
  }
}

/**
 * The cluster refused a request for good: a bad request (e.g. `fieldValidation=Strict` meeting a
 * field this CDI or KubeVirt does not know), an invalid object, or an admission webhook's denial.
 * Sending it again cannot help; `detail` is the API server's own message.
 */
export class TargetRejectedError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly reason: string | null,
    readonly detail: string,
  ) {
    super(`Kubernetes API ${operation} was refused: HTTP ${status}${reason ? ` ${reason}` : ''}: ${detail}`);
    this.name = 'TargetRejectedError';
  }
}
