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
