import type { DataSource, EntityManager } from 'typeorm';

/** What a delete starts from; the database cascades from there to everything beneath it. */
export type CascadeRoot = 'inventory' | 'assessment' | 'plan';

/** An execution that still acts (or may act) on vCenter and the cluster. */
export interface UnfinishedExecution {
  id: string;
  planId: string;
  waveNumber: number;
  status: string;
}

/** Rows a delete removed beneath its root, for the audit log. */
export interface CascadeCounts {
  inventoryVms: number;
  assessments: number;
  plans: number;
  executions: number;
  executionVms: number;
}

export type CascadeDeleteOutcome =
  | { outcome: 'deleted'; removed: CascadeCounts }
  | { outcome: 'blocked'; unfinished: UnfinishedExecution[] }
  | { outcome: 'missing' };

const ROOT_TABLE: Record<CascadeRoot, string> = {
  inventory: 'inventories',
  assessment: 'assessments',
  plan: 'plans',
};

/** The plans a delete of the root removes (through the foreign keys' ON DELETE CASCADE). */
const PLANS_UNDER: Record<CascadeRoot, string> = {
  inventory: 'inventory_id',
  assessment: 'assessment_id',
  plan: 'id',
};

/**
 * Deletes an inventory, an assessment or a plan with everything the foreign keys cascade to,
 * unless an execution beneath it is unfinished. The plans beneath are locked first (`FOR UPDATE`),
 * so an execution being created for one of them either committed already (and is seen) or waits
 * and then fails on its foreign key: no execution is lost mid-wave.
 */
export class CascadeStore {
  constructor(private readonly dataSource: DataSource) {}

  async deleteUnlessExecuting(
    root: CascadeRoot,
    id: string,
    /** Runs in the same transaction once the rows are gone (the audit entry). */
    record: (removed: CascadeCounts, manager: EntityManager) => Promise<void>,
  ): Promise<CascadeDeleteOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const table = ROOT_TABLE[root];
      const found = await tx.query(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
      if (found.length === 0) return { outcome: 'missing' };
      const plans: Array<{ id: string }> = await tx.query(
        `SELECT id FROM plans WHERE ${PLANS_UNDER[root]} = $1 ORDER BY id FOR UPDATE`,
        [id],
      );
      const planIds = plans.map((plan) => plan.id);
      const unfinished: Array<Record<string, unknown>> = await tx.query(
        `SELECT id, plan_id, wave_number, status FROM executions
         WHERE plan_id = ANY($1::uuid[]) AND status IN ('queued', 'running', 'cancelling')
         ORDER BY created_at, id`,
        [planIds],
      );
      if (unfinished.length > 0) {
        return {
          outcome: 'blocked',
          unfinished: unfinished.map((row) => ({
            id: String(row.id),
            planId: String(row.plan_id),
            waveNumber: Number(row.wave_number),
            status: String(row.status),
          })),
        };
      }
      const [counts] = await tx.query(
        `SELECT
           (SELECT count(*)::int FROM inventory_vms WHERE $2 = 'inventory' AND inventory_id = $1) AS inventory_vms,
           (SELECT count(*)::int FROM assessments
             WHERE ($2 = 'inventory' AND inventory_id = $1) OR ($2 = 'assessment' AND id = $1)) AS assessments,
           cardinality($3::uuid[]) AS plans,
           (SELECT count(*)::int FROM executions WHERE plan_id = ANY($3::uuid[])) AS executions,
           (SELECT count(*)::int FROM execution_vms v JOIN executions e ON e.id = v.execution_id
             WHERE e.plan_id = ANY($3::uuid[])) AS execution_vms`,
        [id, root, planIds],
      );
      await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
      const removed: CascadeCounts = {
        inventoryVms: Number(counts.inventory_vms),
        assessments: Number(counts.assessments),
        plans: Number(counts.plans),
        executions: Number(counts.executions),
        executionVms: Number(counts.execution_vms),
      };
      await record(removed, tx);
      return { outcome: 'deleted', removed };
    });
  }
}
