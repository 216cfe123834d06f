import { describe, expect, it } from 'vitest';
import type { Inventory, InventoryCluster, InventoryVm } from '#libs/inventory';
import { assessInventory } from './assess.js';
import { CONCERN_IDS, type ConcernId, FORKLIFT_CONCERN_IDS } from './concern-ids.js';
import { defaultPolicy } from './default-policy.js';
import type { AssessmentPolicy } from './policy.js';
import {
  makeCdrom,
  makeDisk,
  makeInventory,
  makeNic,
  makePartition,
  makeSnapshot,
  makeUsbDevice,
  makeVm,
} from './testing/index.js';
import type { Concern } from './types.js';

const NOW = new Date('2025-06-15T00:00:00.000Z');

function assessOne(
  vm: InventoryVm,
  options: { others?: InventoryVm[]; inventory?: Partial<Inventory>; policy?: AssessmentPolicy } = {},
) {
  const inventory = makeInventory([vm, ...(options.others ?? [])], options.inventory);
  const result = assessInventory(inventory, { policy: options.policy ?? defaultPolicy, now: NOW });
  const assessed = result.vms.find((candidate) => candidate.vmKey === vm.key);
  if (!assessed) throw new Error('VM not assessed');
  return assessed;
}

function concern(
  vm: InventoryVm,
  id: ConcernId,
  options: Parameters<typeof assessOne>[1] = {},
): Concern | undefined {
  return assessOne(vm, options).concerns.find((candidate) => candidate.id === id);
}

/** A second VM whose first disk uses the same VMDK as `makeVm()`'s. */
function sibling(partial: Partial<InventoryVm> = {}): InventoryVm {
  return makeVm({ key: 'vc/vm-200', moref: 'vm-200', name: 'app02', ...partial });
}

interface RuleCase {
  id: ConcernId;
  severity: Concern['severity'];
  fires: () => { vm: InventoryVm; options?: Parameters<typeof assessOne>[1] };
  quiet: () => { vm: InventoryVm; options?: Parameters<typeof assessOne>[1] };
  evidence?: Concern['evidence'];
}

