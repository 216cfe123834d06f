import type { PlanConstraints } from './settings.js';

export type TransferThroughput = Pick<
  PlanConstraints,
  'perDiskMiBps' | 'perHostMiBps' | 'concurrentDisksPerHost'
>;

/** The most a host can copy per second: its own limit, or its streams at full disk speed. */
export function effectiveHostMiBps(throughput: TransferThroughput): number {
  return Math.min(throughput.perHostMiBps, throughput.concurrentDisksPerHost * throughput.perDiskMiBps);
}

/**
 * Bounds on the simulated time, cheap enough to test every candidate placement: no schedule
 * beats the host's aggregate rate or the largest disk at full disk speed; and while disks are
 * queued every slot is busy (aggregate rate), after that the last disk runs at disk speed whenever
 * the host is not saturated, hence total/aggregate + largest/disk above.
 */
export function hostTransferBoundsSeconds(
  totalMiB: number,
  largestDiskMiB: number,
  throughput: TransferThroughput,
): { lower: number; upper: number } {
  const aggregate = totalMiB / effectiveHostMiBps(throughput);
  const largest = largestDiskMiB / throughput.perDiskMiBps;
  return { lower: Math.max(aggregate, largest), upper: aggregate + largest };
}

/** Binary min-heap of numbers: the streams' finish marks. */
class FinishMarks {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): number {
    return this.items[0];
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent] <= value) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as number;
    if (items.length > 0) {
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right] < items[left] ? right : left;
        if (items[child] >= last) break;
        items[index] = items[child];
        index = child;
      }
      items[index] = last;
    }
    return top;
  }
}

/**
 * Seconds for one ESXi host to copy the given disks, largest first, as Forklift schedules them:
 * at most `concurrentDisksPerHost` streams, each at most `perDiskMiBps`, all sharing
 * `perHostMiBps`; a slot frees when its disk is copied. Every active stream runs at the same
 * rate, so one shared progress counter (MiB copied per stream so far) tells when each finishes.
 *
 * @param disksMiB sizes of the disks, sorted largest first.
 */
export function simulateHostTransferSeconds(
  disksMiB: readonly number[],
  throughput: TransferThroughput,
): number {
  const slots = throughput.concurrentDisksPerHost;
  const marks = new FinishMarks();
  let next = 0;
  let progress = 0;
  let seconds = 0;
  for (;;) {
    while (marks.size < slots && next < disksMiB.length) {
      const size = disksMiB[next];
      next += 1;
      if (size > 0) marks.push(progress + size);
    }
    if (marks.size === 0) return seconds;
    const rate = Math.min(throughput.perDiskMiBps, throughput.perHostMiBps / marks.size);
    const finish = marks.pop();
    seconds += (finish - progress) / rate;
    progress = finish;
    while (marks.size > 0 && marks.peek() <= progress) marks.pop();
  }
}
