import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { notFound } from '#libs/application';
import { AccessStore, type Principal, ROLES } from '#libs/persistence';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { validate } from './validation.js';

const createTokenSchema = z.object({
  name: z.string().trim().min(1).max(100),
  roles: z.array(z.enum(ROLES)).min(1),
});

const auditQuerySchema = z.object({
  resourceType: z.string().optional(),
  resourceId: z.string().optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

@ApiTags('access')
@ApiBearerAuth()
@Controller()
export class AccessController {
  constructor(@Inject(AccessStore) private readonly access: AccessStore) {}

  /** The clear-text token is in this answer only; the database keeps its hash. */
  @Post('tokens')
  @RequireRole('admin')
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const input = validate(createTokenSchema, body, 'body');
    const { token, record } = await this.access.createToken(input.name, input.roles, principal.actor);
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'token.create',
      resourceType: 'token',
      resourceId: record.id,
      after: { name: record.name, roles: record.roles },
    });
    return { ...record, token };
  }

  @Get('tokens')
  @RequireRole('admin')
  list() {
    return this.access.listTokens();
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @RequireRole('admin')
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    validate(z.string().uuid(), id, 'token id');
    if (!(await this.access.revokeToken(id))) throw notFound('Active token', id);
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'token.revoke',
      resourceType: 'token',
      resourceId: id,
    });
  }

  @Get('audit')
  @RequireRole('viewer')
  audit(@Query() query: Record<string, unknown>) {
    const filter = validate(auditQuerySchema, query, 'query');
    return this.access.listAudit({
      resourceType: filter.resourceType,
      resourceId: filter.resourceId,
      afterId: filter.after,
      limit: filter.limit,
    });
  }

  @Get('whoami')
  @RequireRole('viewer')
  whoami(@CurrentPrincipal() principal: Principal) {
    return principal;
  }
}
