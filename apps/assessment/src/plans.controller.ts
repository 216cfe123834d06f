import { Controller, Delete, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { notFound, PlanningService } from '#libs/application';
import type { Principal } from '#libs/persistence';
import type { PlanEdit } from '#libs/waves';
import { waveNumber } from './api/common.schemas.js';
import { Returns, ReturnsNothing, UuidParam, ValidBody, ValidHeader, ValidParam } from './api/contract.js';
import {
  approveBody,
  changeWindowBody,
  createPlanBody,
  editOutcome,
  editsBody,
  ifMatchVersion,
  mapsBody,
  mapsView,
  migrationPatchBody,
  moveGroup,
  planSettings,
  planSummary,
  planView,
  settingsPatchBody,
  wave,
} from './api/plans.schemas.js';
import { CurrentPrincipal, RequireRole } from './auth.js';

type PlanView = z.output<typeof planView>;
type EditOutcome = z.output<typeof editOutcome>;

/** `If-Match: <version>` makes an edit fail instead of overwriting someone else's change. */
const IfMatch = () =>
  ValidHeader(
    'If-Match',
    ifMatchVersion,
    'The plan version the change is based on (409 when the plan moved on)',
  );
const PlanId = () => UuidParam('id', 'plan id');
const WaveNumber = () => ValidParam('number', waveNumber, 'wave number');

@ApiTags('plans')
@ApiBearerAuth()
@Controller('plans')
export class PlansController {
  constructor(@Inject(PlanningService) private readonly planning: PlanningService) {}

  @Post()
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Plan waves from an assessment',
    description: 'Step 3: rehost VMs are grouped and packed into waves under the constraints in `settings`.',
  })
  @Returns(planView, { status: 201, description: 'The plan, its waves and what violates its constraints' })
  create(
    @ValidBody(createPlanBody, {
      examples: {
        defaults: {
          summary: 'Plan an assessment with the default constraints',
          value: { assessmentId: '0b0e4c4e-4a57-4d6a-9f57-0e8f4d3c2a11', name: 'Datacenter exit' },
        },
        constrained: {
          summary: 'At most 10 VMs a wave, a 3-VM pilot, a namespace',
          value: {
            assessmentId: '0b0e4c4e-4a57-4d6a-9f57-0e8f4d3c2a11',
            name: 'Wave plan',
            settings: {
              constraints: { maxVmsPerWave: 10, pilot: { vms: 3, maxDataGiB: 2000 } },
              targetNamespace: { default: 'migrated' },
            },
          },
        },
      },
    })
    input: z.output<typeof createPlanBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PlanView> {
    return this.planning.create(input, principal);
  }

  @Get()
  @RequireRole('viewer')
  @Returns(planSummary.array())
  list(): Promise<Array<z.output<typeof planSummary>>> {
    return this.planning.list();
  }

  @Get(':id')
  @RequireRole('viewer')
  @Returns(planView)
  get(@PlanId() id: string): Promise<PlanView> {
    return this.planning.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('planner')
  @ReturnsNothing('Deleted')
  async delete(@PlanId() id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.planning.delete(id, principal);
  }

  @Get(':id/settings')
  @RequireRole('viewer')
  @Returns(planSettings)
  async settings(@PlanId() id: string): Promise<PlanView['settings']> {
    return (await this.planning.get(id)).settings;
  }

  /** Merge-patch of the settings: constraints, maps, grouping, dependencies, namespaces; then re-plan. */
  @Put(':id/settings')
  @RequireRole('planner')
  @Returns(editOutcome, { description: 'The re-planned plan' })
  updateSettings(
    @PlanId() id: string,
    @ValidBody(settingsPatchBody, {
      examples: {
        constraints: {
          summary: 'Smaller waves, grouped by a custom attribute',
          value: { constraints: { maxVmsPerWave: 20 }, grouping: { attribute: 'Application' } },
        },
      },
    })
    patch: z.output<typeof settingsPatchBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.updateSettings(id, patch, principal, expectedVersion);
  }

  @Get(':id/maps')
  @RequireRole('viewer')
  @Returns(mapsView)
  async maps(@PlanId() id: string): Promise<z.output<typeof mapsView>> {
    const { networkMap, storageMap, targetNamespace } = (await this.planning.get(id)).settings;
    return { networkMap, storageMap, targetNamespace, sources: await this.planning.mapSources(id) };
  }

  @Put(':id/maps')
  @RequireRole('planner')
  @Returns(editOutcome, { description: 'The re-planned plan' })
  updateMaps(
    @PlanId() id: string,
    @ValidBody(mapsBody, {
      examples: {
        maps: {
          summary: 'Map a port group and a datastore',
          value: {
            networkMap: {
              'VM Network': { type: 'pod' },
              'App-VLAN-20': { type: 'multus', name: 'apps/vlan-20' },
            },
            storageMap: { 'ds-ssd-01': { storageClass: 'fast', accessMode: 'ReadWriteMany' } },
          },
        },
      },
    })
    maps: z.output<typeof mapsBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.updateSettings(id, maps, principal, expectedVersion);
  }

  @Get(':id/groups')
  @RequireRole('viewer')
  @Returns(moveGroup.array())
  async groups(@PlanId() id: string): Promise<PlanView['groups']> {
    return (await this.planning.get(id)).groups;
  }

  @Get(':id/waves')
  @RequireRole('viewer')
  @Returns(wave.array())
  async waves(@PlanId() id: string): Promise<PlanView['waves']> {
    return (await this.planning.get(id)).waves;
  }

  @Get(':id/waves/:number')
  @RequireRole('viewer')
  @Returns(wave)
  async wave(@PlanId() id: string, @WaveNumber() number: number): Promise<PlanView['waves'][number]> {
    const found = (await this.planning.get(id)).waves.find((candidate) => candidate.number === number);
    if (!found) throw notFound(`Wave ${number} of plan`, id);
    return found;
  }

  @Post(':id/waves')
  @RequireRole('planner')
  @Returns(editOutcome, { status: 201, description: 'The plan with an empty wave appended' })
  addWave(
    @PlanId() id: string,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.edit(id, { kind: 'add-wave' }, principal, expectedVersion);
  }

  /** One edit or a list, applied in order; the answer lists the violations they leave. */
  @Post(':id/edits')
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Edit a plan',
    description:
      'Step 4: move, pin, exclude or include VMs and groups, or add a wave; send `If-Match: <version>` to refuse stale edits.',
  })
  @Returns(editOutcome, { status: 201, description: 'The edited plan; approvals of changed waves are gone' })
  edit(
    @PlanId() id: string,
    @ValidBody(editsBody, {
      examples: {
        move: {
          summary: 'Move a VM to wave 2 (pinned there)',
          value: { kind: 'move-vm', vmKey: 'vc01/vm-1042', toWave: 2 },
        },
        several: {
          summary: 'Several edits, applied in order',
          value: [
            { kind: 'exclude-vm', vmKey: 'vc01/vm-2001' },
            { kind: 'move-group', group: 'attribute:Application=billing', toWave: 3 },
          ],
        },
      },
    })
    edits: z.output<typeof editsBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    const list: PlanEdit[] = Array.isArray(edits) ? edits : [edits];
    return this.planning.applyEdits(id, list, principal, expectedVersion);
  }

  @Post(':id/replan')
  @RequireRole('planner')
  @Returns(editOutcome, { status: 201, description: 'The plan planned again; pins and exclusions are kept' })
  replan(
    @PlanId() id: string,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.replan(id, principal, expectedVersion);
  }

  /** Cold or warm per plan, wave and VM, booked cutovers: the waves keep their VMs. */
  @Put(':id/migration')
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Set how the plan migrates: cold or warm, pre-copy interval, booked cutovers',
    description:
      'A merge-patch of settings.migration. The waves keep their VMs; their estimates (time to cutover-ready, downtime warm and cold) and the violations are recomputed: warm VMs that are not warm-ready are errors naming the reasons. A wave whose warm VMs or cutover changed goes back to draft (audited). 422 names the offending field.',
  })
  @Returns(editOutcome, {
    description: 'The plan with its migration settings, and the violations they leave',
  })
  setMigration(
    @PlanId() id: string,
    @ValidBody(migrationPatchBody, {
      examples: {
        warmWave: {
          summary: 'Wave 2 warm, cut over at a booked time, one VM kept cold',
          value: {
            byWave: { '2': 'warm' },
            cutoverAt: { '2': '2026-01-10T22:00:00Z' },
            coldVms: ['legacy-db'],
          },
        },
      },
    })
    patch: z.output<typeof migrationPatchBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.updateMigration(id, patch, principal, expectedVersion);
  }

  /** Books the wave's change window; the plan is re-validated (the wave must fit it). */
  @Put(':id/waves/:number/window')
  @RequireRole('planner')
  @Returns(editOutcome, { description: 'The plan with the window booked, and the violations it leaves' })
  bookWindow(
    @PlanId() id: string,
    @WaveNumber() number: number,
    @ValidBody(changeWindowBody, {
      examples: {
        night: {
          summary: 'A night window, shown in Amsterdam time',
          value: { start: '2026-01-10T21:00:00Z', end: '2026-01-11T05:00:00Z', zone: 'Europe/Amsterdam' },
        },
      },
    })
    window: z.output<typeof changeWindowBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.setChangeWindows(id, [{ wave: number, window }], principal, expectedVersion);
  }

  @Delete(':id/waves/:number/window')
  @RequireRole('planner')
  @Returns(editOutcome, { description: 'The plan without a window for that wave' })
  clearWindow(
    @PlanId() id: string,
    @WaveNumber() number: number,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EditOutcome> {
    return this.planning.setChangeWindows(id, [{ wave: number, window: null }], principal, expectedVersion);
  }

  @Post(':id/waves/:number/approve')
  @HttpCode(200)
  @RequireRole('approver')
  @ApiOperation({
    summary: 'Approve a wave',
    description:
      "Step 5: approval of what was reviewed: send the wave's approval.contentHash (or If-Match: plan version); neither is 428, a mismatch 409 (audited). Any later change sends the wave back to draft. Needs the approver role and a wave without blocking violations.",
  })
  @Returns(planView, { description: "The plan; the wave's approval records who approved which content" })
  approve(
    @PlanId() id: string,
    @WaveNumber() number: number,
    @ValidBody(approveBody, {
      description:
        "The wave's approval.contentHash as the approver reviewed it (or send If-Match: <plan version>)",
    })
    body: z.output<typeof approveBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PlanView> {
    return this.planning.approveWave(id, number, principal, {
      contentHash: body.contentHash,
      planVersion: expectedVersion,
    });
  }
}
