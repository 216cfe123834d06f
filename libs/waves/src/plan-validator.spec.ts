import { describe, expect, it } from 'vitest';
import { approvalBlockers, parsePlanSettings, planWaves, validatePlan } from './index.js';
import type { PlanSettingsInput } from './settings.js';
import { sizedVm, testAssessment, testNic } from './testing/synthetic-estate.js';
import type { PlanInput } from './types.js';

const vms = [
  sizedVm('app-1', [10], {
    nics: [testNic({ network: 'prod' }), testNic({ label: 'Network adapter 2', network: 'backup' })],
  }),
  sizedVm('app-2', [10], {
    nics: [testNic({ network: 'prod' }), testNic({ label: 'Network adapter 2', network: 'mgmt' })],
  }),
  sizedVm('app-3', [10], { nics: [testNic({ network: 'dmz' })] }, 'ds-fast'),
];
const assessments = vms.map((vm) => testAssessment(vm));

function input(settings: PlanSettingsInput): PlanInput {
  return { vms, assessments, settings: parsePlanSettings({ constraints: { pilot: null }, ...settings }) };
}

const fullMaps: PlanSettingsInput = {
  networkMap: {
    prod: { type: 'pod' },
    backup: { type: 'ignored' },
    mgmt: { type: 'multus', name: 'infra/mgmt-net' },
    dmz: { type: 'multus', name: 'dmz/dmz' },
    'VM Network': { type: 'pod' },
  },
  storageMap: {
    'ds-1': { storageClass: 'ceph-rbd' },
    'ds-fast': { storageClass: 'nvme', volumeMode: 'Block' },
  },
};

describe('validatePlan: network and storage maps', () => {
  it('accepts a plan whose every network and datastore is mapped', () => {
    const planInput = input(fullMaps);
    expect(validatePlan(planWaves(planInput), planInput)).toEqual([]);
  });

  it('reports unmapped networks and datastores per wave, naming them and the VMs', () => {
    const planInput = input({
      networkMap: { prod: { type: 'pod' }, backup: { type: 'ignored' } },
      storageMap: { 'ds-1': { storageClass: 'ceph-rbd' } },
    });
    const violations = validatePlan(planWaves(planInput), planInput);
    expect(
      violations.map((violation) => [violation.code, violation.severity, violation.vmKeys.length]),
    ).toEqual([
      ['unmapped-datastore', 'error', 1],
      ['unmapped-network', 'error', 1],
      ['unmapped-network', 'error', 1],
    ]);
    expect(violations[0].message).toContain('ds-fast');
    expect(violations.map((violation) => violation.message).join(' ')).toMatch(/dmz.*app-3|mgmt.*app-2/);
  });

  it('allows at most one NIC per VM on the pod network', () => {
    const planInput = input({ ...fullMaps, networkMap: { ...fullMaps.networkMap, backup: { type: 'pod' } } });
    const violations = validatePlan(planWaves(planInput), planInput);
    expect(violations).toMatchObject([
      { code: 'multiple-pod-nics', severity: 'error', vmKeys: [vms[0].key] },
    ]);
  });

  it('warns when a shared disk lands on storage that is not ReadWriteMany', () => {
    const a = sizedVm('node-a', [10]);
    const b = sizedVm('node-b', [10]);
    const quorum = { ...a.disks[0], label: 'Hard disk 2', key: 2001, path: '[ds-1] node-a/quorum.vmdk' };
    a.disks.push(quorum);
    b.disks.push({ ...quorum });
    const planInput: PlanInput = {
      vms: [a, b],
      assessments: [testAssessment(a), testAssessment(b)],
      settings: parsePlanSettings({ ...fullMaps, constraints: { pilot: null } }),
    };
    expect(validatePlan(planWaves(planInput), planInput).map((violation) => violation.code)).toEqual([
      'shared-disk-access-mode',
    ]);
    const rwx = {
      ...planInput,
      settings: parsePlanSettings({
        ...fullMaps,
        storageMap: { 'ds-1': { storageClass: 'cephfs', accessMode: 'ReadWriteMany', volumeMode: 'Block' } },
        constraints: { pilot: null },
      }),
    };
    expect(validatePlan(planWaves(rwx), rwx)).toEqual([]);
  });
});

