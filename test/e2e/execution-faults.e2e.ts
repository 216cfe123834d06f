import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExecutionView, nudgeJobId, stepJobId } from '#libs/application';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import {
  type ExecutionEnvironment,
  namesOf,
  OPERATOR,
  startExecutionEnvironment,
  TARGET_NAMESPACE,
} from './execution-fixture.js';

const finished = (view: ExecutionView) => ['completed', 'failed', 'cancelled'].includes(view.status);

function duplicates(names: string[]): string[] {
  return names.filter((name, index) => names.indexOf(name) !== index);
}

function expectOneOfEach(env: ExecutionEnvironment, vms: number): void {
  const counters = env.emulator.faults.counters();
  expect(namesOf(env.emulator, 'virtualmachines')).toHaveLength(vms);
  expect(duplicates(namesOf(env.emulator, 'virtualmachines'))).toEqual([]);
  // The DataVolumes are deleted once their VM owns the PVCs; one PVC per disk remains.
  expect(namesOf(env.emulator, 'datavolumes')).toHaveLength(0);
  expect(namesOf(env.emulator, 'persistentvolumeclaims')).toHaveLength(vms);
  expect(counters['create virtualmachines']).toBe(vms);
}

function failuresOf(view: ExecutionView): string[] {
  return view.vms
    .filter((vm) => vm.status !== 'succeeded')
    .map((vm) => `${vm.name}: ${vm.status} ${vm.error?.message ?? ''}`);
}

let env: ExecutionEnvironment | undefined;

afterEach(async () => {
  await env?.close();
  env = undefined;
});

