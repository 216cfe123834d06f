import type { PlanHeader, WaveStatus } from '#libs/persistence';
import type { Violation, ViolationCode, ViolationSeverity } from '#libs/waves';
import type { StoredPlan } from './planning.service.js';

/** How many violations the board lists one by one; the rest are counted by code and by wave. */
export const BOARD_VIOLATIONS_LISTED = 100;

/**
 * The waves board of a plan: each wave's figures and its VMs' names, and the violations counted,
 * without the per-VM detail of GET /plans/:id (a 10,000-VM plan is ~13 MB of JSON there, ~1 MB here).
 * Derived from the stored plan; the part taken from its content is kept per plan version in memory
 * (WaveBoardCache), so repeated reads of an unchanged plan do not load and parse that content again.
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

/** What the board takes from the plan's content (settings and result): the same for one version. */
export type WaveBoardContent = Pick<WaveBoard, 'lowerBoundWaves' | 'cutoverWindowHours' | 'violations'> & {
  waves: Array<Omit<WaveBoard['waves'][number], 'approval'>>;
};

/** What the board takes from the plan's record besides its content: approvals change without a new version. */
export type WaveBoardHeader = Pick<
  PlanHeader,
  'id' | 'name' | 'assessmentId' | 'status' | 'version' | 'waves'
>;

export function waveBoardContent(plan: Pick<StoredPlan, 'settings' | 'result'>): WaveBoardContent {
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
  return {
    lowerBoundWaves: plan.result.lowerBoundWaves,
    cutoverWindowHours: plan.settings.constraints.cutoverWindowHours,
    violations: {
      total: violations.length,
      errors: violations.filter((violation) => violation.severity === 'error').length,
      byCode: [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      listed: violations.slice(0, BOARD_VIOLATIONS_LISTED),
    },
    waves: waves.map((wave) => ({
      number: wave.number,
      pilot: wave.pilot,
      vmCount: wave.vms.length,
      dataGiB: wave.dataGiB,
      estimatedHours: wave.estimatedHours,
      violations: byWave.get(wave.number) ?? { errors: 0, warnings: 0 },
      vms: wave.vms.map((vm) => ({ key: vm.key, name: vm.name, pinned: vm.pinned })),
    })),
  };
}

/** The board of a plan: its content's part (computed once per version) with the current approvals. */
export function composeWaveBoard(header: WaveBoardHeader, content: WaveBoardContent): WaveBoard {
  const approvals = new Map(header.waves.map((approval) => [approval.number, approval]));
  return {
    id: header.id,
    name: header.name,
    assessmentId: header.assessmentId,
    status: header.status,
    version: header.version,
    ...content,
    waves: content.waves.map((wave) => {
      const approval = approvals.get(wave.number);
      return {
        ...wave,
        approval: approval ? { status: approval.status, contentHash: approval.contentHash } : null,
      };
    }),
  };
}

/** How many plans' board content is kept: each is about a megabyte for 10,000 VMs. */
export const WAVE_BOARD_CACHE_PLANS = 8;

/**
 * The board content of the plans read most recently, one version per plan, least recently read
 * evicted first. An entry is used only for the version it was computed from (the store raises the
 * version with every content change), so an edit is never answered with the board from before it.
 */
export class WaveBoardCache {
  private readonly entries = new Map<string, { version: string; content: WaveBoardContent }>();

  constructor(readonly capacity: number = WAVE_BOARD_CACHE_PLANS) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`WaveBoardCache capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The content computed from this version of the plan, if it is still held. */
  get(planId: string, version: string): WaveBoardContent | undefined {
    const entry = this.entries.get(planId);
    if (!entry || entry.version !== version) return undefined;
    // A Map iterates in insertion order: re-inserting marks it most recently used.
    this.entries.delete(planId);
    this.entries.set(planId, entry);
    return entry.content;
  }

  set(planId: string, version: string, content: WaveBoardContent): void {
    this.entries.delete(planId);
    this.entries.set(planId, { version, content });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
