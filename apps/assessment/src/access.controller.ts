import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { AccessService } from '#libs/application';
import type { Principal } from '#libs/persistence';
import {
  apiToken,
  auditEntry,
  auditQuery,
  createdToken,
  createTokenBody,
  principal as principalSchema,
} from './api/access.schemas.js';
import { Returns, ReturnsNothing, UuidParam, ValidBody, ValidQuery } from './api/contract.js';
import { CurrentPrincipal, RequireRole } from './auth.js';

@ApiTags('access')
@ApiBearerAuth()
@Controller()
export class AccessController {
  constructor(@Inject(AccessService) private readonly access: AccessService) {}

  /** The clear-text token is in this answer only; the database keeps its hash. */
  @Post('tokens')
  @RequireRole('admin')
  @Returns(createdToken, { status: 201, description: 'The token record and its only clear-text copy' })
  async create(
    @ValidBody(createTokenBody, {
      examples: {
        planner: { summary: 'A token for a planner', value: { name: 'alice', roles: ['planner'] } },
      },
    })
    input: z.output<typeof createTokenBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof createdToken>> {
    return this.access.createToken(input.name, input.roles, principal);
  }

  @Get('tokens')
  @RequireRole('admin')
  @Returns(apiToken.array())
  list(): Promise<Array<z.output<typeof apiToken>>> {
    return this.access.listTokens();
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @RequireRole('admin')
  @ReturnsNothing('Revoked')
  async revoke(
    @UuidParam('id', 'token id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.access.revokeToken(id, principal);
  }

  @Get('audit')
  @RequireRole('viewer')
  @Returns(auditEntry.array())
  audit(
    @ValidQuery(auditQuery) filter: z.output<typeof auditQuery>,
  ): Promise<Array<z.output<typeof auditEntry>>> {
    return this.access.listAudit({
      resourceType: filter.resourceType,
      resourceId: filter.resourceId,
      afterId: filter.after,
      limit: filter.limit,
    });
  }

  @Get('whoami')
  @RequireRole('viewer')
  @Returns(principalSchema)
  whoami(@CurrentPrincipal() principal: Principal): z.output<typeof principalSchema> {
    return principal;
  }
}
