import { describe, expect, it } from 'vitest';
import { seededRandom } from './testing/synthetic-estate.js';
import {
  effectiveHostMiBps,
  hostTransferBoundsSeconds,
  simulateHostTransferSeconds,
  type TransferThroughput,
} from './transfer-schedule.js';

const throughput = (
  perDiskMiBps: number,
  perHostMiBps: number,
  concurrentDisksPerHost: number,
): TransferThroughput => ({
  perDiskMiBps,
  perHostMiBps,
  concurrentDisksPerHost,
});

describe('simulateHostTransferSeconds', () => {
  it('copies one disk at the per-disk rate', () => {
    expect(simulateHostTransferSeconds([1000], throughput(100, 280, 10))).toBe(10);
  });

  it('shares the host rate between its streams', () => {
    const disks = Array.from({ length: 20 }, () => 1000);
    expect(simulateHostTransferSeconds(disks, throughput(100, 280, 10))).toBeCloseTo(20_000 / 280, 9);
  });

  it('never runs more streams than the host allows', () => {
    expect(simulateHostTransferSeconds([100, 100, 100, 100], throughput(100, 10_000, 2))).toBeCloseTo(2, 9);
    expect(simulateHostTransferSeconds([100, 100, 100, 100], throughput(100, 10_000, 4))).toBeCloseTo(1, 9);
  });

  it('starts the largest disks first and refills a slot as soon as a disk is done', () => {
    // Slots: 300 | 100,100,100 back to back: both finish at 3 s.
    expect(simulateHostTransferSeconds([300, 100, 100, 100], throughput(100, 10_000, 2))).toBeCloseTo(3, 9);
    // Rate changes as streams finish: 3 streams at 50 each, then 2 at 75, then 1 at 100.
    expect(simulateHostTransferSeconds([300, 200, 100], throughput(100, 150, 3))).toBeCloseTo(
      2 + 100 / 75 + 100 / 100,
      9,
    );
  });

  it('ignores empty disks', () => {
    expect(simulateHostTransferSeconds([0, 0], throughput(100, 280, 10))).toBe(0);
    expect(simulateHostTransferSeconds([], throughput(100, 280, 10))).toBe(0);
  });

  it('stays between the cheap bounds the packer screens with', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 300; trial += 1) {
      const settings = throughput(50 + random() * 150, 100 + random() * 900, 1 + Math.floor(random() * 12));
      const disks = Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
        Math.round(random() ** 2 * 500_000),
      ).sort((a, b) => b - a);
      const total = disks.reduce((sum, size) => sum + size, 0);
      const bounds = hostTransferBoundsSeconds(total, disks[0], settings);
      const seconds = simulateHostTransferSeconds(disks, settings);
      expect(seconds).toBeGreaterThanOrEqual(bounds.lower * (1 - 1e-9));
      expect(seconds).toBeLessThanOrEqual(bounds.upper * (1 + 1e-9));
    }
  });

  it('caps the aggregate rate by streams times disk speed', () => {
    expect(effectiveHostMiBps(throughput(100, 280, 10))).toBe(280);
    expect(effectiveHostMiBps(throughput(100, 280, 2))).toBe(200);
  });
});
