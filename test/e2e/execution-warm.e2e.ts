import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWaveExecutionSpecs,
  DEFAULT_EXECUTION_OPTIONS,
  type ExecutionView,
  newExecutionVm,
} from '#libs/application';
import { type VmExecutionSpec, type VmRuntime, VsphereSourceVcenter } from '#libs/itinerary';
import type { PlanSettings, WavePlan } from '#libs/waves';
import {
  type ExecutionEnvironment,
  namesOf,
  OPERATOR,
  startExecutionEnvironment,
} from './execution-fixture.js';

/**
 * Warm migration end to end: vcsim behind the change-tracking layer (snapshots, change IDs), the
 * real executor, and the emulator's CDI multi-stage imports. Pre-copies come every 1.5 s here (an
 * hour in production); the wave's cutover is booked a few seconds after the start.
 */
const PRECOPY_INTERVAL_MS = 1_500;

describe('warm execution on vcsim and the emulator', () => {
  let env: ExecutionEnvironment;
  let vcenter: VsphereSourceVcenter;

  beforeAll(async () => {
    env = await startExecutionEnvironment({ changeTracking: true, importBytes: 512 * 2 ** 20 });
    const layer = env.changeTracking;
    if (!layer) throw new Error('the change-tracking layer did not start');
    vcenter = new VsphereSourceVcenter({
      url: layer.url,
      username: env.vcsim.username,
      password: env.vcsim.password,
      thumbprint: layer.thumbprint,
    });
  }, 120_000);

  afterAll(async () => {
    await vcenter?.close?.();
    await env?.close();
  });

  /** Starts a warm execution of these VMs (the planner's warm readiness needs an export, so the specs are frozen here). */
  async function startWarm(vmKeys: string[], cutoverAt: Date | null): Promise<string> {
    const approved = await env.approvedWave({ vmKeys });
    const plan = await env.plans.get<PlanSettings, WavePlan>(approved.planId);
    const wave = plan?.result.waves.find((candidate) => candidate.number === approved.waveNumber);
    if (!plan || !wave) throw new Error('the approved wave is gone');
    const specs = buildWaveExecutionSpecs({
      planId: approved.planId,
      wave,
      settings: plan.settings,
      inventoryVms: [...env.vms.values()],
      assessments: [],
      options: DEFAULT_EXECUTION_OPTIONS,
      executionId: 'pending',
    }).map(
      (spec): VmExecutionSpec => ({
        ...spec,
        migrationType: 'warm',
        warm: { precopyIntervalMs: PRECOPY_INTERVAL_MS, cutoverAt: cutoverAt?.toISOString() ?? null },
      }),
    );
    const executionId = await env.executions.create({
      planId: approved.planId,
      waveNumber: approved.waveNumber,
      waveHash: 'warm-e2e',
      requestedBy: OPERATOR.actor,
      spec: { options: DEFAULT_EXECUTION_OPTIONS },
      vms: specs.map(newExecutionVm),
      cutoverAt: cutoverAt?.toISOString() ?? null,
    });
    await env.plans.setWaveStatus(approved.planId, approved.waveNumber, 'executing');
    await env.queue.enqueue('start-execution', { executionId });
    return executionId;
  }

  async function snapshotsOf(view: ExecutionView): Promise<string[]> {
    const names: string[] = [];
    for (const vm of view.vms) {
      const moref = env.vms.get(vm.vmKey)?.moref;
      if (moref)
        names.push(...(await vcenter.listSnapshots(moref)).map((snapshot) => `${vm.name}/${snapshot.name}`));
    }
    return names;
  }

  it('pre-copies 10 VMs three times, cuts over at the booked time through two worker deaths, and leaves no snapshot', async () => {
    const vmKeys = [...env.vms.keys()].slice(0, 10);
    // Booked far ahead at the start, then re-booked (as an operator would) once every VM has its
    // three pre-copies: a loaded machine may take longer than any fixed booking to get there.
    const executionId = await startWarm(vmKeys, new Date(Date.now() + 3_600_000));
    let executor = await env.startExecutor();
    // Killed while a delta copies: another worker takes over when the leases expire.
    await env.waitForExecution(
      executionId,
      (view) => view.vms.some((vm) => vm.phase === 'CopyDisks' && (vm.warm?.precopies ?? 0) >= 1),
      60_000,
    );
    await executor.kill();
    executor = await env.startExecutor();
    await env.waitForExecution(
      executionId,
      (view) => view.vms.every((vm) => (vm.warm?.precopies ?? 0) >= 3),
      120_000,
    );
    const cutoverAt = new Date(Date.now() + 2_000);
    await env.service.cutover(executionId, cutoverAt.toISOString(), OPERATOR);
    // Killed during the cutover.
    await env.waitForExecution(
      executionId,
      (view) => view.vms.some((vm) => vm.warm?.cutover === 'cutting-over'),
      60_000,
    );
    await executor.kill();
    await env.startExecutor();
    const done = await env.waitForExecution(
      executionId,
      (view) => view.status !== 'running' && view.status !== 'queued',
      90_000,
    );
    expect(done.vms.map((vm) => `${vm.name}:${vm.status}${vm.error ? ` ${vm.error.message}` : ''}`)).toEqual(
      done.vms.map((vm) => `${vm.name}:succeeded`),
    );
    expect(done.status).toBe('completed');
    for (const vm of done.vms) {
      expect(vm.warm?.precopies).toBeGreaterThanOrEqual(3);
      expect(vm.warm?.cutover).toBe('done');
      const record = await env.executions.getVm(executionId, vm.vmKey);
      const runtime = record?.runtime as VmRuntime;
      // Nothing stopped before the booked time; every snapshot was taken once.
      const off = runtime.shutdownRequestedAt ?? runtime.hardPowerOffAt ?? runtime.sourceOffAt ?? '';
      expect(Date.parse(off)).toBeGreaterThanOrEqual(cutoverAt.getTime());
      const names = runtime.warm?.precopies.map((precopy) => precopy.snapshotName) ?? [];
      expect(new Set(names).size).toBe(names.length);
      expect(names.at(-1)).toBe('flotilla-final');
    }
    expect(await snapshotsOf(done)).toEqual([]);
    expect(namesOf(env.emulator, 'virtualmachines').length).toBeGreaterThanOrEqual(10);
    expect(namesOf(env.emulator, 'datavolumes')).toEqual([]);
    expect(namesOf(env.emulator, 'secrets').filter((name) => name.endsWith('-vddk'))).toEqual([]);
  }, 240_000);

  it('cancels warm VMs in each warm phase: no snapshot, no object left, the sources running', async () => {
    const vmKeys = [...env.vms.keys()].slice(10, 16);
    const cutoverAt = new Date(Date.now() + 6 * PRECOPY_INTERVAL_MS);
    const executionId = await startWarm(vmKeys, cutoverAt);
    await env.startExecutor();
    const cancelled = new Map<string, string>();
    const wanted: Array<(vm: ExecutionView['vms'][number]) => boolean> = [
      (vm) => vm.phase === 'CopyDisks' && (vm.warm?.precopies ?? 0) === 0,
      (vm) => vm.phase === 'CopyingPaused',
      (vm) =>
        (vm.warm?.precopies ?? 0) >= 1 &&
        ['CreateSnapshot', 'WaitForSnapshot', 'StoreSnapshotDeltas', 'AddCheckpoint', 'CopyDisks'].includes(
          vm.phase,
        ),
      (vm) => vm.warm?.cutover === 'cutting-over',
    ];
    const deadline = Date.now() + 60_000;
    while (cancelled.size < wanted.length && Date.now() < deadline) {
      const view = await env.service.get(executionId);
      for (const [index, matches] of wanted.entries()) {
        if ([...cancelled.values()].includes(String(index))) continue;
        const vm = view.vms.find(
          (candidate) =>
            !cancelled.has(candidate.vmKey) && candidate.status === 'running' && matches(candidate),
        );
        if (!vm) continue;
        cancelled.set(vm.vmKey, String(index));
        await env.service.cancel(executionId, [vm.vmKey], OPERATOR);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(cancelled.size).toBe(wanted.length);
    const done = await env
      .waitForExecution(
        executionId,
        (view) => view.status !== 'running' && view.status !== 'queued' && view.status !== 'cancelling',
        // The two VMs not cancelled still cut over and convert: minutes on a loaded CI machine.
        180_000,
      )
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}; slots: ${JSON.stringify(await env.executions.slotsInUse())}`);
      });
    const cancelledVms = done.vms.filter((vm) => cancelled.has(vm.vmKey));
    expect(cancelledVms.map((vm) => vm.status)).toEqual(cancelledVms.map(() => 'cancelled'));
    expect(await snapshotsOf(done)).toEqual([]);
    for (const vm of cancelledVms) {
      expect(namesOf(env.emulator, 'datavolumes').filter((name) => name.startsWith(vm.targetName))).toEqual(
        [],
      );
      expect(namesOf(env.emulator, 'virtualmachines')).not.toContain(vm.targetName);
      const moref = env.vms.get(vm.vmKey)?.moref ?? '';
      expect(await env.powerState(moref)).toBe('poweredOn');
    }
  }, 300_000);
});