const cases: RuleCase[] = [
  {
    id: 'rdm-disk',
    severity: 'critical',
    fires: () => ({
      vm: makeVm({
        disks: [makeDisk(), makeDisk({ label: 'Hard disk 2', raw: true, rawMode: 'physicalMode' })],
      }),
    }),
    quiet: () => ({ vm: makeVm({ disks: [makeDisk({ raw: false })] }) }),
    evidence: { disks: 'Hard disk 2', count: 1, rawMode: 'physicalMode' },
  },
  {
    id: 'passthrough-device',
    severity: 'critical',
    fires: () => ({ vm: makeVm({ passthroughDevices: ['NVIDIA GRID vGPU grid_t4-8q'] }) }),
    // vmxnet3 reports DirectPath IO true by default: that alone is not passthrough.
    quiet: () => ({ vm: makeVm({ nics: [makeNic({ adapterType: 'Vmxnet3', directPathIo: true })] }) }),
    evidence: { devices: 'NVIDIA GRID vGPU grid_t4-8q', count: 1 },
  },
  {
    id: 'sriov-nic',
    severity: 'warning',
    fires: () => ({
      vm: makeVm({ nics: [makeNic({ adapterType: 'SR-IOV passthrough', label: 'Network adapter 2' })] }),
    }),
    quiet: () => ({ vm: makeVm({ nics: [makeNic({ adapterType: 'e1000e', directPathIo: false })] }) }),
    evidence: { nics: 'Network adapter 2', count: 1 },
  },
  {
    id: 'possible-passthrough-device',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ annotation: 'Render node: NVIDIA vGPU profile grid_t4-4q' }) }),
    // PCI DSS is the card-payment standard, not a PCI device.
    quiet: () => ({ vm: makeVm({ annotation: 'PCI DSS scope', customAttributes: { GPU: 'No' } }) }),
    evidence: { field: 'annotation', match: 'vGPU', count: 1 },
  },
  {
    id: 'drs-enabled',
    severity: 'info',
    fires: () => ({ vm: makeVm(), options: { inventory: { clusters: [cluster({ drsEnabled: true })] } } }),
    quiet: () => ({ vm: makeVm(), options: { inventory: { clusters: [cluster({ drsEnabled: false })] } } }),
    evidence: { cluster: 'cluster-a', drsEnabled: true },
  },
  {
    id: 'dpm-enabled',
    severity: 'info',
    fires: () => ({ vm: makeVm(), options: { inventory: { clusters: [cluster({ dpmEnabled: true })] } } }),
    quiet: () => ({ vm: makeVm(), options: { inventory: { clusters: [cluster({ dpmEnabled: null })] } } }),
    evidence: { cluster: 'cluster-a', dpmEnabled: true },
  },
  {
    id: 'hostname-empty',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ dnsName: null }) }),
    // RVTools has the host name of running guests only: off, an empty one is no evidence.
    quiet: () => ({ vm: makeVm({ dnsName: null, powerState: 'poweredOff' }) }),
  },
  {
    id: 'hostname-default',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ dnsName: 'localhost.localdomain' }) }),
    quiet: () => ({ vm: makeVm({ dnsName: 'app01.example.com' }) }),
    evidence: { dnsName: 'localhost.localdomain' },
  },
  {
    id: 'missing-ip',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ primaryIp: null, nics: [makeNic({ ipv4: [], ipv6: [] })] }) }),
    quiet: () => ({ vm: makeVm({ primaryIp: null, nics: [makeNic({ ipv4: [], ipv6: ['fe80::1'] })] }) }),
  },
  {
    id: 'shared-disk',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ disks: [makeDisk({ sharingMode: 'sharingMultiWriter' })] }) }),
    quiet: () => ({
      vm: makeVm(),
      options: { others: [sibling({ disks: [makeDisk({ path: '[ds-ssd-01] app02/app02.vmdk' })] })] },
    }),
  },
  {
    id: 'independent-disk',
    severity: 'critical',
    fires: () => ({
      vm: makeVm({ disks: [makeDisk({ diskMode: 'independent_persistent', independent: true })] }),
    }),
    quiet: () => ({ vm: makeVm({ disks: [makeDisk({ diskMode: 'persistent', independent: false })] }) }),
    evidence: { disks: 'Hard disk 1', count: 1, diskMode: 'independent_persistent' },
  },
  {
    id: 'disk-not-on-datastore',
    severity: 'critical',
    fires: () => ({
      vm: makeVm({ disks: [makeDisk({ path: '[] /vmfs/volumes/5f1c/app01.vmdk', datastore: null })] }),
    }),
    // No backing file at all (the export lacked the column): no evidence either way.
    quiet: () => ({ vm: makeVm({ disks: [makeDisk({ path: null, datastore: null })] }) }),
  },
  {
    id: 'invalid-disk-capacity',
    severity: 'critical',
    fires: () => ({ vm: makeVm({ disks: [makeDisk({ capacityMiB: 0 })] }) }),
    quiet: () => ({ vm: makeVm({ disks: [makeDisk({ capacityMiB: 1 })] }) }),
    evidence: { disks: 'Hard disk 1', count: 1, capacityMiB: 0 },
  },
  {
    id: 'too-many-disks',
    severity: 'critical',
    fires: () => ({ vm: makeVm({ disks: disks(166) }) }),
    quiet: () => ({ vm: makeVm({ disks: disks(165) }) }),
    evidence: { disks: 166, maxDisks: 165 },
  },
  {
    id: 'disk-too-large',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ disks: [makeDisk({ capacityMiB: 4096 * 1024 + 1 })] }) }),
    quiet: () => ({ vm: makeVm({ disks: [makeDisk({ capacityMiB: 4096 * 1024 })] }) }),
  },
  {
    id: 'unsupported-os',
    severity: 'warning',
    fires: () => ({
      vm: makeVm({ guestOsTools: null, guestId: null, guestOsConfig: 'Red Hat Enterprise Linux 6 (64-bit)' }),
    }),
    quiet: () => ({ vm: makeVm() }),
    evidence: { os: 'Red Hat Enterprise Linux 6 (64-bit)', family: 'rhel', matchedBy: 'config' },
  },
  {
    id: 'legacy-os',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ guestOsTools: 'CentOS 7 (64-bit)', guestId: 'centos7_64Guest' }) }),
    quiet: () => ({ vm: makeVm({ guestOsTools: 'CentOS Stream 9', guestId: 'centos9_64Guest' }) }),
  },
  {
    id: 'unknown-os',
    severity: 'info',
    fires: () => ({
      vm: makeVm({ guestOsTools: 'Other 3.x or later Linux (64-bit)', guestId: null, guestOsConfig: null }),
    }),
    quiet: () => ({ vm: makeVm({ guestOsTools: 'Other 3.x or later Linux (64-bit)' }) }),
  },
  {
    id: 'tools-not-running',
    severity: 'warning',
    fires: () => ({
      vm: makeVm({ toolsStatus: 'toolsNotRunning', toolsRunningStatus: 'guestToolsNotRunning' }),
    }),
    // Powered off: no shutdown needed, so Tools do not matter.
    quiet: () => ({
      vm: makeVm({
        powerState: 'poweredOff',
        toolsStatus: 'toolsNotRunning',
        toolsRunningStatus: 'guestToolsNotRunning',
      }),
    }),
  },
  {
    id: 'snapshot-present',
    severity: 'info',
    fires: () => ({ vm: makeVm({ snapshots: [makeSnapshot({ createdAt: '2025-06-14T00:00:00.000Z' })] }) }),
    quiet: () => ({ vm: makeVm({ snapshots: [] }) }),
  },
  {
    id: 'old-snapshot',
    severity: 'warning',
    fires: () => ({
      vm: makeVm({
        snapshots: [makeSnapshot({ name: 'pre-upgrade', createdAt: '2025-06-01T00:00:00.000Z' })],
      }),
    }),
    quiet: () => ({ vm: makeVm({ snapshots: [makeSnapshot({ createdAt: '2025-06-10T00:00:00.000Z' })] }) }),
    evidence: {
      count: 1,
      oldest: 'pre-upgrade',
      oldestAt: '2025-06-01T00:00:00.000Z',
      days: 14,
      thresholdDays: 7,
    },
  },
  {
    id: 'consolidation-needed',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ consolidationNeeded: true }) }),
    quiet: () => ({ vm: makeVm({ consolidationNeeded: null }) }),
  },
  {
    id: 'cbt-disabled',
    severity: 'info',
    fires: () => ({ vm: makeVm({ cbtEnabled: false }) }),
    // Unknown is not "off": the export did not say.
    quiet: () => ({ vm: makeVm({ cbtEnabled: null }) }),
  },
  {
    id: 'cpu-memory-hotplug',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ memoryHotAdd: true }) }),
    quiet: () => ({ vm: makeVm({ cpuHotAdd: false, cpuHotRemove: null, memoryHotAdd: false }) }),
  },
  {
    id: 'cpu-affinity',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ cpuAffinity: '0,1' }) }),
    quiet: () => ({ vm: makeVm({ cpuAffinity: '  ' }) }),
    evidence: { cpuAffinity: '0,1' },
  },
  {
    id: 'numa-affinity',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ numaAffinity: '1' }) }),
    quiet: () => ({ vm: makeVm({ numaAffinity: null }) }),
  },
  {
    id: 'host-affinity',
    severity: 'warning',
    fires: () => ({
      vm: makeVm({
        source: {
          vInfo: [{ 'Cluster rule(s)': 'VM-Host affinity', 'Cluster rule name(s) ': 'pin-to-esx01' }],
        },
      }),
    }),
    quiet: () => ({
      vm: makeVm({ source: { vInfo: [{ 'Cluster rule(s)': '', 'Cluster rule name(s)': '' }] } }),
    }),
    evidence: { clusterRules: 'VM-Host affinity', clusterRuleNames: 'pin-to-esx01' },
  },
  {
    id: 'fault-tolerance',
    severity: 'info',
    fires: () => ({ vm: makeVm({ ftState: 'running' }) }),
    quiet: () => ({ vm: makeVm({ ftState: 'notConfigured' }) }),
  },
  {
    id: 'usb-device',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ usbDevices: [makeUsbDevice({ label: 'USB dongle' })] }) }),
    quiet: () => ({ vm: makeVm({ usbDevices: [] }) }),
  },
  {
    id: 'cdrom-connected',
    severity: 'info',
    fires: () => ({ vm: makeVm({ cdroms: [makeCdrom({ connected: true, backing: '[iso] rhel-9.iso' })] }) }),
    quiet: () => ({ vm: makeVm({ cdroms: [makeCdrom({ connected: false, startsConnected: false })] }) }),
  },
  {
    id: 'tpm',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ hasTpm: true, firmware: 'efi' }) }),
    quiet: () => ({ vm: makeVm({ hasTpm: false }) }),
  },
  {
    id: 'secure-boot',
    severity: 'info',
    fires: () => ({ vm: makeVm({ firmware: 'efi', secureBoot: true }) }),
    quiet: () => ({ vm: makeVm({ firmware: 'efi', secureBoot: false }) }),
  },
  {
    id: 'name-not-dns1123',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ name: 'SQL_Prod 01' }) }),
    quiet: () => ({ vm: makeVm({ name: 'sql-prod-01' }) }),
    evidence: { name: 'SQL_Prod 01', targetName: 'sql-prod-01' },
  },
  {
    id: 'target-name-conflict',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ name: 'Web_01' }), options: { others: [sibling({ name: 'web-01' })] } }),
    quiet: () => ({ vm: makeVm({ name: 'web-01' }), options: { others: [sibling({ name: 'web-02' })] } }),
    evidence: { targetName: 'web-01', others: 'web-01', count: 1 },
  },
  {
    id: 'nested-virtualization',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ nestedHv: true }) }),
    quiet: () => ({ vm: makeVm({ nestedHv: null }) }),
  },
  {
    id: 'guest-free-space',
    severity: 'critical',
    fires: () => ({
      vm: makeVm({
        partitions: [
          makePartition({ mount: '/', freeMiB: 99 }),
          makePartition({ mount: '/boot', freeMiB: 60 }),
        ],
      }),
    }),
    quiet: () => ({
      vm: makeVm({
        partitions: [
          makePartition({ mount: '/', freeMiB: 100 }),
          makePartition({ mount: '/boot', freeMiB: 50 }),
        ],
      }),
    }),
    evidence: {
      filesystems: '/ (99 MiB free, needs 100)',
      count: 1,
      mount: '/',
      freeMiB: 99,
      requiredMiB: 100,
    },
  },
  {
    id: 'exceeds-worker-node',
    severity: 'critical',
    fires: () => ({ vm: makeVm({ cpus: 128, sockets: 4, coresPerSocket: 32 }) }),
    quiet: () => ({ vm: makeVm({ cpus: 64, sockets: 4, coresPerSocket: 16 }) }),
  },
  {
    id: 'infrastructure-appliance',
    severity: 'info',
    fires: () => ({ vm: makeVm({ name: 'vcsa-prod-01' }) }),
    quiet: () => ({ vm: makeVm({ name: 'app-vcs-reporting' }) }),
    evidence: { applianceKind: 'vcenter', name: 'vcsa-prod-01' },
  },
  {
    id: 'orphaned',
    severity: 'critical',
    fires: () => ({ vm: makeVm({ connectionState: 'orphaned' }) }),
    quiet: () => ({ vm: makeVm({ connectionState: 'connected' }) }),
  },
  {
    id: 'disconnected',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ connectionState: 'disconnected' }) }),
    quiet: () => ({ vm: makeVm({ connectionState: 'connected' }) }),
  },
  {
    id: 'suspended',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ powerState: 'suspended' }) }),
    quiet: () => ({ vm: makeVm({ powerState: 'poweredOn' }) }),
  },
  {
    id: 'powered-off-long',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ powerState: 'poweredOff', configChangedAt: '2024-01-01T00:00:00.000Z' }) }),
    quiet: () => ({ vm: makeVm({ powerState: 'poweredOff', configChangedAt: '2025-05-01T00:00:00.000Z' }) }),
    evidence: {
      powerState: 'poweredOff',
      lastActivityAt: '2024-01-01T00:00:00.000Z',
      lastActivityBasis: 'configChangedAt',
      days: 531,
      thresholdDays: 90,
    },
  },
  {
    id: 'no-network',
    severity: 'warning',
    fires: () => ({ vm: makeVm({ nics: [] }) }),
    // vNetwork not exported and vInfo silent: no evidence that the VM has no NIC.
    quiet: () => ({
      vm: makeVm({ nics: [] }),
      options: { inventory: { source: { ...makeInventory([]).source, sheets: ['vInfo'] } } },
    }),
  },
  {
    id: 'template',
    severity: 'info',
    fires: () => ({ vm: makeVm({ template: true }) }),
    quiet: () => ({ vm: makeVm({ template: false }) }),
  },
  {
    id: 'srm-placeholder',
    severity: 'info',
    fires: () => ({ vm: makeVm({ srmPlaceholder: true }) }),
    quiet: () => ({ vm: makeVm({ srmPlaceholder: false }) }),
  },
  {
    id: 'cluster-service-vm',
    severity: 'info',
    fires: () => ({ vm: makeVm({ name: 'vCLS-4c4c4544-0047-3010-8030-b4c04f4d4e32' }) }),
    quiet: () => ({ vm: makeVm({ name: 'vclsmonitor' }) }),
  },
];

