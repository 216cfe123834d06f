import type { DataVolume, Pod, Secret, VirtualMachine } from '#libs/kubevirt';
import { makeDisk, makeNic, makeVm } from '../../../assessment/src/testing/index.js';
import type { VmItinerary } from '../itinerary.js';
import { plannedDisksOf } from '../migration-spec.js';
import type {
  DataVolumeCheckpoint,
  DataVolumeState,
  DeletedObjects,
  EnsureResult,
  MigrationSource,
  OwnerLabels,
  PodState,
  SourceDiskChangeId,
  SourceSnapshot,
  SourceTaskState,
  SourceVm,
  TargetCluster,
  VirtualMachineState,
} from '../ports.js';
import {
  DEFAULT_TIMINGS,
  type ItinerarySettings,
  type PhaseName,
  type VmExecutionSpec,
  type VmStep,
} from '../types.js';

/**
 * In-memory vCenter and cluster for the itinerary's unit tests: scripted states, recorded calls.
 * Snapshot tasks take one poll to finish, as a real task takes a moment, so a step that runs again
 * meets the running task (or the finished snapshot) by name.
 */
export const THUMBPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01';

export class FakeSource implements MigrationSource {
  powerState: SourceVm['powerState'] = 'poweredOn';
  toolsRunning = true;
  exists = true;
  served = THUMBPRINT;
  calls: string[] = [];
  shutdownHonoured = true;
  disks = [
    {
      key: 2000,
      label: 'Hard disk 1',
      backingFile: '[ds-ssd-01] app01/app01.vmdk',
      capacityBytes: 40_960 * 2 ** 20,
    },
  ];

  async findVmByInstanceUuid(): Promise<SourceVm | null> {
    if (!this.exists) return null;
    return {
      ref: 'vm-100',
      name: 'app01',
      powerState: this.powerState,
      toolsRunning: this.toolsRunning,
      biosUuid: 'B105',
      disks: this.disks,
    };
  }
  async state() {
    return { powerState: this.powerState, toolsRunning: this.toolsRunning };
  }
  async shutdownGuest() {
    this.calls.push('shutdownGuest');
    if (this.shutdownHonoured) this.powerState = 'poweredOff';
  }
  async powerOff() {
    this.calls.push('powerOff');
    this.powerState = 'poweredOff';
  }
  async powerOn() {
    this.calls.push('powerOn');
    this.powerState = 'poweredOn';
  }
  async thumbprint() {
    return this.served;
  }

  // --- snapshots and CBT (warm) ---
  cbtEnabled = true;
  /** Backing files whose disk has no change ID (CBT off on that disk). */
  cbtOffDisks = new Set<string>();
  snapshots = new Map<string, SourceSnapshot>();
  /** Snapshot names with a CreateSnapshot task running; the next poll finishes it. */
  private creating = new Set<string>();
  /** Snapshot refs with a RemoveSnapshot task running. */
  private removing = new Set<string>();
  /** Snapshot names whose creation fails / refs whose removal fails. */
  failCreate = new Set<string>();
  failRemove = new Set<string>();
  /** Every CreateSnapshot_Task started, by snapshot name (a second for the same name is a bug). */
  createTasks: string[] = [];
  removeTasks: string[] = [];
  private nextRef = 101;

