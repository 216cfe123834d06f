import { describe, expect, it } from 'vitest';
import type { InventoryVm } from '#libs/inventory';
import { assessInventory } from './assess.js';
import { defaultPolicy } from './default-policy.js';
import type { AssessmentPolicy } from './policy.js';
import { makeDisk, makeInventory, makeSnapshot, makeVm } from './testing/index.js';
import type { VmAssessment } from './types.js';

const NOW = new Date('2025-06-15T00:00:00.000Z');

function assess(
  vm: InventoryVm,
  options: { policy?: AssessmentPolicy; overrides?: Map<string, VmAssessment['override']> } = {},
): VmAssessment {
  const result = assessInventory(makeInventory([vm]), {
    policy: options.policy ?? defaultPolicy,
    now: NOW,
    overrides: options.overrides,
  });
  return result.vms[0];
}

function codes(assessment: VmAssessment): string[] {
  return assessment.reasons.map((reason) => reason.code);
}

describe('disposition', () => {
  describe('retire', () => {
    it('retires a VM powered off well past the threshold, on configuration-change evidence', () => {
      const assessed = assess(
        makeVm({ powerState: 'poweredOff', poweredOnAt: null, configChangedAt: '2024-01-01T00:00:00.000Z' }),
      );
      expect(assessed.disposition).toBe('retire');
      expect(codes(assessed)).toContain('retire:powered-off-long');
      // 531 days off, threshold 90: full age bonus, 0.6 + 0.3.
      expect(assessed.retire?.confidence).toBe(0.9);
      expect(assessed.retire?.evidence).toMatchObject({
        signals: 'powered-off-long',
        lastActivityAt: '2024-01-01T00:00:00.000Z',
        lastActivityBasis: 'configChangedAt',
        daysSinceActivity: 531,
        poweredOffDaysThreshold: 90,
      });
    });

    it('trusts the creation date less than a configuration change, and a newer snapshot more than both', () => {
      const creationOnly = assess(
        makeVm({ powerState: 'poweredOff', configChangedAt: null, createdAt: '2025-02-01T00:00:00.000Z' }),
      );
      expect(creationOnly.disposition).toBe('retire');
      expect(creationOnly.retire?.evidence.lastActivityBasis).toBe('createdAt');
      expect(creationOnly.retire?.confidence).toBeLessThan(0.6);

      const recentSnapshot = assess(
        makeVm({
          powerState: 'poweredOff',
          configChangedAt: '2024-01-01T00:00:00.000Z',
          snapshots: [makeSnapshot({ createdAt: '2025-06-01T00:00:00.000Z' })],
        }),
      );
      expect(recentSnapshot.disposition).not.toBe('retire');
      expect(recentSnapshot.retire).toBeNull();
    });

    it('does not retire a VM powered off recently, nor a powered-on one with old dates', () => {
      expect(
        assess(makeVm({ powerState: 'poweredOff', configChangedAt: '2025-05-01T00:00:00.000Z' })).disposition,
      ).toBe('rehost');
      expect(
        assess(makeVm({ powerState: 'poweredOn', configChangedAt: '2020-01-01T00:00:00.000Z' })).disposition,
      ).toBe('rehost');
    });

    it('does not guess when a powered-off VM carries no dates at all', () => {
      const assessed = assess(makeVm({ powerState: 'poweredOff', configChangedAt: null, createdAt: null }));
      expect(assessed.disposition).toBe('rehost');
      expect(assessed.retire).toBeNull();
    });

    it('follows the threshold from the policy', () => {
      const policy = { ...defaultPolicy, thresholds: { ...defaultPolicy.thresholds, poweredOffDays: 800 } };
      const vm = makeVm({ powerState: 'poweredOff', configChangedAt: '2024-01-01T00:00:00.000Z' });
      expect(assess(vm, { policy }).disposition).toBe('rehost');
    });

    it('retires orphaned and inaccessible VMs before their critical concern keeps them', () => {
      const orphaned = assess(makeVm({ connectionState: 'orphaned' }));
      expect(orphaned.disposition).toBe('retire');
      expect(orphaned.retire).toMatchObject({
        confidence: 0.85,
        evidence: { signals: 'connection-state', connectionState: 'orphaned' },
      });
      expect(orphaned.concerns.map((c) => c.id)).toContain('orphaned');
      expect(assess(makeVm({ connectionState: 'inaccessible' })).disposition).toBe('retire');
    });

    it.each(['app01-old', 'app01_bak', 'tmp-build', 'web-temp2', 'zz_legacy-crm', 'db01.decom'])(
      'retires the name %s',
      (name) => {
        const assessed = assess(makeVm({ name }));
        expect(assessed.disposition).toBe('retire');
        expect(codes(assessed)).toContain('retire:name-pattern');
        expect(assessed.retire?.evidence.namePattern).toEqual(expect.any(String));
      },
    );

    it.each(['golden-app', 'bakery-pos', 'template-builder', 'tempest', 'cold-storage', 'bold01'])(
      'keeps the name %s',
      (name) => {
        expect(assess(makeVm({ name })).disposition).toBe('rehost');
      },
    );

    it('combines signals into a higher confidence', () => {
      const both = assess(
        makeVm({ name: 'crm-old', powerState: 'poweredOff', configChangedAt: '2025-01-01T00:00:00.000Z' }),
      );
      expect(both.retire?.evidence.signals).toBe('powered-off-long, name-pattern');
      // 1 - (1 - 0.6 - 0.3 * (165 - 90) / 180) * (1 - 0.65)
      expect(both.retire?.confidence).toBe(0.9);
    });

    it('needs the policy minimum confidence', () => {
      const policy = { ...defaultPolicy, retire: { ...defaultPolicy.retire, minConfidence: 0.6 } };
      expect(assess(makeVm({ name: 'crm-old' }), { policy }).disposition).toBe('rehost');
      expect(assess(makeVm({ name: 'crm-old', powerState: 'poweredOff' }), { policy }).disposition).toBe(
        'retire',
      );
    });
  });

  describe('out of scope', () => {
    it.each([
      ['template', makeVm({ template: true })],
      ['srm-placeholder', makeVm({ srmPlaceholder: true })],
      ['cluster-service-vm', makeVm({ name: 'vCLS (1)' })],
    ] as const)('keeps a %s listed, out of scope, retained, never retired', (reason, vm) => {
      const assessed = assess({
        ...vm,
        powerState: 'poweredOff',
        configChangedAt: '2020-01-01T00:00:00.000Z',
      });
      expect(assessed.outOfScope).toBe(reason);
      expect(assessed.disposition).toBe('retain');
      expect(assessed.retire).toBeNull();
      expect(codes(assessed)[0]).toBe(`out-of-scope:${reason}`);
      expect(assessed.score).toBe(0);
    });

    it('retains infrastructure appliances by default, in scope', () => {
      const assessed = assess(makeVm({ name: 'nsx-manager-01' }));
      expect(assessed.outOfScope).toBeNull();
      expect(assessed.disposition).toBe('retain');
      expect(codes(assessed)).toContain('retain:infrastructure-appliance');
    });

    it('reads the appliance patterns from the policy', () => {
      const policy = { ...defaultPolicy, appliances: [{ kind: 'monitoring', namePatterns: ['^zabbix'] }] };
      expect(assess(makeVm({ name: 'zabbix-proxy' }), { policy }).disposition).toBe('retain');
      expect(assess(makeVm({ name: 'nsx-manager-01' }), { policy }).disposition).toBe('rehost');
    });
  });

  describe('retain', () => {
    it('retains a VM with any critical concern and says which', () => {
      const assessed = assess(makeVm({ disks: [makeDisk({ raw: true })] }));
      expect(assessed.disposition).toBe('retain');
      expect(codes(assessed)).toContain('concern:rdm-disk');
    });

    it('retains a VM whose OS the policy keeps on vSphere, though the concern is only a warning', () => {
      const assessed = assess(makeVm({ guestOsTools: 'VMware Photon OS (64-bit)', guestId: null }));
      expect(assessed.concerns.find((c) => c.id === 'unsupported-os')?.severity).toBe('warning');
      expect(assessed.disposition).toBe('retain');
      expect(codes(assessed)).toContain('retain:os-support');
    });

    it('can retain legacy guests too, when the policy says so', () => {
      const policy: AssessmentPolicy = {
        ...defaultPolicy,
        disposition: { retainOsSupport: ['unsupported', 'legacy'] },
      };
      const vm = makeVm({ guestOsTools: 'CentOS 7 (64-bit)', guestId: 'centos7_64Guest' });
      expect(assess(vm).disposition).toBe('rehost');
      expect(assess(vm, { policy }).disposition).toBe('retain');
    });
  });

  describe('rehost effort and score', () => {
    it('rates a clean Linux VM low effort, score 100', () => {
      const assessed = assess(makeVm());
      expect(assessed).toMatchObject({ disposition: 'rehost', effort: 'low', score: 100 });
    });

    it('adds driver conversion for Windows', () => {
      const windows = makeVm({
        guestOsTools: 'Microsoft Windows Server 2022 (64-bit)',
        guestId: 'windows2019srvNext_64Guest',
      });
      const assessed = assess(windows);
      expect(codes(assessed)).toContain('effort:driver-conversion');
      expect(assessed.effort).toBe('low');
      expect(assess({ ...windows, cbtEnabled: false, memoryHotAdd: true }).effort).toBe('medium');
    });

    it('rates warnings, many disks and large storage up to high', () => {
      const manyBig = makeVm({
        disks: Array.from({ length: 6 }, (_, index) =>
          makeDisk({
            label: `Hard disk ${index + 1}`,
            capacityMiB: 512 * 1024,
            path: `[ds-ssd-01] app01/app01_${index}.vmdk`,
          }),
        ),
      });
      const assessed = assess(manyBig);
      expect(codes(assessed)).toEqual(
        expect.arrayContaining(['effort:many-disks', 'effort:large-storage', 'effort:medium']),
      );
      expect(assessed.effort).toBe('medium');
      const withWarning = assess({ ...manyBig, memoryHotAdd: true });
      expect(codes(withWarning)).toContain('effort:high');
      expect(withWarning.effort).toBe('high');
    });

    it('lowers the score by the policy amount per concern severity', () => {
      const assessed = assess(makeVm({ cbtEnabled: false, hasTpm: true }));
      expect(assessed.score).toBe(100 - 2 - 10);
      expect(
        assess(
          makeVm({ disks: [makeDisk({ raw: true, independent: true, diskMode: 'independent_persistent' })] }),
        ).score,
      ).toBe(0);
    });
  });

  describe('overrides', () => {
    const override = {
      disposition: 'rehost' as const,
      comment: 'LUN moves to Ceph first',
      by: 'alice',
      at: '2025-06-10T09:00:00.000Z',
    };

    it('win over the rules and are kept, with what the rules said', () => {
      const vm = makeVm({ disks: [makeDisk({ raw: true })] });
      const assessed = assess(vm, { overrides: new Map([[vm.key, override]]) });
      expect(assessed.disposition).toBe('rehost');
      expect(assessed.override).toEqual(override);
      expect(assessed.reasons[0]).toMatchObject({ code: 'override' });
      expect(assessed.reasons[0].message).toContain('LUN moves to Ceph first');
      expect(assessed.reasons[0].message).toContain('the rules said retain');
      expect(codes(assessed)).toContain('concern:rdm-disk');
    });

    it('survive re-assessment with another policy and another clock', () => {
      const vm = makeVm({ name: 'crm-old' });
      const overrides = new Map([[vm.key, { ...override, disposition: 'retain' as const }]]);
      const first = assessInventory(makeInventory([vm]), { policy: defaultPolicy, now: NOW, overrides });
      const policy = { ...defaultPolicy, retire: { ...defaultPolicy.retire, namePatterns: [] } };
      const second = assessInventory(makeInventory([vm]), {
        policy,
        now: new Date('2026-01-01T00:00:00.000Z'),
        overrides,
      });
      for (const result of [first, second]) {
        expect(result.vms[0].disposition).toBe('retain');
        expect(result.vms[0].override?.comment).toBe(override.comment);
      }
      expect(first.vms[0].retire).not.toBeNull();
      expect(second.vms[0].retire).toBeNull();
    });

    it('only touch the VM they are for', () => {
      const vm = makeVm();
      const other = makeVm({
        key: 'vc/vm-2',
        moref: 'vm-2',
        name: 'app02',
        disks: [makeDisk({ path: '[ds-ssd-01] app02/app02.vmdk' })],
      });
      const result = assessInventory(makeInventory([vm, other]), {
        policy: defaultPolicy,
        now: NOW,
        overrides: new Map([[vm.key, { ...override, disposition: 'retire' as const }]]),
      });
      expect(result.vms.map((a) => a.disposition)).toEqual(['retire', 'rehost']);
      expect(result.vms[1].override).toBeNull();
      expect(result.summary).toMatchObject({ rehost: 1, retire: 1 });
    });
  });
});
