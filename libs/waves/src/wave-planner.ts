import { computeLowerBound, hasPilotWave } from './lower-bound.js';
import { DowntimeModel } from './migration-estimate.js';
import {
  buildPlacementUnits,
  comparePilotRisk,
  isPilotCandidate,
  type PlacementUnit,
} from './placement-units.js';
import { collectViolations } from './plan-validator.js';
import { PlanningContext } from './planning-context.js';
import type { ManualEdits, WaveOrdering } from './settings.js';
import { effectiveHostMiBps } from './transfer-schedule.js';
import type { ExcludedVm, PlanInput, WavePlan } from './types.js';
import { describeWave, type WaveDraft } from './wave-description.js';
import { WaveLoad } from './wave-load.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function orderRank(unit: PlacementUnit, ordering: WaveOrdering): number {
  switch (ordering) {
    case 'effort':
      return unit.effortRank;
    case 'readiness':
      // Buckets of ten points keep the size order meaningful inside each band.
      return -Math.floor(unit.minScore / 10);
    case 'packing':
      return 0;
  }
}

/**
 * Packs units into waves in priority order. Pinned units go where people put them; the pilot takes
 * the lowest-risk candidates; groups that must precede a pinned group come next (while there is
 * still room before the pin); the rest is split into segments by dependency level and the plan's
 * ordering (effort by default), taken in that order. Each segment first gets as many new waves as
 * its content needs at the least (after the room left in open waves), then its units, largest
 * first, each go to the open wave that stays least full with it (balanced, multi-dimensional
 * worst-fit), never before their predecessors' waves. A unit that fits nowhere opens a new wave;
 * one too large for any wave gets a closed wave of its own.
 */
class WavePacker {
  private readonly waves: WaveLoad[] = [];
  private readonly groupLastWave = new Map<string, number>();
  private readonly groupFirstPin = new Map<string, number>();
  private readonly limits = new Map<string, number>();
  private readonly active: (group: string) => boolean;
  private readonly hostWindowMiB: number;
  private firstRegular = 1;
  /** Regular waves that are neither closed nor full, by number. */
  private open: number[] = [];
  private readonly smallestUnitMiB: number;

  constructor(
    private readonly ctx: PlanningContext,
    private readonly units: readonly PlacementUnit[],
    private readonly manual: ManualEdits,
  ) {
    const activeGroups = new Set(units.map((unit) => unit.group));
    this.active = (group) => activeGroups.has(group);
    for (const unit of units) {
      if (unit.pinnedWave === null) continue;
      const first = this.groupFirstPin.get(unit.group);
      if (first === undefined || unit.pinnedWave < first) this.groupFirstPin.set(unit.group, unit.pinnedWave);
    }
    this.hostWindowMiB = effectiveHostMiBps(ctx.throughput) * ctx.regularCaps.windowSeconds;
    this.smallestUnitMiB = units.reduce(
      (smallest, unit) => Math.min(smallest, unit.load.dataMiB),
      Number.POSITIVE_INFINITY,
    );
  }

