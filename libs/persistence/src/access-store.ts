import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

export const ROLES = ['viewer', 'planner', 'approver', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiTokenRecord {
  id: string;
  name: string;
  roles: Role[];
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface Principal {
  /** `token:<name>` or `bootstrap-admin` or `cli:<user>`: what the audit log records. */
  actor: string;
  roles: Role[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  before: unknown;
  after: unknown;
}

/** Tokens are stored as SHA-256 digests: a leaked table does not leak usable tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class AccessStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates a token and returns its only clear-text copy. */
  async createToken(
    name: string,
    roles: Role[],
    createdBy: string | null,
  ): Promise<{ token: string; record: ApiTokenRecord }> {
    const token = `flt_${randomBytes(24).toString('base64url')}`;
    const id = randomUUID();
    const rows = await this.dataSource.query(
      `INSERT INTO api_tokens (id, name, token_hash, roles, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, roles, created_by, created_at, revoked_at`,
      [id, name, hashToken(token), roles, createdBy],
    );
    return { token, record: toTokenRecord(rows[0]) };
  }

  async findActiveToken(token: string): Promise<ApiTokenRecord | null> {
    const rows = await this.dataSource.query(
      `SELECT id, name, roles, created_by, created_at, revoked_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [hashToken(token)],
    );
    return rows[0] ? toTokenRecord(rows[0]) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    const rows = await this.dataSource.query(
      'SELECT id, name, roles, created_by, created_at, revoked_at FROM api_tokens ORDER BY created_at, id',
    );
    return rows.map(toTokenRecord);
  }

  /** False when no active token has this id (unknown or already revoked). */
  async revokeToken(id: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    );
    // node-postgres through TypeORM answers [rows, count] for UPDATE ... RETURNING, so the
    // outer array always has two entries: the rows are the first.
    const updated = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
    return Array.isArray(updated) && updated.length > 0;
  }

  async appendAudit(
    entry: {
      actor: string;
      action: string;
      resourceType: string;
      resourceId: string | null;
      before?: unknown;
      after?: unknown;
    },
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO audit_log (actor, action, resource_type, resource_id, before, after) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        entry.actor,
        entry.action,
        entry.resourceType,
        entry.resourceId,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
      ],
    );
  }

  async listAudit(filter: {
    resourceType?: string;
    resourceId?: string;
    afterId?: number;
    limit: number;
  }): Promise<AuditEntry[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.resourceType) {
      params.push(filter.resourceType);
      conditions.push(`resource_type = $${params.length}`);
    }
    if (filter.resourceId) {
      params.push(filter.resourceId);
      conditions.push(`resource_id = $${params.length}`);
    }
    if (filter.afterId !== undefined) {
      params.push(filter.afterId);
      conditions.push(`id > $${params.length}`);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await this.dataSource.query(
      `SELECT id, at, actor, action, resource_type, resource_id, before, after FROM audit_log ${where} ORDER BY id LIMIT ${Number(filter.limit)}`,
      params,
    );
    return rows.map((row: Record<string, unknown>) => ({
      id: Number(row.id),
      at: new Date(row.at as string).toISOString(),
      actor: String(row.actor),
      action: String(row.action),
      resourceType: String(row.resource_type),
      resourceId: (row.resource_id as string | null) ?? null,
      before: row.before ?? null,
      after: row.after ?? null,
    }));
  }
}

function toTokenRecord(row: Record<string, unknown>): ApiTokenRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    roles: row.roles as Role[],
    createdBy: (row.created_by as string | null) ?? null,
    createdAt: new Date(row.created_at as string).toISOString(),
    revokedAt: row.revoked_at ? new Date(row.revoked_at as string).toISOString() : null,
  };
}
