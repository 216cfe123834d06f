import type { InventoryVm } from '#libs/inventory';
import { type CompiledPolicy, firstMatch } from './compiled-policy.js';
import type { RetireVerdict } from './types.js';

const DAY_MS = 86_400_000;

/**
 * The newest sign of life of a powered-off VM. RVTools clears `PowerOn` at power-off, so nothing
 * says when the VM went down; the newest of its last configuration change (`Change Version`), its
 * newest snapshot and its creation date says how long nobody has touched it.
 */
export interface LastActivity {
  at: string;
  basis: 'configChangedAt' | 'snapshot' | 'createdAt';
  days: number;
}

export function lastActivity(vm: InventoryVm, nowMs: number): LastActivity | null {
  const candidates: [string | null, LastActivity['basis']][] = [[vm.configChangedAt, 'configChangedAt']];
  for (const snapshot of vm.snapshots) candidates.push([snapshot.createdAt, 'snapshot']);
  candidates.push([vm.createdAt, 'createdAt']);
  let bestMs = Number.NEGATIVE_INFINITY;
  let best: LastActivity | null = null;
  for (const [at, basis] of candidates) {
    const ms = parseDate(at);
    if (ms === null || at === null || ms <= bestMs) continue;
    bestMs = ms;
    best = { at, basis, days: daysBetween(ms, nowMs) };
  }
  return best;
}

/** True when the VM is off and nothing has touched it for the policy's threshold. */
export function isPoweredOffLong(
  vm: InventoryVm,
  activity: LastActivity | null,
  policy: CompiledPolicy,
): boolean {
  return (
    vm.powerState === 'poweredOff' &&
    activity !== null &&
    activity.days >= policy.policy.thresholds.poweredOffDays
  );
}

type Evidence = RetireVerdict['evidence'];

/**
 * Weighs the retire signals (long power-off, lost connection state, a retire-like name). Each has
 * a confidence from the policy; independent signals combine as 1 - (1 - a)(1 - b)... The verdict
 * exists only when the combined confidence reaches the policy's minimum.
 */
export function retireVerdict(
  vm: InventoryVm,
  activity: LastActivity | null,
  policy: CompiledPolicy,
): { verdict: RetireVerdict; signals: RetireSignal[] } | null {
  const signals = retireSignals(vm, activity, policy);
  if (signals.length === 0) return null;
  let keep = 1;
  for (const signal of signals) keep *= 1 - signal.confidence;
  const confidence = Math.round((1 - keep) * 100) / 100;
  if (confidence < policy.policy.retire.minConfidence) return null;
  const evidence: Evidence = {
    signals: signals.map((signal) => signal.code).join(', '),
    powerState: vm.powerState,
    connectionState: vm.connectionState,
  };
  for (const signal of signals) Object.assign(evidence, signal.evidence);
  return { verdict: { confidence, evidence }, signals };
}

export interface RetireSignal {
  code: 'powered-off-long' | 'connection-state' | 'name-pattern';
  confidence: number;
  message: string;
  evidence: Evidence;
}

function retireSignals(
  vm: InventoryVm,
  activity: LastActivity | null,
  policy: CompiledPolicy,
): RetireSignal[] {
  const { retire, thresholds, rules } = policy.policy;
  const signals: RetireSignal[] = [];
  if (rules['powered-off-long'].enabled && activity !== null && isPoweredOffLong(vm, activity, policy)) {
    const threshold = thresholds.poweredOffDays;
    const base =
      activity.basis === 'createdAt'
        ? retire.confidence.poweredOffCreationEvidence
        : retire.confidence.poweredOffChangeEvidence;
    const age = Math.min(1, (activity.days - threshold) / (2 * threshold));
    signals.push({
      code: 'powered-off-long',
      confidence: Math.min(1, base + retire.confidence.poweredOffAgeBonus * age),
      message: `powered off, and nothing has changed for ${activity.days} days (newest evidence: ${describeBasis(activity.basis)} ${activity.at}; threshold ${threshold} days)`,
      evidence: {
        lastActivityAt: activity.at,
        lastActivityBasis: activity.basis,
        daysSinceActivity: activity.days,
        poweredOffDaysThreshold: threshold,
        configChangedAt: vm.configChangedAt,
        createdAt: vm.createdAt,
      },
    });
  }
  const state = vm.connectionState;
  if (rules.orphaned.enabled && (state === 'orphaned' || state === 'inaccessible' || state === 'invalid')) {
    signals.push({
      code: 'connection-state',
      confidence: retire.confidence[state],
      message: `vCenter reports the VM as ${state}`,
      evidence: {},
    });
  }
  const pattern = firstMatch(policy.retireNamePatterns, vm.name);
  if (pattern) {
    const off = vm.powerState === 'poweredOff' || vm.powerState === 'suspended';
    signals.push({
      code: 'name-pattern',
      confidence: off ? retire.confidence.namePoweredOff : retire.confidence.namePoweredOn,
      message: `its name "${vm.name}" matches the retire pattern /${pattern.source}/`,
      evidence: { namePattern: pattern.source },
    });
  }
  return signals;
}

function describeBasis(basis: LastActivity['basis']): string {
  switch (basis) {
    case 'configChangedAt':
      return 'configuration change';
    case 'snapshot':
      return 'snapshot';
    case 'createdAt':
      return 'creation';
  }
}

export function parseDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export function daysBetween(fromMs: number, toMs: number): number {
  return Math.max(0, Math.floor((toMs - fromMs) / DAY_MS));
}
