import type { Inventory, InventoryVm } from '#libs/inventory';
import { compilePolicy, firstMatch } from './compiled-policy.js';
import { evaluateRules, READINESS_RULES, SCOPE_RULES, type VmFacts } from './concern-rules.js';
import { type AssessmentContext, buildAssessmentContext, outOfScopeReason, targetNameOf } from './context.js';
import { decideDisposition } from './disposition.js';
import { mapGuestOs } from './guest-os.js';
import { type AssessmentPolicy, POLICY_VERSION, policyHash } from './policy.js';
import { lastActivity, retireVerdict } from './retirement.js';
import { sizeVm } from './sizing.js';
import { summarizeAssessment } from './summary.js';
import { estimateTransfer } from './transfer.js';
import type { AssessmentResult, Concern, CountedToBasis, VmAssessment } from './types.js';
import { assessWarmReadiness } from './warm-readiness.js';

export type VmOverride = NonNullable<VmAssessment['override']>;

export interface AssessInventoryOptions {
  policy: AssessmentPolicy;
  /** The clock, injected: the assessment's own timestamp, and ages when nothing else says. */
  now: Date;
  /**
   * The instant ages (power-off, snapshots) are counted to. Default: the export's date
   * (`inventory.source.exportedAt`), else `now`. An export describes its estate on the day it was
   * written: counted to today, a VM changed two weeks before the export looks off for years.
   */
  asOf?: Date | null;
  /** Person-made dispositions by VM key; they win over the rules and are kept in the result. */
  overrides?: ReadonlyMap<string, VmAssessment['override']>;
}

export interface AssessVmOptions {
  policy: AssessmentPolicy;
  now: Date;
  /** Ages are counted to this instant; default `now` (see `agesCountedTo` for an inventory). */
  asOf?: Date | null;
  override?: VmAssessment['override'];
}

/**
 * Assesses every VM of an inventory. Pure: the same inventory, policy, clock and overrides give
 * the same result, VMs in inventory order.
 */
export function assessInventory(inventory: Inventory, options: AssessInventoryOptions): AssessmentResult {
  const now = checkedNow(options.now);
  const countedTo = agesCountedTo(inventory, now, options.asOf);
  const context = buildAssessmentContext(inventory, options.policy);
  const vms = inventory.vms.map((vm) =>
    assessVm(vm, context, {
      policy: options.policy,
      now,
      asOf: countedTo.at,
      override: options.overrides?.get(vm.key) ?? null,
    }),
  );
  return {
    vms,
    summary: summarizeAssessment(inventory, vms, options.policy),
    policyVersion: POLICY_VERSION,
    policyHash: policyHash(options.policy),
    assessedAt: now.toISOString(),
    countedTo: countedTo.at.toISOString(),
    countedToBasis: countedTo.basis,
  };
}

/**
 * The instant an assessment counts ages to, and why: the one asked for, else the export's date,
 * else the clock.
 */
export function agesCountedTo(
  inventory: Pick<Inventory, 'source'>,
  now: Date,
  asOf?: Date | null,
): { at: Date; basis: CountedToBasis } {
  if (asOf !== undefined && asOf !== null) return { at: checkedDate(asOf, 'asOf'), basis: 'as-of' };
  const exported = inventory.source.exportedAt ? Date.parse(inventory.source.exportedAt) : Number.NaN;
  if (Number.isFinite(exported)) return { at: new Date(exported), basis: 'export' };
  return { at: now, basis: 'clock' };
}

/**
 * Assesses one VM. `context` holds what the VM's rules need from the rest of the inventory
 * (build it once with `buildAssessmentContext` for the VM's inventory and the same policy).
 */
export function assessVm(
  vm: InventoryVm,
  context: AssessmentContext,
  options: AssessVmOptions,
): VmAssessment {
  const countedToMs = checkedDate(options.asOf ?? options.now, 'asOf').getTime();
  checkedNow(options.now);
  const policy = compilePolicy(options.policy);
  const outOfScope = outOfScopeReason(vm, policy);
  const os = mapGuestOs(vm, options.policy);
  const sizing = sizeVm(vm, options.policy);
  const targetName = context.targetNames.get(vm.key) ?? targetNameOf(vm);
  const activity = lastActivity(vm, countedToMs);
  const applianceMatch =
    outOfScope === null
      ? policy.appliances.find((appliance) => firstMatch(appliance.patterns, vm.name))
      : undefined;
  const facts: VmFacts = {
    vm,
    context,
    policy,
    countedToMs,
    os,
    sizing,
    targetName,
    activity,
    appliance: applianceMatch?.kind ?? null,
  };
  const concerns: Concern[] = [];
  evaluateRules(SCOPE_RULES, facts, concerns);
  if (outOfScope === null) evaluateRules(READINESS_RULES, facts, concerns);
  const retire = outOfScope === null ? retireVerdict(vm, activity, policy) : null;
  const override = options.override ?? null;
  const decision = decideDisposition({
    vm,
    policy,
    concerns,
    os,
    sizing,
    outOfScope,
    appliance: facts.appliance,
    retire,
    override,
  });
  return {
    vmKey: vm.key,
    name: vm.name,
    moref: vm.moref,
    disposition: decision.disposition,
    outOfScope,
    effort: decision.effort,
    score: decision.score,
    reasons: decision.reasons,
    concerns,
    retire: retire?.verdict ?? null,
    os,
    sizing,
    transfer: estimateTransfer(vm, policy.policy),
    warm: assessWarmReadiness(vm, context),
    targetName,
    override: override ? { ...override } : null,
  };
}

function checkedNow(now: Date): Date {
  return checkedDate(now, 'now');
}

function checkedDate(value: Date, name: 'now' | 'asOf'): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`assessment clock: \`${name}\` must be a valid Date`);
  }
  return value;
}
