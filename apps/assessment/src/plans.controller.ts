import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { notFound, PlanningService } from '#libs/application';
import type { Principal } from '#libs/persistence';
import type { PlanEdit } from '#libs/waves';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { validate } from './validation.js';

const uuid = z.string().uuid('must be a UUID');
const waveNumber = z.coerce.number().int().positive('must be a wave number (1, 2, ...)');

const createPlanSchema = z.object({
  assessmentId: uuid,
  name: z.string().trim().max(200).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

const vmKey = z.string().min(1);
const group = z.string().min(1);
const toWave = z.number().int().positive();

const editSchema: z.ZodType<PlanEdit> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('move-vm'), vmKey, toWave, pin: z.boolean().optional() }),
  z.object({ kind: z.literal('move-group'), group, toWave, pin: z.boolean().optional() }),
  z.object({ kind: z.literal('pin-vm'), vmKey }),
  z.object({ kind: z.literal('unpin-vm'), vmKey }),
  z.object({ kind: z.literal('pin-group'), group }),
  z.object({ kind: z.literal('unpin-group'), group }),
  z.object({ kind: z.literal('exclude-vm'), vmKey }),
  z.object({ kind: z.literal('include-vm'), vmKey, toWave: toWave.optional() }),
  z.object({ kind: z.literal('exclude-group'), group }),
  z.object({ kind: z.literal('include-group'), group, toWave: toWave.optional() }),
  z.object({ kind: z.literal('add-wave') }),
]) as z.ZodType<PlanEdit>;

/** The wave's `approval.contentHash` as the approver saw it (GET /plans/:id/waves/:n). */
const approveSchema = z
  .object({
    contentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the wave's 64-hex content hash")
      .optional(),
  })
  .strict();

const editsBodySchema = z.union([editSchema, z.array(editSchema).min(1)]);

/** `If-Match: <version>` makes an edit fail instead of overwriting someone else's change. */
function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch === '' || ifMatch === '*') return undefined;
  return validate(
    z.coerce.number().int().positive(),
    ifMatch.replace(/"/g, ''),
    'If-Match header (plan version)',
  );
}

@ApiTags('plans')
@ApiBearerAuth()
@Controller('plans')
export class PlansController {
  constructor(@Inject(PlanningService) private readonly planning: PlanningService) {}

  @Post()
  @RequireRole('planner')
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const input = validate(createPlanSchema, body, 'body');
    return this.planning.create(input, principal);
  }

  @Get()
  @RequireRole('viewer')
  list() {
    return this.planning.list();
  }

  @Get(':id')
  @RequireRole('viewer')
  get(@Param('id') id: string) {
    validate(uuid, id, 'plan id');
    return this.planning.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('planner')
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    validate(uuid, id, 'plan id');
    await this.planning.delete(id, principal);
  }

  @Get(':id/settings')
  @RequireRole('viewer')
  async settings(@Param('id') id: string) {
    validate(uuid, id, 'plan id');
    return (await this.planning.get(id)).settings;
  }

  /** Merge-patch of the settings: constraints, maps, grouping, dependencies, namespaces; then re-plan. */
  @Put(':id/settings')
  @RequireRole('planner')
  updateSettings(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    validate(z.record(z.string(), z.unknown()), body, 'body');
    return this.planning.updateSettings(id, body, principal, expectedVersion(ifMatch));
  }

  @Get(':id/maps')
  @RequireRole('viewer')
  async maps(@Param('id') id: string) {
    validate(uuid, id, 'plan id');
    const { networkMap, storageMap, targetNamespace } = (await this.planning.get(id)).settings;
    return { networkMap, storageMap, targetNamespace };
  }

  @Put(':id/maps')
  @RequireRole('planner')
  updateMaps(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    const maps = validate(
      z.object({
        networkMap: z.record(z.string(), z.unknown()).optional(),
        storageMap: z.record(z.string(), z.unknown()).optional(),
        targetNamespace: z.record(z.string(), z.unknown()).optional(),
      }),
      body,
      'body',
    );
    return this.planning.updateSettings(id, maps, principal, expectedVersion(ifMatch));
  }

  @Get(':id/groups')
  @RequireRole('viewer')
  async groups(@Param('id') id: string) {
    validate(uuid, id, 'plan id');
    return (await this.planning.get(id)).groups;
  }

  @Get(':id/waves')
  @RequireRole('viewer')
  async waves(@Param('id') id: string) {
    validate(uuid, id, 'plan id');
    return (await this.planning.get(id)).waves;
  }

  @Get(':id/waves/:number')
  @RequireRole('viewer')
  async wave(@Param('id') id: string, @Param('number') number: string) {
    validate(uuid, id, 'plan id');
    const n = validate(waveNumber, number, 'wave number');
    const wave = (await this.planning.get(id)).waves.find((candidate) => candidate.number === n);
    if (!wave) throw notFound(`Wave ${n} of plan`, id);
    return wave;
  }

  @Post(':id/waves')
  @RequireRole('planner')
  addWave(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    return this.planning.edit(id, { kind: 'add-wave' }, principal, expectedVersion(ifMatch));
  }

  /** One edit or a list, applied in order; the answer lists the violations they leave. */
  @Post(':id/edits')
  @RequireRole('planner')
  edit(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    const edits = validate(editsBodySchema, body, 'edit');
    return this.planning.applyEdits(
      id,
      Array.isArray(edits) ? edits : [edits],
      principal,
      expectedVersion(ifMatch),
    );
  }

  @Post(':id/replan')
  @RequireRole('planner')
  replan(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    return this.planning.replan(id, principal, expectedVersion(ifMatch));
  }

  @Post(':id/waves/:number/approve')
  @HttpCode(200)
  @RequireRole('approver')
  approve(
    @Param('id') id: string,
    @Param('number') number: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    const { contentHash } = validate(approveSchema, body ?? {}, 'body');
    return this.planning.approveWave(id, validate(waveNumber, number, 'wave number'), principal, {
      contentHash,
      planVersion: expectedVersion(ifMatch),
    });
  }
}
