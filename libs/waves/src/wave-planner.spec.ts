import { describe, expect, it } from 'vitest';
import type { Concern, VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { applyEdit, planWaves, validatePlan, type WavePlan } from './index.js';
import type { PlanSettingsInput } from './settings.js';
import { mappedPlanInput, sizedVm, testAssessment } from './testing/synthetic-estate.js';

/** Custom attributes with an `Application` tag, or none. */
const application = (name: string | null): Record<string, string> =>
  name === null ? {} : { Application: name };

const warning: Concern = {
  id: 'old-tools',
  severity: 'warning',
  message: 'VMware Tools are old',
  evidence: {},
};

function estate(count: number, gib: number, overrides: (index: number) => Partial<InventoryVm> = () => ({})) {
  const vms = Array.from({ length: count }, (_, index) =>
    sizedVm(`vm-${String(index + 1).padStart(2, '0')}`, [gib], {
      host: `esx-${index % 4}`,
      ...overrides(index),
    }),
  );
  return { vms, assessments: vms.map((vm) => testAssessment(vm)) };
}

function plan(vms: InventoryVm[], assessments: VmAssessment[], settings: PlanSettingsInput = {}): WavePlan {
  return planWaves(mappedPlanInput(vms, assessments, { constraints: { pilot: null }, ...settings }));
}

const waveOf = (result: WavePlan, name: string): number | undefined =>
  result.waves.find((wave) => wave.vms.some((vm) => vm.name === name))?.number;
const errors = (result: WavePlan) => result.violations.filter((violation) => violation.severity === 'error');

describe('planWaves: scope', () => {
  it('plans only rehost VMs and lists the others with their reason', () => {
    const { vms } = estate(5, 10);
    const assessments = [
      testAssessment(vms[0]),
      testAssessment(vms[1], { disposition: 'retire' }),
      testAssessment(vms[2], { disposition: 'retain' }),
      testAssessment(vms[3], { disposition: 'retain', outOfScope: 'template' }),
      testAssessment(vms[4], {
        disposition: 'retain',
        override: { disposition: 'rehost', comment: 'ok', by: 'ann', at: '' },
      }),
    ];
    const result = plan(vms, assessments);
    expect(result.waves.flatMap((wave) => wave.vms.map((vm) => vm.name))).toEqual(['vm-01', 'vm-05']);
    expect(result.excluded.map((entry) => [entry.name, entry.reason])).toEqual([
      ['vm-02', 'retire'],
      ['vm-03', 'retain'],
      ['vm-04', 'out-of-scope'],
    ]);
  });

  it('is deterministic', () => {
    const { vms, assessments } = estate(30, 20);
    const settings = { constraints: { maxVmsPerWave: 7, pilot: { vms: 3, maxDataGiB: 100 } } };
    expect(planWaves(mappedPlanInput(vms, assessments, settings))).toEqual(
      planWaves(mappedPlanInput(vms, assessments, settings)),
    );
  });
});

describe('planWaves: constraints', () => {
  it('caps the VMs per wave and reaches the lower bound', () => {
    const { vms, assessments } = estate(23, 10);
    const result = plan(vms, assessments, { constraints: { maxVmsPerWave: 5, pilot: null } });
    expect(result.waves.map((wave) => wave.vmKeys.length).every((count) => count <= 5)).toBe(true);
    expect(result.waves).toHaveLength(5);
    expect(result.lowerBoundWaves).toBe(5);
    expect(result.violations).toEqual([]);
  });

  it('caps the data per wave', () => {
    const { vms, assessments } = estate(10, 100);
    const result = plan(vms, assessments, { constraints: { maxDataGiBPerWave: 250, pilot: null } });
    expect(result.waves.every((wave) => wave.dataGiB <= 250)).toBe(true);
    // 2 x 100 GiB per wave: the bound (1000 / 250 = 4) cannot see that 2.5 VMs do not fit.
    expect(result.waves).toHaveLength(5);
    expect(result.lowerBound.byData).toBe(4);
  });

  it('fits each host copy into the cutover window at the host throughput', () => {
    // One host, 100 GiB disks, 280 MiB/s per host: 0.5 h holds 4 disks (1463 s), not 5 (1829 s).
    const { vms, assessments } = estate(10, 100, () => ({ host: 'esx-1' }));
    const result = plan(vms, assessments, {
      constraints: { cutoverWindowHours: 0.5, perDiskMiBps: 100, perHostMiBps: 280, pilot: null },
    });
    expect(result.waves.map((wave) => wave.vmKeys.length)).toEqual([4, 4, 2]);
    expect(result.waves[0].estimatedHours).toBeCloseTo((4 * 102_400) / 280 / 3600, 2);
    expect(result.waves[0].concurrency).toMatchObject({ streamsPerHost: 10, peakStreams: 4, hosts: 1 });
    expect(result.lowerBound.byHostWindow).toBe(3);
  });

  it('counts concurrent disk streams per host', () => {
    const { vms, assessments } = estate(6, 100, () => ({ host: 'esx-1' }));
    const result = plan(vms, assessments, {
      constraints: { cutoverWindowHours: 0.5, concurrentDisksPerHost: 1, perDiskMiBps: 100, pilot: null },
    });
    // One stream at 100 MiB/s: a 100 GiB disk takes 1024 s, two do not fit in 1800 s.
    expect(result.waves.map((wave) => wave.vmKeys.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(result.waves[0].concurrency.peakStreams).toBe(1);
    // The bound uses the host's aggregate rate (min(280, 1 x 100) MiB/s): 600 GiB / 175.8 GiB.
    expect(result.lowerBound.byHostWindow).toBe(4);
  });

  it('caps the VMs per source host and per datastore', () => {
    const hosts = estate(12, 10, (index) => ({ host: index < 6 ? 'esx-a' : 'esx-b' }));
    const byHost = plan(hosts.vms, hosts.assessments, { constraints: { maxVmsPerHost: 2, pilot: null } });
    for (const wave of byHost.waves) {
      for (const host of ['esx-a', 'esx-b'])
        expect(wave.vms.filter((vm) => vm.host === host).length).toBeLessThanOrEqual(2);
    }
    expect(byHost.waves).toHaveLength(3);
    expect(byHost.lowerBound.byHostVmCap).toBe(3);

    const vms = Array.from({ length: 9 }, (_, index) =>
      sizedVm(`d-${index}`, [10], {}, index < 3 ? 'ds-a' : 'ds-b'),
    );
    const byDatastore = plan(
      vms,
      vms.map((vm) => testAssessment(vm)),
      { constraints: { maxVmsPerDatastore: 2, pilot: null } },
    );
    for (const wave of byDatastore.waves) {
      for (const datastore of ['ds-a', 'ds-b']) {
        expect(
          wave.vms.filter((vm) => vms.find((v) => v.key === vm.key)?.disks[0].datastore === datastore).length,
        ).toBeLessThanOrEqual(2);
      }
    }
    expect(byDatastore.waves).toHaveLength(3);
    expect(byDatastore.lowerBound.byDatastoreVmCap).toBe(3);
  });
});

describe('planWaves: pilot', () => {
  it('puts the lowest-risk, low-effort VMs that fit the pilot caps in wave 1', () => {
    const { vms } = estate(9, 10);
    vms[2] = sizedVm('vm-03', [200]); // low effort but over the pilot's data cap
    const assessments = vms.map((vm, index) =>
      testAssessment(vm, {
        effort: index < 5 ? 'low' : 'medium',
        concerns: index === 3 || index === 4 ? [warning] : [],
      }),
    );
    const result = plan(vms, assessments, {
      constraints: { maxVmsPerWave: 10, pilot: { vms: 3, maxDataGiB: 100 } },
    });
    const pilot = result.waves[0];
    expect(pilot.pilot).toBe(true);
    expect(pilot.vms.map((vm) => vm.name)).toEqual(['vm-01', 'vm-02', 'vm-04']);
    expect(result.waves.slice(1).every((wave) => !wave.pilot)).toBe(true);
    expect(result.lowerBound.pilotWave).toBe(1);
    expect(result.violations).toEqual([]);

    const input = mappedPlanInput(vms, assessments, {
      constraints: { maxVmsPerWave: 10, pilot: { vms: 3, maxDataGiB: 100 } },
    });
    const risky = applyEdit(result, { kind: 'move-vm', vmKey: vms[8].key, toWave: 1 }, input).plan;
    expect(risky.violations.map((violation) => [violation.code, violation.severity, violation.wave])).toEqual(
      [
        ['pilot-not-low-risk', 'warning', 1],
        ['pilot-over-cap', 'error', 1],
      ],
    );
  });

  it('makes no pilot wave when nothing qualifies', () => {
    const { vms } = estate(4, 10);
    const assessments = vms.map((vm) => testAssessment(vm, { effort: 'high' }));
    const result = plan(vms, assessments, { constraints: { pilot: { vms: 2, maxDataGiB: 100 } } });
    expect(result.waves.some((wave) => wave.pilot)).toBe(false);
    expect(result.lowerBound.pilotWave).toBe(0);
  });
});

describe('planWaves: groups', () => {
  it('never splits a group; one larger than a wave gets a wave of its own and a violation', () => {
    const { vms, assessments } = estate(10, 10, (index) => ({
      customAttributes: application(index < 4 ? 'erp' : null),
    }));
    const result = plan(vms, assessments, {
      grouping: { attribute: 'Application' },
      constraints: { maxVmsPerWave: 3, pilot: null },
    });
    const erpWaves = new Set(vms.slice(0, 4).map((vm) => waveOf(result, vm.name)));
    expect(erpWaves.size).toBe(1);
    const erpWave = result.waves.find((wave) => wave.number === [...erpWaves][0]);
    expect(erpWave?.groups).toEqual(['Application=erp']);
    expect(result.violations.map((violation) => violation.code).sort()).toEqual([
      'group-too-large',
      'wave-over-vm-cap',
    ]);
    expect(result.violations.find((violation) => violation.code === 'group-too-large')).toMatchObject({
      severity: 'error',
      groups: ['Application=erp'],
      wave: erpWave?.number,
    });
    expect(result.lowerBound.oversizedGroups).toBe(1);
  });

  it('keeps VMs that share a disk together', () => {
    const { vms, assessments } = estate(12, 10);
    const shared = { ...vms[0].disks[0], label: 'Hard disk 2', key: 2001, sharingMode: 'sharingMultiWriter' };
    vms[0].disks.push(shared);
    vms[7].disks.push({ ...shared });
    vms[11].disks.push({ ...vms[10].disks[0] });
    const result = plan(vms, assessments, { constraints: { maxVmsPerWave: 2, pilot: null } });
    expect(waveOf(result, 'vm-01')).toBe(waveOf(result, 'vm-08'));
    expect(waveOf(result, 'vm-11')).toBe(waveOf(result, 'vm-12'));
    expect(errors(result)).toEqual([]);
  });
});

describe('planWaves: order', () => {
  it('moves low-effort VMs before high-effort ones', () => {
    const { vms } = estate(12, 10);
    const assessments = vms.map((vm, index) =>
      testAssessment(vm, { effort: index % 2 === 0 ? 'high' : 'low' }),
    );
    const result = plan(vms, assessments, { constraints: { maxVmsPerWave: 6, pilot: null } });
    expect(result.waves.map((wave) => [...new Set(wave.vms.map((vm) => vm.effort))])).toEqual([
      ['low'],
      ['high'],
    ]);
  });

  it('honours dependencies over effort and reports cycles', () => {
    const { vms } = estate(6, 10, (index) => ({
      customAttributes: application(['db', 'web', 'cache'][index % 3]),
    }));
    const assessments = vms.map((vm) =>
      testAssessment(vm, { effort: vm.customAttributes.Application === 'db' ? 'high' : 'low' }),
    );
    const grouping = { attribute: 'Application' };
    const ordered = plan(vms, assessments, {
      grouping,
      dependencies: [{ before: 'Application=db', after: 'Application=web' }],
    });
    const dbWave = waveOf(ordered, 'vm-01') as number;
    const webWave = waveOf(ordered, 'vm-02') as number;
    expect(dbWave).toBeLessThan(webWave);
    expect(ordered.lowerBound.byDependencyChain).toBe(2);
    expect(errors(ordered)).toEqual([]);

    const cyclic = plan(vms, assessments, {
      grouping,
      dependencies: [
        { before: 'Application=db', after: 'Application=web' },
        { before: 'Application=web', after: 'Application=db' },
        { before: 'Application=db', after: 'Application=nope' },
      ],
    });
    expect(cyclic.violations.filter((violation) => violation.code.startsWith('dependency'))).toMatchObject([
      { code: 'dependency-cycle', severity: 'error', groups: ['Application=db', 'Application=web'] },
      { code: 'dependency-unknown-group', severity: 'warning' },
    ]);
    expect(cyclic.waves.flatMap((wave) => wave.vmKeys)).toHaveLength(6);
  });
});

describe('planWaves: manual edits survive re-planning', () => {
  it('places the predecessors of a pinned group before its wave', () => {
    const { vms } = estate(6, 10, (index) => ({ customAttributes: application(['a', 'b'][index] ?? null) }));
    const assessments = vms.map((vm, index) => testAssessment(vm, { effort: index === 0 ? 'high' : 'low' }));
    const result = plan(vms, assessments, {
      grouping: { attribute: 'Application' },
      constraints: { maxVmsPerWave: 2, pilot: null },
      dependencies: [{ before: 'Application=a', after: 'Application=b' }],
      manual: { pins: { [vms[1].key]: 2 } },
    });
    expect(waveOf(result, 'vm-01')).toBe(1);
    expect(waveOf(result, 'vm-02')).toBe(2);
    expect(result.violations).toEqual([]);
  });

  it('keeps pinned VMs (and their group) in their wave and excluded VMs out', () => {
    const { vms, assessments } = estate(20, 10, (index) => ({
      customAttributes: application(index === 0 || index === 1 ? 'crm' : null),
    }));
    const input = mappedPlanInput(vms, assessments, {
      grouping: { attribute: 'Application' },
      constraints: { maxVmsPerWave: 5, pilot: null },
    });
    const first = planWaves(input);
    const pinned = applyEdit(first, { kind: 'move-group', group: 'Application=crm', toWave: 4 }, input).plan;
    const excluded = applyEdit(pinned, { kind: 'exclude-vm', vmKey: vms[19].key }, input).plan;
    const replanned = planWaves({ ...input, settings: { ...input.settings, manual: excluded.manual } });
    expect(waveOf(replanned, 'vm-01')).toBe(4);
    expect(waveOf(replanned, 'vm-02')).toBe(4);
    expect(waveOf(replanned, 'vm-20')).toBeUndefined();
    expect(replanned.excluded).toContainEqual({ vmKey: vms[19].key, name: 'vm-20', reason: 'manual' });
    expect(validatePlan(replanned, input)).toEqual(replanned.violations);
    expect(errors(replanned)).toEqual([]);

    // A pin on one member pulls the unpinned rest of its group along.
    const onePin = planWaves({
      ...input,
      settings: { ...input.settings, manual: { pins: { [vms[1].key]: 3 }, excludedVms: [], addedWaves: [] } },
    });
    expect([waveOf(onePin, 'vm-01'), waveOf(onePin, 'vm-02')]).toEqual([3, 3]);
  });

  it('keeps hand-added waves and uses their room', () => {
    const { vms, assessments } = estate(4, 10);
    const result = planWaves(
      mappedPlanInput(vms, assessments, {
        constraints: { pilot: null },
        manual: { addedWaves: [3] },
      }),
    );
    expect(result.waves.map((wave) => [wave.number, wave.addedByHand])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(result.waves.flatMap((wave) => wave.vmKeys)).toHaveLength(4);
    expect(result.lowerBound.byManualEdits).toBe(3);
    expect(result.violations).toEqual([]);
  });
});

describe('planWaves: what each wave shows', () => {
  it('lists VMs, groups, data, hosts, datastores, networks, concerns and namespaces', () => {
    const { vms } = estate(4, 10, (index) => ({ customAttributes: application(index < 2 ? 'erp' : null) }));
    const assessments = vms.map((vm, index) =>
      testAssessment(vm, { concerns: index === 3 ? [warning] : [] }),
    );
    const result = plan(vms, assessments, {
      grouping: { attribute: 'Application' },
      constraints: { maxVmsPerWave: 2, pilot: null },
      targetNamespace: {
        default: 'migrated',
        byWave: { '2': 'wave-two' },
        byGroup: { 'Application=erp': 'erp' },
      },
    });
    expect(result.waves).toHaveLength(2);
    const [erp, rest] = result.waves;
    expect(erp).toMatchObject({
      number: 1,
      groups: ['Application=erp'],
      vmKeys: [vms[0].key, vms[1].key],
      dataGiB: 20,
      hosts: ['esx-0', 'esx-1'],
      datastores: ['ds-1'],
      networks: ['VM Network'],
      targetNamespace: 'migrated',
      openConcerns: { count: 0 },
    });
    expect(erp.vms.map((vm) => vm.targetNamespace)).toEqual(['erp', 'erp']);
    expect(rest.targetNamespace).toBe('wave-two');
    expect(rest.vms.map((vm) => vm.targetNamespace)).toEqual(['wave-two', 'wave-two']);
    expect(rest.openConcerns).toEqual({
      count: 1,
      bySeverity: { critical: 0, warning: 1, info: 0 },
      items: [
        {
          vmKey: vms[3].key,
          vmName: 'vm-04',
          id: 'old-tools',
          severity: 'warning',
          message: 'VMware Tools are old',
        },
      ],
    });
    expect(rest.groups).toEqual(['vm:vm-03', 'vm:vm-04']);
  });
});