const emulatorSuite = upstreamSchemasSuite('executor faults');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  it('survives its worker being killed mid-copy: a new worker finishes the wave, no object twice', async () => {
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 5 } } });
    const first = await env.startExecutor();
    const { planId, waveNumber } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    await env.waitForExecution(
      started.id,
      (view) => view.vms.filter((vm) => vm.phase === 'CopyDisks').length >= 5,
      60_000,
    );
    expect(env.emulator.list('datavolumes', TARGET_NAMESPACE).length).toBeGreaterThan(0);
    await first.kill();
    const copying = (await env.service.get(started.id)).vms.filter((vm) => vm.phase !== 'Completed').length;
    expect(copying).toBeGreaterThan(0);

    await env.startExecutor();
    const view = await env.waitForExecution(started.id, finished, 120_000);
    expect(failuresOf(view)).toEqual([]);
    expect(view.status).toBe('completed');
    expectOneOfEach(env, 20);
  }, 240_000);

  it('rides out its Redis connections being dropped mid-wave', async () => {
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 10 } } });
    await env.startExecutor();
    const { planId, waveNumber } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    await env.waitForExecution(started.id, (view) => view.vms.some((vm) => vm.phase === 'CopyDisks'), 60_000);
    const admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    try {
      // Only our own connections: the server is shared. BullMQ names them after the queue prefix.
      const clients = (await admin.client('LIST')) as string;
      const ours = clients
        .split('\n')
        .filter((line) => line.includes(`name=${env?.prefix}`))
        .map((line) => /addr=(\S+)/.exec(line)?.[1])
        .filter((addr): addr is string => addr !== undefined);
      expect(ours.length).toBeGreaterThan(0);
      for (const addr of ours) await admin.client('KILL', addr).catch(() => undefined);
    } finally {
      admin.disconnect();
    }
    const view = await env.waitForExecution(started.id, finished, 120_000);
    expect(failuresOf(view)).toEqual([]);
    expectOneOfEach(env, 20);
  }, 180_000);

  it('ignores duplicated and replayed jobs, and two replicas together keep the per-host limit', async () => {
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 10 } } });
    env.config.executor.limits.perHost = 3;
    await env.startExecutor();
    await env.startExecutor();
    const { planId, waveNumber, vmKeys } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    let peak = 0;
    const sampler = setInterval(() => {
      const byHost = env?.emulator.cdi.activeImportsByHost() ?? {};
      peak = Math.max(peak, ...Object.values(byHost), 0);
    }, 20);
    // The same start and the same nudges, delivered again and again while the wave runs.
    for (let round = 0; round < 3; round += 1) {
      await env.queue.enqueue('start-execution', { executionId: started.id });
      for (const vmKey of vmKeys) {
        await env.queue.enqueue('advance-vm', { executionId: started.id, vmKey });
        await env.queue.enqueue('advance-vm', { executionId: started.id, vmKey });
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const view = await env.waitForExecution(started.id, finished, 120_000);
    clearInterval(sampler);
    expect(failuresOf(view)).toEqual([]);
    expectOneOfEach(env, 20);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);

    // After the fact: replays of old steps and fresh nudges change nothing.
    const before = await env.executions.listVms(started.id);
    const eventsBefore = await env.service.events(started.id, 0, 5_000);
    for (const vm of before) {
      await env.queue.enqueue(
        'advance-vm',
        { executionId: started.id, vmKey: vm.vmKey },
        {
          jobId: stepJobId(started.id, vm.vmKey, vm.revision),
        },
      );
      await env.queue.enqueue(
        'advance-vm',
        { executionId: started.id, vmKey: vm.vmKey },
        {
          jobId: nudgeJobId('test', started.id, vm.vmKey, 1),
        },
      );
      await env.queue.enqueue(
        'advance-vm',
        { executionId: started.id, vmKey: vm.vmKey },
        {
          jobId: nudgeJobId('test', started.id, vm.vmKey, 1),
        },
      );
    }
    await env.queue.enqueue('start-execution', { executionId: started.id });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await env.executions.listVms(started.id);
    expect(after.map((vm) => [vm.vmKey, vm.revision, vm.status])).toEqual(
      before.map((vm) => [vm.vmKey, vm.revision, vm.status]),
    );
    expect(await env.service.events(started.id, 0, 5_000)).toHaveLength(eventsBefore.length);
    expectOneOfEach(env, 20);
  }, 180_000);

  it('closes gracefully mid-wave: running steps end, leases go back, another replica finishes at once', async () => {
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 5 } } });
    const leaving = await env.startExecutor({ leaseMs: 60_000 });
    const { planId, waveNumber } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    await env.waitForExecution(started.id, (view) => view.vms.some((vm) => vm.phase === 'CopyDisks'), 60_000);
    await leaving.close();
    const held = (await env.executions.listVms(started.id)).filter(
      (vm) => vm.leaseOwner === leaving.workerId,
    );
    expect(held).toEqual([]);
    await env.startExecutor({ leaseMs: 60_000 });
    // With 60 s leases, finishing well within that proves no VM waited for a lease to expire.
    const view = await env.waitForExecution(started.id, finished, 50_000);
    expect(failuresOf(view)).toEqual([]);
    expectOneOfEach(env, 20);
  }, 180_000);

  it('retries through bursts of 409, 429 and 500 from the API server', async () => {
    env = await startExecutionEnvironment();
    const faults = env.emulator.faults;
    faults.inject({
      verb: 'create',
      resource: 'datavolumes',
      times: 6,
      action: { type: 'error', code: 429, retryAfterSeconds: 1 },
    });
    faults.inject({ verb: 'create', resource: 'secrets', times: 4, action: { type: 'error', code: 500 } });
    faults.inject({ verb: 'get', resource: 'datavolumes', times: 10, action: { type: 'error', code: 503 } });
    faults.inject({
      verb: 'create',
      resource: 'virtualmachines',
      times: 2,
      action: { type: 'error', code: 409, reason: 'Conflict' },
    });
    faults.inject({
      verb: 'patch',
      resource: 'persistentvolumeclaims',
      times: 4,
      action: { type: 'error', code: 500 },
    });
    faults.inject({
      verb: 'list',
      resource: 'virtualmachines',
      times: 3,
      action: { type: 'error', code: 429, retryAfterSeconds: 1 },
    });
    await env.startExecutor();
    const { planId, waveNumber } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    const view = await env.waitForExecution(started.id, finished, 120_000);
    expect(failuresOf(view)).toEqual([]);
    expect(namesOf(env.emulator, 'virtualmachines')).toHaveLength(20);
    expect(duplicates(namesOf(env.emulator, 'virtualmachines'))).toEqual([]);
    expect(namesOf(env.emulator, 'datavolumes')).toHaveLength(0);
    expect(namesOf(env.emulator, 'persistentvolumeclaims')).toHaveLength(20);
    // Every injected fault was met (and retried past).
    const faulted = faults.requests().filter((request) => request.fault === 'error').length;
    expect(faulted).toBe(6 + 4 + 10 + 2 + 4 + 3);
  }, 180_000);

  it('fails only the VM whose importer failed, with the importer message; retry resumes it', async () => {
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 5 } } });
    await env.startExecutor();
    const { planId, waveNumber } = await env.approvedWave();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    // Two VMs copying: one importer fails for good, the other restarts (a copy still under way,
    // not one waiting for a slot, whose DataVolume does not exist yet).
    const copying = (vm: ExecutionView['vms'][number]) => vm.disks[0]?.phase === 'ImportInProgress';
    const inProgress = await env.waitForExecution(
      started.id,
      (view) => view.vms.filter(copying).length >= 2,
      60_000,
    );
    const victim = inProgress.vms.find(copying);
    if (!victim) throw new Error('no VM copying');
    const restarted = inProgress.vms.find((vm) => vm.vmKey !== victim.vmKey && copying(vm));
    const dataVolume = victim.disks[0]?.dataVolume ?? '';
    env.emulator.cdi.failImportPermanently(
      TARGET_NAMESPACE,
      dataVolume,
      'Unable to connect to vCenter: NFC connection refused',
    );
    if (restarted)
      env.emulator.cdi.restartImport(
        TARGET_NAMESPACE,
        restarted.disks[0]?.dataVolume ?? '',
        'importer OOMKilled',
      );

    const view = await env.waitForExecution(started.id, finished, 120_000);
    expect(view.status).toBe('failed');
    const failed = view.vms.filter((vm) => vm.status === 'failed');
    expect(failed.map((vm) => vm.vmKey)).toEqual([victim.vmKey]);
    expect(failed[0]?.error?.phase).toBe('CopyDisks');
    expect(failed[0]?.error?.message).toContain('Unable to connect to vCenter: NFC connection refused');
    expect(view.vms.filter((vm) => vm.status === 'succeeded')).toHaveLength(19);
    if (restarted) {
      const events = await env.service.events(started.id, 0, 5_000);
      // The restart is always reported; the importer's words only when a look fell inside its
      // restart back-off (afterwards the new run's condition carries no message), a race this
      // test used to lose about two runs in three.
      const restarts = events.filter(
        (event) => event.vmKey === restarted.vmKey && event.message.includes('restarted (restart 1)'),
      );
      expect(restarts).toHaveLength(1);
      expect(restarts[0]?.message).toMatch(/restarted \(restart 1\)(: Error: importer OOMKilled)?$/);
    }
    expect((await env.plans.get(planId))?.waves.find((wave) => wave.number === waveNumber)?.status).toBe(
      'failed',
    );

    const succeededBefore = (await env.executions.listVms(started.id))
      .filter((vm) => vm.status === 'succeeded')
      .map((vm) => [vm.vmKey, vm.revision]);
    const createsBefore = env.emulator.faults.counters()['create datavolumes'] ?? 0;
    await env.service.retry(started.id, OPERATOR);
    const retried = await env.waitForExecution(started.id, finished, 120_000);
    expect(failuresOf(retried)).toEqual([]);
    expect(retried.status).toBe('completed');
    expect(retried.vms.find((vm) => vm.vmKey === victim.vmKey)?.attempt).toBe(1);
    // The succeeded VMs were not touched, and only the failed import was made again.
    const succeededAfter = (await env.executions.listVms(started.id))
      .filter((vm) => vm.vmKey !== victim.vmKey)
      .map((vm) => [vm.vmKey, vm.revision]);
    expect(succeededAfter).toEqual(succeededBefore);
    expect((env.emulator.faults.counters()['create datavolumes'] ?? 0) - createsBefore).toBe(1);
    expect((await env.plans.get(planId))?.waves.find((wave) => wave.number === waveNumber)?.status).toBe(
      'completed',
    );
    await expect(env.service.retry(started.id, OPERATOR)).rejects.toThrow(/no failed VM/);
  }, 240_000);
});
