import type { HostShare, TransferLoad, WaveCaps } from './planning-context.js';
import {
  hostTransferBoundsSeconds,
  simulateHostTransferSeconds,
  type TransferThroughput,
} from './transfer-schedule.js';

/** Sums of floating-point MiB drift; a wave exactly at its cap must still fit. */
const TOLERANCE = 1e-9;

export const withinCap = (value: number, cap: number): boolean => value <= cap * (1 + TOLERANCE);

/** What one host of a wave asks of the change window (cold copies whole, warm cutovers only). */
interface HostLoad {
  known: boolean;
  vms: number;
  windowMiB: number;
  /** In arrival order; sorted only when a full simulation is needed. */
  windowDisksMiB: number[];
  largestMiB: number;
  /** Its warm VMs' longest conversion and boot, after the copy. */
  cutoverAfterSeconds: number;
  /**
   * Smallest host total that failed the window in a full simulation. Larger totals are refused
   * without simulating again: near-full hosts would otherwise be re-simulated for every candidate.
   * A heuristic (a larger set of smaller disks could fit), so it only ever costs packing density.
   */
  failedAtMiB: number;
}

/** One wave being filled by the packer: running totals and the incremental capacity check. */
export class WaveLoad {
  vmCount = 0;
  dataMiB = 0;
  readonly vmKeys: string[] = [];
  readonly groups: string[] = [];
  /** An oversized group's wave takes nothing else. */
  closed = false;
  private readonly hosts = new Map<string, HostLoad>();
  private readonly datastoreVms = new Map<string, number>();

  constructor(
    public caps: WaveCaps,
    private readonly throughput: TransferThroughput,
    public pilot: boolean,
    public addedByHand = false,
  ) {}

  get isEmpty(): boolean {
    return this.vmCount === 0;
  }

  fits(load: TransferLoad): boolean {
    const caps = this.caps;
    if (this.closed) return false;
    if (this.vmCount + load.vmCount > caps.vms) return false;
    if (!withinCap(this.dataMiB + load.dataMiB, caps.dataMiB)) return false;
    if (caps.datastoreVms !== null) {
      for (const [datastore, vms] of load.datastoreVms) {
        if ((this.datastoreVms.get(datastore) ?? 0) + vms > caps.datastoreVms) return false;
      }
    }
    for (const [host, share] of load.hosts) {
      const current = this.hosts.get(host);
      if (caps.hostVms !== null && share.known && (current?.vms ?? 0) + share.vms > caps.hostVms)
        return false;
      if (!this.hostWindowFits(current, share)) return false;
    }
    return true;
  }

  add(load: TransferLoad, vmKeys: readonly string[], group: string): void {
    this.vmCount += load.vmCount;
    this.dataMiB += load.dataMiB;
    this.vmKeys.push(...vmKeys);
    if (!this.groups.includes(group)) this.groups.push(group);
    for (const [datastore, vms] of load.datastoreVms) {
      this.datastoreVms.set(datastore, (this.datastoreVms.get(datastore) ?? 0) + vms);
    }
    for (const [host, share] of load.hosts) {
      const current = this.hosts.get(host);
      if (current === undefined) {
        this.hosts.set(host, {
          known: share.known,
          vms: share.vms,
          windowMiB: share.windowMiB,
          windowDisksMiB: [...share.windowDisksMiB],
          largestMiB: share.windowDisksMiB[0] ?? 0,
          cutoverAfterSeconds: share.cutoverAfterSeconds,
          failedAtMiB: Number.POSITIVE_INFINITY,
        });
        continue;
      }
      current.vms += share.vms;
      current.windowMiB += share.windowMiB;
      for (const size of share.windowDisksMiB) current.windowDisksMiB.push(size);
      current.largestMiB = Math.max(current.largestMiB, share.windowDisksMiB[0] ?? 0);
      current.cutoverAfterSeconds = Math.max(current.cutoverAfterSeconds, share.cutoverAfterSeconds);
    }
  }

