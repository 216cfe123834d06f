import { describe, expect, it } from 'vitest';
import { planWaves, redescribePlan, validatePlan } from './index.js';
import type { PlanSettingsInput } from './settings.js';
import { mappedPlanInput, sizedVm, testAssessment } from './testing/synthetic-estate.js';
import type { PlanInput, WavePlan } from './types.js';

// Eight VMs of one 100 GiB disk (all used) on one host; 100 MiB/s per disk, 280 MiB/s per host.
// Cold, all eight: 800 GiB at 280 MiB/s = 2926 s; four: 1463 s. Warm, all eight: 2 %/h x 60 min
// = 2 GiB of final delta each, 16 GiB at 280 MiB/s = 59 s, then 10 min conversion + 2 min boot.
const vms = Array.from({ length: 8 }, (_, index) => sizedVm(`vm-${index}`, [100], { host: 'esx-1' }));
const assessments = vms.map((vm) => testAssessment(vm));
const COLD_ALL_SECONDS = (8 * 100 * 1024) / 280;
const WARM_ALL_SECONDS = (8 * 2 * 1024) / 280 + 12 * 60;
const HOUR = 3600;

function planInput(settings: NonNullable<PlanSettingsInput>, now?: number): PlanInput {
  const input = mappedPlanInput(vms, assessments, {
    ...settings,
    constraints: { pilot: null, ...settings.constraints },
  });
  return now === undefined ? input : { ...input, now };
}

const codes = (plan: WavePlan) => plan.violations.map((violation) => [violation.code, violation.severity]);

describe('warm waves and the change window', () => {
  // Half an hour: four full copies fit (1463 s), eight do not (2926 s); eight cutovers do (779 s).
  const window = { constraints: { cutoverWindowHours: 0.5 } };

  it('packs a cold plan by its full copies but a warm one by its cutovers only', () => {
    const cold = planWaves(planInput(window));
    expect(cold.waves.map((wave) => wave.vmKeys.length)).toEqual([4, 4]);
    expect(cold.lowerBound.byHostWindow).toBe(2);
    expect(cold.violations).toEqual([]);

    const warm = planWaves(planInput({ ...window, migration: { type: 'warm' } }));
    expect(warm.waves.map((wave) => wave.vmKeys.length)).toEqual([8]);
    expect(warm.lowerBound.byHostWindow).toBe(1);
    expect(warm.violations).toEqual([]);
    // The window held what the wave's estimate calls its warm downtime.
    expect(warm.waves[0].migration?.downtimeMinutes.warm).toBeCloseTo(WARM_ALL_SECONDS / 60, 1);
    expect(warm.waves[0].estimatedHours).toBeCloseTo(COLD_ALL_SECONDS / HOUR, 2);
  });

  it('uses the migration type of the wave a VM goes to', () => {
    const plan = planWaves(planInput({ ...window, migration: { byWave: { '1': 'warm' } } }));
    expect(plan.waves.map((wave) => wave.vmKeys.length)).toEqual([8]);
    expect(plan.violations).toEqual([]);
    // Cold VMs in that warm wave still need their whole copy in the window: three whole copies
    // next to five deltas and a cutover (1854 s) do not fit in it.
    const mixed = planWaves(
      planInput({ ...window, migration: { byWave: { '1': 'warm' }, coldVms: ['vm-0', 'vm-1', 'vm-2'] } }),
    );
    expect(mixed.violations).toEqual([]);
    expect(mixed.waves.length).toBeGreaterThan(1);
    expect(mixed.lowerBound.waves).toBeLessThanOrEqual(mixed.waves.length);
  });

  it('names the cutover when even that does not fit, and keeps the cold message for cold hosts', () => {
    const oneWave = planWaves(planInput({ migration: { type: 'warm' } }));
    expect(oneWave.waves).toHaveLength(1);
    // Ten minutes: shorter than a conversion and a boot.
    const tight = { constraints: { cutoverWindowHours: 1 / 6 } };
    const warm = redescribePlan(oneWave, planInput({ ...tight, migration: { type: 'warm' } }));
    const over = warm.violations.filter((violation) => violation.code === 'wave-over-window');
    expect(over.map((violation) => violation.message)).toEqual([
      `Wave 1: host esx-1 needs ${(WARM_ALL_SECONDS / HOUR).toFixed(2)} h to cut over its warm VMs (final delta, conversion, boot), window 0.17 h`,
    ]);
    const mixed = redescribePlan(
      oneWave,
      planInput({ ...tight, migration: { type: 'warm', coldVms: ['vm-7'] } }),
    );
    expect(mixed.violations.find((violation) => violation.code === 'wave-over-window')?.message).toMatch(
      /^Wave 1: host esx-1 needs [\d.]+ h to copy its cold VMs and cut over its warm VMs \(final delta, conversion, boot\), window 0\.17 h$/,
    );
    const cold = redescribePlan(oneWave, planInput(tight));
    expect(cold.violations.find((violation) => violation.code === 'wave-over-window')?.message).toBe(
      `Wave 1: host esx-1 needs ${(COLD_ALL_SECONDS / HOUR).toFixed(2)} h to copy, window 0.17 h`,
    );
  });

  it('measures a warm wave against its booked change window by its cutover', () => {
    const changeWindows = {
      '1': { start: '2026-01-10T22:00:00Z', end: '2026-01-10T22:30:00Z', zone: 'UTC' },
    };
    const oneWave = planWaves(planInput({ migration: { type: 'warm' } }));
    const warm = validatePlan(oneWave, planInput({ changeWindows, migration: { type: 'warm' } }));
    expect(warm).toEqual([]);
    const cold = validatePlan(oneWave, planInput({ changeWindows }));
    expect(cold.map((violation) => violation.message)).toEqual([
      `Wave 1: host esx-1 needs ${(COLD_ALL_SECONDS / HOUR).toFixed(2)} h to copy, booked change window 0.50 h`,
    ]);
  });
});

