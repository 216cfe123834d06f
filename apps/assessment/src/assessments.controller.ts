import { Body, Controller, Get, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AssessmentService, notFound, UserFacingError } from '#libs/application';
import type { FlotillaMetrics } from '#libs/observability';
import { AssessmentStore, type Principal } from '#libs/persistence';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { FLOTILLA_METRICS } from './tokens.js';
import { validate } from './validation.js';

const uuid = z.string().uuid('must be a UUID');

const assessBodySchema = z
  .object({
    /** A full policy document; absent = the stored default policy. */
    policy: z.unknown().optional(),
  })
  .default({});

const vmQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  disposition: z.enum(['rehost', 'retain', 'retire']).optional(),
  concern: z.string().optional(),
  effort: z.enum(['low', 'medium', 'high']).optional(),
  search: z.string().optional(),
  inScope: z.enum(['true', 'false']).optional(),
});

const overrideSchema = z.union([
  z.object({
    disposition: z.enum(['rehost', 'retain', 'retire']),
    comment: z.string().trim().min(1, 'explain the decision in a comment'),
  }),
  z.object({ disposition: z.null() }),
]);

@ApiTags('assessments')
@ApiBearerAuth()
@Controller()
export class AssessmentsController {
  constructor(
    @Inject(AssessmentService) private readonly service: AssessmentService,
    @Inject(AssessmentStore) private readonly assessments: AssessmentStore,
    @Inject(FLOTILLA_METRICS) private readonly metrics: FlotillaMetrics,
  ) {}

  @Post('inventories/:id/assessments')
  @RequireRole('planner')
  async assess(
    @Param('id') inventoryId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, inventoryId, 'inventory id');
    const input = validate(assessBodySchema, body ?? {}, 'body');
    const policy =
      input.policy === undefined ? undefined : this.service.validatePolicyDocument(input.policy, 'policy');
    let outcome: Awaited<ReturnType<AssessmentService['assess']>>;
    try {
      outcome = await this.service.assess(inventoryId, { policy }, principal);
    } catch (error) {
      this.metrics.assessments.inc({ outcome: error instanceof UserFacingError ? 'rejected' : 'failed' });
      throw error;
    }
    this.metrics.assessments.inc({ outcome: 'succeeded' });
    return {
      assessmentId: outcome.assessmentId,
      inventoryId,
      policyHash: outcome.policyHash,
      summary: outcome.summary,
    };
  }

  @Get('inventories/:id/assessments')
  @RequireRole('viewer')
  list(@Param('id') inventoryId: string) {
    validate(uuid, inventoryId, 'inventory id');
    return this.assessments.listForInventory(inventoryId);
  }

  @Get('assessments/:id')
  @RequireRole('viewer')
  async get(@Param('id') id: string) {
    validate(uuid, id, 'assessment id');
    return this.service.get(id);
  }

  @Get('assessments/:id/vms')
  @RequireRole('viewer')
  async vms(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    validate(uuid, id, 'assessment id');
    const filter = validate(vmQuerySchema, query, 'query');
    await this.service.get(id);
    return this.assessments.listVms(
      id,
      { ...filter, inScope: filter.inScope === undefined ? undefined : filter.inScope === 'true' },
      filter.offset,
      filter.limit,
    );
  }

  @Get('assessments/:id/vms/:vmKey')
  @RequireRole('viewer')
  async vm(@Param('id') id: string, @Param('vmKey') vmKey: string) {
    validate(uuid, id, 'assessment id');
    const vm = await this.assessments.getVm(id, vmKey);
    if (!vm) throw notFound(`VM ${vmKey} in assessment`, id);
    return vm;
  }

  @Put('assessments/:id/vms/:vmKey/override')
  @RequireRole('planner')
  async override(
    @Param('id') id: string,
    @Param('vmKey') vmKey: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'assessment id');
    const input = validate(overrideSchema, body, 'body');
    return this.service.setOverride(id, vmKey, input.disposition === null ? null : input, principal);
  }

  @Get('policies')
  @RequireRole('viewer')
  async policy() {
    return this.service.currentPolicy();
  }

  @Put('policies')
  @RequireRole('planner')
  async putPolicy(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return { policy: await this.service.putPolicy(body, principal), source: 'stored' };
  }
}