  async snapshotVm(_vmRef: string, name: string): Promise<SourceTaskState> {
    const existing = [...this.snapshots.values()].find((snapshot) => snapshot.name === name);
    if (existing) return { state: 'done', snapshotRef: existing.ref };
    if (this.creating.has(name)) {
      this.creating.delete(name);
      if (this.failCreate.has(name)) return { state: 'failed', message: 'quiescing the guest timed out' };
      const ref = `snapshot-${this.nextRef++}`;
      this.snapshots.set(ref, { ref, name, createdAt: null });
      return { state: 'done', snapshotRef: ref };
    }
    this.createTasks.push(name);
    this.creating.add(name);
    return { state: 'running' };
  }
  async removeSnapshot(_vmRef: string, snapshotRef: string): Promise<SourceTaskState> {
    if (!this.snapshots.has(snapshotRef)) return { state: 'done' };
    if (this.removing.has(snapshotRef)) {
      this.removing.delete(snapshotRef);
      if (this.failRemove.has(snapshotRef)) return { state: 'failed', message: 'consolidation needed' };
      this.snapshots.delete(snapshotRef);
      return { state: 'done' };
    }
    this.removeTasks.push(snapshotRef);
    this.removing.add(snapshotRef);
    return { state: 'running' };
  }
  async listSnapshots(): Promise<SourceSnapshot[]> {
    return [...this.snapshots.values()];
  }
  /** Change IDs derived from the snapshot: each delta's `previous` names the snapshot it started from. */
  async snapshotChangeIds(_vmRef: string, snapshotRef: string): Promise<SourceDiskChangeId[]> {
    return this.disks.map((disk) => ({
      key: disk.key,
      backingFile: disk.backingFile,
      changeId: this.cbtOffDisks.has(disk.backingFile) ? null : `52 de c0 d9/${snapshotRef}`,
    }));
  }
  async changeTracking(): Promise<{ enabled: boolean; disks: SourceDiskChangeId[] }> {
    return {
      enabled: this.cbtEnabled,
      disks: this.disks.map((disk) => ({
        key: disk.key,
        backingFile: disk.backingFile,
        changeId: this.cbtOffDisks.has(disk.backingFile) ? null : '52 de c0 d9/1',
      })),
    };
  }
}

type Stored = { kind: string; name: string; labels: Record<string, string>; body: unknown };

export class FakeTarget implements TargetCluster {
  objects = new Map<string, Stored>();
  creates: string[] = [];
  /** The last object of each kind created, as sent (deleted ones included). */
  createdBodies: { DataVolume?: DataVolume; Pod?: Pod } = {};
  dvPhase = 'Succeeded';
  dvProgress: number | null = 100;
  restartCount = 0;
  /** The importer's Running condition message while it works or crash-loops. */
  dvMessage: string | null = null;
  /** CDI's Bound condition when it cannot render the PVC (ErrClaimNotValid). */
  dvClaimProblem: string | null = null;
  podPhase = 'Succeeded';
  /** The conversion pod was deleted and is still in its grace period. */
  podTerminating = false;
  /** When set, creating a VirtualMachine fails with it (an admission webhook's refusal). */
  vmRejection: Error | null = null;
  vmReady = true;
  others: Array<VirtualMachineState & { namespace: string }> = [];
  /** PVCs CDI created for the DataVolumes; they outlive a deleted DataVolume once the VM owns them. */
  pvcs = new Set<string>();
  /** Warm DataVolumes' checkpoints, by DataVolume name. */
  checkpoints = new Map<string, { checkpoints: DataVolumeCheckpoint[]; final: boolean }>();
  /** The last checkpoints written to each DataVolume, kept after it is deleted. */
  checkpointsWritten = new Map<string, { checkpoints: DataVolumeCheckpoint[]; final: boolean }>();
  /** `instant`: CDI copies each checkpoint at once (Paused, or Succeeded after the final one); `manual`: see {@link copied}. */
  checkpointCopy: 'instant' | 'manual' = 'instant';
  /** Checkpoints marked copied on the PVCs (`<pvc>/<current>`) in `manual` mode. */
  copied = new Set<string>();
  /** `VirtualMachinePreference/<name>` or `VirtualMachineClusterPreference/<name>`. */
  preferences = new Set<string>(['VirtualMachineClusterPreference/rhel.9']);

