import type { InventoryVm } from '#libs/inventory';
import type { CompiledPolicy } from './compiled-policy.js';
import type { RetireSignal } from './retirement.js';
import type {
  Concern,
  Disposition,
  DispositionReason,
  Effort,
  GuestOsMapping,
  OutOfScopeReason,
  RetireVerdict,
  TargetSizing,
  VmAssessment,
} from './types.js';

const GIB = 1024;

export interface DispositionInput {
  vm: InventoryVm;
  policy: CompiledPolicy;
  concerns: readonly Concern[];
  os: GuestOsMapping;
  sizing: TargetSizing;
  outOfScope: OutOfScopeReason | null;
  appliance: string | null;
  retire: { verdict: RetireVerdict; signals: RetireSignal[] } | null;
  override: VmAssessment['override'];
}

export interface DispositionDecision {
  disposition: Disposition;
  effort: Effort;
  score: number;
  reasons: DispositionReason[];
}

/**
 * Decides in this order, first match wins: a person's override; out of scope (retain); an
 * infrastructure appliance (retain); a retire verdict; any critical concern (retain); an OS whose
 * support level the policy keeps on vSphere (retain); otherwise rehost. Retire comes before the
 * critical concerns because a VM nobody uses is not worth fixing. Effort and score are computed the
 * same way whatever the disposition, so an override to rehost still shows what rehosting costs.
 */
export function decideDisposition(input: DispositionInput): DispositionDecision {
  const { policy, concerns, outOfScope, override } = input;
  const reasons: DispositionReason[] = [];
  const ruled = ruleDisposition(input, reasons);
  let disposition = ruled;
  if (override) {
    disposition = override.disposition;
    reasons.unshift({
      code: 'override',
      message: `set to ${override.disposition} by ${override.by ?? 'a person'} on ${override.at}: ${override.comment}${ruled !== override.disposition ? ` (the rules said ${ruled})` : ''}`,
    });
  }
  const { effort, effortReasons } = decideEffort(input);
  reasons.push(...effortReasons);
  const score = outOfScope !== null ? 0 : readinessScore(concerns, policy);
  return { disposition, effort, score, reasons };
}

function ruleDisposition(input: DispositionInput, reasons: DispositionReason[]): Disposition {
  const { policy, concerns, outOfScope, appliance, retire, os } = input;
  if (outOfScope !== null) {
    reasons.push({ code: `out-of-scope:${outOfScope}`, message: outOfScopeMessage(outOfScope) });
    return 'retain';
  }
  if (appliance !== null) {
    reasons.push({
      code: 'retain:infrastructure-appliance',
      message: `a ${appliance} infrastructure appliance: stays on vSphere by default`,
    });
    return 'retain';
  }
  if (retire !== null) {
    for (const signal of retire.signals) {
      reasons.push({ code: `retire:${signal.code}`, message: signal.message });
    }
    reasons.push({
      code: 'retire:confidence',
      message: `retire confidence ${retire.verdict.confidence.toFixed(2)} (policy minimum ${policy.policy.retire.minConfidence})`,
    });
    return 'retire';
  }
  const critical = concerns.filter((concern) => concern.severity === 'critical');
  if (critical.length > 0) {
    for (const concern of critical) reasons.push({ code: `concern:${concern.id}`, message: concern.message });
    return 'retain';
  }
  if (policy.policy.disposition.retainOsSupport.includes(os.support)) {
    reasons.push({
      code: 'retain:os-support',
      message: `guest OS "${os.osName ?? 'unknown'}" is ${os.support} on KubeVirt; the policy keeps such VMs on vSphere`,
    });
    return 'retain';
  }
  reasons.push({
    code: 'rehost',
    message: 'no critical concern: can move to KubeVirt',
  });
  return 'rehost';
}

function decideEffort(input: DispositionInput): { effort: Effort; effortReasons: DispositionReason[] } {
  const { policy, concerns, os, sizing } = input;
  const settings = policy.policy.effort;
  const effortReasons: DispositionReason[] = [];
  let points = 0;
  const bySeverity = { critical: 0, warning: 0, info: 0 };
  for (const concern of concerns) bySeverity[concern.severity] += 1;
  for (const severity of ['critical', 'warning', 'info'] as const) {
    const added = bySeverity[severity] * settings.points[severity];
    if (added > 0) {
      points += added;
      effortReasons.push({
        code: `effort:${severity}-concerns`,
        message: `${bySeverity[severity]} ${severity} concern${bySeverity[severity] > 1 ? 's' : ''} (+${added})`,
      });
    }
  }
  if (os.needsDriverConversion && settings.points.driverConversion > 0) {
    points += settings.points.driverConversion;
    effortReasons.push({
      code: 'effort:driver-conversion',
      message: `Windows guest: virt-v2v injects virtio drivers (+${settings.points.driverConversion})`,
    });
  }
  const hint = concerns.find((concern) => concern.id === 'possible-passthrough-device');
  if (hint && settings.points.hardwareCheck > 0) {
    points += settings.points.hardwareCheck;
    effortReasons.push({
      code: 'effort:hardware-check',
      message: `a passthrough device is hinted at: check the hardware before it moves (+${settings.points.hardwareCheck})`,
    });
  }
  if (sizing.disks.length > settings.manyDisks && settings.points.manyDisks > 0) {
    points += settings.points.manyDisks;
    effortReasons.push({
      code: 'effort:many-disks',
      message: `${sizing.disks.length} disks, more than ${settings.manyDisks} (+${settings.points.manyDisks})`,
    });
  }
  let storageMiB = 0;
  for (const disk of sizing.disks) storageMiB += disk.requestMiB;
  if (storageMiB > settings.largeStorageGiB * GIB && settings.points.largeStorage > 0) {
    points += settings.points.largeStorage;
    effortReasons.push({
      code: 'effort:large-storage',
      message: `${Math.round(storageMiB / GIB)} GiB of disks, more than ${settings.largeStorageGiB} GiB (+${settings.points.largeStorage})`,
    });
  }
  const effort: Effort =
    points >= settings.highFrom ? 'high' : points >= settings.mediumFrom ? 'medium' : 'low';
  effortReasons.push({ code: `effort:${effort}`, message: `effort ${effort} (${points} points)` });
  return { effort, effortReasons };
}

function readinessScore(concerns: readonly Concern[], policy: CompiledPolicy): number {
  let score = 100;
  for (const concern of concerns) score -= policy.policy.scoring[concern.severity];
  return Math.max(0, Math.min(100, Math.round(score)));
}

function outOfScopeMessage(reason: OutOfScopeReason): string {
  switch (reason) {
    case 'template':
      return 'a template: listed, never migrated';
    case 'srm-placeholder':
      return 'an SRM placeholder: listed, never migrated';
    case 'cluster-service-vm':
      return 'a vSphere cluster-service (vCLS) VM: listed, never migrated';
  }
}
