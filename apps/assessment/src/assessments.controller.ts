import { Controller, Delete, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { AssessmentService, UserFacingError } from '#libs/application';
import type { FlotillaMetrics } from '#libs/observability';
import type { Principal } from '#libs/persistence';
import {
  assessBody,
  assessmentDetail,
  assessmentRecord,
  assessmentVmFacets,
  assessmentVmQuery,
  assessResult,
  currentPolicy,
  overrideBody,
  policyDocument,
  storedPolicy,
  vmAssessment,
  vmAssessmentPage,
} from './api/assessments.schemas.js';
import { Returns, ReturnsNothing, TextParam, UuidParam, ValidBody, ValidQuery } from './api/contract.js';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { FLOTILLA_METRICS } from './tokens.js';

type VmAssessment = z.output<typeof vmAssessment>;
const AssessmentId = () => UuidParam('id', 'assessment id');
const VmKey = () => TextParam('vmKey', 'VM key (URL-encoded)');

@ApiTags('assessments')
@ApiBearerAuth()
@Controller()
export class AssessmentsController {
  constructor(
    @Inject(AssessmentService) private readonly service: AssessmentService,
    @Inject(FLOTILLA_METRICS) private readonly metrics: FlotillaMetrics,
  ) {}

  @Post('inventories/:id/assessments')
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Assess an inventory',
    description: 'Step 2: every VM gets a disposition (rehost, retain, retire), concerns, sizing and effort.',
  })
  @Returns(assessResult, { status: 201, description: 'The new assessment and its summary' })
  async assess(
    @UuidParam('id', 'inventory id') inventoryId: string,
    @ValidBody(assessBody, {
      examples: {
        storedPolicy: { summary: 'Assess with the stored default policy', value: {} },
      },
    })
    input: z.output<typeof assessBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof assessResult>> {
    const policy =
      input.policy === undefined ? undefined : this.service.validatePolicyDocument(input.policy, 'policy');
    let outcome: Awaited<ReturnType<AssessmentService['assess']>>;
    try {
      outcome = await this.service.assess(inventoryId, { policy, asOf: input.asOf }, principal);
    } catch (error) {
      this.metrics.assessments.inc({ outcome: error instanceof UserFacingError ? 'rejected' : 'failed' });
      throw error;
    }
    this.metrics.assessments.inc({ outcome: 'succeeded' });
    return {
      assessmentId: outcome.assessmentId,
      inventoryId,
      policyHash: outcome.policyHash,
      countedTo: outcome.countedTo,
      countedToBasis: outcome.countedToBasis,
      summary: outcome.summary,
    };
  }

  @Get('inventories/:id/assessments')
  @RequireRole('viewer')
  @Returns(assessmentRecord.array())
  list(
    @UuidParam('id', 'inventory id') inventoryId: string,
  ): Promise<Array<z.output<typeof assessmentRecord>>> {
    return this.service.listForInventory(inventoryId);
  }

  @Get('assessments/:id')
  @RequireRole('viewer')
  @Returns(assessmentDetail)
  async get(@AssessmentId() id: string) {
    return this.service.get(id);
  }

  @Get('assessments/:id/vms')
  @RequireRole('viewer')
  @Returns(vmAssessmentPage)
  async vms(
    @AssessmentId() id: string,
    @ValidQuery(assessmentVmQuery) filter: z.output<typeof assessmentVmQuery>,
  ): Promise<z.output<typeof vmAssessmentPage>> {
    return this.service.listVms(
      id,
      {
        ...filter,
        inScope: filter.inScope === undefined ? undefined : filter.inScope === 'true',
        warmReady: filter.warmReady === undefined ? undefined : filter.warmReady === 'true',
      },
      filter.offset,
      filter.limit,
      filter.sort,
    );
  }

  /** Before `vms/:vmKey`: a VM key is `vcenter/moref` or a UUID, never `facets`. */
  @Get('assessments/:id/vms/facets')
  @RequireRole('viewer')
  @Returns(assessmentVmFacets, { description: "The filters' values, as many VMs as each would list" })
  async vmFacets(@AssessmentId() id: string): Promise<z.output<typeof assessmentVmFacets>> {
    return this.service.vmFacets(id);
  }

  @Get('assessments/:id/vms/:vmKey')
  @RequireRole('viewer')
  @Returns(vmAssessment)
  async vm(@AssessmentId() id: string, @VmKey() vmKey: string): Promise<VmAssessment> {
    return this.service.getVm(id, vmKey);
  }

  /** Refused (409, naming the execution) while an execution of a plan made from it is unfinished. */
  @Delete('assessments/:id')
  @HttpCode(204)
  @RequireRole('planner')
  @ReturnsNothing('Deleted, with the plans and finished executions made from it')
  async delete(@AssessmentId() id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.service.delete(id, principal);
  }

  @Put('assessments/:id/vms/:vmKey/override')
  @RequireRole('planner')
  @Returns(vmAssessment, { description: 'The VM with the override applied' })
  async override(
    @AssessmentId() id: string,
    @VmKey() vmKey: string,
    @ValidBody(overrideBody, {
      examples: {
        retire: {
          summary: 'Retire a VM the rules would move',
          value: { disposition: 'retire', comment: 'Decommissioned with the billing app' },
        },
        clear: { summary: 'Remove the override', value: { disposition: null } },
      },
    })
    input: z.output<typeof overrideBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VmAssessment> {
    return this.service.setOverride(id, vmKey, input.disposition === null ? null : input, principal);
  }

  @Get('policies')
  @RequireRole('viewer')
  @Returns(currentPolicy)
  async policy(): Promise<z.output<typeof currentPolicy>> {
    return this.service.currentPolicy();
  }

  @Put('policies')
  @RequireRole('planner')
  @Returns(storedPolicy)
  async putPolicy(
    @ValidBody(policyDocument) body: z.output<typeof policyDocument>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof storedPolicy>> {
    return { policy: await this.service.putPolicy(body, principal), source: 'stored' };
  }
}