  private ensure<T>(
    kind: string,
    object: { metadata: { name: string; labels: Record<string, string> } },
    view: () => T,
  ): EnsureResult<T> {
    const key = `${kind}/${object.metadata.name}`;
    if (this.objects.has(key)) return { created: false, object: view() };
    this.creates.push(key);
    this.objects.set(key, { kind, name: object.metadata.name, labels: object.metadata.labels, body: object });
    return { created: true, object: view() };
  }
  /** A warm DataVolume's phase as CDI would show it, or null for a cold one. */
  private warmPhase(name: string): string | null {
    const warm = this.checkpoints.get(name);
    if (!warm || this.checkpointCopy !== 'instant') return warm ? this.dvPhase : null;
    return warm.final ? 'Succeeded' : 'Paused';
  }
  private dv(name: string): DataVolumeState {
    return {
      name,
      labels: this.objects.get(`DataVolume/${name}`)?.labels ?? {},
      phase: this.warmPhase(name) ?? this.dvPhase,
      checkpoints: this.checkpoints.get(name)?.checkpoints ?? [],
      progressPct: this.dvProgress,
      restartCount: this.restartCount,
      conditions: this.dvClaimProblem
        ? [{ type: 'Bound', status: 'False', reason: 'ErrClaimNotValid', message: this.dvClaimProblem }]
        : this.dvPhase === 'Failed'
          ? [{ type: 'Running', status: 'False', reason: 'Error', message: 'NFC refused' }]
          : this.dvMessage
            ? [{ type: 'Running', status: 'False', reason: 'CrashLoopBackOff', message: this.dvMessage }]
            : [],
      claimName: name,
    };
  }
  private vm(name: string): VirtualMachineState {
    return {
      name,
      uid: 'uid-1',
      labels: this.objects.get(`VirtualMachine/${name}`)?.labels ?? {},
      ready: this.vmReady,
      printableStatus: 'Starting',
      macAddresses: [],
    };
  }
  async ensureSecret(secret: Secret) {
    return this.ensure('Secret', secret, () => ({ name: secret.metadata.name }));
  }
  async ensureDataVolume(dataVolume: DataVolume) {
    const name = dataVolume.metadata.name;
    if (dataVolume.spec.checkpoints && !this.objects.has(`DataVolume/${name}`)) {
      this.checkpoints.set(name, {
        checkpoints: dataVolume.spec.checkpoints,
        final: dataVolume.spec.finalCheckpoint === true,
      });
    }
    this.pvcs.add(dataVolume.metadata.name);
    this.createdBodies.DataVolume = dataVolume;
    return this.ensure('DataVolume', dataVolume, () => this.dv(dataVolume.metadata.name));
  }
  async ensurePod(pod: Pod) {
    this.createdBodies.Pod = pod;
    return this.ensure(
      'Pod',
      pod,
      (): PodState => ({
        name: pod.metadata.name,
        labels: {},
        phase: this.podPhase,
        message: null,
        terminating: false,
      }),
    );
  }
  async ensureVirtualMachine(vm: VirtualMachine) {
    if (this.vmRejection) throw this.vmRejection;
    return this.ensure('VirtualMachine', vm, () => this.vm(vm.metadata.name));
  }
  async getDataVolume(_namespace: string, name: string) {
    return this.objects.has(`DataVolume/${name}`) ? this.dv(name) : null;
  }
  async deleteDataVolume(_namespace: string, name: string) {
    this.objects.delete(`DataVolume/${name}`);
    this.checkpoints.delete(name);
  }
  async setDataVolumeCheckpoints(
    _namespace: string,
    name: string,
    checkpoints: DataVolumeCheckpoint[],
    final: boolean,
  ) {
    if (!this.objects.has(`DataVolume/${name}`)) throw new Error(`DataVolume ${name} not found`);
    this.checkpoints.set(name, { checkpoints, final });
    this.checkpointsWritten.set(name, { checkpoints, final });
  }
  async copiedCheckpoints(_namespace: string, claimName: string) {
    if (!this.pvcs.has(claimName)) return null;
    const warm = this.checkpoints.get(claimName);
    if (this.checkpointCopy === 'instant') return (warm?.checkpoints ?? []).map((entry) => entry.current);
    return [...this.copied]
      .filter((key) => key.startsWith(`${claimName}/`))
      .map((key) => key.slice(claimName.length + 1));
  }
  async getPod(_namespace: string, name: string): Promise<PodState | null> {
    if (!this.objects.has(`Pod/${name}`)) return null;
    return { name, labels: {}, phase: this.podPhase, message: null, terminating: this.podTerminating };
  }
  async pvcVolumeMode() {
    return 'Block' as const;
  }
  async pvcImportSucceeded(_namespace: string, name: string) {
    return this.pvcs.has(name) && (this.warmPhase(name) ?? this.dvPhase) === 'Succeeded';
  }
  async preferenceExists(kind: string, _namespace: string, name: string) {
    return this.preferences.has(`${kind}/${name}`);
  }
  async getVirtualMachine(_namespace: string, name: string) {
    return this.objects.has(`VirtualMachine/${name}`) ? this.vm(name) : null;
  }
  async listVirtualMachines() {
    return this.others;
  }
  async patchPvcOwner() {}
  async deleteSecret(_namespace: string, name: string) {
    this.objects.delete(`Secret/${name}`);
  }
  async deletePod(_namespace: string, name: string) {
    this.objects.delete(`Pod/${name}`);
  }
  async deleteOwned(_namespace: string, _owner: OwnerLabels): Promise<DeletedObjects[]> {
    const deleted = [...this.objects.values()].map((object) => ({ kind: object.kind, name: object.name }));
    this.objects.clear();
    this.pvcs.clear();
    this.checkpoints.clear();
    return deleted;
  }
  async countOwned() {
    return this.objects.size;
  }
}

