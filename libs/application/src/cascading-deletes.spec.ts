import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { makeVm } from '../../assessment/src/testing/index.js';
import { AssessmentService } from './assessment.service.js';
import { UserFacingError } from './errors.js';
import { InventoryService } from './inventory.service.js';
import { PlanningService } from './planning.service.js';

const PLANNER: Principal = { actor: 'token:planner', roles: ['planner'] };

describe('deletes that cascade', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let inventories: InventoryStore;
  let assessments: AssessmentStore;
  let plans: PlanStore;
  let executions: ExecutionStore;
  let access: AccessStore;
  let inventoryService: InventoryService;
  let assessmentService: AssessmentService;
  let planning: PlanningService;

  beforeAll(async () => {
    database = await openTestDatabase('flotilla_cascade');
    const { dataSource } = database;
    inventories = new InventoryStore(dataSource);
    assessments = new AssessmentStore(dataSource);
    plans = new PlanStore(dataSource);
    executions = new ExecutionStore(dataSource);
    access = new AccessStore(dataSource);
    const cascade = new CascadeStore(dataSource);
    inventoryService = new InventoryService(inventories, cascade, access);
    assessmentService = new AssessmentService(inventories, assessments, access, cascade);
    planning = new PlanningService(inventories, assessments, plans, access, cascade);
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** An inventory of two VMs, an assessment, a plan and an execution of its wave 1 on two VMs. */
  async function estateWithExecution() {
    const estate = await seedAssessedInventory(database, [
      makeVm({ key: 'vm-a', name: 'a' }),
      makeVm({ key: 'vm-b', name: 'b' }),
    ]);
    const { inventoryId, assessmentId } = estate;
    const planId = await seedPlan(database, estate);
    const executionId = await executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 'test',
      spec: {},
      vms: ['vm-a', 'vm-b'].map((vmKey) => ({
        vmKey,
        name: vmKey,
        targetName: vmKey,
        sourceHost: 'esx-1',
        spec: {},
        firstPhase: 'Preflight',
        disks: [{ index: 0, datastore: 'ds1', capacityBytes: 1 }],
      })),
    });
    return { inventoryId, assessmentId, planId, executionId };
  }

  async function finish(executionId: string): Promise<void> {
    await database.dataSource.query(`UPDATE execution_vms SET status = 'succeeded' WHERE execution_id = $1`, [
      executionId,
    ]);
    expect(await executions.finishIfDone(executionId)).toBe('completed');
  }

  async function refusal(attempt: Promise<unknown>): Promise<UserFacingError> {
    const error = await attempt.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UserFacingError);
    return error as UserFacingError;
  }

  const lastAudit = async (resourceId: string) =>
    (await access.listAudit({ resourceId, limit: 1000 })).at(-1);

  it('refuses to delete an inventory while an execution beneath it runs, naming the execution', async () => {
    const { inventoryId, planId, executionId } = await estateWithExecution();
    await database.dataSource.query(`UPDATE executions SET status = 'running' WHERE id = $1`, [executionId]);
    const error = await refusal(inventoryService.delete(inventoryId, PLANNER));
    expect(error.kind).toBe('conflict');
    expect(error.code).toBe('execution-unfinished');
    expect(error.message).toContain(executionId);
    expect(error.message).toContain(`plan ${planId}, wave 1, running`);
    // Nothing went: the execution's rows are the record of what it did.
    expect(await executions.get(executionId)).not.toBeNull();
    expect(await executions.listVms(executionId)).toHaveLength(2);
    expect(await lastAudit(inventoryId)).toBeUndefined();
  });

  it('deletes the inventory once the execution finished, auditing everything that went with it', async () => {
    const { inventoryId, executionId } = await estateWithExecution();
    await finish(executionId);
    await inventoryService.delete(inventoryId, PLANNER);
    expect(await inventories.get(inventoryId)).toBeNull();
    expect(await executions.get(executionId)).toBeNull();
    const audit = await lastAudit(inventoryId);
    expect(audit?.action).toBe('inventory.delete');
    expect(audit?.actor).toBe(PLANNER.actor);
    expect(audit?.after).toEqual({
      removed: { inventoryVms: 2, assessments: 1, plans: 1, executions: 1, executionVms: 2 },
    });
  });

  it('refuses to delete an assessment whose plan has a queued execution, then deletes and audits', async () => {
    const { inventoryId, assessmentId, executionId } = await estateWithExecution();
    const error = await refusal(assessmentService.delete(assessmentId, PLANNER));
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain(`Assessment ${assessmentId}`);
    expect(error.message).toContain(executionId);
    await finish(executionId);
    await assessmentService.delete(assessmentId, PLANNER);
    expect(await assessments.get(assessmentId)).toBeNull();
    expect(await inventories.get(inventoryId)).not.toBeNull();
    expect((await lastAudit(assessmentId))?.after).toEqual({
      removed: { inventoryVms: 0, assessments: 1, plans: 1, executions: 1, executionVms: 2 },
    });
  });

  it('refuses to delete a plan while its execution is cancelling, whatever the wave status says', async () => {
    const { planId, executionId } = await estateWithExecution();
    // The wave's status is not what guards: the executions table is.
    await database.dataSource.query(`UPDATE executions SET status = 'cancelling' WHERE id = $1`, [
      executionId,
    ]);
    await database.dataSource.query(`UPDATE plan_waves SET status = 'cancelled' WHERE plan_id = $1`, [
      planId,
    ]);
    const error = await refusal(planning.delete(planId, PLANNER));
    expect(error.message).toContain(`${executionId} (plan ${planId}, wave 1, cancelling)`);
    await database.dataSource.query(`UPDATE executions SET status = 'cancelled' WHERE id = $1`, [
      executionId,
    ]);
    await planning.delete(planId, PLANNER);
    expect(await plans.get(planId)).toBeNull();
    expect((await lastAudit(planId))?.after).toEqual({
      removed: { inventoryVms: 0, assessments: 0, plans: 1, executions: 1, executionVms: 2 },
    });
  });

  it('answers 404 for an inventory that does not exist', async () => {
    const error = await refusal(inventoryService.delete('00000000-0000-4000-8000-000000000000', PLANNER));
    expect(error.kind).toBe('not-found');
  });
});
