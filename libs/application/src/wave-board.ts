import type { WaveStatus } from '#libs/persistence';
import type { Violation, ViolationCode, ViolationSeverity } from '#libs/waves';
import type { StoredPlan } from './planning.service.js';

/** How many violations the board lists one by one; the rest are counted by code and by wave. */
export const BOARD_VIOLATIONS_LISTED = 100;

/**
 * The waves board of a plan: each wave's figures and its VMs' names, and the violations counted,
 * without the per-VM detail of GET /plans/:id (a 10,000-VM plan is ~13 MB of JSON there, ~1 MB here).
 * Derived from the stored plan on every read: there is no second copy to keep in step.
 */
export interface WaveBoard {
  id: string;
  name: string;
  assessmentId: string;
  status: string;
  version: number;
  lowerBoundWaves: number;
  cutoverWindowHours: number;
  violations: {
    total: number;
    errors: number;
    byCode: Array<{ code: ViolationCode; severity: ViolationSeverity; count: number }>;
    listed: Violation[];
  };
  waves: Array<{
    number: number;
    pilot: boolean;
    vmCount: number;
    dataGiB: number;
    estimatedHours: number;
    violations: { errors: number; warnings: number };
    approval: { status: WaveStatus; contentHash: string } | null;
    vms: Array<{ key: string; name: string; pinned: boolean }>;
  }>;
}

export function waveBoard(plan: StoredPlan): WaveBoard {
  const { violations, waves } = plan.result;
  const byCode = new Map<string, WaveBoard['violations']['byCode'][number]>();
  const byWave = new Map<number, { errors: number; warnings: number }>();
  for (const violation of violations) {
    const codeKey = `${violation.code}|${violation.severity}`;
    const counted = byCode.get(codeKey) ?? { code: violation.code, severity: violation.severity, count: 0 };
    counted.count += 1;
    byCode.set(codeKey, counted);
    if (violation.wave === null) continue;
    const inWave = byWave.get(violation.wave) ?? { errors: 0, warnings: 0 };
    if (violation.severity === 'error') inWave.errors += 1;
    else inWave.warnings += 1;
    byWave.set(violation.wave, inWave);
  }
  const approvals = new Map(plan.waves.map((approval) => [approval.number, approval]));
  return {
    id: plan.id,
    name: plan.name,
    assessmentId: plan.assessmentId,
    status: plan.status,
    version: plan.version,
    lowerBoundWaves: plan.result.lowerBoundWaves,
    cutoverWindowHours: plan.settings.constraints.cutoverWindowHours,
    violations: {
      total: violations.length,
      errors: violations.filter((violation) => violation.severity === 'error').length,
      byCode: [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      listed: violations.slice(0, BOARD_VIOLATIONS_LISTED),
    },
    waves: waves.map((wave) => {
      const approval = approvals.get(wave.number);
      return {
        number: wave.number,
        pilot: wave.pilot,
        vmCount: wave.vms.length,
        dataGiB: wave.dataGiB,
        estimatedHours: wave.estimatedHours,
        violations: byWave.get(wave.number) ?? { errors: 0, warnings: 0 },
        approval: approval ? { status: approval.status, contentHash: approval.contentHash } : null,
        vms: wave.vms.map((vm) => ({ key: vm.key, name: vm.name, pinned: vm.pinned })),
      };
    }),
  };
}
