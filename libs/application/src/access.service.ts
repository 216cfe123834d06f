import { createHash, timingSafeEqual } from 'node:crypto';
import type { FlotillaConfig } from '#libs/config';
import type { AccessStore, ApiTokenRecord, AuditEntry, Principal, Role } from '#libs/persistence';
import { notFound } from './errors.js';

/**
 * Compares two secrets in time that does not depend on where they differ: `===` stops at the
 * first different character, which lets a caller guess the bootstrap token one character at a
 * time. Comparing fixed-length digests also hides the secret's length.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** API tokens and the audit log: every token change is audited here, whoever asks (API or CLI). */
export class AccessService {
  constructor(
    private readonly access: AccessStore,
    private readonly config: Pick<FlotillaConfig, 'api'>,
  ) {}

  /** Who a token belongs to: the configured bootstrap admin, an active stored token, or nobody. */
  async principalForToken(token: string): Promise<Principal | null> {
    const bootstrap = this.config.api.bootstrapAdminToken;
    if (bootstrap && sameSecret(token, bootstrap)) return { actor: 'bootstrap-admin', roles: ['admin'] };
    const record = await this.access.findActiveToken(token);
    return record ? { actor: `token:${record.name}`, roles: record.roles } : null;
  }

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
