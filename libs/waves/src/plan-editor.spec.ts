import { describe, expect, it } from 'vitest';
import { applyEdit, PlanEditError, planWaves, type WavePlan } from './index.js';
import { mappedPlanInput, sizedVm, testAssessment } from './testing/synthetic-estate.js';

const vms = Array.from({ length: 9 }, (_, index) =>
  sizedVm(`vm-${index + 1}`, [10], {
    host: `esx-${index % 3}`,
    customAttributes: index < 2 ? { Application: 'erp' } : index === 2 ? { Application: 'db' } : {},
  }),
);
const assessments = vms.map((vm, index) =>
  testAssessment(vm, { disposition: index === 8 ? 'retire' : 'rehost' }),
);
const input = mappedPlanInput(vms, assessments, {
  grouping: { attribute: 'Application' },
  constraints: { maxVmsPerWave: 3, pilot: null },
  dependencies: [{ before: 'Application=db', after: 'Application=erp' }],
});
const base = planWaves(input);
const key = (name: string): string => vms.find((vm) => vm.name === name)?.key as string;
const waveOf = (plan: WavePlan, name: string): number | undefined =>
  plan.waves.find((wave) => wave.vmKeys.includes(key(name)))?.number;
const codes = (plan: WavePlan): string[] => plan.violations.map((violation) => violation.code);

