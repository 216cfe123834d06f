import { z } from 'zod';
import { freeForm, role, timestamp } from './common.schemas.js';

/** Access: API tokens, the audit log and who the caller is. */

export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  roles: z.array(role).min(1),
});

export const apiToken = z
  .object({
    id: z.uuid(),
    name: z.string(),
    roles: z.array(role),
    createdBy: z.string().nullable(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const createdToken = apiToken
  .extend({ token: z.string().meta({ description: 'The clear-text token: shown in this answer only' }) })
  .meta({ id: 'CreatedApiToken' });

export const auditQuery = z.object({
  resourceType: z
    .string()
    .optional()
    .meta({ description: 'inventory, assessment, plan, wave, execution, token...' }),
  resourceId: z.string().optional(),
  after: z.coerce.number().int().min(0).optional().meta({ description: 'Entries after this id' }),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const auditEntry = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actor: z.string(),
    action: z.string().meta({ description: 'e.g. plan.create, wave.approve, inventory.delete' }),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    before: freeForm,
    after: freeForm,
  })
  .meta({ id: 'AuditEntry' });

export const principal = z
  .object({
    actor: z.string().meta({ description: '`token:<name>`, `bootstrap-admin` or `cli:<user>`' }),
    roles: z.array(role),
  })
  .meta({ id: 'Principal' });
