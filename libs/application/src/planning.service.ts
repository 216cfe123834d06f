import type { VmAssessment } from '#libs/assessment';
import type { InventoryHost, InventoryVm } from '#libs/inventory';
import {
  type AccessStore,
  type AssessmentStore,
  type CascadeStore,
  type InventoryStore,
  type PlanRecord,
  type PlanStore,
  PlanVersionConflictError,
  type Principal,
  type WaveApproval,
} from '#libs/persistence';
import {
  applyEdit,
  approvalBlockers,
  type ChangeWindow,
  changeWindowSchema,
  listMapSources,
  type MapSources,
  type PlanEdit,
  PlanEditError,
  type PlanInput,
  type PlanSettings,
  PlanSettingsError,
  parsePlanSettings,
  planWaves,
  redescribePlan,
  type Violation,
  validatePlan,
  type WavePlan,
  waveContentHash,
} from '#libs/waves';
import { deleteAudited } from './cascading-delete.js';
import { notFound, UserFacingError } from './errors.js';
import { composeWaveBoard, type WaveBoard, WaveBoardCache, waveBoardContent } from './wave-board.js';

export type StoredPlan = PlanRecord<PlanSettings, WavePlan>;

export interface PlanView {
  id: string;
  name: string;
  inventoryId: string;
  assessmentId: string;
  status: string;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  settings: PlanSettings;
  lowerBoundWaves: number;
  lowerBound: WavePlan['lowerBound'];
  violations: Violation[];
  excluded: WavePlan['excluded'];
  groups: WavePlan['groups'];
  waves: Array<WavePlan['waves'][number] & { approval: WaveApproval | null }>;
}

/** What the approver saw: at least one of the two. */
export interface ReviewedWave {
  contentHash?: string | undefined;
  planVersion?: number | undefined;
}

export interface EditOutcome {
  plan: PlanView;
  violations: Violation[];
  invalidatedWaves: number[];
}

function parseSettings(input: unknown): PlanSettings {
  try {
    return parsePlanSettings(input ?? {});
  } catch (error) {
    if (error instanceof PlanSettingsError)
      throw new UserFacingError('invalid-input', error.message, 'invalid-plan-settings');
    throw error;
  }
}

/** An edit naming a VM, group or wave that does not exist is the user's mistake, not a server fault. */
function applyPlanEdit(plan: WavePlan, edit: PlanEdit, input: PlanInput): ReturnType<typeof applyEdit> {
  try {
    return applyEdit(plan, edit, input);
  } catch (error) {
    if (error instanceof PlanEditError)
      throw new UserFacingError('invalid-input', error.message, 'invalid-edit', edit);
    throw error;
  }
}

/** The window with its zone defaulted, or what is wrong with it. */
export function parseChangeWindow(window: unknown): ChangeWindow | string {
  const parsed = changeWindowSchema.safeParse(window);
  if (parsed.success) return parsed.data;
  return parsed.error.issues
    .map((issue) => `${issue.path.join('.') || 'window'} ${issue.message}`)
    .join('; ');
}

function waveHashes(plan: WavePlan, settings: PlanSettings): Array<{ number: number; hash: string }> {
  return plan.waves.map((wave) => ({ number: wave.number, hash: waveContentHash(wave, settings) }));
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  if (base === null || typeof base !== 'object' || Array.isArray(base)) return patch;
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    merged[key] = deepMerge(merged[key], value);
  }
  return merged;
}

/**
 * Which content a plan record carries: every content change raises the version; the update time
 * also tells apart a plan whose versions were reset (a database restored under a running server).
 */
function contentVersion(plan: { version: number; updatedAt: string }): string {
  return `${plan.version}@${plan.updatedAt}`;
}

