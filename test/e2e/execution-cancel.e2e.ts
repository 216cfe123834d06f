import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView, ExecutionVmView } from '#libs/application';
import { LABEL_EXECUTION } from '#libs/kubevirt';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import {
  at,
  type ExecutionEnvironment,
  OPERATOR,
  startExecutionEnvironment,
  TARGET_NAMESPACE,
} from './execution-fixture.js';

const RESOURCES = [
  'virtualmachines',
  'virtualmachineinstances',
  'datavolumes',
  'persistentvolumeclaims',
  'pods',
  'secrets',
];

/** Objects left in the cluster for one VM, found by the deterministic names the executor uses. */
function leftovers(env: ExecutionEnvironment, vm: ExecutionVmView): string[] {
  const names = [
    vm.targetName,
    `${vm.targetName}-vddk`,
    `${vm.targetName}-v2v`,
    ...vm.disks.map((disk) => disk.dataVolume),
  ];
  const found: string[] = [];
  for (const resource of RESOURCES) {
    for (const name of names)
      if (env.emulator.get(resource, TARGET_NAMESPACE, name)) found.push(`${resource}/${name}`);
  }
  return found;
}

async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const emulatorSuite = upstreamSchemasSuite('cancelling an execution');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let env: ExecutionEnvironment;
  let hungPod: string | undefined;

  beforeAll(async () => {
    env = await startExecutionEnvironment({
      emulator: {
        clock: { speed: 10 },
        // VMs never become ready, and one guest conversion never ends: VMs wait in those phases.
        kubevirt: { startDelayMs: 1e12 },
        kubelet: {
          outcome: (pod) => {
            const name = String(pod.metadata.name);
            // Only a conversion pod hangs (importer pods go through the kubelet too).
            if (!name.endsWith('-v2v')) return undefined;
            hungPod ??= name;
            return name === hungPod ? { phase: 'Succeeded', afterMs: 1e12 } : undefined;
          },
        },
      },
    });
    env.config.executor.limits.perHost = 2;
  });

  afterAll(async () => {
    await env?.close();
  });

  it('removes what it created for a VM in each phase, powers the source back on, then cancels the wave', {
    timeout: 240_000,
  }, async () => {
    const { planId, waveNumber } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR, { convertGuest: 'always' });
    const byKey = (view: ExecutionView, key: string) =>
      view.vms.find((vm) => vm.vmKey === key) as ExecutionVmView;

    // Queued (not admitted yet): cancelled at once, nothing to undo, the source keeps running.
    const queued = started.vms.find((vm) => vm.status === 'queued');
    if (!queued) throw new Error('no queued VM: the per-host limit should hold most VMs back');
    const afterQueuedCancel = await env.service.cancel(started.id, [queued.vmKey], OPERATOR);
    expect(byKey(afterQueuedCancel, queued.vmKey).status).toBe('cancelled');
    expect(await env.powerState(env.vms.get(queued.vmKey)?.moref ?? '')).toBe('poweredOn');
    // The executor starts only now, so that VM was certainly still queued when it was cancelled.
    await env.startExecutor({ timings: { vmReadyTimeoutMs: 600_000 } });

    // CopyDisks: its import is stalled so it stays there.
    const copying = await env.waitForExecution(started.id, (view) =>
      view.vms.some((vm) => vm.phase === 'CopyDisks' && vm.status === 'running'),
    );
    const inCopy = copying.vms.find(
      (vm) => vm.phase === 'CopyDisks' && vm.status === 'running',
    ) as ExecutionVmView;
    env.emulator.cdi.stallImport(TARGET_NAMESPACE, inCopy.disks[0]?.dataVolume ?? '');

    const parked = await env.waitForExecution(
      started.id,
      (view) =>
        view.vms.some(
          (vm) =>
            vm.phase === 'ConvertGuest' && vm.status === 'running' && `${vm.targetName}-v2v` === hungPod,
        ) && view.vms.some((vm) => vm.phase === 'WaitForVMReady' && vm.status === 'running'),
      120_000,
    );
    // The VM whose conversion hangs: another one may pass through ConvertGuest on its way to WaitForVMReady.
    const inConversion = parked.vms.find(
      (vm) => vm.phase === 'ConvertGuest' && `${vm.targetName}-v2v` === hungPod,
    ) as ExecutionVmView;
    const waitingReady = parked.vms.find(
      (vm) => vm.phase === 'WaitForVMReady' && vm.status === 'running',
    ) as ExecutionVmView;
    expect(leftovers(env, waitingReady)).toContain(`virtualmachines/${waitingReady.targetName}`);
    expect(await env.powerState(env.vms.get(waitingReady.vmKey)?.moref ?? '')).toBe('poweredOff');

    const picked = [inCopy, inConversion, waitingReady];
    await env.service.cancel(
      started.id,
      picked.map((vm) => vm.vmKey),
      OPERATOR,
    );
    const cancelled = await env.waitForExecution(started.id, (view) =>
      picked.every((vm) => byKey(view, vm.vmKey).status === 'cancelled'),
    );
    for (const vm of picked) {
      const after = byKey(cancelled, vm.vmKey);
      expect(after.phase).toBe(vm.phase);
      await eventually(() => (leftovers(env, after).length === 0 ? true : undefined));
      expect(await env.powerState(env.vms.get(vm.vmKey)?.moref ?? '')).toBe('poweredOn');
    }
    const events = await env.service.events(started.id, 0, 5_000);
    expect(
      events
        .filter((event) => event.kind === 'cancelled')
        .map((event) => event.phase)
        .sort(),
    ).toEqual([...picked.map((vm) => vm.phase)].sort());

    // The whole wave: everything still running goes, every source is running again.
    await env.service.cancel(started.id, undefined, OPERATOR);
    const final = await env.waitForExecution(started.id, (view) => view.status === 'cancelled', 120_000);
    expect(final.vms.every((vm) => vm.status === 'cancelled')).toBe(true);
    await eventually(() => {
      const remaining = RESOURCES.flatMap((resource) =>
        env.emulator
          .list(resource, TARGET_NAMESPACE)
          .filter((object) => at(object, `metadata.labels.${LABEL_EXECUTION}`) === started.id),
      );
      return remaining.length === 0 ? true : undefined;
    });
    for (const vm of final.vms) {
      await eventually(() => (leftovers(env, vm).length === 0 ? true : undefined));
      expect(await env.powerState(env.vms.get(vm.vmKey)?.moref ?? '')).toBe('poweredOn');
    }
    expect((await env.plans.get(planId))?.waves.find((wave) => wave.number === waveNumber)?.status).toBe(
      'cancelled',
    );
    await expect(env.service.retry(started.id, OPERATOR)).rejects.toThrow(/no failed VM/);
  });
});
