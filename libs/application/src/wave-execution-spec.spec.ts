import { describe, expect, it } from 'vitest';
import { assessInventory, defaultPolicy } from '#libs/assessment';
import { parsePlanSettings, planWaves } from '#libs/waves';
import { makeDisk, makeInventory, makeNic, makeVm } from '../../assessment/src/testing/index.js';
import { buildWaveExecutionSpecs, DEFAULT_EXECUTION_OPTIONS } from './wave-execution-spec.js';

describe('buildWaveExecutionSpecs with unnamed map sources', () => {
  const vm = makeVm({
    key: 'vc/vm-1',
    moref: 'vm-1',
    name: 'app01',
    disks: [
      makeDisk({ path: '[ds-gold] app01/app01.vmdk', datastore: 'ds-gold' }),
      makeDisk({
        label: 'Hard disk 2',
        key: 2001,
        unitNumber: 1,
        path: '[ds-scratch] app01/scratch.vmdk',
        datastore: 'ds-scratch',
      }),
    ],
    nics: [
      makeNic({ label: 'Network adapter 1', mac: '00:50:56:00:00:01', network: 'VM Network' }),
      makeNic({ label: 'Network adapter 2', mac: '00:50:56:00:00:02', network: null }),
    ],
  });
  const inventory = makeInventory([vm]);
  const assessments = assessInventory(inventory, {
    policy: defaultPolicy,
    now: new Date('2026-01-01T00:00:00Z'),
  }).vms;

  function specsWith(maps: { networkMap: unknown; storageMap: unknown }) {
    const settings = parsePlanSettings({ constraints: { pilot: null }, ...maps });
    const plan = planWaves({ vms: inventory.vms, assessments, settings });
    const wave = plan.waves.find((candidate) => candidate.vmKeys.includes(vm.key));
    if (!wave) throw new Error(`app01 is in no wave: ${JSON.stringify(plan.excluded)}`);
    return {
      violations: plan.violations,
      build: () =>
        buildWaveExecutionSpecs({
          planId: 'plan-1',
          wave,
          settings,
          inventoryVms: inventory.vms,
          assessments,
          options: DEFAULT_EXECUTION_OPTIONS,
          executionId: 'exec-1',
        }),
    };
  }

  it('leaves out an ignored NIC without a network and an excluded datastore, and approves', () => {
    const { violations, build } = specsWith({
      networkMap: {
        'VM Network': { type: 'pod' },
        '(no network)': { type: 'ignored', reason: 'disconnected adapter' },
      },
      storageMap: {
        'ds-gold': { storageClass: 'gold' },
        'ds-scratch': { excluded: true, reason: 'scratch space, rebuilt on the target' },
      },
    });
    expect(violations.filter((violation) => violation.severity === 'error')).toEqual([]);
    const [spec] = build();
    expect(spec.vm.nics.map((nic) => nic.label)).toEqual(['Network adapter 1']);
    expect(spec.vm.disks.map((disk) => disk.label)).toEqual(['Hard disk 1']);
    expect(spec.disks.map((disk) => disk.datastore)).toEqual(['ds-gold']);
    expect(spec.networkMap).toEqual({ 'VM Network': { type: 'pod' } });
    expect(spec.storageMap).toEqual({ 'ds-gold': { storageClass: 'gold' } });
  });

  it('gives a NIC without a network the target of "(no network)", under that key', () => {
    const { build } = specsWith({
      networkMap: {
        'VM Network': { type: 'pod' },
        '(no network)': { type: 'multus', name: 'migrated/quarantine' },
      },
      storageMap: { 'ds-gold': { storageClass: 'gold' }, 'ds-scratch': { storageClass: 'gold' } },
    });
    const [spec] = build();
    expect(spec.vm.nics.map((nic) => nic.network)).toEqual(['VM Network', '(no network)']);
    expect(spec.networkMap['(no network)']).toEqual({ type: 'multus', name: 'migrated/quarantine' });
  });

  it('blocks the wave while "(no network)" is unmapped, naming the source to map', () => {
    const { violations } = specsWith({
      networkMap: { 'VM Network': { type: 'pod' } },
      storageMap: { 'ds-gold': { storageClass: 'gold' }, 'ds-scratch': { storageClass: 'gold' } },
    });
    expect(violations).toContainEqual(
      expect.objectContaining({
        code: 'unmapped-network',
        severity: 'error',
        message: expect.stringContaining('map "(no network)"'),
      }),
    );
  });
});

describe('buildWaveExecutionSpecs: warm migration', () => {
  const ready = makeVm({ key: 'vc/vm-1', moref: 'vm-1', name: 'db01', cbtEnabled: true });
  const noCbt = makeVm({
    key: 'vc/vm-2',
    moref: 'vm-2',
    name: 'web01',
    cbtEnabled: false,
    uuid: '42000000-0000-0000-0000-000000000200',
    disks: [makeDisk({ path: '[ds-ssd-01] web01/web01.vmdk' })],
  });
  const inventory = makeInventory([ready, noCbt]);
  const assessments = assessInventory(inventory, {
    policy: defaultPolicy,
    now: new Date('2026-01-01T00:00:00Z'),
  }).vms;
  const maps = {
    networkMap: { 'VM Network': { type: 'pod' } },
    storageMap: { 'ds-ssd-01': { storageClass: 'gold' } },
  };

  function build(migration: unknown, warmPrerequisites?: { vddkInitImage: string | undefined }) {
    const settings = parsePlanSettings({ constraints: { pilot: null }, ...maps, migration });
    const [wave] = planWaves({ vms: inventory.vms, assessments, settings }).waves;
    return buildWaveExecutionSpecs({
      planId: 'plan-1',
      wave,
      settings,
      inventoryVms: inventory.vms,
      assessments,
      options: DEFAULT_EXECUTION_OPTIONS,
      executionId: 'exec-1',
      ...(warmPrerequisites ? { warmPrerequisites } : {}),
    });
  }

  it('freezes each VM cold or warm, warm with the pre-copy interval and the wave booked cutover', () => {
    const specs = build({
      warmVms: ['db01'],
      precopyIntervalMinutes: 30,
      cutoverAt: { '1': '2026-01-10T22:00:00Z' },
    });
    const byName = new Map(specs.map((spec) => [spec.name, spec]));
    expect(byName.get('db01')).toMatchObject({
      migrationType: 'warm',
      warm: { precopyIntervalMs: 1_800_000, cutoverAt: '2026-01-10T22:00:00Z' },
    });
    expect(byName.get('web01')?.migrationType).toBe('cold');
    expect(byName.get('web01')?.warm).toBeUndefined();
    expect(build({ warmVms: ['db01'] })[0].warm).toEqual({ precopyIntervalMs: 3_600_000, cutoverAt: null });
  });

  it('refuses a warm VM that is not warm-ready, naming it and why', () => {
    expect(() => build({ type: 'warm' })).toThrow(
      /Wave 1 cannot be executed: VM "web01" \(vc\/vm-2\) cannot move warm: Changed Block Tracking is off/,
    );
  });

  it('refuses warm VMs when this server knows no VDDK image, and cold ones need none', () => {
    expect(() => build({ warmVms: ['db01'] }, { vddkInitImage: undefined })).toThrow(
      /warm VM\(s\) db01 need the VDDK image \(VDDK_INIT_IMAGE is not set for this server\)/,
    );
    expect(build({ warmVms: ['db01'] }, { vddkInitImage: 'registry.example.com/vddk:8' })).toHaveLength(2);
    expect(build({}, { vddkInitImage: undefined })).toHaveLength(2);
  });
});
