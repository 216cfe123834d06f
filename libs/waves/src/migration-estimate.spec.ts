import { describe, expect, it } from 'vitest';
import { planWaves, redescribePlan } from './index.js';
import type { PlanSettingsInput } from './settings.js';
import { mappedPlanInput, sizedVm, testAssessment } from './testing/synthetic-estate.js';

// Two VMs on one host: 100 GiB and 2 x 50 GiB, all of it used; 100 MiB/s per disk, 280 per host.
const vms = [sizedVm('db-1', [100], { host: 'esx-1' }), sizedVm('app-1', [50, 50], { host: 'esx-1' })];
const assessments = vms.map((vm) => testAssessment(vm));

function waveOf(settings: PlanSettingsInput) {
  const input = mappedPlanInput(vms, assessments, { constraints: { pilot: null }, ...settings });
  const plan = planWaves(input);
  expect(plan.waves).toHaveLength(1);
  return { plan, input, wave: plan.waves[0] };
}

describe('warm and cold estimates of a wave', () => {
  it('gives each VM its downtime warm (final delta) and cold (full copy), plus conversion and boot', () => {
    const { wave } = waveOf({});
    const db = wave.vms.find((vm) => vm.name === 'db-1');
    // warm: 2 %/h x 60 min of 100 GiB = 2048 MiB at 100 MiB/s = 0.34 min; cold: 102400 MiB = 17.07 min.
    expect(db?.downtimeMinutes).toEqual({ warm: 12.3, cold: 29.1 });
    expect(db?.migrationType).toBe('cold');
    const app = wave.vms.find((vm) => vm.name === 'app-1');
    // Two 50 GiB disks in parallel streams: each at 100 MiB/s.
    expect(app?.downtimeMinutes).toEqual({ warm: 12.2, cold: 20.5 });
  });

  it('sums the whole wave through its host: warm, cold and as planned', () => {
    const { wave } = waveOf({ migration: { warmVms: ['db-1'], cutoverAt: { '1': '2026-01-10T22:00:00Z' } } });
    expect(wave.migration).toMatchObject({ warmVms: 1, coldVms: 1, cutoverAt: '2026-01-10T22:00:00Z' });
    // Full copy: 200 GiB through 3 streams capped at 280 MiB/s on one host = the wave's estimate.
    expect(wave.migration?.hoursToCutoverReady).toBe(wave.estimatedHours);
    // All four GiB of deltas through the host: 3 streams share 280 MiB/s.
    expect(wave.migration?.downtimeMinutes.warm).toBeCloseTo(12 + 4096 / 280 / 60, 0);
    expect(wave.migration?.downtimeMinutes.cold).toBeCloseTo(wave.estimatedHours * 60 + 12, 0);
    // Planned: db-1 warm on its own (its delta), app-1 cold on its own (its full copy).
    expect(wave.migration?.downtimeMinutes.planned).toBe(20.5);
    expect(wave.migration?.downtimeMinutes.warm).toBeLessThan(wave.migration?.downtimeMinutes.cold ?? 0);
  });

  it('follows the change rate, the pre-copy interval, raw copy and a cold wave', () => {
    const base = waveOf({}).wave.vms.find((vm) => vm.name === 'db-1')?.downtimeMinutes;
    const faster = waveOf({ migration: { changeRatePercentPerHour: 10, precopyIntervalMinutes: 120 } }).wave;
    // 20 % of 100 GiB = 20480 MiB at 100 MiB/s = 3.41 min.
    expect(faster.vms.find((vm) => vm.name === 'db-1')?.downtimeMinutes?.warm).toBe(15.4);
    const raw = waveOf({ guestConversion: { rawCopy: true }, migration: { bootMinutes: 5 } }).wave;
    expect(raw.vms.find((vm) => vm.name === 'db-1')?.downtimeMinutes).toEqual({
      warm: round1((base?.warm ?? 0) - 12 + 5),
      cold: round1((base?.cold ?? 0) - 12 + 5),
    });
    const cold = waveOf({}).wave.migration;
    expect(cold).toMatchObject({ warmVms: 0, coldVms: 2, cutoverAt: null, hoursToCutoverReady: null });
    expect(cold?.downtimeMinutes.planned).toBe(cold?.downtimeMinutes.cold);
  });

  it('redescribes the same waves under new migration settings', () => {
    const { plan, input } = waveOf({});
    const warm = redescribePlan(plan, {
      ...input,
      settings: { ...input.settings, migration: { ...input.settings.migration, type: 'warm' } },
    });
    expect(warm.waves.map((wave) => wave.vmKeys)).toEqual(plan.waves.map((wave) => wave.vmKeys));
    expect(warm.waves[0].migration).toMatchObject({ warmVms: 2, coldVms: 0 });
    expect(warm.waves[0].vms.map((vm) => vm.migrationType)).toEqual(['warm', 'warm']);
  });
});

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
