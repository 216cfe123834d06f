import type { PlanningContext, TransferLoad } from './planning-context.js';
import type { ManualEdits } from './settings.js';
import { capacityExcess, exceedsAny } from './wave-load.js';

/**
 * The part of a move group the packer places as one piece: all its movable members, or, when
 * people pinned members to different waves, the members of each pinned wave.
 */
export interface PlacementUnit {
  group: string;
  vmKeys: string[];
  /** Its load in a wave with no migration type of its own (VMs and data are the same in any wave). */
  load: TransferLoad;
  /** Its load in wave `wave`: the window figures follow the wave's migration type. */
  loadIn(wave: number): TransferLoad;
  pinnedWave: number | null;
  /** Highest effort of the members (0 low .. 2 high). */
  effortRank: number;
  minScore: number;
  criticalConcerns: number;
  warningConcerns: number;
  concerns: number;
  /** Breaks a regular wave's caps on its own: it gets a wave to itself. */
  oversized: boolean;
}

export function pinnedWaveOf(manual: ManualEdits, vmKey: string): number | null {
  return Object.hasOwn(manual.pins, vmKey) ? manual.pins[vmKey] : null;
}

export function buildPlacementUnits(ctx: PlanningContext, manual: ManualEdits): PlacementUnit[] {
  const excluded = new Set(manual.excludedVms);
  const units: PlacementUnit[] = [];
  for (const group of ctx.groups) {
    const members = group.rehostVmKeys.filter((key) => !excluded.has(key));
    if (members.length === 0) continue;
    const pinned = members
      .map((key) => pinnedWaveOf(manual, key))
      .filter((wave): wave is number => wave !== null);
    const byWave = new Map<number | null, string[]>();
    // Unpinned members follow the group's earliest pin so the group stays as whole as the pins allow.
    const fallback = pinned.length > 0 ? Math.min(...pinned) : null;
    for (const key of members) {
      const wave = pinnedWaveOf(manual, key) ?? fallback;
      const list = byWave.get(wave);
      if (list === undefined) byWave.set(wave, [key]);
      else list.push(key);
    }
    for (const [wave, vmKeys] of byWave) units.push(describeUnit(ctx, group.name, vmKeys, wave));
  }
  return units;
}

function describeUnit(
  ctx: PlanningContext,
  group: string,
  vmKeys: string[],
  pinnedWave: number | null,
): PlacementUnit {
  let effortRank = 0;
  let minScore = 100;
  let criticalConcerns = 0;
  let warningConcerns = 0;
  let concerns = 0;
  for (const key of vmKeys) {
    const record = ctx.records.get(key);
    if (record === undefined) continue;
    effortRank = Math.max(effortRank, record.effortRank);
    const assessment = record.assessment;
    if (assessment === undefined) continue;
    minScore = Math.min(minScore, assessment.score);
    for (const concern of assessment.concerns) {
      concerns += 1;
      if (concern.severity === 'critical') criticalConcerns += 1;
      else if (concern.severity === 'warning') warningConcerns += 1;
    }
  }
  const load = ctx.loadOf(vmKeys);
  // One load per wave type the plan has (the window figures are all that differ): few, and cached.
  const byType = new Map<string, TransferLoad>([['default', load]]);
  const byWave = ctx.settings.migration?.byWave ?? {};
  const loadIn = (wave: number): TransferLoad => {
    const type = byWave[String(wave)] ?? 'default';
    let found = byType.get(type);
    if (found === undefined) {
      found = ctx.loadOf(vmKeys, wave);
      byType.set(type, found);
    }
    return found;
  };
  return {
    group,
    vmKeys,
    load,
    loadIn,
    pinnedWave,
    effortRank,
    minScore,
    criticalConcerns,
    warningConcerns,
    concerns,
    oversized: exceedsAny(capacityExcess(load, ctx.regularCaps, ctx.throughput)),
  };
}

/** Low effort, no critical concern, and nothing it must wait for. */
export function isPilotCandidate(
  unit: PlacementUnit,
  ctx: PlanningContext,
  active: (group: string) => boolean,
): boolean {
  return (
    unit.pinnedWave === null &&
    unit.effortRank === 0 &&
    unit.criticalConcerns === 0 &&
    ctx.dependencies.activePredecessorsOf(unit.group, active).length === 0
  );
}

/** Lowest risk first: fewest warnings, fewest concerns, least data, fewest VMs. */
export function comparePilotRisk(a: PlacementUnit, b: PlacementUnit): number {
  return (
    a.warningConcerns - b.warningConcerns ||
    a.concerns - b.concerns ||
    a.load.dataMiB - b.load.dataMiB ||
    a.load.vmCount - b.load.vmCount ||
    (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)
  );
}
