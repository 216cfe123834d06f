import type { PlanningContext, VmRecord } from './planning-context.js';
import { SECONDS_PER_HOUR } from './planning-context.js';
import type { MigrationType } from './settings.js';
import { simulateHostTransferSeconds } from './transfer-schedule.js';
import type { DiskTransfer } from './vm-profile.js';

/** Expected downtime (source stopped to guest booted) of one VM moved warm and moved cold, minutes. */
export interface DowntimeMinutes {
  warm: number;
  cold: number;
}

/** A wave's warm/cold split and what it costs, from the plan's downtime model. */
export interface WaveMigration {
  warmVms: number;
  coldVms: number;
  /** The booked cutover of the wave's warm VMs (ISO 8601), null when an operator will say when. */
  cutoverAt: string | null;
  /**
   * Hours from the wave's start until its warm VMs can cut over: their initial full copy, run
   * with every VM of the wave under the same per-host streams and limits. Null with no warm VM.
   */
  hoursToCutoverReady: number | null;
  /**
   * The wave's expected downtime, minutes: the whole wave moved warm (every VM's final delta at
   * once) and moved cold (every full copy at once), then conversion and boot; `planned` for the
   * plan's choice per VM, its cold and warm VMs each stopped for their own part.
   */
  downtimeMinutes: DowntimeMinutes & { planned: number };
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * The downtime model: a warm VM's final delta is what its disks changed since the last pre-copy
 * (capacity x change rate x pre-copy interval, at most the disk); it is copied at the per-disk and
 * per-host throughput like any copy, then the guest is converted (unless raw-copied) and booted.
 * The figures are the planning context's, so the window checks count a cutover the same way.
 */
export class DowntimeModel {
  constructor(private readonly ctx: PlanningContext) {}

  finalDeltaMiB(disk: DiskTransfer): number {
    return this.ctx.finalDeltaMiB(disk);
  }

  /** Minutes after the copy: conversion (none for a raw copy) and boot. */
  afterCopyMinutes(record: VmRecord): number {
    return record.afterCopySeconds / 60;
  }

  /** One VM on its own: its disks in parallel streams of its host. */
  vmDowntime(record: VmRecord): DowntimeMinutes {
    const after = this.afterCopyMinutes(record);
    const copyMinutes = (sizes: number[]) =>
      simulateHostTransferSeconds(
        sizes.sort((a, b) => b - a),
        this.ctx.throughput,
      ) / 60;
    return {
      warm: round1(copyMinutes(record.disks.map((disk) => this.finalDeltaMiB(disk))) + after),
      cold: round1(copyMinutes(record.disks.map((disk) => disk.dataMiB)) + after),
    };
  }

  /**
   * VMs stopped together: each host copies its VMs' disks (sized by `size`, a shared disk once)
   * in parallel streams; the slowest host, then the longest conversion and boot.
   */
  groupDowntimeMinutes(records: readonly VmRecord[], size: (disk: DiskTransfer) => number): number {
    if (records.length === 0) return 0;
    const byHost = new Map<string, number[]>();
    const copied = new Set<string>();
    let after = 0;
    for (const record of records) {
      after = Math.max(after, this.afterCopyMinutes(record));
      let sizes = byHost.get(record.hostKey);
      if (sizes === undefined) {
        sizes = [];
        byHost.set(record.hostKey, sizes);
      }
      for (const disk of record.disks) {
        if (copied.has(disk.id)) continue;
        copied.add(disk.id);
        sizes.push(size(disk));
      }
    }
    let slowestSeconds = 0;
    for (const sizes of byHost.values()) {
      sizes.sort((a, b) => b - a);
      slowestSeconds = Math.max(slowestSeconds, simulateHostTransferSeconds(sizes, this.ctx.throughput));
    }
    return slowestSeconds / 60 + after;
  }
}

/**
 * The migration figures of one wave. `fullCopySeconds` is the wave's simulated full copy (its
 * `estimatedHours`): the warm VMs' initial copy shares the hosts with every other VM of the wave.
 */
export function describeWaveMigration(
  ctx: PlanningContext,
  model: DowntimeModel,
  waveNumber: number,
  members: ReadonlyArray<{ record: VmRecord; type: MigrationType }>,
  fullCopySeconds: number,
): WaveMigration {
  const warm = members.filter((member) => member.type === 'warm').map((member) => member.record);
  const cold = members.filter((member) => member.type === 'cold').map((member) => member.record);
  const all = members.map((member) => member.record);
  const delta = (disk: DiskTransfer) => model.finalDeltaMiB(disk);
  const full = (disk: DiskTransfer) => disk.dataMiB;
  return {
    warmVms: warm.length,
    coldVms: cold.length,
    cutoverAt: ctx.settings.migration?.cutoverAt[String(waveNumber)] ?? null,
    hoursToCutoverReady: warm.length > 0 ? round2(fullCopySeconds / SECONDS_PER_HOUR) : null,
    downtimeMinutes: {
      warm: round1(model.groupDowntimeMinutes(all, delta)),
      cold: round1(model.groupDowntimeMinutes(all, full)),
      planned: round1(
        Math.max(model.groupDowntimeMinutes(warm, delta), model.groupDowntimeMinutes(cold, full)),
      ),
    },
  };
}