function cluster(partial: Partial<InventoryCluster>): InventoryCluster {
  return {
    name: 'cluster-a',
    datacenter: 'dc1',
    haEnabled: null,
    drsEnabled: null,
    drsBehavior: null,
    dpmEnabled: null,
    hostCount: 2,
    totalCpuMhz: null,
    totalMemoryMiB: null,
    ...partial,
  };
}

function disks(count: number) {
  return Array.from({ length: count }, (_, index) =>
    makeDisk({
      label: `Hard disk ${index + 1}`,
      key: 2000 + index,
      capacityMiB: 1024,
      path: `[ds-ssd-01] app01/app01_${index}.vmdk`,
    }),
  );
}

describe('concern rules', () => {
  it('raise nothing for the factory VM, which moves as it is', () => {
    const assessed = assessOne(makeVm());
    expect(assessed.concerns).toEqual([]);
    expect(assessed.disposition).toBe('rehost');
  });

  it('have a firing and a quiet case for every concern id', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([...CONCERN_IDS].sort());
  });

  describe.each(cases)('$id', ({ id, severity, fires, quiet, evidence }) => {
    it('fires on a VM that has it, with the policy severity, a message and evidence', () => {
      const { vm, options } = fires();
      const found = concern(vm, id, options);
      expect(found).toBeDefined();
      expect(found?.severity).toBe(severity);
      expect(found?.message.length).toBeGreaterThan(10);
      expect(Object.keys(found?.evidence ?? {}).length).toBeGreaterThan(0);
      if (evidence) expect(found?.evidence).toMatchObject(evidence);
    });

    it('stays quiet on a VM that does not have it', () => {
      const { vm, options } = quiet();
      expect(concern(vm, id, options)).toBeUndefined();
    });

    it('stays quiet when the policy disables it', () => {
      const { vm, options } = fires();
      const policy: AssessmentPolicy = {
        ...defaultPolicy,
        rules: { ...defaultPolicy.rules, [id]: { enabled: false, severity } },
      };
      expect(concern(vm, id, { ...options, policy })).toBeUndefined();
    });
  });

  it('takes the severity from the policy', () => {
    const policy: AssessmentPolicy = {
      ...defaultPolicy,
      rules: { ...defaultPolicy.rules, 'cbt-disabled': { enabled: true, severity: 'critical' } },
    };
    const assessed = assessOne(makeVm({ cbtEnabled: false }), { policy });
    expect(assessed.concerns.find((c) => c.id === 'cbt-disabled')?.severity).toBe('critical');
    expect(assessed.disposition).toBe('retain');
  });

  describe('shared-disk', () => {
    it('finds the same VMDK on two VMs and names the other VM', () => {
      const found = concern(makeVm(), 'shared-disk', { others: [sibling()] });
      expect(found?.evidence).toMatchObject({ disks: 'Hard disk 1', sharedWith: 'app02' });
      expect(found?.message).toContain('app02');
    });

    it('does not mistake the same path under another vCenter for a shared disk', () => {
      const other = sibling({
        vcenter: { server: 'vc2.example.com', uuid: '99999999-0000-0000-0000-000000000000' },
      });
      expect(concern(makeVm(), 'shared-disk', { others: [other] })).toBeUndefined();
    });

    it('flags SCSI bus sharing from the raw vDisk rows', () => {
      const vm = makeVm({ source: { vDisk: [{ 'Shared Bus': 'physicalSharing' }] } });
      expect(concern(vm, 'shared-disk')?.evidence.busSharing).toBe('physicalSharing');
      expect(
        concern(makeVm({ source: { vDisk: [{ 'Shared Bus': 'noSharing' }] } }), 'shared-disk'),
      ).toBeUndefined();
    });
  });

  describe('guest-free-space', () => {
    it('applies the Windows C: and other-filesystem thresholds', () => {
      const windows = makeVm({
        guestOsTools: 'Microsoft Windows Server 2019 (64-bit)',
        guestId: 'windows2019srv_64Guest',
        partitions: [
          makePartition({ mount: 'C:\\', freeMiB: 80 }),
          makePartition({ mount: 'D:\\', freeMiB: 9 }),
        ],
      });
      const found = concern(windows, 'guest-free-space');
      expect(found?.evidence.count).toBe(2);
      expect(found?.message).toContain('C:\\ (80 MiB free, needs 100)');
      expect(found?.message).toContain('D:\\ (9 MiB free, needs 10)');
    });

    it('uses the policy thresholds', () => {
      const policy: AssessmentPolicy = {
        ...defaultPolicy,
        thresholds: {
          ...defaultPolicy.thresholds,
          guestFreeSpace: { rootMiB: 500, bootMiB: 50, windowsSystemMiB: 100, otherMiB: 10 },
        },
      };
      const vm = makeVm({ partitions: [makePartition({ mount: '/', freeMiB: 400 })] });
      expect(concern(vm, 'guest-free-space')).toBeUndefined();
      expect(concern(vm, 'guest-free-space', { policy })?.evidence.requiredMiB).toBe(500);
    });

    it('ignores filesystems whose free space the export does not give', () => {
      expect(
        concern(makeVm({ partitions: [makePartition({ mount: '/', freeMiB: null })] }), 'guest-free-space'),
      ).toBeUndefined();
    });
  });

  describe('tools-not-running', () => {
    it('falls back to vInfo "Guest state" when the Tools columns are missing', () => {
      const vm = makeVm({
        toolsStatus: null,
        toolsRunningStatus: null,
        source: { vInfo: [{ 'Guest state': 'notRunning' }] },
      });
      expect(concern(vm, 'tools-not-running')?.evidence.guestState).toBe('notRunning');
    });

    it('says when Tools are not installed at all', () => {
      const vm = makeVm({ toolsStatus: 'toolsNotInstalled', toolsRunningStatus: null });
      expect(concern(vm, 'tools-not-running')?.message).toContain('not installed');
    });
  });

  it('names the Forklift validation of each concern that has one, once each', () => {
    const forkliftIds = Object.values(FORKLIFT_CONCERN_IDS);
    expect(new Set(forkliftIds).size).toBe(forkliftIds.length);
    for (const id of Object.keys(FORKLIFT_CONCERN_IDS)) expect(CONCERN_IDS).toContain(id);
    expect(FORKLIFT_CONCERN_IDS).toMatchObject({
      'drs-enabled': 'vmware.drs.enabled',
      'dpm-enabled': 'vmware.dpm.enabled',
      'hostname-empty': 'vmware.hostname.empty',
      'hostname-default': 'vmware.hostname.default',
      'missing-ip': 'vmware.vm_missing_ip.detected',
    });
  });

  describe('no-network', () => {
    it('reads tab-prefixed sheet names (tabvNetwork) as the sheets they are', () => {
      const inventory = { source: { ...makeInventory([]).source, sheets: ['tabvInfo', 'tabvNetwork'] } };
      expect(concern(makeVm({ nics: [] }), 'no-network', { inventory })).toBeDefined();
    });

    it('trusts the vInfo NIC count when vNetwork was not exported', () => {
      const inventory = { source: { ...makeInventory([]).source, sheets: ['vInfo'] } };
      expect(
        concern(makeVm({ nics: [], source: { vInfo: [{ NICs: '0' }] } }), 'no-network', { inventory }),
      ).toBeDefined();
      expect(
        concern(makeVm({ nics: [], source: { vInfo: [{ NICs: '2' }] } }), 'no-network', { inventory }),
      ).toBeUndefined();
    });
  });

  describe('passthrough-device', () => {
    it('treats DirectPath I/O on a non-vmxnet3 NIC as passthrough', () => {
      const vm = makeVm({ nics: [makeNic({ adapterType: 'e1000e', directPathIo: true })] });
      expect(concern(vm, 'passthrough-device')?.evidence.devices).toBe('Network adapter 1 (DirectPath I/O)');
    });

    it('leaves an SR-IOV NIC to the SR-IOV warning, so the VM can still be rehosted', () => {
      // Shaped as older imports stored it: the NIC also listed as a passthrough device.
      const assessed = assessOne(
        makeVm({
          nics: [makeNic({ adapterType: 'sriovethernetcard', directPathIo: false })],
          passthroughDevices: ['Network adapter 1 (SriovEthernetCard)'],
        }),
      );
      expect(assessed.concerns.map((c) => c.id)).toEqual(['sriov-nic']);
      expect(assessed.disposition).toBe('rehost');
    });
  });

  describe('possible-passthrough-device', () => {
    it.each([
      ['a name', { name: 'render-gpu-01' }, 'name', 'gpu'],
      [
        'a custom attribute',
        { customAttributes: { 'GPU Profile': 'grid_a40-8q' } },
        'custom attribute "GPU Profile"',
        'GPU',
      ],
      ['an annotation', { annotation: 'needs PCI passthrough of the HSM card' }, 'annotation', 'PCI'],
      ['DirectPath', { annotation: 'DirectPath I/O for the capture card' }, 'annotation', 'DirectPath'],
      [
        'Fixed Passthru HotPlug',
        { source: { vInfo: [{ 'Fixed Passthru HotPlug': 'True' }] } },
        'vInfo Fixed Passthru HotPlug',
        'Fixed Passthru HotPlug',
      ],
    ] as const)('is hinted at by %s, with the matching text as evidence', (_what, partial, field, match) => {
      const found = concern(makeVm(partial as Partial<InventoryVm>), 'possible-passthrough-device');
      expect(found?.evidence).toMatchObject({ field, match });
      expect(String(found?.evidence.text)).toContain(match);
    });

    it('keeps such a VM below 100 and out of low effort (no pilot wave)', () => {
      const assessed = assessOne(makeVm({ annotation: 'vGPU profile grid_t4-4q' }));
      expect(assessed.score).toBeLessThan(100);
      expect(assessed.effort).not.toBe('low');
      expect(assessed.disposition).toBe('rehost');
    });

    it('stays quiet on "Fixed Passthru HotPlug" False', () => {
      const vm = makeVm({ source: { vInfo: [{ 'Fixed Passthru HotPlug': 'False' }] } });
      expect(concern(vm, 'possible-passthrough-device')).toBeUndefined();
    });
  });

  describe('unsupported-os', () => {
    it("says why, from Forklift's OS list", () => {
      const vm = makeVm({ guestId: 'photonGuest', guestOsTools: null, guestOsConfig: null });
      const found = concern(vm, 'unsupported-os');
      expect(found?.evidence.reason).toMatch(/Forklift/);
    });
  });

  describe('target-name-conflict', () => {
    it('ignores out-of-scope VMs that would sanitize to the same name', () => {
      const template = sibling({ name: 'Web_01', template: true });
      expect(
        concern(makeVm({ name: 'web-01' }), 'target-name-conflict', { others: [template] }),
      ).toBeUndefined();
    });
  });

  it('runs only the scope rules on VMs out of scope', () => {
    const template = assessOne(
      makeVm({ template: true, cbtEnabled: false, name: 'RHEL9 Template', nics: [] }),
    );
    expect(template.concerns.map((c) => c.id)).toEqual(['template']);
  });
});
