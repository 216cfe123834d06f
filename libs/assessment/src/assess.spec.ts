import { describe, expect, it } from 'vitest';
import type { InventoryVm } from '#libs/inventory';
import { assessInventory, assessVm } from './assess.js';
import { buildAssessmentContext } from './context.js';
import { defaultPolicy } from './default-policy.js';
import { policyHash } from './policy.js';
import { NO_CLUSTER, summarizeAssessment } from './summary.js';
import { makeDisk, makeInventory, makeNic, makePartition, makeSnapshot, makeVm } from './testing/index.js';

const NOW = new Date('2025-06-15T00:00:00.000Z');

const OS_NAMES = [
  ['Red Hat Enterprise Linux 9 (64-bit)', 'rhel9_64Guest'],
  ['Red Hat Enterprise Linux 8 (64-bit)', 'rhel8_64Guest'],
  ['Microsoft Windows Server 2019 (64-bit)', 'windows2019srv_64Guest'],
  ['Microsoft Windows Server 2016 or later (64-bit)', 'windows9Server64Guest'],
  ['CentOS 7 (64-bit)', 'centos7_64Guest'],
  ['Ubuntu Linux (64-bit)', 'ubuntu64Guest'],
  ['Red Hat Enterprise Linux 6 (64-bit)', 'rhel6_64Guest'],
  ['Other 3.x or later Linux (64-bit)', 'other3xLinux64Guest'],
] as const;

/** A varied, deterministic estate: every VM different enough to exercise most rules. */
function craftedEstate(count: number): InventoryVm[] {
  const vms: InventoryVm[] = [];
  for (let i = 0; i < count; i++) {
    const [osName, guestId] = OS_NAMES[i % OS_NAMES.length];
    const diskCount = 1 + (i % 5);
    const disks = Array.from({ length: diskCount }, (_, d) =>
      makeDisk({
        label: `Hard disk ${d + 1}`,
        key: 2000 + d,
        capacityMiB: 10_240 * (1 + ((i + d) % 20)),
        thin: (i + d) % 3 !== 0,
        datastore: `ds-${i % 12}`,
        // Every 200th VM shares its first disk with the next VM.
        path: `[ds-${i % 12}] vm${d === 0 && i % 200 === 1 ? i - 1 : i}/disk${d}.vmdk`,
        raw: i % 997 === 0,
      }),
    );
    vms.push(
      makeVm({
        key: `vc/vm-${i}`,
        moref: `vm-${i}`,
        name: i % 50 === 0 ? `App_Server ${i}` : i % 333 === 0 ? `app${i}-old` : `app-${i}`,
        cluster: `cluster-${i % 7}`,
        host: `esx-${i % 40}`,
        guestOsTools: osName,
        guestOsConfig: osName,
        guestId,
        cpus: 2 ** (i % 4),
        sockets: 1,
        coresPerSocket: 2 ** (i % 4),
        memoryMiB: 2048 * (1 + (i % 8)),
        powerState: i % 9 === 0 ? 'poweredOff' : 'poweredOn',
        configChangedAt: new Date(NOW.getTime() - (i % 400) * 86_400_000).toISOString(),
        cbtEnabled: i % 4 !== 0,
        toolsStatus: i % 23 === 0 ? 'toolsNotRunning' : 'toolsOk',
        template: i % 101 === 0,
        inUseMiB: 5_000 + (i % 50) * 1_000,
        disks,
        partitions: [makePartition({ mount: '/', freeMiB: i % 61 === 0 ? 42 : 8_000 })],
        nics: [makeNic({ mac: `00:50:56:00:${(i >> 8) & 255}:${i & 255}` })],
        snapshots: i % 17 === 0 ? [makeSnapshot({ createdAt: '2025-03-01T00:00:00.000Z' })] : [],
        cpuHotAdd: i % 13 === 0,
      }),
    );
  }
  return vms;
}

