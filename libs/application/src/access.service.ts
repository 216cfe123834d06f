import type { AccessStore, ApiTokenRecord, AuditEntry, Principal, Role } from '#libs/persistence';
import { notFound } from './errors.js';

/** API tokens and the audit log: every token change is audited here, whoever asks (API or CLI). */
export class AccessService {
  constructor(private readonly access: AccessStore) {}

  /** The clear-text token is in this answer only; the database keeps its hash. */
  async createToken(
    name: string,
    roles: Role[],
    principal: Principal,
  ): Promise<ApiTokenRecord & { token: string }> {
    const { token, record } = await this.access.createToken(name, roles, principal.actor);
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'token.create',
      resourceType: 'token',
      resourceId: record.id,
      after: { name: record.name, roles: record.roles },
    });
    return { ...record, token };
  }

  listTokens(): Promise<ApiTokenRecord[]> {
    return this.access.listTokens();
  }

  async revokeToken(id: string, principal: Principal): Promise<void> {
    if (!(await this.access.revokeToken(id))) throw notFound('Active token', id);
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'token.revoke',
      resourceType: 'token',
      resourceId: id,
    });
  }

  listAudit(filter: Parameters<AccessStore['listAudit']>[0]): Promise<AuditEntry[]> {
    return this.access.listAudit(filter);
  }
}
