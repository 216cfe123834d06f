import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '#libs/kubevirt';
import { makeDisk, makeNic, makeVm } from '../../assessment/src/testing/index.js';
import { phaseAfter, VmItinerary } from './itinerary.js';
import { TargetRejectedError } from './ports.js';
import {
  FakeSource,
  FakeTarget,
  runUntil,
  settings,
  specFor,
  THUMBPRINT,
} from './testing/itinerary-fakes.js';
import type { PhaseName, VmStep } from './types.js';

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

  it("restarts the stall clock with each importer restart and shows the restarted run's real progress", async () => {
    let now = 0;
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => now);
    const at = await runUntil(itinerary, specFor(), 'CopyDisks', false);
    target.dvPhase = 'ImportInProgress';
    const poll = async (step: VmStep) => {
      const result = await itinerary.advance(step);
      return { result, step: { ...step, disks: result.disks ?? step.disks } };
    };
    target.dvProgress = 60;
    let { result, step } = await poll(at.step);
    // The importer dies at 60% and CDI starts over from 0: a slow but healthy copy (4 s per step,
    // a 5 s stall timeout) that only passes the old 60% much later.
    now = 4_000;
    target.restartCount = 1;
    target.dvProgress = 5;
    ({ result, step } = await poll(step));
    expect(result.disks?.[0]).toMatchObject({ progressPct: 5, restartCount: 1 });
    for (const pct of [12, 20, 35, 50, 61]) {
      now += 4_000;
      target.dvProgress = pct;
      ({ result, step } = await poll(step));
      expect(result.decision.kind).toBe('wait');
      expect(result.disks?.[0]?.progressPct).toBe(pct);
    }
    // A run that stops moving still fails, timed from its own last progress.
    now += 5_001;
    ({ result } = await poll(step));
    expect(result.decision.kind === 'fail' && result.decision.message).toMatch(
      /stalled: no progress for 5 s at 61%/,
    );
  });

  it('never shows more than the restarted importer reports, even before it reports anything', async () => {
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => 0);
    const at = await runUntil(itinerary, specFor(), 'CopyDisks', false);
    target.dvPhase = 'ImportInProgress';
    target.dvProgress = 80;
    const before = await itinerary.advance(at.step);
    target.restartCount = 1;
    target.dvProgress = null;
    const after = await itinerary.advance({ ...at.step, disks: before.disks ?? [] });
    expect(after.disks?.[0]).toMatchObject({ progressPct: 0, bytesCopied: 0 });
  });

  it("fails the disk with the importer's last message once it restarted more often than the limit", async () => {
    const target = new FakeTarget();
    const itinerary = new VmItinerary(
      new FakeSource(),
      target,
      { ...settings, importerRestartLimit: 3 },
      () => 0,
    );
    const at = await runUntil(itinerary, specFor(), 'CopyDisks', false);
    target.dvPhase = 'ImportInProgress';
    target.dvProgress = 3;
    target.dvMessage = 'Unable to connect to vddk data source: NFC connection refused';
    target.restartCount = 3;
    expect((await itinerary.advance(at.step)).decision.kind).toBe('wait');
    target.restartCount = 4;
    const failed = await itinerary.advance(at.step);
    expect(failed.decision.kind === 'fail' && failed.decision.message).toBe(
      'import of disk "Hard disk 1" (DataVolume app01-disk-0) failed: the importer restarted 4 times (limit 3); ' +
        'last message: CrashLoopBackOff: Unable to connect to vddk data source: NFC connection refused',
    );
  });

  it('waits while the conversion pod of an earlier attempt terminates, then starts a new one with a new clock', async () => {
    const target = new FakeTarget();
    let now = 0;
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => now);
    const at = await runUntil(itinerary, specFor({ convertGuest: true }), 'ConvertGuest', false);
    target.podPhase = 'Running';
    const first = await itinerary.advance(at.step);
    expect(target.creates).toContain('Pod/app01-v2v');
    // A retry long after the first attempt: its pod is still in its grace period, and would
    // even turn Failed before it goes.
    now = settings.timings.conversionTimeoutMs + 60_000;
    target.podTerminating = true;
    target.podPhase = 'Failed';
    const retry = { ...at.step, runtime: first.runtime ?? at.step.runtime, phaseStartedAt: now };
    const waiting = await itinerary.advance(retry);
    expect(waiting.decision).toEqual({ kind: 'wait', ms: settings.timings.pollMs });
    expect(waiting.runtime?.conversionStartedAt).toBeUndefined();
    // Gone: a new pod, whose clock starts now.
    target.objects.delete('Pod/app01-v2v');
    target.podTerminating = false;
    target.podPhase = 'Running';
    const started = await itinerary.advance({ ...retry, runtime: waiting.runtime ?? {} });
    expect(started.decision.kind).toBe('wait');
    expect(started.runtime?.conversionStartedAt).toBe(new Date(now).toISOString());
    expect(target.creates.filter((key) => key === 'Pod/app01-v2v')).toHaveLength(2);
  });

  it('fails at once on a request the cluster refuses for good (an unknown field under fieldValidation=Strict)', async () => {
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => 0);
    const at = await runUntil(itinerary, specFor(), 'CreateVM', false);
    target.vmRejection = new TargetRejectedError(
      'create VirtualMachine migrated/app01',
      400,
      'BadRequest',
      'VirtualMachine in version "v1" cannot be handled as a VirtualMachine: strict decoding error: unknown field "spec.template.spec.domain.firmware.serial"',
    );
    const failed = await itinerary.advance(at.step);
    expect(failed.decision.kind === 'fail' && failed.decision.message).toBe(
      'Kubernetes API create VirtualMachine migrated/app01 was refused: HTTP 400 BadRequest: VirtualMachine in version "v1" cannot be handled as a VirtualMachine: strict decoding error: unknown field "spec.template.spec.domain.firmware.serial"',
    );
  });

  it('names the MAC and the VM that took it when kubemacpool refuses the VM after Preflight', async () => {
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => 0);
    const at = await runUntil(itinerary, specFor(), 'CreateVM', false);
    target.vmRejection = new TargetRejectedError(
      'create VirtualMachine migrated/app01',
      500,
      null,
      'admission webhook "mutatevirtualmachines.kubemacpool.io" denied the request: Failed to create virtual machine allocation error: failed to allocate requested mac address',
    );
    target.others = [
      {
        name: 'intruder',
        namespace: 'other-team',
        uid: 'u-2',
        labels: {},
        ready: false,
        printableStatus: 'Stopped',
        macAddresses: ['00:50:56:00:00:01'],
      },
    ];
    const failed = await itinerary.advance(at.step);
    expect(failed.decision.kind === 'fail' && failed.decision.message).toBe(
      'MAC address 00:50:56:00:00:01 is already used by VirtualMachine other-team/intruder in the cluster (taken after Preflight checked); ' +
        'the cluster refused VirtualMachine migrated/app01: admission webhook "mutatevirtualmachines.kubemacpool.io" denied the request: ' +
        'Failed to create virtual machine allocation error: failed to allocate requested mac address',
    );
  });

  it('deletes the DataVolumes once the VM owns their PVCs, and the VM references the PVCs', async () => {
    const target = new FakeTarget();
    const outcome = await runUntil(
      new VmItinerary(new FakeSource(), target, settings, () => 0),
      specFor(),
      null,
    );
    expect(outcome.failure).toBeNull();
    expect(target.objects.has('DataVolume/app01-disk-0')).toBe(false);
    expect(target.pvcs.has('app01-disk-0')).toBe(true);
    const vm = target.objects.get('VirtualMachine/app01')?.body as VirtualMachine;
    expect(vm.spec.template.spec.volumes).toEqual([
      { name: 'vol-0', persistentVolumeClaim: { claimName: 'app01-disk-0' } },
    ]);
  });

  it('runs CreateDataVolumes again after its commit was lost: a failed import is replaced, none is created twice', async () => {
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => 0);
    const at = await runUntil(itinerary, specFor(), 'CreateDataVolumes', false);
    const first = await itinerary.advance(at.step);
    expect(first.decision).toEqual({ kind: 'next' });
    expect(target.creates.filter((key) => key.startsWith('DataVolume/'))).toEqual([
      'DataVolume/app01-disk-0',
    ]);
    // The worker died before committing; meanwhile the import failed. The step runs again with
    // no disk recorded: the cluster's answer decides.
    target.dvPhase = 'Failed';
    const again = await itinerary.advance(at.step);
    expect(again.decision.kind).toBe('wait');
    expect(again.events?.map((event) => event.message)).toEqual([
      'failed DataVolume app01-disk-0 deleted to import again',
    ]);
    expect(target.objects.has('DataVolume/app01-disk-0')).toBe(false);
    target.dvPhase = 'ImportInProgress';
    const replaced = await itinerary.advance(at.step);
    expect(replaced.decision).toEqual({ kind: 'next' });
    // A copy in progress found on a rerun is kept as it is.
    const kept = await itinerary.advance(at.step);
    expect(kept.decision).toEqual({ kind: 'next' });
    expect(kept.events ?? []).toEqual([]);
    expect(target.creates.filter((key) => key.startsWith('DataVolume/'))).toEqual([
      'DataVolume/app01-disk-0',
      'DataVolume/app01-disk-0',
    ]);
  });

  it('takes a copy whose DataVolume CDI garbage-collected for a finished one, at CopyDisks and on retry', async () => {
    const target = new FakeTarget();
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => 0);
    const at = await runUntil(itinerary, specFor(), 'CopyDisks', false);
    // deleteAfterCompletion honoured: the DataVolume is gone before CopyDisks saw it succeed.
    target.objects.delete('DataVolume/app01-disk-0');
    const copied = await itinerary.advance(at.step);
    expect(copied.decision).toEqual({ kind: 'next' });
    expect(copied.releasedDisks).toEqual([0]);
    // A retried wave finds the PVC, not the DataVolume, and does not copy again.
    const retry = await itinerary.advance({
      ...at.step,
      phase: 'CreateDataVolumes',
      disks: copied.disks ?? [],
    });
    expect(retry.decision).toEqual({ kind: 'next' });
    expect(target.objects.has('DataVolume/app01-disk-0')).toBe(false);
    const vmStep = { ...at.step, phase: 'CreateVM' as const, disks: retry.disks ?? [] };
    expect((await itinerary.advance(vmStep)).decision).toEqual({ kind: 'next' });
    // Without the PVC the copy is lost, not finished.
    target.pvcs.clear();
    const lost = await itinerary.advance(at.step);
    expect(lost.decision.kind === 'fail' && lost.decision.message).toMatch(/disappeared during the copy/);
  });

  it('fails at once, naming the storage class, when CDI cannot render the PVC (incomplete StorageProfile)', async () => {
    const target = new FakeTarget();
    target.dvPhase = '';
    target.dvProgress = null;
    target.dvClaimProblem = 'no accessMode specified in StorageProfile nfs-csi';
    const itinerary = new VmItinerary(new FakeSource(), target, settings, () => 0);
    const at = await runUntil(itinerary, specFor(), 'CopyDisks', false);
    const copy = await itinerary.advance(at.step);
    expect(copy.decision.kind).toBe('fail');
    const message = copy.decision.kind === 'fail' ? copy.decision.message : '';
    const storageClass = Object.values(specFor().storageMap)[0]?.storageClass;
    expect(message).toContain(`storage class "${storageClass}"`);
    expect(message).toContain('ErrClaimNotValid: no accessMode specified in StorageProfile nfs-csi');
    // The DataVolume that will never copy is not left behind.
    await itinerary.afterFailure({ ...at.step, disks: copy.disks ?? at.step.disks });
    expect(target.objects.has('DataVolume/app01-disk-0')).toBe(false);
  });

  it('checks the preference at Preflight: namespaced first, then cluster-wide, else none', async () => {
    const vmOf = async (preferences: string[]) => {
      const target = new FakeTarget();
      target.preferences = new Set(preferences);
      const outcome = await runUntil(
        new VmItinerary(new FakeSource(), target, settings, () => 0),
        specFor(),
        null,
      );
      expect(outcome.failure).toBeNull();
      return target.objects.get('VirtualMachine/app01')?.body as VirtualMachine;
    };
    expect((await vmOf(['VirtualMachineClusterPreference/rhel.9'])).spec.preference).toEqual({
      name: 'rhel.9',
      kind: 'VirtualMachineClusterPreference',
    });
    expect(
      (await vmOf(['VirtualMachinePreference/rhel.9', 'VirtualMachineClusterPreference/rhel.9'])).spec
        .preference,
    ).toEqual({ name: 'rhel.9', kind: 'VirtualMachinePreference' });
    expect((await vmOf([])).spec).not.toHaveProperty('preference');
    const target = new FakeTarget();
    target.preferences.clear();
    const preflight = await new VmItinerary(new FakeSource(), target, settings, () => 0).advance({
      executionId: 'exec-1',
      spec: specFor(),
      phase: 'Preflight',
      runtime: {},
      disks: [],
      powerStateBefore: null,
      phaseStartedAt: 0,
      attempt: 0,
    });
    expect(preflight.events?.map((event) => event.message).join('\n')).toMatch(
      /preference "rhel.9" exists neither in namespace migrated nor cluster-wide/,
    );
  });

  it('builds from what vCenter says at Preflight: instance UUID, host path and zone, vTPM, nested HV, guest IPs', async () => {
    const source = new FakeSource();
    const live = {
      instanceUuid: '50aa0000-0000-4000-8000-000000000001',
      host: { inventoryPath: 'EMEA/DC0/Prod/C0/esx-7', timeZone: 'Europe/Madrid' },
      hasTpm: true,
      nestedHv: true,
      guestNetwork: {
        addresses: [
          {
            device: '0',
            mac: '00:50:56:00:00:01',
            ip: '10.1.2.3',
            prefixLength: 24,
            origin: 'manual',
            dns: ['10.1.2.1'],
          },
        ],
        routes: [{ device: '0', network: '0.0.0.0/0', gateway: '10.1.2.254' }],
      },
    };
    source.findVmByInstanceUuid = async () => ({
      ref: 'vm-100',
      name: 'app01',
      powerState: 'poweredOn',
      toolsRunning: true,
      biosUuid: '42aa0000-0000-4000-8000-000000000002',
      disks: source.disks.map((disk) => ({ ...disk, uuid: '6000C29a-1111-2222-3333-444455556666' })),
      ...live,
    });
    const target = new FakeTarget();
    const outcome = await runUntil(
      new VmItinerary(source, target, settings, () => 0),
      specFor({ convertGuest: true }),
      null,
    );
    expect(outcome.failure).toBeNull();
    const dv = target.objects.get('DataVolume/app01-disk-0');
    expect(dv).toBeUndefined();
    const pod = target.objects.get('Pod/app01-v2v');
    expect(pod).toBeUndefined();
    const vm = target.objects.get('VirtualMachine/app01')?.body as VirtualMachine;
    const domain = vm.spec.template.spec.domain;
    expect(domain.clock).toEqual({ timezone: 'Europe/Madrid' });
    expect(domain.devices.tpm).toEqual({ persistent: true });
    expect(domain.cpu.features?.map((feature) => feature.name)).toEqual(['vmx', 'svm']);
    expect(domain.firmware.serial).toBe('VMware-42 aa 00 00 00 00 40 00-80 00 00 00 00 00 00 02');
    expect(domain.devices.disks[0]?.serial).toBe('6000C29a-1111-2222-3');
    expect(target.createdBodies.DataVolume?.spec.source.vddk.uuid).toBe(live.instanceUuid);
    const env = Object.fromEntries(
      (target.createdBodies.Pod?.spec.containers[0]?.env ?? []).map((entry) => [entry.name, entry.value]),
    );
    expect(env.V2V_libvirtURL).toMatch(/@vcenter\.example\.com\/EMEA\/DC0\/Prod\/C0\/esx-7\?no_verify=1$/);
    expect(env.V2V_staticIPs).toBe('00:50:56:00:00:01:ip:10.1.2.3,10.1.2.254,24,10.1.2.1');
  });

  it('waits for a shared disk another VM copies, takes no slot for it, attaches it and leaves it alone', async () => {
    const sharedPath = '[ds-ssd-01] rac/rac-shared.vmdk';
    const ownPath = '[ds-ssd-01] rac-02/rac-02.vmdk';
    const shared = makeDisk({
      label: 'Hard disk 2',
      key: 2001,
      unitNumber: 1,
      path: sharedPath,
      sharingMode: 'sharingMultiWriter',
    });
    const vm = makeVm({
      key: 'vc/vm-2',
      name: 'rac-02',
      disks: [makeDisk({ path: ownPath }), shared],
      nics: [makeNic({ mac: '00:50:56:00:00:02' })],
    });
    const spec = specFor({
      vm,
      vmKey: vm.key,
      name: vm.name,
      targetName: 'rac-02',
      sharedDisksCopiedBy: { [sharedPath]: 'vc/vm-1' },
    });
    expect(spec.disks.map((disk) => disk.copiedBy ?? null)).toEqual([null, 'vc/vm-1']);
    const source = new FakeSource();
    source.disks = [ownPath, sharedPath].map((backingFile, index) => ({
      key: 2000 + index,
      label: `Hard disk ${index + 1}`,
      backingFile,
      capacityBytes: 40_960 * 2 ** 20,
    }));
    let now = 0;
    const target = new FakeTarget();
    const itinerary = new VmItinerary(source, target, settings, () => now);
    const at = await runUntil(itinerary, spec, 'CopyDisks', false);
    const sharedClaim = spec.disks[1]?.dataVolume ?? '';
    expect(target.creates.filter((key) => key.startsWith('DataVolume/'))).toEqual([
      'DataVolume/rac-02-disk-0',
    ]);
    // Its own copy is done; the shared one is not there yet: wait, without a stall below the timeout.
    now = 4_000;
    const waiting = await itinerary.advance(at.step);
    expect(waiting.decision.kind).toBe('wait');
    expect(waiting.releasedDisks).toEqual([0]);
    // The copying VM's DataVolume appears and finishes.
    target.objects.set(`DataVolume/${sharedClaim}`, {
      kind: 'DataVolume',
      name: sharedClaim,
      labels: {},
      body: {},
    });
    target.pvcs.add(sharedClaim);
    const copied = await itinerary.advance({ ...at.step, disks: waiting.disks ?? [] });
    expect(copied.decision).toEqual({ kind: 'next' });
    expect(copied.releasedDisks).toEqual([]);
    const vmStep = { ...at.step, phase: 'CreateVM' as const, disks: copied.disks ?? [] };
    expect((await itinerary.advance(vmStep)).decision).toEqual({ kind: 'next' });
    const created = target.objects.get('VirtualMachine/rac-02')?.body as VirtualMachine;
    expect(created.spec.template.spec.volumes[1]).toEqual({
      name: 'vol-1',
      persistentVolumeClaim: { claimName: sharedClaim },
    });
    expect(created.spec.template.spec.domain.devices.disks[1]).toMatchObject({
      shareable: true,
      cache: 'none',
    });
    // Only its own DataVolume is deleted; the shared one belongs to the VM that copied it.
    expect(target.objects.has('DataVolume/rac-02-disk-0')).toBe(false);
    expect(target.objects.has(`DataVolume/${sharedClaim}`)).toBe(true);
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