describe('validatePlan: plan-wide checks', () => {
  it('reports VMs that would get the same name in the same namespace', () => {
    const twins = [
      { ...sizedVm('DB', [10]), key: 'vc1/DB' },
      { ...sizedVm('db', [10], {}, 'ds-2'), key: 'vc2/db' },
    ];
    const planInput: PlanInput = {
      vms: twins,
      assessments: twins.map((vm) => testAssessment(vm, { targetName: 'db' })),
      settings: parsePlanSettings({
        networkMap: { 'VM Network': { type: 'pod' } },
        storageMap: { 'ds-1': { storageClass: 'a' }, 'ds-2': { storageClass: 'a' } },
        constraints: { pilot: null },
      }),
    };
    const plan = planWaves(planInput);
    expect(plan.violations).toMatchObject([{ code: 'target-name-conflict', vmKeys: ['vc1/DB', 'vc2/db'] }]);
    expect(plan.violations[0].message).toContain('default/db');
  });

  it('warns about rehost VMs that are in no wave (new in the inventory)', () => {
    const planInput = input(fullMaps);
    const plan = planWaves({ ...planInput, vms: vms.slice(0, 2), assessments: assessments.slice(0, 2) });
    expect(validatePlan(plan, planInput)).toMatchObject([
      { code: 'vm-not-planned', severity: 'warning', vmKeys: [vms[2].key] },
    ]);
  });

  it('reports VMs the inventory no longer has', () => {
    const planInput = input(fullMaps);
    const plan = planWaves(planInput);
    const shrunk = { ...planInput, vms: vms.slice(1), assessments: assessments.slice(1) };
    expect(validatePlan(plan, shrunk).map((violation) => [violation.code, violation.vmKeys])).toEqual([
      ['vm-unknown', [vms[0].key]],
    ]);
  });
});

describe('approvalBlockers', () => {
  it('lists the errors of the wave and the plan-wide errors that involve it', () => {
    const planInput = input({
      networkMap: fullMaps.networkMap,
      storageMap: { 'ds-1': { storageClass: 'x' } },
    });
    const plan = planWaves(planInput);
    const split = {
      ...plan,
      violations: [
        ...plan.violations,
        {
          code: 'group-split' as const,
          severity: 'error' as const,
          wave: null,
          message: 'split',
          vmKeys: [vms[0].key],
          groups: ['vm:app-1'],
        },
        {
          code: 'dependency-cycle' as const,
          severity: 'error' as const,
          wave: null,
          message: 'c',
          vmKeys: [],
          groups: ['other'],
        },
      ],
    };
    expect(approvalBlockers(split, 1).map((violation) => violation.code)).toEqual([
      'unmapped-datastore',
      'group-split',
    ]);
    expect(approvalBlockers(split, 9)).toEqual([]);
  });
});

describe('validatePlan: warm migration', () => {
  const notReady = vms.map((vm) =>
    testAssessment(vm, {
      warm:
        vm.name === 'app-2'
          ? {
              ready: false,
              reasons: ['Changed Block Tracking is off (vInfo CBT)', 'a snapshot exists ("x")'],
            }
          : { ready: true, reasons: [] },
    }),
  );
  const warmInput = (
    migration: NonNullable<PlanSettingsInput>['migration'],
    extra: PlanSettingsInput = {},
  ): PlanInput => ({
    vms,
    assessments: notReady,
    settings: parsePlanSettings({ constraints: { pilot: null }, ...fullMaps, ...extra, migration }),
  });

  it('refuses warm for a VM that is not warm-ready, naming it and every reason, blocking its wave', () => {
    const planInput = warmInput({ type: 'warm' });
    const plan = planWaves(planInput);
    const violations = validatePlan(plan, planInput);
    expect(violations.map((violation) => [violation.code, violation.severity])).toEqual([
      ['warm-not-ready', 'error'],
    ]);
    expect(violations[0].message).toBe(
      'VM app-2 cannot move warm: Changed Block Tracking is off (vInfo CBT); a snapshot exists ("x") (move it cold with migration.coldVms, or fix it and re-assess)',
    );
    expect(violations[0].vmKeys).toEqual([vms[1].key]);
    const wave = violations[0].wave as number;
    expect(approvalBlockers({ ...plan, violations }, wave).map((violation) => violation.code)).toEqual([
      'warm-not-ready',
    ]);
  });

  it('is satisfied when the VM moves cold, and for cold plans', () => {
    for (const migration of [
      { type: 'warm' as const, coldVms: ['app-2'] },
      {},
      { warmVms: ['app-1', 'app-3'] },
    ]) {
      const planInput = warmInput(migration);
      expect(validatePlan(planWaves(planInput), planInput)).toEqual([]);
    }
  });

  it('warns when a booked cutover falls outside the wave change window', () => {
    const window = { start: '2026-01-10T22:00:00Z', end: '2026-01-11T06:00:00Z' };
    const inside = warmInput(
      { warmVms: ['app-1'], cutoverAt: { '1': '2026-01-10T23:00:00Z' } },
      { changeWindows: { '1': window } },
    );
    expect(validatePlan(planWaves(inside), inside)).toEqual([]);
    const outside = warmInput(
      { warmVms: ['app-1'], cutoverAt: { '1': '2026-01-11T07:00:00Z' } },
      { changeWindows: { '1': window } },
    );
    const violations = validatePlan(planWaves(outside), outside);
    expect(violations.map((violation) => [violation.code, violation.severity, violation.vmKeys])).toEqual([
      ['cutover-outside-window', 'warning', [vms[0].key]],
    ]);
  });
});
