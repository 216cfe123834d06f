import {
  type AssessmentPolicy,
  type AssessmentSummary,
  assessInventory,
  type CountedToBasis,
  type Disposition,
  defaultPolicy,
  PolicyError,
  parsePolicy,
  policyHash,
  type VmAssessment,
  validatePolicy,
} from '#libs/assessment';
import type {
  AccessStore,
  AssessmentRecord,
  AssessmentStore,
  AssessmentVmFacets,
  AssessmentVmFilter,
  AssessmentVmSort,
  CascadeStore,
  InventoryStore,
  Page,
  Principal,
} from '#libs/persistence';
import { deleteAudited } from './cascading-delete.js';
import { notFound, UserFacingError } from './errors.js';

/** The name under which `PUT /policies` stores the policy new assessments use by default. */
export const DEFAULT_POLICY_NAME = 'default';

export interface AssessmentOutcome {
  assessmentId: string;
  inventoryId: string;
  policyHash: string;
  assessedAt: string;
  /** The instant ages (power-off, snapshots) were counted to, and why. */
  countedTo: string;
  countedToBasis: CountedToBasis;
  summary: AssessmentSummary;
  vms: VmAssessment[];
}

/** `2025-12-17` (the day's start, UTC) or an ISO-8601 instant. */
const AS_OF = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseAsOf(text: string): Date {
  const trimmed = text.trim();
  const ms = AS_OF.test(trimmed)
    ? Date.parse(/T/.test(trimmed) ? trimmed : `${trimmed}T00:00:00Z`)
    : Number.NaN;
  if (!Number.isFinite(ms))
    throw new UserFacingError(
      'invalid-input',
      `asOf "${text}" is not a date: give YYYY-MM-DD or an ISO-8601 instant (ages are counted to it)`,
      'invalid-as-of',
    );
  return new Date(ms);
}

function policyFailure(error: unknown): never {
  if (error instanceof PolicyError)
    throw new UserFacingError('invalid-input', error.message, 'invalid-policy');
  throw error;
}

