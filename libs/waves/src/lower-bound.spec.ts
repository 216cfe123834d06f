import { describe, expect, it } from 'vitest';
import { planWaves, validatePlan } from './index.js';
import { mappedPlanInput, seededRandom, sizedVm, testAssessment } from './testing/synthetic-estate.js';

function smallEstate(count: number, gib = 10, host = (index: number) => `esx-${index % 3}`) {
  const vms = Array.from({ length: count }, (_, index) =>
    sizedVm(`vm-${index}`, [gib], { host: host(index) }),
  );
  return { vms, assessments: vms.map((vm) => testAssessment(vm)) };
}

describe('lower bound', () => {
  it('counts the pilot as a wave that holds only pilot-sized content', () => {
    const { vms, assessments } = smallEstate(12);
    const plan = planWaves(
      mappedPlanInput(vms, assessments, {
        constraints: { maxVmsPerWave: 5, pilot: { vms: 2, maxDataGiB: 100 } },
      }),
    );
    // 2 in the pilot, 10 left at 5 per wave.
    expect(plan.lowerBound).toMatchObject({ pilotWave: 1, byVmCount: 3, waves: 3 });
    expect(plan.waves.map((wave) => wave.vmKeys.length)).toEqual([2, 5, 5]);
  });

  it('adds a wave per oversized group', () => {
    const vms = [
      ...Array.from({ length: 6 }, (_, index) => sizedVm(`small-${index}`, [10])),
      sizedVm('huge', [600]),
    ];
    const plan = planWaves(
      mappedPlanInput(
        vms,
        vms.map((vm) => testAssessment(vm)),
        { constraints: { maxVmsPerWave: 10, maxDataGiBPerWave: 500, pilot: null } },
      ),
    );
    expect(plan.lowerBound).toMatchObject({ oversizedGroups: 1, byVmCount: 2, byData: 2, waves: 2 });
    expect(plan.waves).toHaveLength(2);
    expect(plan.violations.map((violation) => violation.code)).toEqual([
      'group-too-large',
      'wave-over-data-cap',
    ]);
  });

  it('needs one wave per group of a dependency chain', () => {
    const vms = ['a', 'b', 'c'].map((app) =>
      sizedVm(`vm-${app}`, [10], { customAttributes: { Application: app } }),
    );
    const plan = planWaves(
      mappedPlanInput(
        vms,
        vms.map((vm) => testAssessment(vm)),
        {
          grouping: { attribute: 'Application' },
          constraints: { pilot: null },
          dependencies: [
            { before: 'Application=a', after: 'Application=b' },
            { before: 'Application=b', after: 'Application=c' },
          ],
        },
      ),
    );
    expect(plan.lowerBound).toMatchObject({ byDependencyChain: 3, byVmCount: 1, waves: 3 });
    expect(plan.waves.map((wave) => wave.groups)).toEqual([
      ['Application=a'],
      ['Application=b'],
      ['Application=c'],
    ]);
  });

  it.each([
    { kind: 'cold', seed: 42, warm: false },
    { kind: 'warm and cold', seed: 7, warm: true },
  ])('is never above the planned wave count, and plans break no cap ($kind)', ({ seed, warm }) => {
    const random = seededRandom(seed);
    for (let trial = 0; trial < 40; trial += 1) {
      const count = 5 + Math.floor(random() * 60);
      const hosts = 1 + Math.floor(random() * 5);
      const vms = Array.from({ length: count }, (_, index) =>
        sizedVm(
          `vm-${index}`,
          Array.from({ length: 1 + Math.floor(random() * 3) }, () => 1 + Math.floor(random() ** 2 * 400)),
          {
            host: `esx-${Math.floor(random() * hosts)}`,
            customAttributes: random() < 0.3 ? { Application: `app-${Math.floor(random() * 5)}` } : {},
          },
          `ds-${Math.floor(random() * 3)}`,
        ),
      );
      const assessments = vms.map((vm) =>
        testAssessment(vm, { effort: (['low', 'medium', 'high'] as const)[Math.floor(random() * 3)] }),
      );
      const input = mappedPlanInput(vms, assessments, {
        grouping: { attribute: 'Application' },
        constraints: {
          maxVmsPerWave: 3 + Math.floor(random() * 10),
          maxDataGiBPerWave: 300 + Math.floor(random() * 1500),
          cutoverWindowHours: 1 + random() * 4,
          concurrentDisksPerHost: 1 + Math.floor(random() * 10),
          maxVmsPerHost: random() < 0.5 ? null : 2 + Math.floor(random() * 4),
          maxVmsPerDatastore: random() < 0.5 ? null : 2 + Math.floor(random() * 4),
          pilot: random() < 0.5 ? null : { vms: 1 + Math.floor(random() * 4), maxDataGiB: 200 },
        },
        // Warm waves need the window only for their cutovers, per wave and per VM.
        ...(warm
          ? {
              migration: {
                type: random() < 0.5 ? ('warm' as const) : ('cold' as const),
                byWave: { [String(1 + Math.floor(random() * 3))]: 'warm' as const, '4': 'cold' as const },
                coldVms: random() < 0.5 ? ['vm-1*'] : [],
                precopyIntervalMinutes: 5 + Math.floor(random() * 120),
                conversionMinutes: Math.floor(random() * 30),
              },
            }
          : {}),
      });
      const plan = planWaves(input);
      expect(plan.lowerBoundWaves).toBeLessThanOrEqual(plan.waves.length);
      expect(plan.waves.flatMap((wave) => wave.vmKeys).sort()).toEqual(vms.map((vm) => vm.key).sort());
      // Only oversized groups may break a cap, and then alone in their wave.
      const oversized = new Set(
        plan.violations
          .filter((violation) => violation.code === 'group-too-large')
          .map((violation) => violation.wave),
      );
      const broken = plan.violations.filter(
        (violation) => violation.severity === 'error' && !oversized.has(violation.wave),
      );
      expect(broken).toEqual([]);
      for (const wave of oversized)
        expect(plan.waves.find((candidate) => candidate.number === wave)?.groups).toHaveLength(1);
      expect(validatePlan(plan, input)).toEqual(plan.violations);
    }
  });
});