  pack(): WaveDraft[] {
    const ctx = this.ctx;
    const placed = new Set<PlacementUnit>();
    let lastManual = 0;
    for (const wave of this.manual.addedWaves) lastManual = Math.max(lastManual, wave);
    for (const unit of this.units) lastManual = Math.max(lastManual, unit.pinnedWave ?? 0);
    this.ensureWaves(lastManual);

    const pilotCaps = ctx.pilotCaps;
    if (pilotCaps !== null && hasPilotWave(ctx, this.units, this.active)) {
      this.ensureWaves(1);
      this.waves[0].caps = pilotCaps;
      this.waves[0].pilot = true;
      this.firstRegular = 2;
    }
    for (const unit of this.units) {
      if (unit.pinnedWave === null) continue;
      this.place(unit, unit.pinnedWave);
      placed.add(unit);
    }
    if (this.firstRegular === 2) {
      const pilot = this.waves[0];
      const candidates = this.units
        .filter((unit) => !unit.oversized && isPilotCandidate(unit, ctx, this.active))
        .sort(comparePilotRisk);
      for (const unit of candidates) {
        if (pilot.vmCount >= pilot.caps.vms) break;
        if (!pilot.fits(unit.loadIn(1))) continue;
        this.place(unit, 1);
        placed.add(unit);
      }
    }
    for (let number = this.firstRegular; number <= this.waves.length; number += 1) {
      if (!this.isFull(this.waves[number - 1])) this.open.push(number);
    }

    const caps = ctx.regularCaps;
    const size = (unit: PlacementUnit): number => {
      let busiestHost = 0;
      for (const share of unit.load.hosts.values()) busiestHost = Math.max(busiestHost, share.windowMiB);
      return (
        unit.load.vmCount / caps.vms + unit.load.dataMiB / caps.dataMiB + busiestHost / this.hostWindowMiB
      );
    };
    const ordering = ctx.settings.ordering;
    // Predecessors of pinned groups go first, tightest deadline first, so room is left before the pin.
    this.computeLimits();
    const deadlined = this.units
      .filter((unit) => !placed.has(unit) && Number.isFinite(this.limitOf(unit.group)))
      .sort(
        (a, b) =>
          this.limitOf(a.group) - this.limitOf(b.group) ||
          ctx.dependencies.levelOf(a.group) - ctx.dependencies.levelOf(b.group) ||
          byString(a.group, b.group),
      );
    for (const unit of deadlined) {
      if (unit.oversized) this.packSegment([unit]);
      else this.placeBalanced(unit);
      placed.add(unit);
    }
    const remaining = this.units
      .filter((unit) => !placed.has(unit))
      .map((unit) => ({
        unit,
        level: ctx.dependencies.levelOf(unit.group),
        rank: orderRank(unit, ordering),
        size: size(unit),
      }))
      .sort(
        (a, b) =>
          a.level - b.level ||
          a.rank - b.rank ||
          b.size - a.size ||
          byString(a.unit.group, b.unit.group) ||
          byString(a.unit.vmKeys[0], b.unit.vmKeys[0]),
      );
    for (let start = 0; start < remaining.length; ) {
      let end = start + 1;
      while (
        end < remaining.length &&
        remaining[end].level === remaining[start].level &&
        remaining[end].rank === remaining[start].rank
      ) {
        end += 1;
      }
      this.packSegment(remaining.slice(start, end).map((entry) => entry.unit));
      start = end;
    }

    return this.waves.map((wave, index) => ({
      number: index + 1,
      pilot: wave.pilot,
      addedByHand: this.manual.addedWaves.includes(index + 1),
      vmKeys: wave.vmKeys,
    }));
  }

  /** Units of one dependency level and ordering rank, largest first. */
  private packSegment(units: PlacementUnit[]): void {
    const regular = units.filter((unit) => !unit.oversized);
    for (const unit of units) {
      if (!unit.oversized) continue;
      const number = Math.max(this.waves.length + 1, this.earliestFor(unit));
      this.place(unit, number);
      this.waves[number - 1].closed = true;
    }
    const newWaves = this.wavesNeeded(regular);
    for (let added = 0; added < newWaves; added += 1) {
      this.ensureWaves(this.waves.length + 1);
      this.open.push(this.waves.length);
    }
    for (const unit of regular) this.placeBalanced(unit);
  }

  /** The fewest extra waves the segment needs in VM count and data, after the room left open. */
  private wavesNeeded(units: readonly PlacementUnit[]): number {
    const caps = this.ctx.regularCaps;
    let vms = 0;
    let dataMiB = 0;
    for (const unit of units) {
      vms += unit.load.vmCount;
      dataMiB += unit.load.dataMiB;
    }
    for (const number of this.open) {
      const wave = this.waves[number - 1];
      vms -= caps.vms - wave.vmCount;
      dataMiB -= caps.dataMiB - wave.dataMiB;
    }
    return Math.max(0, Math.ceil(vms / caps.vms - 1e-9), Math.ceil(dataMiB / caps.dataMiB - 1e-9));
  }

  private ensureWaves(count: number): void {
    while (this.waves.length < count) {
      this.waves.push(new WaveLoad(this.ctx.regularCaps, this.ctx.throughput, false));
    }
  }

  private place(unit: PlacementUnit, waveNumber: number): void {
    this.ensureWaves(waveNumber);
    this.waves[waveNumber - 1].add(unit.loadIn(waveNumber), unit.vmKeys, unit.group);
    this.groupLastWave.set(unit.group, Math.max(this.groupLastWave.get(unit.group) ?? 0, waveNumber));
  }

  private earliestFor(unit: PlacementUnit): number {
    let earliest = this.firstRegular;
    for (const predecessor of this.ctx.dependencies.activePredecessorsOf(unit.group, this.active)) {
      earliest = Math.max(earliest, (this.groupLastWave.get(predecessor) ?? 0) + 1);
    }
    return earliest;
  }