describe('assessInventory', () => {
  it('returns one assessment per VM in inventory order, with the policy hash and clock', () => {
    const vms = craftedEstate(30);
    const result = assessInventory(makeInventory(vms), { policy: defaultPolicy, now: NOW });
    expect(result.vms.map((vm) => vm.vmKey)).toEqual(vms.map((vm) => vm.key));
    expect(result.policyHash).toBe(policyHash(defaultPolicy));
    expect(result.policyVersion).toBe(1);
    expect(result.assessedAt).toBe('2025-06-15T00:00:00.000Z');
  });

  it('is deterministic: the same input gives the same output, byte for byte', () => {
    const vms = craftedEstate(500);
    const first = assessInventory(makeInventory(vms), { policy: defaultPolicy, now: NOW });
    const second = assessInventory(makeInventory(structuredClone(vms)), {
      policy: structuredClone(defaultPolicy),
      now: new Date(NOW.getTime()),
    });
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('refuses an invalid clock', () => {
    expect(() =>
      assessInventory(makeInventory([makeVm()]), { policy: defaultPolicy, now: new Date('nope') }),
    ).toThrow(/now/);
  });

  it('assesses one VM on its own from a prebuilt context', () => {
    const vm = makeVm();
    const twin = makeVm({ key: 'vc/vm-2', moref: 'vm-2', name: 'app02' });
    const context = buildAssessmentContext(makeInventory([vm, twin]), defaultPolicy);
    const single = assessVm(vm, context, { policy: defaultPolicy, now: NOW });
    expect(single.concerns.map((concern) => concern.id)).toEqual(['shared-disk']);
    const whole = assessInventory(makeInventory([vm, twin]), { policy: defaultPolicy, now: NOW });
    expect(single).toEqual(whole.vms[0]);
  });

  describe('summary', () => {
    it('counts dispositions, scope, effort, OS families and concerns', () => {
      const vms = [
        makeVm({ key: 'k1', name: 'web01' }),
        makeVm({
          key: 'k2',
          name: 'web02',
          cbtEnabled: false,
          disks: [makeDisk({ path: '[ds] web02.vmdk' })],
        }),
        makeVm({ key: 'k3', name: 'db01', disks: [makeDisk({ raw: true, path: '[ds] db01.vmdk' })] }),
        makeVm({ key: 'k4', name: 'build-tmp', disks: [makeDisk({ path: '[ds] b.vmdk' })] }),
        makeVm({
          key: 'k5',
          name: 'rhel-template',
          template: true,
          disks: [makeDisk({ path: '[ds] t.vmdk' })],
        }),
        makeVm({ key: 'k6', name: 'vCLS-1234', disks: [] }),
        makeVm({
          key: 'k7',
          name: 'win01',
          guestOsTools: 'Microsoft Windows Server 2022 (64-bit)',
          guestId: null,
          cluster: null,
          disks: [makeDisk({ path: '[ds] win01.vmdk' })],
        }),
      ];
      const { summary } = assessInventory(makeInventory(vms), { policy: defaultPolicy, now: NOW });
      expect(summary).toMatchObject({
        vms: 7,
        rehost: 3,
        retain: 3,
        retire: 1,
        templates: 1,
        outOfScope: 2,
        byEffort: { low: 3, medium: 0, high: 0 },
        byOsFamily: { rhel: 4, windows: 1 },
      });
      expect(summary.byConcern).toEqual({
        'cbt-disabled': 1,
        'cluster-service-vm': 1,
        'rdm-disk': 1,
        template: 1,
      });
      expect(Object.keys(summary.sizing.byCluster)).toEqual([NO_CLUSTER, 'cluster-a']);
      expect(summary.sizing.estate).toMatchObject({
        vms: 3,
        vcpus: 6,
        memoryMiB: 3 * 4096,
        storageMiB: 3 * 40_960,
      });
      expect(summary.sizing.byCluster['cluster-a'].vms).toBe(2);
      expect(summary.transfer.dataMiB).toBe(3 * 12_000);
      expect(summary.transfer.hoursAtHostThroughput).toBeCloseTo(36_000 / 270 / 3600, 10);
    });

    it('can be recomputed from stored assessments after an override', () => {
      const vms = craftedEstate(200);
      const inventory = makeInventory(vms);
      const overrides = new Map([
        [
          vms[3].key,
          {
            disposition: 'retire' as const,
            comment: 'decommissioned in Q3',
            by: 'bob',
            at: '2025-06-01T00:00:00.000Z',
          },
        ],
      ]);
      const before = assessInventory(inventory, { policy: defaultPolicy, now: NOW });
      const after = assessInventory(inventory, { policy: defaultPolicy, now: NOW, overrides });
      const patched = before.vms.map((vm) => (vm.vmKey === vms[3].key ? after.vms[3] : vm));
      expect(summarizeAssessment(inventory, patched, defaultPolicy)).toEqual(after.summary);
      expect(after.summary.retire).toBe(before.summary.retire + 1);
    });
  });
});

describe('speed', () => {
  it('assesses 10,000 crafted VMs (rules, sizing, summary) well under a second', () => {
    const inventory = makeInventory(craftedEstate(10_000));
    // Warm up the JIT and the policy's compiled patterns first.
    assessInventory(inventory, { policy: defaultPolicy, now: NOW });
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let run = 0; run < 3; run++) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const result = assessInventory(inventory, { policy: defaultPolicy, now: NOW });
      wall.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
      expect(result.vms).toHaveLength(10_000);
    }
    const format = (runs: number[]) => runs.map((ms) => `${ms.toFixed(0)} ms`).join(', ');
    console.info(`assessInventory, 10,000 VMs: wall ${format(wall)}; CPU ${format(cpu)}`);
    // CPU time, not wall time: the bound must hold on a machine shared with other work.
    expect(Math.min(...cpu)).toBeLessThan(1_000);
  });
});