describe('applyEdit', () => {
  it('starts from a clean plan', () => {
    expect(base.violations).toEqual([]);
    expect(base.waves.map((wave) => wave.vmKeys.length)).toEqual([3, 3, 2]);
    expect(waveOf(base, 'vm-3')).toBeLessThan(waveOf(base, 'vm-1') as number);
  });

  it('moves a VM, pins it, and reports what the move breaks instead of fixing it', () => {
    const target = base.waves.find((wave) => !wave.vmKeys.includes(key('vm-4')) && wave.vmKeys.length === 3)
      ?.number as number;
    const { plan, violations } = applyEdit(
      base,
      { kind: 'move-vm', vmKey: key('vm-4'), toWave: target },
      input,
    );
    expect(waveOf(plan, 'vm-4')).toBe(target);
    expect(plan.waves.find((wave) => wave.number === target)?.vmKeys).toHaveLength(4);
    expect(plan.manual.pins).toEqual({ [key('vm-4')]: target });
    expect(violations).toBe(plan.violations);
    expect(violations).toMatchObject([{ code: 'wave-over-vm-cap', severity: 'error', wave: target }]);
    expect(base.manual.pins).toEqual({});
  });

  it('reports a split group and a reversed dependency', () => {
    const other = base.waves.find((wave) => wave.number !== waveOf(base, 'vm-1'))?.number as number;
    const split = applyEdit(
      base,
      { kind: 'move-vm', vmKey: key('vm-1'), toWave: other, pin: false },
      input,
    ).plan;
    expect(codes(split)).toContain('group-split');
    expect(split.manual.pins).toEqual({});

    const reversed = applyEdit(base, { kind: 'move-group', group: 'Application=db', toWave: 3 }, input).plan;
    expect(codes(reversed)).toContain('dependency-order');
    expect(reversed.violations.find((violation) => violation.code === 'dependency-order')?.groups).toEqual([
      'Application=db',
      'Application=erp',
    ]);
  });

  it('lets a non-rehost VM in only with a violation', () => {
    const { plan } = applyEdit(base, { kind: 'move-vm', vmKey: key('vm-9'), toWave: 3 }, input);
    expect(plan.violations).toMatchObject([{ code: 'vm-not-rehost', wave: 3, vmKeys: [key('vm-9')] }]);
  });

  it('excludes and includes VMs and groups', () => {
    const excluded = applyEdit(base, { kind: 'exclude-vm', vmKey: key('vm-1') }, input).plan;
    expect(waveOf(excluded, 'vm-1')).toBeUndefined();
    expect(excluded.excluded).toContainEqual({ vmKey: key('vm-1'), name: 'vm-1', reason: 'manual' });
    expect(excluded.violations).toMatchObject([{ code: 'group-partially-excluded', severity: 'warning' }]);

    const waiting = applyEdit(excluded, { kind: 'include-vm', vmKey: key('vm-1') }, input).plan;
    expect(waiting.manual.excludedVms).toEqual([]);
    expect(codes(waiting)).toEqual(['vm-not-planned']);

    const back = applyEdit(
      excluded,
      { kind: 'include-vm', vmKey: key('vm-1'), toWave: waveOf(base, 'vm-2') },
      input,
    ).plan;
    expect(back.violations).toEqual([]);

    const noErp = applyEdit(base, { kind: 'exclude-group', group: 'Application=erp' }, input).plan;
    expect(noErp.manual.excludedVms).toEqual([key('vm-1'), key('vm-2')].sort());
    const erpBack = applyEdit(
      noErp,
      { kind: 'include-group', group: 'Application=erp', toWave: 3 },
      input,
    ).plan;
    expect([waveOf(erpBack, 'vm-1'), waveOf(erpBack, 'vm-2')]).toEqual([3, 3]);
  });

  it('adds an empty wave that VMs can then move to', () => {
    const added = applyEdit(base, { kind: 'add-wave' }, input).plan;
    expect(added.waves).toHaveLength(4);
    expect(added.waves[3]).toMatchObject({ number: 4, addedByHand: true, vmKeys: [] });
    expect(added.manual.addedWaves).toEqual([4]);
    expect(codes(added)).toEqual(['empty-wave']);
    const used = applyEdit(added, { kind: 'move-vm', vmKey: key('vm-5'), toWave: 4 }, input).plan;
    expect(used.violations).toEqual([]);
  });

  it('pins and unpins VMs and groups where they are', () => {
    const pinned = applyEdit(base, { kind: 'pin-group', group: 'Application=erp' }, input).plan;
    const erpWave = waveOf(base, 'vm-1') as number;
    expect(pinned.manual.pins).toEqual({ [key('vm-1')]: erpWave, [key('vm-2')]: erpWave });
    expect(pinned.waves.map((wave) => wave.vmKeys)).toEqual(base.waves.map((wave) => wave.vmKeys));
    expect(pinned.waves.flatMap((wave) => wave.vms.filter((vm) => vm.pinned).map((vm) => vm.name))).toEqual([
      'vm-1',
      'vm-2',
    ]);
    const one = applyEdit(pinned, { kind: 'unpin-vm', vmKey: key('vm-1') }, input).plan;
    expect(one.manual.pins).toEqual({ [key('vm-2')]: erpWave });
    const none = applyEdit(one, { kind: 'unpin-group', group: 'Application=erp' }, input).plan;
    expect(none.manual.pins).toEqual({});
    const vm = applyEdit(base, { kind: 'pin-vm', vmKey: key('vm-6') }, input).plan;
    expect(vm.manual.pins).toEqual({ [key('vm-6')]: waveOf(base, 'vm-6') });
  });

  it('refuses edits that name nothing that exists', () => {
    expect(() => applyEdit(base, { kind: 'move-vm', vmKey: 'vc1/ghost', toWave: 1 }, input)).toThrow(
      PlanEditError,
    );
    expect(() => applyEdit(base, { kind: 'move-vm', vmKey: key('vm-1'), toWave: 7 }, input)).toThrow(
      'Wave 7 does not exist (the plan has 3); add a wave first',
    );
    expect(() => applyEdit(base, { kind: 'move-group', group: 'nope', toWave: 1 }, input)).toThrow(
      'Group nope does not exist',
    );
    expect(() => applyEdit(base, { kind: 'pin-vm', vmKey: key('vm-9') }, input)).toThrow(/in no wave/);
  });
});