  /**
   * How full the wave would be with the load added: the largest share of any cap (VMs, data, a
   * host's window or VM cap, a datastore's VM cap). The packer puts each unit where this is
   * lowest, which spreads large units and pairs data-heavy with VM-heavy content.
   */
  fillAfter(load: TransferLoad, hostWindowMiB: number, stopAbove = Number.POSITIVE_INFINITY): number {
    const caps = this.caps;
    let fill = Math.max(
      (this.vmCount + load.vmCount) / caps.vms,
      (this.dataMiB + load.dataMiB) / caps.dataMiB,
    );
    // The fill only grows from here: once past what the caller already has, the rest is moot.
    if (fill > stopAbove) return fill;
    const hosts = load.hostList;
    for (let index = 0; index < hosts.length; index += 1) {
      const [host, share] = hosts[index];
      const current = this.hosts.get(host);
      // A warm cutover's conversion and boot take their share of the window too.
      const afterSeconds = Math.max(current?.cutoverAfterSeconds ?? 0, share.cutoverAfterSeconds);
      fill = Math.max(
        fill,
        ((current?.windowMiB ?? 0) + share.windowMiB) / hostWindowMiB + afterSeconds / caps.windowSeconds,
      );
      if (caps.hostVms !== null && share.known)
        fill = Math.max(fill, ((current?.vms ?? 0) + share.vms) / caps.hostVms);
    }
    if (caps.datastoreVms !== null) {
      const datastores = load.datastoreList;
      for (let index = 0; index < datastores.length; index += 1) {
        const [datastore, vms] = datastores[index];
        fill = Math.max(fill, ((this.datastoreVms.get(datastore) ?? 0) + vms) / caps.datastoreVms);
      }
    }
    return fill;
  }

  /** The host's copies fit the window, followed by its warm VMs' conversion and boot. */
  private hostWindowFits(current: HostLoad | undefined, share: HostShare): boolean {
    const afterSeconds = Math.max(current?.cutoverAfterSeconds ?? 0, share.cutoverAfterSeconds);
    const window = this.caps.windowSeconds - afterSeconds;
    const totalMiB = (current?.windowMiB ?? 0) + share.windowMiB;
    const largestMiB = Math.max(current?.largestMiB ?? 0, share.windowDisksMiB[0] ?? 0);
    const bounds = hostTransferBoundsSeconds(totalMiB, largestMiB, this.throughput);
    if (!withinCap(bounds.lower, window)) return false;
    if (withinCap(bounds.upper, window)) return true;
    // The failure mark only compares like with like: the same conversion and boot after the copy.
    if (
      current !== undefined &&
      afterSeconds === current.cutoverAfterSeconds &&
      totalMiB >= current.failedAtMiB
    )
      return false;
    const disks =
      current === undefined
        ? share.windowDisksMiB
        : [...current.windowDisksMiB, ...share.windowDisksMiB].sort((a, b) => b - a);
    if (withinCap(simulateHostTransferSeconds(disks, this.throughput), window)) return true;
    if (current !== undefined && afterSeconds === current.cutoverAfterSeconds)
      current.failedAtMiB = Math.min(current.failedAtMiB, totalMiB);
    return false;
  }
}

/** Simulated copy time of each host of a load (the whole copy, warm VMs' included). */
export function hostTransferSeconds(load: TransferLoad, throughput: TransferThroughput): Map<string, number> {
  const seconds = new Map<string, number>();
  for (const [host, share] of load.hosts)
    seconds.set(host, simulateHostTransferSeconds(share.disksMiB, throughput));
  return seconds;
}

/** The caps a load breaks on its own (used for oversized groups and by validation). */
export interface CapacityExcess {
  vms: boolean;
  data: boolean;
  /**
   * Hosts whose time in the window exceeds it, with their seconds: the simulated copy of cold
   * VMs' disks and warm VMs' final deltas, then (with warm VMs) their longest conversion and boot.
   */
  windowHosts: [string, number][];
  hostVms: [string, number][];
  datastoreVms: [string, number][];
}

export function capacityExcess(
  load: TransferLoad,
  caps: WaveCaps,
  throughput: TransferThroughput,
): CapacityExcess {
  const windowHosts: [string, number][] = [];
  for (const [host, share] of load.hosts) {
    const bounds = hostTransferBoundsSeconds(share.windowMiB, share.windowDisksMiB[0] ?? 0, throughput);
    if (withinCap(bounds.upper + share.cutoverAfterSeconds, caps.windowSeconds)) continue;
    const seconds = simulateHostTransferSeconds(share.windowDisksMiB, throughput) + share.cutoverAfterSeconds;
    if (!withinCap(seconds, caps.windowSeconds)) windowHosts.push([host, seconds]);
  }
  const hostVms: [string, number][] = [];
  if (caps.hostVms !== null) {
    for (const [host, share] of load.hosts)
      if (share.known && share.vms > caps.hostVms) hostVms.push([host, share.vms]);
  }
  const datastoreVms: [string, number][] = [];
  if (caps.datastoreVms !== null) {
    for (const [datastore, vms] of load.datastoreVms)
      if (vms > caps.datastoreVms) datastoreVms.push([datastore, vms]);
  }
  return {
    vms: load.vmCount > caps.vms,
    data: !withinCap(load.dataMiB, caps.dataMiB),
    windowHosts,
    hostVms,
    datastoreVms,
  };
}

export function exceedsAny(excess: CapacityExcess): boolean {
  return (
    excess.vms ||
    excess.data ||
    excess.windowHosts.length > 0 ||
    excess.hostVms.length > 0 ||
    excess.datastoreVms.length > 0
  );
}