  private placeBalanced(unit: PlacementUnit): void {
    const earliest = this.earliestFor(unit);
    const latest = this.limitOf(unit.group);
    const refused = new Set<number>();
    let target: number | null = null;
    // Least full wave first; the next one only when it refuses (rare: fills are checked first).
    for (;;) {
      let best: number | null = null;
      let bestFill = Number.POSITIVE_INFINITY;
      for (const number of this.open) {
        if (number < earliest || number > latest || refused.has(number)) continue;
        const fill = this.waves[number - 1].fillAfter(
          unit.loadIn(number),
          this.hostWindowMiB,
          Math.min(bestFill, 1 + 1e-9),
        );
        // Every term of the fill is a lower bound of a cap's use, so above 1 it cannot fit.
        if (fill > 1 + 1e-9) continue;
        if (fill < bestFill) {
          best = number;
          bestFill = fill;
        }
      }
      if (best === null) break;
      if (this.waves[best - 1].fits(unit.loadIn(best))) {
        target = best;
        break;
      }
      refused.add(best);
    }
    if (target === null) {
      // No room between its predecessors and its pinned successors: a new wave at the end; a
      // dependency violation, if any, is reported rather than hidden by overfilling a wave.
      target = Math.max(this.waves.length + 1, earliest);
      this.ensureWaves(target);
      this.open.push(target);
    }
    this.place(unit, target);
    const wave = this.waves[target - 1];
    if (this.isFull(wave)) this.open = this.open.filter((number) => number !== target);
  }

  private isFull(wave: WaveLoad): boolean {
    return (
      wave.closed ||
      wave.vmCount >= wave.caps.vms ||
      wave.dataMiB + this.smallestUnitMiB > wave.caps.dataMiB * (1 + 1e-9)
    );
  }

  /** Last wave a group may use: before the earliest pinned wave of anything that depends on it. */
  private limitOf(group: string): number {
    return this.limits.get(group) ?? Number.POSITIVE_INFINITY;
  }

  /** Successors first (reverse topological order), so each limit builds on final ones. */
  private computeLimits(): void {
    const order = this.ctx.dependencies.topologicalOrder();
    for (let index = order.length - 1; index >= 0; index -= 1) {
      const group = order[index];
      let limit = Number.POSITIVE_INFINITY;
      for (const successor of this.ctx.dependencies.successorsOf(group)) {
        const pinned = this.groupFirstPin.get(successor);
        const successorLimit =
          pinned !== undefined
            ? pinned - 1
            : (this.limits.get(successor) ?? Number.POSITIVE_INFINITY) - (this.active(successor) ? 1 : 0);
        limit = Math.min(limit, successorLimit);
      }
      this.limits.set(group, limit);
    }
  }
}

function excludedVms(ctx: PlanningContext, manual: ManualEdits): ExcludedVm[] {
  const manuallyExcluded = new Set(manual.excludedVms);
  const excluded: ExcludedVm[] = [];
  for (const [key, record] of ctx.records) {
    const reason = record.notRehost ?? (manuallyExcluded.has(key) ? 'manual' : null);
    if (reason !== null) excluded.push({ vmKey: key, name: record.vm.name, reason });
  }
  return excluded.sort((a, b) => byString(a.name, b.name) || byString(a.vmKey, b.vmKey));
}

export function cloneManualEdits(manual: ManualEdits): ManualEdits {
  return {
    pins: { ...manual.pins },
    excludedVms: [...new Set(manual.excludedVms)].sort(byString),
    addedWaves: [...new Set(manual.addedWaves)].sort((a, b) => a - b),
  };
}

/** Describes waves, bound and violations of a set of wave memberships. */
export function assemblePlan(
  ctx: PlanningContext,
  drafts: readonly WaveDraft[],
  manual: ManualEdits,
  units: readonly PlacementUnit[] = buildPlacementUnits(ctx, manual),
): WavePlan {
  const lowerBound = computeLowerBound(ctx, units, manual);
  const downtime = new DowntimeModel(ctx);
  return {
    waves: drafts.map((draft) => describeWave(ctx, draft, manual, downtime)),
    groups: ctx.groups,
    lowerBoundWaves: lowerBound.waves,
    lowerBound,
    violations: collectViolations(ctx, drafts, manual),
    excluded: excludedVms(ctx, manual),
    manual,
  };
}

/**
 * The same waves described again under new settings (migration types, downtime model, change
 * windows): figures and violations recomputed, memberships untouched.
 */
export function redescribePlan(plan: WavePlan, input: PlanInput): WavePlan {
  const ctx = new PlanningContext(input);
  const drafts: WaveDraft[] = plan.waves.map((wave) => ({
    number: wave.number,
    pilot: wave.pilot,
    addedByHand: wave.addedByHand,
    vmKeys: [...wave.vmKeys],
  }));
  return assemblePlan(ctx, drafts, cloneManualEdits(plan.manual));
}

/**
 * Plans the rehost VMs of an assessment into numbered waves. Deterministic: the same input gives
 * the same plan. Pins and exclusions come from `settings.manual`; violations are reported, never
 * silently fixed.
 */
export function planWaves(input: PlanInput): WavePlan {
  const ctx = new PlanningContext(input);
  const manual = cloneManualEdits(input.settings.manual);
  const units = buildPlacementUnits(ctx, manual);
  const drafts = new WavePacker(ctx, units, manual).pack();
  return assemblePlan(ctx, drafts, manual, units);
}