export class AssessmentService {
  constructor(
    private readonly inventories: InventoryStore,
    private readonly assessments: AssessmentStore,
    private readonly access: AccessStore,
    private readonly cascade: CascadeStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Parses a policy file the user gave (YAML or JSON); errors name the file and the field. */
  parsePolicyText(text: string, fileName: string): AssessmentPolicy {
    try {
      return parsePolicy(text, fileName);
    } catch (error) {
      return policyFailure(error);
    }
  }

  validatePolicyDocument(document: unknown, where: string): AssessmentPolicy {
    try {
      return validatePolicy(document, where);
    } catch (error) {
      return policyFailure(error);
    }
  }

  /** The policy new assessments use: the stored default when someone saved one, else the shipped one. */
  async currentPolicy(): Promise<{
    policy: AssessmentPolicy;
    source: 'stored' | 'built-in';
    updatedBy: string | null;
  }> {
    const stored = await this.assessments.getPolicy(DEFAULT_POLICY_NAME);
    if (!stored) return { policy: defaultPolicy, source: 'built-in', updatedBy: null };
    return {
      policy: this.validatePolicyDocument(stored.document, 'stored policy'),
      source: 'stored',
      updatedBy: stored.updatedBy,
    };
  }

  async putPolicy(document: unknown, principal: Principal): Promise<AssessmentPolicy> {
    const policy = this.validatePolicyDocument(document, 'policy');
    const before = await this.assessments.getPolicy(DEFAULT_POLICY_NAME);
    const hash = policyHash(policy);
    await this.assessments.putPolicy(DEFAULT_POLICY_NAME, policy, hash, principal.actor);
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'policy.update',
      resourceType: 'policy',
      resourceId: DEFAULT_POLICY_NAME,
      before: before ? { policyHash: before.policyHash } : null,
      after: { policyHash: hash },
    });
    return policy;
  }

  async assess(
    inventoryId: string,
    options: {
      policy?: AssessmentPolicy | undefined;
      /** Count ages to this date (`YYYY-MM-DD` or ISO-8601) instead of the export's date. */
      asOf?: string | undefined;
    },
    principal: Principal,
  ): Promise<AssessmentOutcome> {
    const inventory = await this.inventories.load(inventoryId);
    if (!inventory) throw notFound('Inventory', inventoryId);
    const policy = options.policy ?? (await this.currentPolicy()).policy;
    const overrides = await this.assessments.overridesFor(inventoryId);
    const now = this.clock();
    const asOf = options.asOf === undefined ? null : parseAsOf(options.asOf);
    const result = assessInventory(inventory, { policy, now, overrides, asOf });
    const hash = policyHash(policy);
    const assessmentId = await this.assessments.save({
      inventoryId,
      policy,
      policyHash: hash,
      assessedAt: now,
      countedTo: { at: result.countedTo, basis: result.countedToBasis },
      summary: result.summary,
      vms: result.vms,
    });
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'assessment.create',
      resourceType: 'assessment',
      resourceId: assessmentId,
      after: {
        inventoryId,
        policyHash: hash,
        countedTo: result.countedTo,
        rehost: result.summary.rehost,
        retain: result.summary.retain,
        retire: result.summary.retire,
      },
    });
    return {
      assessmentId,
      inventoryId,
      policyHash: hash,
      assessedAt: now.toISOString(),
      countedTo: result.countedTo,
      countedToBasis: result.countedToBasis,
      summary: result.summary,
      vms: result.vms,
    };
  }

  async get(assessmentId: string): Promise<AssessmentRecord & { policy: unknown }> {
    const record = await this.assessments.get(assessmentId);
    if (!record) throw notFound('Assessment', assessmentId);
    return record;
  }

  listForInventory(inventoryId: string): Promise<AssessmentRecord[]> {
    return this.assessments.listForInventory(inventoryId);
  }

  latestForInventory(inventoryId: string): Promise<AssessmentRecord | null> {
    return this.assessments.latestForInventory(inventoryId);
  }

  /** Whether an assessment exists, for callers that accept either an id or a file. */
  async exists(assessmentId: string): Promise<boolean> {
    return (await this.assessments.get(assessmentId)) !== null;
  }

  async listVms(
    assessmentId: string,
    filter: AssessmentVmFilter,
    offset: number,
    limit: number,
    sort?: AssessmentVmSort,
  ): Promise<Page<VmAssessment>> {
    await this.get(assessmentId);
    return this.assessments.listVms(assessmentId, filter, offset, limit, sort);
  }

  /** What the assessment table's filters can offer: every value present among the VMs, counted. */
  async vmFacets(assessmentId: string): Promise<AssessmentVmFacets> {
    await this.get(assessmentId);
    return this.assessments.vmFacets(assessmentId);
  }

  async getVm(assessmentId: string, vmKey: string): Promise<VmAssessment> {
    const vm = await this.assessments.getVm(assessmentId, vmKey);
    if (!vm) throw notFound(`VM ${vmKey} in assessment`, assessmentId);
    return vm;
  }

  /** Refused while an execution of a plan made from it is unfinished; the audit entry counts what went with it. */
  async delete(assessmentId: string, principal: Principal): Promise<void> {
    const record = await this.get(assessmentId);
    await deleteAudited(this.cascade, this.access, principal, {
      root: 'assessment',
      id: assessmentId,
      before: { inventoryId: record.inventoryId, policyHash: record.policyHash },
    });
  }

  /**
   * Forces a VM's disposition. The override is kept with the inventory's VM, so every later
   * assessment of the inventory honours it too; this assessment is updated in place.
   */
  async setOverride(
    assessmentId: string,
    vmKey: string,
    input: { disposition: Disposition; comment: string } | null,
    principal: Principal,
  ): Promise<VmAssessment> {
    const record = await this.get(assessmentId);
    const existing = await this.assessments.getVm(assessmentId, vmKey);
    if (!existing) throw notFound(`VM ${vmKey} in assessment`, assessmentId);
    const override = input
      ? {
          disposition: input.disposition,
          comment: input.comment,
          by: principal.actor,
          at: this.clock().toISOString(),
        }
      : null;
    await this.assessments.setOverride(record.inventoryId, vmKey, override);
    const inventory = await this.inventories.load(record.inventoryId);
    if (!inventory) throw notFound('Inventory', record.inventoryId);
    const policy = this.validatePolicyDocument(record.policy, `policy of assessment ${assessmentId}`);
    const overrides = await this.assessments.overridesFor(record.inventoryId);
    // The same instants as the assessment being updated: only the override may change the VM.
    const result = assessInventory(inventory, {
      policy,
      now: new Date(record.assessedAt),
      asOf: new Date(record.countedTo ?? record.assessedAt),
      overrides,
    });
    const updated = result.vms.find((vm) => vm.vmKey === vmKey);
    if (!updated) throw notFound(`VM ${vmKey} in inventory`, record.inventoryId);
    await this.assessments.replaceVm(assessmentId, updated, result.summary);
    await this.access.appendAudit({
      actor: principal.actor,
      action: override ? 'assessment.override' : 'assessment.override-cleared',
      resourceType: 'vm',
      resourceId: `${record.inventoryId}/${vmKey}`,
      before: { disposition: existing.disposition, override: existing.override },
      after: { disposition: updated.disposition, override },
    });
    return updated;
  }
}
