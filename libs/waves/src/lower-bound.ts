import { isPilotCandidate, type PlacementUnit } from './placement-units.js';
import type { PlanningContext } from './planning-context.js';
import type { ManualEdits } from './settings.js';
import { effectiveHostMiBps } from './transfer-schedule.js';
import type { LowerBound } from './types.js';
import { WaveLoad } from './wave-load.js';

const TOLERANCE = 1e-9;

/** The planner makes a pilot wave when the plan asks for one and something can fill it. */
export function hasPilotWave(
  ctx: PlanningContext,
  units: readonly PlacementUnit[],
  active: (group: string) => boolean,
): boolean {
  const caps = ctx.pilotCaps;
  if (caps === null) return false;
  return units.some(
    (unit) =>
      unit.pinnedWave === 1 ||
      (isPilotCandidate(unit, ctx, active) && new WaveLoad(caps, ctx.throughput, true).fits(unit.loadIn(1))),
  );
}

/** Waves needed for `total` when each holds `perWave`, after the pilot took up to `inPilot`. */
function wavesFor(total: number, perWave: number, inPilot: number): number {
  const rest = total - inPilot;
  if (rest <= perWave * TOLERANCE) return 0;
  return Math.ceil(rest / perWave - TOLERANCE);
}

/**
 * The fewest waves any plan of these units can have. Oversized groups take a wave each; the
 * pilot (when there is one) holds at most its own caps; every other wave at most the regular
 * caps; per-host window capacity is the host's aggregate rate times the window (which holds a
 * warm VM's final delta only, where the VM can go warm). A dependency
 * chain of n groups needs n waves. Pins and hand-added waves set a floor too.
 */
export function computeLowerBound(
  ctx: PlanningContext,
  units: readonly PlacementUnit[],
  manual: ManualEdits,
): LowerBound {
  const caps = ctx.regularCaps;
  const activeGroups = new Set(units.map((unit) => unit.group));
  const active = (group: string): boolean => activeGroups.has(group);
  // Units pinned into the pilot may fill it beyond its own caps; the regular caps still bound it.
  const pilotCaps = hasPilotWave(ctx, units, active)
    ? units.some((unit) => unit.pinnedWave === 1)
      ? caps
      : ctx.pilotCaps
    : null;
  const pilotWave = pilotCaps === null ? 0 : 1;
  // A pinned oversized group sits where it was pinned, possibly with others: only the pin bounds it.
  const packed = units.filter((unit) => !unit.oversized);
  const oversizedGroups = units.filter((unit) => unit.oversized && unit.pinnedWave === null).length;

  const hostWindowMiB = effectiveHostMiBps(ctx.throughput) * caps.windowSeconds;
  let vms = 0;
  let dataMiB = 0;
  let windowMiB = 0;
  // A warm VM's final delta can exceed its used data (thin disks): the pilot's data cap then no
  // longer bounds what it takes of the window.
  let windowBeyondData = false;
  const hostData = new Map<string, number>();
  const hostVms = new Map<string, number>();
  const datastoreVms = new Map<string, number>();
  for (const unit of packed) {
    vms += unit.load.vmCount;
    dataMiB += unit.load.dataMiB;
    for (const [host, share] of unit.load.hosts) {
      if (share.known) hostVms.set(host, (hostVms.get(host) ?? 0) + share.vms);
    }
    // The window holds what a unit copies in it: the least over the waves it could go to (a warm
    // VM's final delta in a warm wave), so the bound stays a bound.
    const windowLoads = ctx.migrationFlavourWaves.map((wave) =>
      wave === null ? unit.load : unit.loadIn(wave),
    );
    for (const host of unit.load.hosts.keys()) {
      let least = Number.POSITIVE_INFINITY;
      for (const windowLoad of windowLoads)
        least = Math.min(least, windowLoad.hosts.get(host)?.windowMiB ?? 0);
      windowMiB += least;
      hostData.set(host, (hostData.get(host) ?? 0) + least);
      if (least > (unit.load.hosts.get(host)?.dataMiB ?? 0)) windowBeyondData = true;
    }
    for (const [datastore, count] of unit.load.datastoreVms) {
      datastoreVms.set(datastore, (datastoreVms.get(datastore) ?? 0) + count);
    }
  }

  const base = pilotWave + oversizedGroups;
  const pilotVms = pilotCaps?.vms ?? 0;
  const pilotData = pilotCaps?.dataMiB ?? 0;
  const byVmCount = vms > 0 ? base + wavesFor(vms, caps.vms, pilotVms) : 0;
  const byData = dataMiB > 0 ? base + wavesFor(dataMiB, caps.dataMiB, pilotData) : 0;
  const aggregateWindowMiB = hostWindowMiB * hostData.size;
  const pilotWindow = (windowOfPilot: number): number =>
    pilotCaps === null ? 0 : windowBeyondData ? windowOfPilot : Math.min(pilotData, windowOfPilot);
  const byAggregateWindow =
    windowMiB > 0 ? base + wavesFor(windowMiB, aggregateWindowMiB, pilotWindow(aggregateWindowMiB)) : 0;
  let byHostWindow = 0;
  for (const data of hostData.values()) {
    if (data <= 0) continue;
    byHostWindow = Math.max(byHostWindow, base + wavesFor(data, hostWindowMiB, pilotWindow(hostWindowMiB)));
  }
  let byHostVmCap = 0;
  if (caps.hostVms !== null) {
    for (const count of hostVms.values()) {
      byHostVmCap = Math.max(
        byHostVmCap,
        base + wavesFor(count, caps.hostVms, Math.min(pilotVms, caps.hostVms)),
      );
    }
  }
  let byDatastoreVmCap = 0;
  if (caps.datastoreVms !== null) {
    for (const count of datastoreVms.values()) {
      byDatastoreVmCap = Math.max(
        byDatastoreVmCap,
        base + wavesFor(count, caps.datastoreVms, Math.min(pilotVms, caps.datastoreVms)),
      );
    }
  }
  const byDependencyChain = ctx.dependencies.longestActiveChain(active);
  let byManualEdits = 0;
  for (const unit of units) byManualEdits = Math.max(byManualEdits, unit.pinnedWave ?? 0);
  for (const wave of manual.addedWaves) byManualEdits = Math.max(byManualEdits, wave);
  const waves = Math.max(
    units.length > 0 ? base : 0,
    byVmCount,
    byData,
    byAggregateWindow,
    byHostWindow,
    byHostVmCap,
    byDatastoreVmCap,
    byDependencyChain,
    byManualEdits,
  );
  return {
    waves,
    byVmCount,
    byData,
    byAggregateWindow,
    byHostWindow,
    byHostVmCap,
    byDatastoreVmCap,
    byDependencyChain,
    byManualEdits,
    pilotWave,
    oversizedGroups,
  };
}
