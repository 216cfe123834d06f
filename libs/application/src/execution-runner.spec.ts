import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepResult, VmItinerary } from '#libs/itinerary';
import { type AdmittedVm, type CopyAdmissionPolicy, ExecutionStore, PlanStore } from '#libs/persistence';
import { openTestDatabase, seedAssessedInventory, seedPlan } from '../../../test/support/estate-rows.js';
import { RecordingQueue } from '../../../test/support/recording-queue.js';
import type { ExecutionQueue } from './execution-queue.js';
import { ExecutionRunner } from './execution-runner.js';

const GIB = 2 ** 30;

/** The real store, counting the admission passes (each one transaction under the scheduler's lock). */
class CountingExecutionStore extends ExecutionStore {
  passes = 0;
  override async admitQueuedVms(admit: CopyAdmissionPolicy, maxCandidates?: number): Promise<AdmittedVm[]> {
    this.passes += 1;
    return super.admitQueuedVms(admit, maxCandidates);
  }
}

/** Scheduling never steps a VM. */
const NO_ITINERARY = new Proxy({} as VmItinerary, {
  get() {
    throw new Error('scheduling must not run an itinerary step');
  },
});

describe('ExecutionRunner scheduling (real Postgres)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let executions: CountingExecutionStore;
  let plans: PlanStore;
  let estate: { inventoryId: string; assessmentId: string };

  beforeAll(async () => {
    database = await openTestDatabase('flotilla_exec_runner');
    executions = new CountingExecutionStore(database.dataSource);
    plans = new PlanStore(database.dataSource);
    estate = await seedAssessedInventory(database);
  });

  afterAll(async () => {
    await database?.drop();
  });

  function runner(
    queue: ExecutionQueue,
    store: ExecutionStore = executions,
    itinerary: VmItinerary = NO_ITINERARY,
  ): ExecutionRunner {
    return new ExecutionRunner(store, plans, queue, itinerary, {
      workerId: 'runner-spec',
      limits: { perHost: 2, perDatastore: null, perExecution: null, global: null },
      leaseMs: 60_000,
      maxTransientFailures: 3,
      transientBackoffMs: 1_000,
      reconcileGraceMs: 30_000,
    });
  }

  async function execution(hosts: string[], vmsPerHost: number): Promise<string> {
    const planId = await seedPlan(database, estate);
    return executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 'test',
      spec: {},
      vms: hosts.flatMap((host) =>
        Array.from({ length: vmsPerHost }, (_, index) => {
          const vmKey = `${host}-vm-${index}`;
          return {
            vmKey,
            name: vmKey,
            targetName: vmKey,
            sourceHost: host,
            spec: { vmKey },
            firstPhase: 'Preflight',
            disks: [{ index: 0, datastore: 'ds1', capacityBytes: (10 + index) * GIB }],
          };
        }),
      ),
    });
  }

  it('runs one admission pass at a time: calls made meanwhile share the one pass after it', async () => {
    const executionId = await execution(['esx-a', 'esx-b', 'esx-c'], 4);
    const queue = new RecordingQueue();
    const scheduler = runner(queue);
    executions.passes = 0;
    // Twenty copies ending together each ask for a pass.
    const admitted = await Promise.all(Array.from({ length: 20 }, () => scheduler.schedule()));
    expect(executions.passes).toBe(2);
    // Two per host, each enqueued once, whichever caller's pass admitted it.
    expect(queue.jobs).toHaveLength(6);
    expect(admitted[0]).toBe(6);
    expect(admitted.slice(1).every((count) => count === 0)).toBe(true);
    const slots = await executions.slotsInUse();
    expect(slots.filter((slot) => slot.executionId === executionId)).toHaveLength(6);
  });

  it('admits for a release made after a running pass read the slots, in the pass that follows it', async () => {
    const executionId = await execution(['esx-d'], 3);
    const queue = new RecordingQueue();
    const scheduler = runner(queue);
    await scheduler.schedule();
    const running = (await executions.slotsInUse()).filter((slot) => slot.executionId === executionId);
    expect(running).toHaveLength(2);
    const jobsBefore = queue.jobs.length;
    // Another wave's VM the next pass will admit; holding its row makes that pass wait after it
    // read the slots in use, as a pass under load does.
    const other = await execution(['esx-e'], 1);
    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT 1 FROM execution_vms WHERE execution_id = $1 FOR UPDATE', [other]);
    executions.passes = 0;
    const first = scheduler.schedule();
    for (let waited = 0; ; waited += 10) {
      // From outside the holder's transaction: pg_stat_activity is a snapshot within one.
      const rows: unknown[] = await database.dataSource.query(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE execution_vms v SET status%'`,
      );
      if (rows.length > 0) break;
      if (waited > 5_000) throw new Error('the admission pass never reached its update');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // A copy on the full host ends; its worker asks for a pass while the first one still runs.
    const ended = running[0];
    if (!ended) throw new Error('no slot');
    await executions.releaseSlots(executionId, ended.vmKey);
    const second = scheduler.schedule();
    await holder.commitTransaction();
    await holder.release();
    expect(await first).toBe(1);
    expect(await second).toBe(1);
    expect(executions.passes).toBe(2);
    const enqueued = queue.jobs.slice(jobsBefore).map((job) => (job.payload as { vmKey: string }).vmKey);
    expect(enqueued.sort()).toEqual(['esx-d-vm-0', 'esx-e-vm-0']);
  });

  it('gives back the lease a commit kept for the next phase when the work after the commit fails', async () => {
    const executionId = await execution(['esx-f'], 1);
    await runner(new RecordingQueue()).schedule();
    /** Postgres goes away right after the step's commit landed. */
    class ReleaseFailingStore extends ExecutionStore {
      override async releaseSlots(): Promise<number> {
        throw new Error('connection lost');
      }
    }
    // A phase that ends in next and gives a disk's slot back.
    const itinerary = new Proxy({} as VmItinerary, {
      get: (_target, property) =>
        property === 'advance'
          ? async (): Promise<StepResult> => ({
              phase: 'Preflight',
              decision: { kind: 'next' },
              nextPhase: 'StorePowerState',
              releasedDisks: [0],
            })
          : undefined,
    });
    const failing = runner(new RecordingQueue(), new ReleaseFailingStore(database.dataSource), itinerary);
    await expect(failing.advanceVm(executionId, 'esx-f-vm-0')).rejects.toThrow('connection lost');
    const vm = await executions.getVm(executionId, 'esx-f-vm-0');
    expect(vm).toMatchObject({ phase: 'StorePowerState', leaseOwner: null, status: 'running' });
  });
});