export function specFor(overrides: Partial<VmExecutionSpec> = {}): VmExecutionSpec {
  const vm = makeVm({ disks: [makeDisk()], nics: [makeNic({ mac: '00:50:56:00:00:01' })] });
  const base: Omit<VmExecutionSpec, 'disks'> = {
    vmKey: vm.key,
    name: vm.name,
    instanceUuid: vm.uuid ?? '',
    planId: 'plan-1',
    waveNumber: 1,
    targetName: 'app01',
    targetNamespace: 'migrated',
    sourceHost: vm.host,
    vm,
    networkMap: { 'VM Network': { type: 'pod' } },
    storageMap: { 'ds-ssd-01': { storageClass: 'fast' } },
    preference: 'rhel.9',
    convertGuest: false,
    startAfterMigration: true,
    allowHardPowerOff: false,
    ...overrides,
  };
  return { ...base, disks: plannedDisksOf(base, 'exec-1') };
}

export const settings: ItinerarySettings = {
  vcenter: { url: 'https://vcenter.example.com/sdk', thumbprint: THUMBPRINT },
  credentials: { user: 'svc-flotilla', password: 'not-logged' },
  vddkInitImage: 'registry.example.com/vddk:8',
  virtV2vImage: 'registry.example.com/v2v:1',
  timings: {
    ...DEFAULT_TIMINGS,
    shutdownTimeoutMs: 1_000,
    copyStallTimeoutMs: 5_000,
    vmReadyTimeoutMs: 5_000,
  },
};

/** Runs the itinerary as the runner would, persisting in memory; each step runs twice to prove idempotence. */
export async function runUntil(
  itinerary: VmItinerary,
  spec: VmExecutionSpec,
  stopAt: PhaseName | null,
  twice = true,
) {
  let step: VmStep = {
    executionId: 'exec-1',
    spec,
    phase: 'Preflight',
    runtime: {},
    disks: [],
    powerStateBefore: null,
    phaseStartedAt: 0,
    attempt: 0,
  };
  const visited: PhaseName[] = [];
  for (let guard = 0; guard < 50; guard += 1) {
    if (step.phase === stopAt) return { step, visited, finished: false, failure: null };
    visited.push(step.phase);
    if (twice) await itinerary.advance(step);
    const result = await itinerary.advance(step);
    if (result.decision.kind === 'fail')
      return { step, visited, finished: false, failure: result.decision.message };
    step = {
      ...step,
      runtime: result.runtime ?? step.runtime,
      disks: result.disks ?? step.disks,
      powerStateBefore: result.powerStateBefore ?? step.powerStateBefore,
    };
    if (result.finished) return { step, visited, finished: true, failure: null };
    if (result.nextPhase) step = { ...step, phase: result.nextPhase };
  }
  throw new Error('itinerary did not end');
}
