import { describe, expect, it } from 'vitest';
import type { DataVolume, Pod, Secret, VirtualMachine } from '#libs/kubevirt';
import { makeDisk, makeNic, makeVm } from '../../assessment/src/testing/index.js';
import { phaseAfter, VmItinerary } from './itinerary.js';
import { plannedDisksOf } from './migration-spec.js';
import type {
  DataVolumeState,
  DeletedObjects,
  EnsureResult,
  OwnerLabels,
  PodState,
  SourceVcenter,
  SourceVm,
  TargetCluster,
  VirtualMachineState,
} from './ports.js';
import {
  DEFAULT_TIMINGS,
  type ItinerarySettings,
  type PhaseName,
  type VmExecutionSpec,
  type VmStep,
} from './types.js';

const THUMBPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01';

class FakeSource implements SourceVcenter {
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
}

type Stored = { kind: string; name: string; labels: Record<string, string>; body: unknown };

class FakeTarget implements TargetCluster {
  objects = new Map<string, Stored>();
  creates: string[] = [];
  dvPhase = 'Succeeded';
  dvProgress: number | null = 100;
  restartCount = 0;
  podPhase = 'Succeeded';
  vmReady = true;
  others: Array<VirtualMachineState & { namespace: string }> = [];

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
  private dv(name: string): DataVolumeState {
    return {
      name,
      labels: this.objects.get(`DataVolume/${name}`)?.labels ?? {},
      phase: this.dvPhase,
      progressPct: this.dvProgress,
      restartCount: this.restartCount,
      conditions:
        this.dvPhase === 'Failed'
          ? [{ type: 'Running', status: 'False', reason: 'Error', message: 'NFC refused' }]
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
    return this.ensure('DataVolume', dataVolume, () => this.dv(dataVolume.metadata.name));
  }
  async ensurePod(pod: Pod) {
    return this.ensure(
      'Pod',
      pod,
      (): PodState => ({ name: pod.metadata.name, labels: {}, phase: this.podPhase, message: null }),
    );
  }
  async ensureVirtualMachine(vm: VirtualMachine) {
    return this.ensure('VirtualMachine', vm, () => this.vm(vm.metadata.name));
  }
  async getDataVolume(_namespace: string, name: string) {
    return this.objects.has(`DataVolume/${name}`) ? this.dv(name) : null;
  }
  async deleteDataVolume(_namespace: string, name: string) {
    this.objects.delete(`DataVolume/${name}`);
  }
  async getPod(_namespace: string, name: string): Promise<PodState | null> {
    return this.objects.has(`Pod/${name}`) ? { name, labels: {}, phase: this.podPhase, message: null } : null;
  }
  async pvcVolumeMode() {
    return 'Block' as const;
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
    return deleted;
  }
  async countOwned() {
    return this.objects.size;
  }
}

function specFor(overrides: Partial<VmExecutionSpec> = {}): VmExecutionSpec {
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

const settings: ItinerarySettings = {
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
async function runUntil(
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

describe('VmItinerary', () => {
  it('walks Forklift’s phases once each and creates every object once, even when each step runs twice', async () => {
    const target = new FakeTarget();
    const source = new FakeSource();
    const outcome = await runUntil(new VmItinerary(source, target, settings, () => 0), specFor(), null);
    expect(outcome.failure).toBeNull();
    expect(outcome.visited).toEqual([
      'Preflight',
      'StorePowerState',
      'PowerOffSource',
      'WaitForPowerOff',
      'CreateDataVolumes',
      'CopyDisks',
      'CreateVM',
      'WaitForVMReady',
      'Completed',
    ]);
    expect(target.creates).toEqual(['Secret/app01-vddk', 'DataVolume/app01-disk-0', 'VirtualMachine/app01']);
    expect(source.calls).toEqual(['shutdownGuest']);
    expect(target.objects.has('Secret/app01-vddk')).toBe(false);
    expect(outcome.step.disks[0]).toMatchObject({ progressPct: 100, released: true });
  });

  it('converts the guest when asked, and skips WaitForVMReady when the source was off', async () => {
    const source = new FakeSource();
    source.powerState = 'poweredOff';
    const target = new FakeTarget();
    const outcome = await runUntil(
      new VmItinerary(source, target, settings, () => 0),
      specFor({ convertGuest: true }),
      null,
    );
    expect(outcome.visited).toContain('ConvertGuest');
    expect(outcome.visited).not.toContain('WaitForVMReady');
    expect(target.creates).toContain('Pod/app01-v2v');
    const vm = target.objects.get('VirtualMachine/app01')?.body as VirtualMachine;
    expect(vm.spec.runStrategy).toBe('Halted');
    expect(source.calls).toEqual([]);
  });

  it('uses compatibility devices when the guest is not converted', () => {
    const spec = specFor({ convertGuest: false });
    expect(phaseAfter('CopyDisks', spec, 'poweredOn')).toBe('CreateVM');
    expect(phaseAfter('CopyDisks', { ...spec, convertGuest: true }, 'poweredOn')).toBe('ConvertGuest');
  });

  it.each([
    [
      'an unmapped network',
      (s: FakeSource, _t: FakeTarget) => s,
      specFor({ networkMap: {} }),
      /network map does not cover/,
    ],
    [
      'a VM gone from vCenter',
      (s: FakeSource) => Object.assign(s, { exists: false }),
      specFor(),
      /no longer exists in vCenter/,
    ],
    [
      'a changed certificate',
      (s: FakeSource) => Object.assign(s, { served: THUMBPRINT.replace('AB', '00') }),
      specFor(),
      /thumbprint/,
    ],
    [
      'a grown disk',
      (s: FakeSource) => Object.assign(s, { disks: [{ ...s.disks[0], capacityBytes: 2 ** 40 }] }),
      specFor(),
      /grew/,
    ],
    [
      'a MAC used by another VM',
      (s: FakeSource, t: FakeTarget) => {
        t.others = [
          {
            namespace: 'prod',
            name: 'other',
            uid: 'u',
            labels: {},
            ready: true,
            printableStatus: 'Running',
            macAddresses: ['00:50:56:00:00:01'],
          },
        ];
        return s;
      },
      specFor(),
      /MAC address 00:50:56:00:00:01 is already used by VirtualMachine prod\/other/,
    ],
  ])('fails Preflight on %s', async (_what, arrange, spec, message) => {
    const source = new FakeSource();
    const target = new FakeTarget();
    arrange(source, target);
    const outcome = await runUntil(new VmItinerary(source, target, settings, () => 0), spec, null);
    expect(outcome.visited).toEqual(['Preflight']);
    expect(outcome.failure).toMatch(message);
    expect(target.creates).toEqual([]);
  });

  it('refuses to power off a guest without Tools unless the plan allows a hard power-off', async () => {
    const source = new FakeSource();
    source.toolsRunning = false;
    const refused = await runUntil(
      new VmItinerary(source, new FakeTarget(), settings, () => 0),
      specFor(),
      null,
    );
    expect(refused.failure).toMatch(/VMware Tools is not running/);
    const allowed = await runUntil(
      new VmItinerary(source, new FakeTarget(), settings, () => 0),
      specFor({ allowHardPowerOff: true }),
      null,
    );
    expect(allowed.failure).toBeNull();
    expect(source.calls).toEqual(['powerOff']);
  });

  it('falls back to a hard power-off when the guest shutdown times out (only if allowed)', async () => {
    let now = 0;
    const source = new FakeSource();
    source.shutdownHonoured = false;
    const itinerary = new VmItinerary(source, new FakeTarget(), settings, () => now);
    const spec = specFor({ allowHardPowerOff: true });
    const at = await runUntil(itinerary, spec, 'WaitForPowerOff', false);
    const waiting = await itinerary.advance(at.step);
    expect(waiting.decision).toEqual({ kind: 'wait', ms: settings.timings.pollMs });
    now = 2_000;
    const forced = await itinerary.advance(at.step);
    expect(source.calls).toEqual(['shutdownGuest', 'powerOff']);
    expect(forced.events?.[0]?.message).toMatch(/hard power-off/);
    const strict = new VmItinerary(source, new FakeTarget(), settings, () => now);
    source.powerState = 'poweredOn';
    const noForce = await strict.advance({ ...at.step, spec: specFor({ allowHardPowerOff: false }) });
    expect(noForce.decision).toMatchObject({ kind: 'fail' });
  });

  it('reports importer restarts and failures with the importer message, and stalls after the configured time', async () => {
    let now = 0;
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => now);
    const at = await runUntil(itinerary, specFor(), 'CopyDisks', false);
    target.dvPhase = 'ImportInProgress';
    target.dvProgress = 42.5;
    target.restartCount = 1;
    const progress = await itinerary.advance(at.step);
    expect(progress.decision.kind).toBe('wait');
    expect(progress.disks?.[0]).toMatchObject({ progressPct: 42.5, restartCount: 1 });
    expect(progress.events?.[0]?.message).toMatch(/restarted/);
    now = 10_000;
    const stalled = await itinerary.advance({ ...at.step, disks: progress.disks ?? [] });
    expect(stalled.decision).toMatchObject({ kind: 'fail' });
    expect(stalled.decision.kind === 'fail' && stalled.decision.message).toMatch(
      /stalled: no progress for 10 s at 42.5%/,
    );
    target.dvPhase = 'Failed';
    const failed = await itinerary.advance(at.step);
    expect(failed.decision.kind === 'fail' && failed.decision.message).toMatch(/failed: Error: NFC refused/);
  });

  const phases: PhaseName[] = [
    'Preflight',
    'StorePowerState',
    'PowerOffSource',
    'WaitForPowerOff',
    'CreateDataVolumes',
    'CopyDisks',
    'CreateVM',
    'WaitForVMReady',
    'Completed',
  ];

  it.each(phases)(
    'cancel in %s removes what was created and powers the source back on if it was on',
    async (phase) => {
      const source = new FakeSource();
      const target = new FakeTarget();
      const itinerary = new VmItinerary(source, target, settings, () => 0);
      const at = await runUntil(itinerary, specFor(), phase, false);
      const cancel = await itinerary.cancel(at.step);
      expect(cancel.done).toBe(true);
      expect(target.objects.size).toBe(0);
      const wasStopped = phases.indexOf(phase) > phases.indexOf('PowerOffSource');
      expect(source.calls.includes('powerOn')).toBe(wasStopped);
      expect(source.powerState).toBe('poweredOn');
    },
  );
});
