import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarmPrecopy, WarmState } from '#libs/itinerary';
import {
  AccessStore,
  AssessmentStore,
  CascadeStore,
  ExecutionStore,
  InventoryStore,
  PlanStore,
  type Principal,
} from '#libs/persistence';
import { openTestDatabase, seedAssessedInventory, seedPlan } from '../../../test/support/estate-rows.js';
import { RecordingQueue } from '../../../test/support/recording-queue.js';
import { UserFacingError } from './errors.js';
import { ExecutionService } from './execution.service.js';
import { finishExecutionIfDone } from './execution-outcome.js';
import { PlanningService } from './planning.service.js';

const OPERATOR: Principal = { actor: 'token:operator', roles: ['operator'] };
const ADMIN: Principal = { actor: 'token:admin', roles: ['admin'] };
const PLANNER: Principal = { actor: 'token:planner', roles: ['planner'] };

interface VmRow {
  vmKey: string;
  status: 'queued' | 'running' | 'succeeded';
  phase: string;
  powerStateBefore?: string;
  disks?: number;
  /** A warm VM's persisted pre-copies (its spec then says warm). */
  warm?: WarmState;
}

describe('execution invariants (real Postgres)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let executions: ExecutionStore;
  let plans: PlanStore;
  let access: AccessStore;
  let service: ExecutionService;
  let planning: PlanningService;
  let estate: { inventoryId: string; assessmentId: string };

  beforeAll(async () => {
    database = await openTestDatabase('flotilla_exec_invariants');
    const { dataSource } = database;
    const inventories = new InventoryStore(dataSource);
    const assessments = new AssessmentStore(dataSource);
    executions = new ExecutionStore(dataSource);
    plans = new PlanStore(dataSource);
    access = new AccessStore(dataSource);
    service = new ExecutionService(
      dataSource,
      executions,
      plans,
      inventories,
      assessments,
      access,
      new RecordingQueue(),
    );
    planning = new PlanningService(inventories, assessments, plans, access, new CascadeStore(dataSource));
    estate = await seedAssessedInventory(database);
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** A plan whose wave 1 is executing, with VMs where the rows say they are. */
  async function executingWave(vms: VmRow[]): Promise<{ planId: string; executionId: string }> {
    const planId = await seedPlan(database, estate);
    const executionId = await executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 'test',
      spec: {},
      vms: vms.map((vm) => ({
        vmKey: vm.vmKey,
        name: vm.vmKey,
        targetName: vm.vmKey,
        sourceHost: 'esx-1',
        spec: {
          vmKey: vm.vmKey,
          instanceUuid: `uuid-${vm.vmKey}`,
          targetNamespace: 'migrated',
          convertGuest: false,
          ...(vm.warm
            ? { migrationType: 'warm', warm: { precopyIntervalMs: 3_600_000, cutoverAt: null } }
            : {}),
          disks: Array.from({ length: vm.disks ?? 1 }, (_, index) => ({
            index,
            label: `Hard disk ${index + 1}`,
            dataVolume: `${vm.vmKey}-disk-${index}`,
            capacityBytes: 1,
            datastore: 'ds1',
            backingFile: '',
          })),
        },
        firstPhase: 'Preflight',
        disks: [{ index: 0, datastore: 'ds1', capacityBytes: 1 }],
      })),
    });
    await plans.setWaveStatus(planId, 1, 'executing');
    await database.dataSource.query(`UPDATE executions SET status = 'running' WHERE id = $1`, [executionId]);
    for (const vm of vms) {
      await database.dataSource.query(
        `UPDATE execution_vms SET status = $3, phase = $4, power_state_before = $5,
           runtime = CASE WHEN $5::text IS NULL THEN runtime ELSE '{"sourceRef": "vm-42"}'::jsonb END
             || COALESCE($6::jsonb, '{}'::jsonb)
         WHERE execution_id = $1 AND vm_key = $2`,
        [
          executionId,
          vm.vmKey,
          vm.status,
          vm.phase,
          vm.powerStateBefore ?? null,
          vm.warm ? JSON.stringify({ warm: vm.warm }) : null,
        ],
      );
    }
    return { planId, executionId };
  }

  const waveStatus = async (planId: string) => (await plans.get(planId))?.waves[0]?.status;
  const executionStatus = async (executionId: string) => (await executions.get(executionId))?.status;

  async function failure(attempt: Promise<unknown>): Promise<unknown> {
    return attempt.then(
      () => null,
      (caught: unknown) => caught,
    );
  }

  it('finishes an execution and sets its wave in one transaction: a failure between them leaves neither', async () => {
    const { planId, executionId } = await executingWave([
      { vmKey: 'a', status: 'succeeded', phase: 'Completed' },
      { vmKey: 'b', status: 'succeeded', phase: 'Completed' },
    ]);
    // A real failure of the second write, raised by Postgres itself.
    await database.dataSource.query(`
      CREATE OR REPLACE FUNCTION flotilla_test_fail_wave() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'injected failure between the two writes'; END $$ LANGUAGE plpgsql`);
    await database.dataSource.query(
      'CREATE TRIGGER flotilla_test_fail_wave BEFORE UPDATE ON plan_waves FOR EACH ROW EXECUTE FUNCTION flotilla_test_fail_wave()',
    );
    try {
      const error = await failure(finishExecutionIfDone(executions, plans, executionId));
      expect(String(error)).toContain('injected failure');
      // Neither write landed: the execution is still running, so the next reconcile finishes both.
      expect(await executionStatus(executionId)).toBe('running');
      expect(await waveStatus(planId)).toBe('executing');
      expect((await executions.events(executionId, 0, 100)).map((event) => event.message)).not.toContain(
        'execution completed',
      );
    } finally {
      await database.dataSource.query('DROP TRIGGER flotilla_test_fail_wave ON plan_waves');
    }
    expect(await finishExecutionIfDone(executions, plans, executionId)).toBe('completed');
    expect(await executionStatus(executionId)).toBe('completed');
    expect(await waveStatus(planId)).toBe('completed');
    // Only one caller ends it.
    expect(await finishExecutionIfDone(executions, plans, executionId)).toBeNull();
  });

  it('without an executor, a cancel ends at once what never touched vCenter or the cluster and closes the wave', async () => {
    const { planId, executionId } = await executingWave([
      { vmKey: 'queued', status: 'queued', phase: 'Preflight' },
      { vmKey: 'preflight', status: 'running', phase: 'Preflight' },
      { vmKey: 'stored', status: 'running', phase: 'StorePowerState' },
    ]);
    const view = await service.cancel(executionId, undefined, OPERATOR);
    expect(view.executor.live).toBe(false);
    expect(view.status).toBe('cancelled');
    expect(view.counts).toEqual({ cancelled: 3 });
    expect(await waveStatus(planId)).toBe('cancelled');
    const events = (await executions.events(executionId, 0, 100)).map((event) => event.message);
    expect(events.filter((message) => message.startsWith('cancelled at once'))).toHaveLength(2);
    const audit = (await access.listAudit({ resourceId: executionId, limit: 10 })).at(-1);
    expect(audit?.after).toMatchObject({ executorLive: false, cancelledWithoutExecutor: 2 });
  });

  it('without an executor, VMs that changed something wait for one; an admin abandon records what is left and unlocks the plan', async () => {
    const { planId, executionId } = await executingWave([
      { vmKey: 'early', status: 'running', phase: 'StorePowerState' },
      { vmKey: 'powered-off', status: 'running', phase: 'WaitForPowerOff', powerStateBefore: 'poweredOn' },
      { vmKey: 'copying', status: 'running', phase: 'CopyDisks', powerStateBefore: 'poweredOn', disks: 2 },
      { vmKey: 'was-off', status: 'running', phase: 'CopyDisks', powerStateBefore: 'poweredOff' },
      { vmKey: 'done', status: 'succeeded', phase: 'Completed', powerStateBefore: 'poweredOn' },
    ]);
    const cancelling = await service.cancel(executionId, undefined, OPERATOR);
    expect(cancelling.status).toBe('cancelling');
    const byKey = new Map(cancelling.vms.map((vm) => [vm.vmKey, vm]));
    expect(byKey.get('early')?.status).toBe('cancelled');
    for (const key of ['powered-off', 'copying', 'was-off']) {
      expect(byKey.get(key)?.status).toBe('running');
      expect(byKey.get(key)?.cancelRequested).toBe(true);
      expect(byKey.get(key)?.waitingFor).toBe('executor');
    }
    expect(byKey.get('done')?.waitingFor).toBeNull();
    // The wave is still executing: edits and deletes are refused until someone acts.
    expect(await waveStatus(planId)).toBe('executing');
    expect(await failure(planning.delete(planId, PLANNER))).toBeInstanceOf(UserFacingError);

    const forbidden = await failure(service.abandon(executionId, OPERATOR));
    expect((forbidden as UserFacingError).kind).toBe('forbidden');

    const outcome = await service.abandon(executionId, ADMIN);
    expect(outcome.execution.status).toBe('abandoned');
    expect(outcome.leftBehind.labelSelector).toBe(`flotilla.io/execution=${executionId}`);
    expect(outcome.leftBehind.poweredOffSourceVms).toEqual([
      { vmKey: 'copying', name: 'copying', instanceUuid: 'uuid-copying', moref: 'vm-42' },
      { vmKey: 'powered-off', name: 'powered-off', instanceUuid: 'uuid-powered-off', moref: 'vm-42' },
    ]);
    expect(outcome.leftBehind.clusterObjects).toEqual([
      { namespace: 'migrated', kind: 'Secret', name: 'copying-vddk', vmKey: 'copying' },
      { namespace: 'migrated', kind: 'DataVolume', name: 'copying-disk-0', vmKey: 'copying' },
      { namespace: 'migrated', kind: 'DataVolume', name: 'copying-disk-1', vmKey: 'copying' },
      { namespace: 'migrated', kind: 'Secret', name: 'was-off-vddk', vmKey: 'was-off' },
      { namespace: 'migrated', kind: 'DataVolume', name: 'was-off-disk-0', vmKey: 'was-off' },
    ]);
    expect(outcome.leftBehind.sourceSnapshots).toEqual([]);
    const statuses = Object.fromEntries(outcome.execution.vms.map((vm) => [vm.vmKey, vm.status]));
    expect(statuses).toEqual({
      copying: 'abandoned',
      done: 'succeeded',
      early: 'cancelled',
      'powered-off': 'abandoned',
      'was-off': 'abandoned',
    });
    expect(
      await database.dataSource.query('SELECT * FROM copy_slots WHERE execution_id = $1', [executionId]),
    ).toEqual([]);
    const audit = (await access.listAudit({ resourceId: executionId, limit: 10 })).at(-1);
    expect(audit?.action).toBe('execution.abandon');
    expect(audit?.actor).toBe(ADMIN.actor);
    expect(audit?.after).toMatchObject({ status: 'abandoned', leftBehind: outcome.leftBehind });
    // The plan is unlocked: the wave no longer executes and the plan can be deleted.
    expect(await waveStatus(planId)).toBe('cancelled');
    await planning.delete(planId, PLANNER);
    expect(await plans.get(planId)).toBeNull();
  });

  it('abandon lists the vSphere snapshots each warm VM took and did not remove, and the one being created', async () => {
    const precopy = (number: number, removed: boolean, final = false): WarmPrecopy => ({
      number,
      final,
      snapshotName: final ? 'flotilla-final' : `flotilla-precopy-${number}`,
      snapshotRef: `snapshot-${100 + number}`,
      changeIds: null,
      requestedAt: '2026-12-01T10:00:00.000Z',
      copyStartedAt: null,
      copiedAt: null,
      bytes: null,
      removed,
    });
    // A VM's first attempt is 0 (a retry adds one): this state is the running attempt's.
    const warm = (precopies: WarmPrecopy[]): WarmState => ({
      attempt: 0,
      precopies,
      nextPrecopyAt: null,
      failures: 0,
    });
    const { executionId } = await executingWave([
      // Between pre-copies: only the third (the next delta's base) still exists.
      {
        vmKey: 'paused',
        status: 'running',
        phase: 'CopyingPaused',
        powerStateBefore: 'poweredOn',
        warm: warm([precopy(1, true), precopy(2, true), precopy(3, false)]),
      },
      // Its worker stopped while vCenter took pre-copy 3: the name is known, not yet the ref.
      {
        vmKey: 'snapshotting',
        status: 'running',
        phase: 'CreateSnapshot',
        powerStateBefore: 'poweredOn',
        warm: warm([precopy(1, true), precopy(2, true)]),
      },
      // Cutting over: the penultimate pre-copy was removed, the final snapshot's removal failed.
      {
        vmKey: 'final-left',
        status: 'running',
        phase: 'WaitForFinalSnapshotRemoval',
        powerStateBefore: 'poweredOn',
        warm: warm([precopy(1, true), precopy(2, true), precopy(3, false, true)]),
      },
      // A retry starting over while the failed attempt's removal of pre-copy 2 was still running.
      {
        vmKey: 'retrying',
        status: 'running',
        phase: 'CreateInitialSnapshot',
        powerStateBefore: 'poweredOn',
        warm: warm([precopy(1, true), precopy(2, false)]),
      },
      {
        vmKey: 'all-removed',
        status: 'running',
        phase: 'CopyDisks',
        powerStateBefore: 'poweredOn',
        warm: warm([precopy(1, true)]),
      },
      { vmKey: 'cold', status: 'running', phase: 'CopyDisks', powerStateBefore: 'poweredOn' },
    ]);
    const outcome = await service.abandon(executionId, ADMIN);
    expect(outcome.leftBehind.sourceSnapshots).toEqual([
      {
        vmKey: 'final-left',
        name: 'final-left',
        instanceUuid: 'uuid-final-left',
        moref: 'vm-42',
        snapshots: [{ name: 'flotilla-final', ref: 'snapshot-103' }],
      },
      {
        vmKey: 'paused',
        name: 'paused',
        instanceUuid: 'uuid-paused',
        moref: 'vm-42',
        snapshots: [{ name: 'flotilla-precopy-3', ref: 'snapshot-103' }],
      },
      {
        vmKey: 'retrying',
        name: 'retrying',
        instanceUuid: 'uuid-retrying',
        moref: 'vm-42',
        snapshots: [
          { name: 'flotilla-precopy-2', ref: 'snapshot-102' },
          { name: 'flotilla-precopy-1', ref: null },
        ],
      },
      {
        vmKey: 'snapshotting',
        name: 'snapshotting',
        instanceUuid: 'uuid-snapshotting',
        moref: 'vm-42',
        snapshots: [{ name: 'flotilla-precopy-3', ref: null }],
      },
    ]);
    // A warm VM before its power-off left no powered-off source; its copies are listed as cold ones are.
    expect(outcome.leftBehind.poweredOffSourceVms.map((vm) => vm.vmKey)).toEqual(['cold', 'final-left']);
    const audit = (await access.listAudit({ resourceId: executionId, limit: 10 })).at(-1);
    expect(audit?.after).toMatchObject({
      leftBehind: { sourceSnapshots: outcome.leftBehind.sourceSnapshots },
    });
    const events = (await executions.events(executionId, 0, 100)).map((event) => event.message);
    expect(events.find((message) => message.startsWith('execution abandoned'))).toContain(
      '5 vSphere snapshot(s) may be left behind',
    );
  });

  it('refuses to abandon an execution that already ended', async () => {
    const { executionId } = await executingWave([{ vmKey: 'a', status: 'succeeded', phase: 'Completed' }]);
    await finishExecutionIfDone(executions, plans, executionId);
    const error = (await failure(service.abandon(executionId, ADMIN))) as UserFacingError;
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('completed');
  });

  it('with a live executor, a cancel is left to the executor', async () => {
    await executions.recordHeartbeat('test-worker');
    try {
      const { executionId } = await executingWave([
        { vmKey: 'preflight', status: 'running', phase: 'Preflight' },
      ]);
      const view = await service.cancel(executionId, undefined, OPERATOR);
      expect(view.executor.live).toBe(true);
      expect(view.status).toBe('cancelling');
      expect(view.vms[0]?.status).toBe('running');
      expect(view.vms[0]?.waitingFor).toBeNull();
    } finally {
      await database.dataSource.query('DELETE FROM executor_heartbeats');
    }
  });
});
