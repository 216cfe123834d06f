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
import type { AssessmentResult, Concern, VmAssessment } from './types.js';

export type VmOverride = NonNullable<VmAssessment['override']>;

export interface AssessInventoryOptions {
  policy: AssessmentPolicy;
  /** The clock, injected: ages (snapshots, power-off) are counted to this instant. */
  now: Date;
  /** Person-made dispositions by VM key; they win over the rules and are kept in the result. */
  overrides?: ReadonlyMap<string, VmAssessment['override']>;
}

export interface AssessVmOptions {
  policy: AssessmentPolicy;
  now: Date;
  override?: VmAssessment['override'];
}

/**
 * Assesses every VM of an inventory. Pure: the same inventory, policy, clock and overrides give
 * the same result, VMs in inventory order.
 */
export function assessInventory(inventory: Inventory, options: AssessInventoryOptions): AssessmentResult {
  const now = checkedNow(options.now);
  const context = buildAssessmentContext(inventory, options.policy);
  const vms = inventory.vms.map((vm) =>
    assessVm(vm, context, { policy: options.policy, now, override: options.overrides?.get(vm.key) ?? null }),
  );
  return {
    vms,
    summary: summarizeAssessment(inventory, vms, options.policy),
    policyVersion: POLICY_VERSION,
    policyHash: policyHash(options.policy),
    assessedAt: now.toISOString(),
  };
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
  const nowMs = checkedNow(options.now).getTime();
  const policy = compilePolicy(options.policy);
  const outOfScope = outOfScopeReason(vm, policy);
  const os = mapGuestOs(vm, options.policy);
  const sizing = sizeVm(vm, options.policy);
  const targetName = context.targetNames.get(vm.key) ?? targetNameOf(vm);
  const activity = lastActivity(vm, nowMs);
  const applianceMatch =
    outOfScope === null
      ? policy.appliances.find((appliance) => firstMatch(appliance.patterns, vm.name))
      : undefined;
  const facts: VmFacts = {
    vm,
    context,
    policy,
    nowMs,
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
    targetName,
    override: override ? { ...override } : null,
  };
}

function checkedNow(now: Date): Date {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TypeError('assessment clock: `now` must be a valid Date');
  }
  return now;
}
