import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

export type WaveStatus = 'draft' | 'approved' | 'executing' | 'completed' | 'failed' | 'cancelled';

export interface WaveApproval {
  number: number;
  status: WaveStatus;
  contentHash: string;
  approvedHash: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
}

export interface PlanRecord<Settings = unknown, Result = unknown> {
  id: string;
  name: string;
  inventoryId: string;
  assessmentId: string;
  status: string;
  settings: Settings;
  result: Result;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  waves: WaveApproval[];
}

/** A plan's record without its content. */
export type PlanHeader = Omit<PlanRecord, 'settings' | 'result'>;

export interface PlanSummaryRecord {
  id: string;
  name: string;
  inventoryId: string;
  assessmentId: string;
  status: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A plan's new content and the content hash of each of its waves. */
export interface PlanContent {
  settings: unknown;
  result: unknown;
  waveHashes: Array<{ number: number; hash: string }>;
}

export class PlanVersionConflictError extends Error {
  constructor(
    readonly planId: string,
    readonly expected: number,
  ) {
    super(`Plan ${planId} changed since version ${expected}; reload it and try again`);
  }
}

function toWave(row: Record<string, unknown>): WaveApproval {
  return {
    number: Number(row.number),
    status: row.status as WaveStatus,
    contentHash: String(row.content_hash),
    approvedHash: (row.approved_hash as string | null) ?? null,
    approvedBy: (row.approved_by as string | null) ?? null,
    approvedAt: row.approved_at ? new Date(row.approved_at as string).toISOString() : null,
  };
}

/** Owns every query on plans and their waves' approvals. */
export class PlanStore {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: {
    name: string;
    inventoryId: string;
    assessmentId: string;
    createdBy: string;
    content: PlanContent;
  }): Promise<string> {
    const id = randomUUID();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO plans (id, name, inventory_id, assessment_id, settings, result, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          input.name,
          input.inventoryId,
          input.assessmentId,
          JSON.stringify(input.content.settings),
          JSON.stringify(input.content.result),
          input.createdBy,
        ],
      );
      await this.writeWaveHashes(manager, id, input.content.waveHashes);
    });
    return id;
  }

  async list(): Promise<PlanSummaryRecord[]> {
    const rows = await this.dataSource.query(
      `SELECT id, name, inventory_id, assessment_id, status, version, created_at, updated_at FROM plans ORDER BY created_at DESC, id`,
    );
    return rows.map((row: Record<string, unknown>) => ({
      id: String(row.id),
      name: String(row.name),
      inventoryId: String(row.inventory_id),
      assessmentId: String(row.assessment_id),
      status: String(row.status),
      version: Number(row.version),
      createdAt: new Date(row.created_at as string).toISOString(),
      updatedAt: new Date(row.updated_at as string).toISOString(),
    }));
  }

  async get<Settings, Result>(id: string): Promise<PlanRecord<Settings, Result> | null> {
    const rows = await this.dataSource.query('SELECT * FROM plans WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) return null;
    return { ...(await this.withWaves(row)), settings: row.settings, result: row.result };
  }

  /**
   * The plan without its content (settings and result: megabytes of JSON for a large plan): its
   * version says whether content derived from an earlier read still holds, its waves' approvals are
   * current (approving a wave leaves the version as it is).
   */
  async getHeader(id: string): Promise<PlanHeader | null> {
    const rows = await this.dataSource.query(
      `SELECT id, name, inventory_id, assessment_id, status, version, created_by, created_at, updated_at
       FROM plans WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row ? this.withWaves(row) : null;
  }

  private async withWaves(row: Record<string, unknown>): Promise<PlanHeader> {
    const waves = await this.dataSource.query('SELECT * FROM plan_waves WHERE plan_id = $1 ORDER BY number', [
      row.id,
    ]);
    return {
      id: String(row.id),
      name: String(row.name),
      inventoryId: String(row.inventory_id),
      assessmentId: String(row.assessment_id),
      status: String(row.status),
      version: Number(row.version),
      createdBy: String(row.created_by),
      createdAt: new Date(row.created_at as string).toISOString(),
      updatedAt: new Date(row.updated_at as string).toISOString(),
      waves: waves.map(toWave),
    };
  }

  /**
   * Stores new plan content if nobody changed the plan since `expectedVersion`. A wave whose
   * content hash changed loses its approval and returns to draft; the numbers of those waves
   * are returned so the caller can record it.
   */
  async update(
    id: string,
    expectedVersion: number,
    content: PlanContent,
    manager?: EntityManager,
  ): Promise<{ version: number; invalidatedWaves: number[] }> {
    const run = async (tx: EntityManager) => {
      const updated = await tx.query(
        `UPDATE plans SET settings = $3, result = $4, version = version + 1, updated_at = now()
         WHERE id = $1 AND version = $2 RETURNING version`,
        [id, expectedVersion, JSON.stringify(content.settings), JSON.stringify(content.result)],
      );
      // node-postgres returns [rows, count] for UPDATE ... RETURNING through TypeORM.
      const rows = Array.isArray(updated[0]) ? updated[0] : updated;
      if (rows.length === 0) throw new PlanVersionConflictError(id, expectedVersion);
      const invalidated = await this.writeWaveHashes(tx, id, content.waveHashes);
      await this.refreshPlanStatus(tx, id);
      return { version: Number(rows[0].version), invalidatedWaves: invalidated };
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  private async writeWaveHashes(
    manager: EntityManager,
    planId: string,
    waveHashes: Array<{ number: number; hash: string }>,
  ): Promise<number[]> {
    const existing: WaveApproval[] = (
      await manager.query('SELECT * FROM plan_waves WHERE plan_id = $1 FOR UPDATE', [planId])
    ).map(toWave);
    const byNumber = new Map(existing.map((wave) => [wave.number, wave]));
    const invalidated: number[] = [];
    for (const { number, hash } of waveHashes) {
      const current = byNumber.get(number);
      byNumber.delete(number);
      if (!current) {
        await manager.query('INSERT INTO plan_waves (plan_id, number, content_hash) VALUES ($1, $2, $3)', [
          planId,
          number,
          hash,
        ]);
        continue;
      }
      if (current.contentHash === hash) continue;
      const loseApproval = current.status === 'approved';
      if (loseApproval) invalidated.push(number);
      await manager.query(
        `UPDATE plan_waves SET content_hash = $3,
           status = CASE WHEN status = 'approved' THEN 'draft' ELSE status END,
           approved_hash = CASE WHEN status = 'approved' THEN NULL ELSE approved_hash END,
           approved_by = CASE WHEN status = 'approved' THEN NULL ELSE approved_by END,
           approved_at = CASE WHEN status = 'approved' THEN NULL ELSE approved_at END
         WHERE plan_id = $1 AND number = $2`,
        [planId, number, hash],
      );
    }
    for (const gone of byNumber.values()) {
      if (gone.status === 'approved') invalidated.push(gone.number);
      if (gone.status === 'draft' || gone.status === 'approved') {
        await manager.query('DELETE FROM plan_waves WHERE plan_id = $1 AND number = $2', [
          planId,
          gone.number,
        ]);
      }
    }
    return invalidated.sort((a, b) => a - b);
  }

  /** A plan is approved when every wave is; any draft wave makes the plan a draft again. */
  private async refreshPlanStatus(manager: EntityManager, planId: string): Promise<void> {
    await manager.query(
      `UPDATE plans SET status = CASE
         WHEN EXISTS (SELECT 1 FROM plan_waves WHERE plan_id = $1 AND status = 'draft') THEN 'draft'
         WHEN NOT EXISTS (SELECT 1 FROM plan_waves WHERE plan_id = $1) THEN 'draft'
         WHEN NOT EXISTS (SELECT 1 FROM plan_waves WHERE plan_id = $1 AND status NOT IN ('completed')) THEN 'completed'
         ELSE 'approved' END
       WHERE id = $1`,
      [planId],
    );
  }

  /** Approves a wave if its content is still the content the approver saw. */
  async approveWave(
    planId: string,
    number: number,
    contentHash: string,
    approvedBy: string,
  ): Promise<WaveApproval | null> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query(
        `UPDATE plan_waves SET status = 'approved', approved_hash = content_hash, approved_by = $4, approved_at = now()
         WHERE plan_id = $1 AND number = $2 AND content_hash = $3 AND status IN ('draft', 'approved')
         RETURNING *`,
        [planId, number, contentHash, approvedBy],
      );
      const updated = Array.isArray(rows[0]) ? rows[0] : rows;
      if (updated.length === 0) return null;
      await this.refreshPlanStatus(manager, planId);
      return toWave(updated[0]);
    });
  }

  async setWaveStatus(
    planId: string,
    number: number,
    status: WaveStatus,
    manager?: EntityManager,
  ): Promise<void> {
    const run = async (tx: EntityManager) => {
      await tx.query('UPDATE plan_waves SET status = $3 WHERE plan_id = $1 AND number = $2', [
        planId,
        number,
        status,
      ]);
      await this.refreshPlanStatus(tx, planId);
    };
    await (manager ? run(manager) : this.dataSource.transaction(run));
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.dataSource.query('DELETE FROM plans WHERE id = $1 RETURNING id', [id]);
    const deleted = Array.isArray(rows[0]) ? rows[0] : rows;
    return deleted.length > 0;
  }
}