/** The settings whose entries are whole values (a target per source), keyed by source name. */
const MAP_SETTINGS = ['networkMap', 'storageMap'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The stored settings with a merge-patch applied. Network and storage map entries are targets, not
 * objects to merge field by field: an entry replaces the stored one (so a datastore can turn from a
 * class to excluded), and a null removes it, so the map never carries a null and the source is
 * unmapped again.
 */
function mergeSettingsPatch(stored: PlanSettings, patch: unknown): unknown {
  const merged = deepMerge(stored, patch);
  if (!isRecord(patch) || !isRecord(merged)) return merged;
  for (const field of MAP_SETTINGS) {
    const entries = patch[field];
    if (!isRecord(entries)) continue;
    const map: Record<string, unknown> = { ...stored[field] };
    for (const [source, target] of Object.entries(entries)) {
      if (target === null) delete map[source];
      else map[source] = target;
    }
    merged[field] = map;
  }
  return merged;
}

/**
 * Plans waves from an assessment and keeps them honest: every change re-validates, changed waves
 * lose their approval, and every mutation lands in the audit log.
 */
export class PlanningService {
  constructor(
    private readonly inventories: InventoryStore,
    private readonly assessments: AssessmentStore,
    private readonly plans: PlanStore,
    private readonly access: AccessStore,
    private readonly cascade: CascadeStore,
    private readonly boards: WaveBoardCache = new WaveBoardCache(),
  ) {}

  private async planInput(
    assessmentId: string,
    settings: PlanSettings,
  ): Promise<PlanInput & { inventoryId: string }> {
    const assessment = await this.assessments.get(assessmentId);
    if (!assessment) throw notFound('Assessment', assessmentId);
    const inventory = await this.inventories.load(assessment.inventoryId, { withSource: false });
    if (!inventory) throw notFound('Inventory', assessment.inventoryId);
    const assessments: VmAssessment[] = await this.assessments.allVms(assessmentId);
    const vms: InventoryVm[] = inventory.vms;
    // Now is the earliest any wave can start: a booked cutover is checked against it.
    return { vms, assessments, settings, now: Date.now(), inventoryId: assessment.inventoryId };
  }

  async create(
    input: { assessmentId: string; name?: string | undefined; settings?: unknown },
    principal: Principal,
  ): Promise<PlanView> {
    const settings = parseSettings(input.settings);
    const planInput = await this.planInput(input.assessmentId, settings);
    const result = planWaves(planInput);
    const id = await this.plans.create({
      name: input.name?.trim() || `Plan for assessment ${input.assessmentId.slice(0, 8)}`,
      inventoryId: planInput.inventoryId,
      assessmentId: input.assessmentId,
      createdBy: principal.actor,
      content: {
        settings: { ...settings, manual: result.manual },
        result,
        waveHashes: waveHashes(result, settings),
      },
    });
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'plan.create',
      resourceType: 'plan',
      resourceId: id,
      after: {
        waves: result.waves.length,
        lowerBoundWaves: result.lowerBoundWaves,
        violations: result.violations.length,
      },
    });
    return this.get(id);
  }

  list() {
    return this.plans.list();
  }

  async getStored(id: string): Promise<StoredPlan> {
    const plan = await this.plans.get<PlanSettings, WavePlan>(id);
    if (!plan) throw notFound('Plan', id);
    return plan;
  }

  /** What a wave's manifests are rendered from: the plan, its inventory's VMs and their assessments. */
  async waveSources(id: string): Promise<{
    plan: StoredPlan;
    inventoryVms: InventoryVm[];
    inventoryHosts: InventoryHost[];
    assessments: VmAssessment[];
  }> {
    const plan = await this.getStored(id);
    const inventory = await this.inventories.load(plan.inventoryId, { withSource: false });
    if (!inventory) throw notFound('Inventory', plan.inventoryId);
    return {
      plan,
      inventoryVms: inventory.vms,
      inventoryHosts: inventory.hosts,
      assessments: await this.assessments.allVms(plan.assessmentId),
    };
  }

  async get(id: string): Promise<PlanView> {
    return this.toView(await this.getStored(id));
  }

  /**
   * The waves board: each wave's figures and VM names, violations counted (see WaveBoard). Only the
   * plan's header is read when the board of its current version is held: its content (13 MB of JSON
   * for 10,000 VMs) is loaded and parsed once per version, and the approvals are always read afresh.
   */
  async board(id: string): Promise<WaveBoard> {
    const header = await this.plans.getHeader(id);
    if (!header) throw notFound('Plan', id);
    const cached = this.boards.get(id, contentVersion(header));
    if (cached) return composeWaveBoard(header, cached);
    // Read again in full: the plan may have changed since its header was read, and then the newer
    // version is answered and kept.
    const stored = await this.getStored(id);
    const content = waveBoardContent(stored);
    this.boards.set(id, contentVersion(stored), content);
    return composeWaveBoard(stored, content);
  }

  toView(plan: StoredPlan): PlanView {
    const approvals = new Map(plan.waves.map((wave) => [wave.number, wave]));
    return {
      id: plan.id,
      name: plan.name,
      inventoryId: plan.inventoryId,
      assessmentId: plan.assessmentId,
      status: plan.status,
      version: plan.version,
      createdBy: plan.createdBy,
      createdAt: plan.createdAt,
      updatedAt: plan.updatedAt,
      settings: plan.settings,
      lowerBoundWaves: plan.result.lowerBoundWaves,
      lowerBound: plan.result.lowerBound,
      violations: plan.result.violations,
      excluded: plan.result.excluded,
      groups: plan.result.groups,
      waves: plan.result.waves.map((wave) => ({ ...wave, approval: approvals.get(wave.number) ?? null })),
    };
  }

  /** Changes settings (constraints, maps, grouping, dependencies) and re-plans, keeping manual edits. */
  async updateSettings(
    id: string,
    patch: unknown,
    principal: Principal,
    expectedVersion?: number,
  ): Promise<EditOutcome> {
    const stored = await this.getStored(id);
    this.assertEditable(stored);
    const settings = parseSettings(mergeSettingsPatch(stored.settings, patch));
    const planInput = await this.planInput(stored.assessmentId, settings);
    const result = planWaves(planInput);
    return this.store(
      stored,
      { ...settings, manual: result.manual },
      result,
      result.violations,
      principal,
      'plan.settings',
      {
        patch,
        expectedVersion,
      },
    );
  }

  async replan(id: string, principal: Principal, expectedVersion?: number): Promise<EditOutcome> {
    return this.updateSettings(id, undefined, principal, expectedVersion);
  }

  async edit(
    id: string,
    edit: PlanEdit,
    principal: Principal,
    expectedVersion?: number,
  ): Promise<EditOutcome> {
    const stored = await this.getStored(id);
    this.assertEditable(stored);
    const planInput = await this.planInput(stored.assessmentId, stored.settings);
    const outcome = applyPlanEdit(stored.result, edit, planInput);
    return this.store(
      stored,
      { ...stored.settings, manual: outcome.plan.manual },
      outcome.plan,
      outcome.violations,
      principal,
      'plan.edit',
      { patch: edit, expectedVersion },
    );
  }

  async applyEdits(
    id: string,
    edits: PlanEdit[],
    principal: Principal,
    expectedVersion?: number,
  ): Promise<EditOutcome> {
    const stored = await this.getStored(id);
    this.assertEditable(stored);
    const planInput = await this.planInput(stored.assessmentId, stored.settings);
    let plan = stored.result;
    let violations: Violation[] = plan.violations;
    for (const edit of edits) {
      const outcome = applyPlanEdit(plan, edit, {
        ...planInput,
        settings: { ...stored.settings, manual: plan.manual },
      });
      plan = outcome.plan;
      violations = outcome.violations;
    }
    return this.store(
      stored,
      { ...stored.settings, manual: plan.manual },
      plan,
      violations,
      principal,
      'plan.edit',
      {
        patch: edits,
        expectedVersion,
      },
    );
  }

  /**
   * Tries edits in order without storing anything: for each, null when it applies, or why it was
   * refused (it names a VM, group or wave that does not exist). Refused edits are skipped, so
   * later ones are tried against the plan without them.
   */
  async previewEdits(stored: StoredPlan, edits: PlanEdit[]): Promise<Array<string | null>> {
    const planInput = await this.planInput(stored.assessmentId, stored.settings);
    let plan = stored.result;
    return edits.map((edit) => {
      try {
        plan = applyEdit(plan, edit, {
          ...planInput,
          settings: { ...stored.settings, manual: plan.manual },
        }).plan;
        return null;
      } catch (error) {
        if (error instanceof PlanEditError) return error.message;
        throw error;
      }
    });
  }

  private assertEditable(plan: StoredPlan): void {
    const busy = plan.waves.filter((wave) => wave.status === 'executing');
    if (busy.length > 0) {
      throw new UserFacingError(
        'conflict',
        `Plan ${plan.id} has waves executing (${busy.map((wave) => wave.number).join(', ')}); wait for them or cancel them before editing`,
        'plan-executing',
      );
    }
  }

  private async store(
    stored: StoredPlan,
    settings: PlanSettings,
    result: WavePlan,
    violations: Violation[],
    principal: Principal,
    action: string,
    context: { patch: unknown; expectedVersion?: number | undefined },
  ): Promise<EditOutcome> {
    const expected = context.expectedVersion ?? stored.version;
    let invalidatedWaves: number[];
    try {
      ({ invalidatedWaves } = await this.plans.update(stored.id, expected, {
        settings,
        result,
        waveHashes: waveHashes(result, settings),
      }));
    } catch (error) {
      if (error instanceof PlanVersionConflictError)
        throw new UserFacingError('conflict', error.message, 'version-conflict');
      throw error;
    }
    await this.access.appendAudit({
      actor: principal.actor,
      action,
      resourceType: 'plan',
      resourceId: stored.id,
      before: {
        version: stored.version,
        waves: stored.result.waves.length,
        violations: stored.result.violations.length,
      },
      after: {
        change: context.patch,
        waves: result.waves.length,
        violations: violations.length,
        invalidatedWaves,
      },
    });
    for (const number of invalidatedWaves) {
      await this.access.appendAudit({
        actor: principal.actor,
        action: 'wave.approval-invalidated',
        resourceType: 'wave',
        resourceId: `${stored.id}/${number}`,
        before: { status: 'approved' },
        after: { status: 'draft', reason: action },
      });
    }
    return { plan: await this.get(stored.id), violations, invalidatedWaves };
  }

  /**
   * Every source the plan's maps need, with what it is mapped to: the networks and datastores of
   * the VMs in its waves, and `(no network)` / `(unnamed datastore)` for NICs and disks the export
   * names none for, so that each can be mapped, ignored or excluded.
   */
  async mapSources(id: string): Promise<MapSources> {
    const stored = await this.getStored(id);
    const planInput = await this.planInput(stored.assessmentId, stored.settings);
    return listMapSources(stored.result.waves, planInput.vms, planInput.assessments, stored.settings);
  }

  /**
   * Books (or, with null, clears) change windows of waves. The waves keep their content and
   * approvals; the plan is re-validated, since a wave must fit its booked window.
   */
  async setChangeWindows(
    id: string,
    windows: ReadonlyArray<{ wave: number; window: unknown }>,
    principal: Principal,
    expectedVersion?: number,
  ): Promise<EditOutcome> {
    const stored = await this.getStored(id);
    this.assertEditable(stored);
    const changeWindows: Record<string, ChangeWindow> = { ...(stored.settings.changeWindows ?? {}) };
    for (const { wave, window } of windows) {
      if (!stored.result.waves.some((candidate) => candidate.number === wave))
        throw notFound(`Wave ${wave} of plan`, id);
      if (window === null) {
        delete changeWindows[String(wave)];
        continue;
      }
      const parsed = parseChangeWindow(window);
      if (typeof parsed === 'string') {
        throw new UserFacingError(
          'invalid-input',
          `Change window of wave ${wave}: ${parsed}`,
          'invalid-change-window',
        );
      }
      changeWindows[String(wave)] = parsed;
    }
    const settings: PlanSettings = { ...stored.settings, changeWindows };
    const planInput = await this.planInput(stored.assessmentId, settings);
    const violations = validatePlan(stored.result, planInput);
    return this.store(
      stored,
      settings,
      { ...stored.result, violations },
      violations,
      principal,
      'plan.change-windows',
      { patch: windows, expectedVersion },
    );
  }

  /**
   * Changes how the plan migrates (cold or warm per plan, wave and VM; pre-copy interval; booked
   * cutovers; the downtime model) as a merge-patch: a `null` entry of `byWave` or `cutoverAt`
   * clears it, lists replace. The waves keep their VMs; their figures and the violations are
   * recomputed, and a wave whose warm VMs or cutover changed loses its approval (audited).
   */
  async updateMigration(
    id: string,
    patch: Record<string, unknown>,
    principal: Principal,
    expectedVersion?: number,
  ): Promise<EditOutcome> {
    const stored = await this.getStored(id);
    this.assertEditable(stored);
    const waveNumbers = new Set(stored.result.waves.map((wave) => String(wave.number)));
    const merged = deepMerge(stored.settings.migration ?? {}, patch) as Record<string, unknown>;
    for (const field of ['byWave', 'cutoverAt']) {
      const entries = merged[field];
      if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) continue;
      const kept: Record<string, unknown> = {};
      for (const [wave, value] of Object.entries(entries)) {
        if (value === null) continue;
        if (/^[1-9]\d*$/.test(wave) && !waveNumbers.has(wave)) {
          throw new UserFacingError(
            'invalid-input',
            `migration.${field}.${wave}: plan ${id} has no wave ${wave}`,
            'invalid-plan-settings',
          );
        }
        kept[wave] = value;
      }
      merged[field] = kept;
    }
    const settings = parseSettings({ ...stored.settings, migration: merged });
    const planInput = await this.planInput(stored.assessmentId, settings);
    const result = redescribePlan(stored.result, planInput);
    return this.store(stored, settings, result, result.violations, principal, 'plan.migration', {
      patch,
      expectedVersion,
    });
  }

  /**
   * Approves what the approver reviewed: `seen` carries the wave's content hash they were shown
   * and/or the plan version they read. Anything else (a wave edited since, or nothing to compare
   * with) is refused, and a mismatch is audited.
   */
  async approveWave(id: string, number: number, principal: Principal, seen: ReviewedWave): Promise<PlanView> {
    if (seen.contentHash === undefined && seen.planVersion === undefined) {
      throw new UserFacingError(
        'precondition-required',
        `Approving wave ${number} needs what you reviewed: send {"contentHash": "<the wave's approval.contentHash>"} or If-Match: <plan version>`,
        'review-required',
      );
    }
    const stored = await this.getStored(id);
    const wave = stored.result.waves.find((candidate) => candidate.number === number);
    const approval = stored.waves.find((candidate) => candidate.number === number);
    if (!wave || !approval) throw notFound(`Wave ${number} of plan`, id);
    const changed = [
      seen.contentHash !== undefined && seen.contentHash !== approval.contentHash
        ? `its content hash is ${approval.contentHash}, you reviewed ${seen.contentHash}`
        : null,
      seen.planVersion !== undefined && seen.planVersion !== stored.version
        ? `the plan is at version ${stored.version}, you reviewed version ${seen.planVersion}`
        : null,
    ].filter((reason): reason is string => reason !== null);
    const auditRefusal = (reason: string) =>
      this.access.appendAudit({
        actor: principal.actor,
        action: 'wave.approve-refused',
        resourceType: 'wave',
        resourceId: `${id}/${number}`,
        before: { contentHash: approval.contentHash, planVersion: stored.version },
        after: {
          reason,
          reviewedContentHash: seen.contentHash ?? null,
          reviewedPlanVersion: seen.planVersion ?? null,
        },
      });
    if (changed.length > 0) {
      await auditRefusal(changed.join('; '));
      throw new UserFacingError(
        'conflict',
        `Wave ${number} changed since you reviewed it (${changed.join('; ')}); review it again`,
        'wave-changed',
      );
    }
    if (approval.status !== 'draft' && approval.status !== 'approved') {
      throw new UserFacingError(
        'conflict',
        `Wave ${number} is ${approval.status}; only draft waves can be approved`,
        'wave-not-draft',
      );
    }
    if (wave.vmKeys.length === 0) {
      throw new UserFacingError(
        'invalid-input',
        `Wave ${number} is empty; there is nothing to approve`,
        'wave-empty',
      );
    }
    // Every change re-validates the plan, so the stored violations are the current ones.
    const blockers = approvalBlockers(stored.result, number);
    if (blockers.length > 0) {
      throw new UserFacingError(
        'invalid-input',
        `Wave ${number} cannot be approved: ${blockers.map((violation) => violation.message).join('; ')}`,
        'wave-invalid',
        blockers,
      );
    }
    // The store approves only while the wave still has this hash: an edit landing between the
    // read above and the write is refused too.
    const approved = await this.plans.approveWave(id, number, approval.contentHash, principal.actor);
    if (!approved) {
      await auditRefusal('changed while it was being approved');
      throw new UserFacingError(
        'conflict',
        `Wave ${number} changed while it was being approved; review it again`,
        'wave-changed',
      );
    }
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'wave.approve',
      resourceType: 'wave',
      resourceId: `${id}/${number}`,
      before: { status: approval.status },
      after: { status: 'approved', contentHash: approval.contentHash, vms: wave.vmKeys.length },
    });
    return this.get(id);
  }

  /** Refused while one of its executions is unfinished; the audit entry counts what went with it. */
  async delete(id: string, principal: Principal): Promise<void> {
    const stored = await this.getStored(id);
    await deleteAudited(this.cascade, this.access, principal, {
      root: 'plan',
      id,
      before: { name: stored.name, waves: stored.result.waves.length },
    });
  }
}
