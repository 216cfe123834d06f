import { PlanningContext } from './planning-context.js';
import type { ManualEdits } from './settings.js';
import type { PlanEdit, PlanEditResult, PlanInput, WavePlan } from './types.js';
import type { WaveDraft } from './wave-description.js';
import { assemblePlan, cloneManualEdits } from './wave-planner.js';

/** An edit that cannot be applied at all (unknown VM, group or wave); names what is wrong. */
export class PlanEditError extends Error {
  constructor(
    message: string,
    readonly edit: PlanEdit,
  ) {
    super(message);
    this.name = 'PlanEditError';
  }
}

class PlanDraftEditor {
  constructor(
    private readonly ctx: PlanningContext,
    private readonly drafts: WaveDraft[],
    private readonly manual: ManualEdits,
    private readonly edit: PlanEdit,
  ) {}

  apply(): void {
    const edit = this.edit;
    switch (edit.kind) {
      case 'move-vm':
        this.requireVm(edit.vmKey);
        this.moveTo([edit.vmKey], edit.toWave, edit.pin ?? true);
        return;
      case 'move-group':
        this.moveTo(this.movableMembers(edit.group), edit.toWave, edit.pin ?? true);
        return;
      case 'pin-vm':
        this.requireVm(edit.vmKey);
        this.pinWhereTheyAre([edit.vmKey]);
        return;
      case 'unpin-vm':
        this.requireVm(edit.vmKey);
        delete this.manual.pins[edit.vmKey];
        return;
      case 'pin-group':
        this.pinWhereTheyAre(this.requireGroup(edit.group).filter((key) => this.waveOf(key) !== null));
        return;
      case 'unpin-group':
        for (const key of this.requireGroup(edit.group)) delete this.manual.pins[key];
        return;
      case 'exclude-vm':
        this.requireVm(edit.vmKey);
        this.exclude([edit.vmKey]);
        return;
      case 'exclude-group':
        this.exclude(this.movableMembers(edit.group));
        return;
      case 'include-vm':
        this.requireVm(edit.vmKey);
        this.include([edit.vmKey], edit.toWave);
        return;
      case 'include-group': {
        const members = this.requireGroup(edit.group).filter(
          (key) => this.ctx.records.get(key)?.notRehost === null || this.manual.excludedVms.includes(key),
        );
        this.include(members, edit.toWave);
        return;
      }
      case 'add-wave': {
        const number = this.drafts.length + 1;
        this.drafts.push({ number, pilot: false, addedByHand: true, vmKeys: [] });
        this.manual.addedWaves = [...this.manual.addedWaves, number];
        return;
      }
    }
  }

  private fail(message: string): never {
    throw new PlanEditError(message, this.edit);
  }

  private requireVm(key: string): void {
    if (!this.ctx.records.has(key) && this.waveOf(key) === null)
      this.fail(`VM ${key} is not in the inventory`);
  }

  private requireGroup(name: string): string[] {
    const group = this.ctx.groupByName.get(name);
    if (group === undefined) this.fail(`Group ${name} does not exist`);
    return group.vmKeys;
  }

  private requireWave(number: number): WaveDraft {
    const draft = this.drafts.find((candidate) => candidate.number === number);
    if (draft === undefined) {
      this.fail(`Wave ${number} does not exist (the plan has ${this.drafts.length}); add a wave first`);
    }
    return draft;
  }

  /** A group move takes its rehost members that are not excluded and whatever of it is already in a wave. */
  private movableMembers(group: string): string[] {
    const excluded = new Set(this.manual.excludedVms);
    return this.requireGroup(group).filter(
      (key) =>
        this.waveOf(key) !== null || (this.ctx.records.get(key)?.notRehost === null && !excluded.has(key)),
    );
  }

  private waveOf(key: string): number | null {
    return this.drafts.find((draft) => draft.vmKeys.includes(key))?.number ?? null;
  }

  private removeFromWaves(keys: readonly string[]): void {
    const removed = new Set(keys);
    for (const draft of this.drafts) draft.vmKeys = draft.vmKeys.filter((key) => !removed.has(key));
  }

  private moveTo(keys: readonly string[], toWave: number, pin: boolean): void {
    const target = this.requireWave(toWave);
    this.removeFromWaves(keys);
    target.vmKeys.push(...keys);
    // Placing a VM by hand is an explicit wish to migrate it, which ends a previous exclusion.
    const moved = new Set(keys);
    this.manual.excludedVms = this.manual.excludedVms.filter((key) => !moved.has(key));
    for (const key of keys) {
      if (pin) this.manual.pins[key] = toWave;
      else delete this.manual.pins[key];
    }
  }

  private pinWhereTheyAre(keys: readonly string[]): void {
    for (const key of keys) {
      const wave = this.waveOf(key);
      if (wave === null) this.fail(`VM ${key} is in no wave; move it to a wave to pin it`);
      this.manual.pins[key] = wave;
    }
  }

  private exclude(keys: readonly string[]): void {
    this.removeFromWaves(keys);
    this.manual.excludedVms = [...new Set([...this.manual.excludedVms, ...keys])].sort();
    for (const key of keys) delete this.manual.pins[key];
  }

  private include(keys: readonly string[], toWave: number | undefined): void {
    const included = new Set(keys);
    this.manual.excludedVms = this.manual.excludedVms.filter((key) => !included.has(key));
    if (toWave !== undefined) this.moveTo(keys, toWave, true);
  }
}

/**
 * Applies one manual edit and re-checks the whole plan. Nothing is repaired: an edit that breaks
 * a cap, splits a group or reverses a dependency is applied and the violations are listed.
 * Throws {@link PlanEditError} only for edits that name something that does not exist.
 */
export function applyEdit(plan: WavePlan, edit: PlanEdit, input: PlanInput): PlanEditResult {
  const ctx = new PlanningContext(input);
  const manual = cloneManualEdits(plan.manual);
  const drafts: WaveDraft[] = plan.waves.map((wave) => ({
    number: wave.number,
    pilot: wave.pilot,
    addedByHand: wave.addedByHand,
    vmKeys: [...wave.vmKeys],
  }));
  new PlanDraftEditor(ctx, drafts, manual, edit).apply();
  const next = assemblePlan(ctx, drafts, manual);
  return { plan: next, violations: next.violations };
}