describe('ages counted to the export', () => {
  // Changed 15 days before its export, assessed a year and a half later.
  const offVm = makeVm({
    powerState: 'poweredOff',
    configChangedAt: '2025-12-02T10:00:00.000Z',
    createdAt: '2024-01-01T00:00:00.000Z',
    snapshots: [makeSnapshot({ name: 'pre-patch', createdAt: '2025-12-01T00:00:00.000Z' })],
  });
  const later = new Date('2027-06-01T00:00:00.000Z');
  const exported = (exportedAt: string | null) =>
    makeInventory([offVm], { source: { ...makeInventory([]).source, exportedAt } });

  it("counts power-off and snapshot ages to the export's date, not to the clock", () => {
    const result = assessInventory(exported('2025-12-17T08:00:00.000Z'), {
      policy: defaultPolicy,
      now: later,
    });
    const [vm] = result.vms;
    expect(result.countedTo).toBe('2025-12-17T08:00:00.000Z');
    expect(result.countedToBasis).toBe('export');
    expect(result.assessedAt).toBe(later.toISOString());
    expect(vm.concerns.map((c) => c.id)).not.toContain('powered-off-long');
    expect(vm.disposition).toBe('rehost');
    expect(vm.concerns.find((c) => c.id === 'old-snapshot')?.evidence.days).toBe(16);
  });

  it('counts to the clock when the export has no date, so the same VM retires', () => {
    const result = assessInventory(exported(null), { policy: defaultPolicy, now: later });
    expect(result.countedToBasis).toBe('clock');
    expect(result.vms[0].disposition).toBe('retire');
    expect(result.vms[0].concerns.find((c) => c.id === 'powered-off-long')?.evidence.days).toBe(545);
  });

  it('lets the assessment choose the instant (asOf) over the export date', () => {
    const result = assessInventory(exported('2025-12-17T08:00:00.000Z'), {
      policy: defaultPolicy,
      now: later,
      asOf: new Date('2026-06-01T00:00:00.000Z'),
    });
    expect(result.countedTo).toBe('2026-06-01T00:00:00.000Z');
    expect(result.countedToBasis).toBe('as-of');
    expect(result.vms[0].retire?.evidence.daysSinceActivity).toBe(180);
  });

  it('refuses an invalid asOf', () => {
    expect(() =>
      assessInventory(exported(null), { policy: defaultPolicy, now: later, asOf: new Date('nope') }),
    ).toThrow(/asOf/);
  });
});