describe('warm pre-copies and the booked cutover', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const readyAt = new Date(now + COLD_ALL_SECONDS * 1000).toISOString();
  const warmAt = (cutoverAt: string) => ({
    migration: { type: 'warm' as const, cutoverAt: { '1': cutoverAt } },
  });

  it('accepts a cutover booked after the initial copy can end, started now', () => {
    const input = planInput(warmAt('2026-01-10T13:00:00Z'), now);
    const plan = planWaves(input);
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0].migration?.hoursToCutoverReady).toBeCloseTo(COLD_ALL_SECONDS / HOUR, 2);
    expect(plan.violations).toEqual([]);
  });

  it('warns, naming the wave and its warm VMs, when the booked cutover comes before they can be ready', () => {
    const input = planInput(warmAt('2026-01-10T12:30:00Z'), now);
    const plan = planWaves(input);
    expect(codes(plan)).toEqual([['cutover-before-ready', 'warning']]);
    const [violation] = plan.violations;
    expect(violation.wave).toBe(1);
    expect(violation.vmKeys).toEqual(vms.map((vm) => vm.key).sort());
    expect(violation.message).toBe(
      `Wave 1: cutover booked at 2026-01-10T12:30:00Z, but the wave's initial copy takes ${(COLD_ALL_SECONDS / HOUR).toFixed(2)} h: started now, its warm VMs are cutover-ready at ${readyAt} at the earliest and cut over then (book a later cutover)`,
    );
    // Only the warm VMs are named; a wave without warm VMs or without a clock is not checked.
    const partly = planWaves(
      planInput({ migration: { warmVms: ['vm-3'], cutoverAt: { '1': '2026-01-10T12:30:00Z' } } }, now),
    );
    expect(partly.violations.map((entry) => entry.vmKeys)).toEqual([[vms[3].key]]);
    expect(
      planWaves(planInput({ migration: { cutoverAt: { '1': '2026-01-10T12:30:00Z' } } }, now)).violations,
    ).toEqual([]);
    expect(planWaves(planInput(warmAt('2026-01-10T12:30:00Z'))).violations).toEqual([]);
  });
});
