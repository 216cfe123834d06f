import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, InventoryVm } from '#libs/inventory';
import { rvtoolsSample, sharedSuite } from '../../../test/support/shared-files.js';
import { type RvtoolsProgress, readRvtoolsInventory } from './index.js';

const vmNamed = (inventory: Inventory, name: string): InventoryVm => {
  const matches = inventory.vms.filter((vm) => vm.name === name);
  expect(matches, `VMs named ${name}`).toHaveLength(1);
  return matches[0];
};

/** A suite over one genuine export of ../shared/samples/rvtools, skipped with the reason where absent. */
const sample = (file: string, what: string) =>
  sharedSuite(`readRvtoolsInventory on ${file} ${what}`, rvtoolsSample(file));

const warningsAndErrors = (inventory: Inventory) =>
  inventory.diagnostics.filter((diagnostic) => diagnostic.severity !== 'info');

const kylow = sample('kylow-reference-RVTOOLEX.xlsx', '(RVTools 4.7.1, OpenXML SDK, all 27 sheets)');
describe.skipIf(kylow.skip)(kylow.title, () => {
  let inventory: Inventory;
  const progress: RvtoolsProgress[] = [];
  beforeAll(async () => {
    inventory = await readRvtoolsInventory(
      { path: rvtoolsSample('kylow-reference-RVTOOLEX.xlsx'), fileName: 'RVTOOLEX.xlsx' },
      { onProgress: (step) => progress.push(step) },
    );
  });

  it('reads every VM of vInfo and joins every child row without a problem', () => {
    expect(inventory.vms).toHaveLength(133);
    expect(inventory.vms.filter((vm) => vm.template)).toHaveLength(0);
    expect(warningsAndErrors(inventory)).toEqual([]);
    expect(new Set(inventory.vms.map((vm) => vm.key)).size).toBe(133);
  });

  it('describes the source', () => {
    expect(inventory.source.fileName).toBe('RVTOOLEX.xlsx');
    expect(inventory.source.format).toBe('xlsx');
    expect(inventory.source.rvtoolsVersion).toBe('4.7.1.4');
    expect(inventory.source.sheets).toHaveLength(27);
    expect(inventory.source.sheets.slice(0, 4)).toEqual(['vInfo', 'vCPU', 'vMemory', 'vDisk']);
    expect(inventory.source.vcenters).toEqual([
      { server: 'p-vc-01.usfq.edu.ec', uuid: 'b4509789-2388-4298-aee8-97cf83caf1ba' },
    ]);
  });

  it('maps vInfo, vCPU, vMemory and vTools of a VM', () => {
    const vm = vmNamed(inventory, 'D-CUSTOM-01');
    expect(vm).toMatchObject({
      key: 'b4509789-2388-4298-aee8-97cf83caf1ba/vm-218',
      moref: 'vm-218',
      uuid: '5034ec9f-fe95-9c95-240a-ac7c2a49b3a7',
      biosUuid: '423471f1-2494-7dba-d451-29b8470720c5',
      vcenter: { server: 'p-vc-01.usfq.edu.ec', uuid: 'b4509789-2388-4298-aee8-97cf83caf1ba' },
      datacenter: 'USFQ',
      cluster: 'USFQ-TEST',
      host: 't-esx-02.usfq.edu.ec',
      resourcePool: '/USFQ/USFQ-TEST/Resources',
      powerState: 'poweredOn',
      connectionState: 'connected',
      template: false,
      srmPlaceholder: false,
      guestOsConfig: 'Other 2.6.x Linux (64-bit)',
      guestOsTools: 'Oracle Linux 8 (64-bit)',
      dnsName: 'D-CUSTOM-01.usfq.edu.ec',
      primaryIp: '172.21.79.3',
      toolsStatus: 'toolsOk',
      toolsVersion: '12389',
      cpus: 8,
      sockets: 8,
      coresPerSocket: 1,
      memoryMiB: 12288,
      cpuHotAdd: false,
      cpuHotRemove: false,
      memoryHotAdd: false,
      firmware: 'bios',
      secureBoot: false,
      hardwareVersion: 'vmx-21',
      cbtEnabled: true,
      ftState: 'notConfigured',
      latencySensitivity: 'normal',
      consolidationNeeded: false,
      provisionedMiB: 484603,
      inUseMiB: 130728,
      // Excel serial days (45965.0421064815 ...) read as UTC.
      poweredOnAt: '2025-11-04T01:00:38.000Z',
      createdAt: '2023-03-06T10:30:00.000Z',
      configChangedAt: '2025-12-16T23:03:06.000Z',
      customAttributes: {
        'Backup status': 'OK',
        ClusterInvariantVMMId: '243acbad-80d9-4bee-8661-749837454386',
        'Last backup': '2025-12-16 23:04:30',
      },
    });
  });

  it('maps vDisk and vPartition, with the datastore taken from the backing path', () => {
    const vm = vmNamed(inventory, 'D-CUSTOM-01');
    expect(vm.disks).toEqual([
      {
        label: 'Hard disk 1',
        key: 2000,
        capacityMiB: 112647,
        thin: true,
        diskMode: 'persistent',
        independent: false,
        sharingMode: 'sharingNone',
        raw: false,
        rawMode: null,
        controller: 'SCSI controller 0',
        controllerType: 'scsi',
        unitNumber: 0,
        path: '[FS1-T-ESX-VM-01] D-CUSTOM-01/D-CUSTOM-01-000003.vmdk',
        datastore: 'FS1-T-ESX-VM-01',
        uuid: '6000C296-305c-91ab-e7a0-d08a6d18c601',
      },
      expect.objectContaining({ label: 'Hard disk 2', key: 2001, capacityMiB: 256007, unitNumber: 1 }),
    ]);
    expect(vm.partitions).toContainEqual({ mount: '/boot', capacityMiB: 2550, freeMiB: 2064, diskKey: 2000 });
    expect(vm.partitions).toHaveLength(4);

    const many = vmNamed(inventory, 'P-ACR-CLOUD-01');
    expect(many.disks).toHaveLength(10);
    expect(many.disks.filter((disk) => disk.independent)).toHaveLength(7);
    expect(many.disks.find((disk) => disk.label === 'Hard disk 3')).toMatchObject({
      key: 2032,
      controller: 'SCSI controller 2',
      diskMode: 'persistent',
      datastore: 'FS1-P-ESX-VM-03',
    });
  });

  it('maps vNetwork, vSnapshot and vCD rows', () => {
    const vm = vmNamed(inventory, 'D-CUSTOM-01');
    expect(vm.nics).toEqual([
      {
        label: 'Network adapter 1',
        adapterType: 'vmxnet3',
        network: 'V-HUBI-JAIL-79',
        // `VM` reads like RVTools' placeholder, but vSwitch lists a standard switch named VM.
        switchName: 'VM',
        mac: '00:50:56:b4:0f:28',
        connected: true,
        startsConnected: true,
        directPathIo: true,
        ipv4: ['172.21.79.3'],
        ipv6: [],
      },
    ]);
    expect(vm.snapshots[0]).toEqual({
      name: 'D-CUSTOM-01 21/3/2025, 11:46:07',
      description: null,
      createdAt: '2025-03-21T11:46:21.000Z',
      sizeMiB: 49982.0011844635,
      quiesced: false,
    });
    expect(vm.cdroms).toEqual([
      {
        label: 'CD/DVD drive 1',
        connected: false,
        startsConnected: true,
        deviceType: 'Remote device',
        backing: null,
      },
    ]);
    const fourNics = vmNamed(inventory, 'P-IMP-DBF-01');
    expect(fourNics.nics.map((nic) => [nic.label, nic.network, nic.switchName])).toEqual([
      ['Network adapter 1', 'V-SRV-75', 'USFQ-DVS'],
      ['Network adapter 2', 'VM Network', 'vSwitch0'],
      ['Network adapter 3', 'VM Network', 'vSwitch0'],
      ['Network adapter 4', 'VM Network', 'vSwitch0'],
    ]);
    expect(inventory.vms.reduce((sum, each) => sum + each.snapshots.length, 0)).toBe(201);
  });

  it('keeps every source row by sheet, empty cells left out, serial dates as ISO', () => {
    const vm = vmNamed(inventory, 'D-CUSTOM-01');
    expect(Object.keys(vm.source).sort()).toEqual(
      ['vCD', 'vCPU', 'vDisk', 'vInfo', 'vMemory', 'vNetwork', 'vPartition', 'vSnapshot', 'vTools'].sort(),
    );
    const vinfo = vm.source.vInfo[0];
    expect(vinfo.VM).toBe('D-CUSTOM-01');
    expect(vinfo['Overall Cpu Readiness']).toBe('0%');
    expect(vinfo['Creation date']).toBe('2023-03-06T10:30:00.000Z');
    expect(vinfo).not.toHaveProperty('Suspend time');
    expect(vm.source.vDisk).toHaveLength(2);
    expect(vm.source.vTools[0].Upgradeable).toBe('No');
  });

  it('reads hosts, clusters, datastores, networks and datacenters', () => {
    expect(inventory.hosts).toHaveLength(9);
    expect(inventory.hosts[0]).toEqual({
      name: 'p-esx-01.usfq.edu.ec',
      datacenter: 'USFQ',
      cluster: 'USFQ-PRODUCCION',
      cpuModel: 'Intel(R) Xeon(R) Gold 6140 CPU @ 2.30GHz',
      cpuSockets: 2,
      cpuCores: 36,
      memoryMiB: 784897,
      esxiVersion: 'VMware ESXi 8.0.3 build-24022510',
      timeZone: 'UTC',
      vendor: 'Cisco Systems Inc',
      model: 'UCSB-B200-M5',
      vmCount: 17,
    });
    expect(inventory.clusters.map((cluster) => cluster.name)).toEqual([
      'USFQ-PRODUCCION',
      'USFQ-SANDBOX',
      'USFQ-TEST',
    ]);
    expect(inventory.clusters[0]).toMatchObject({ datacenter: 'USFQ', haEnabled: true, hostCount: 4 });
    expect(inventory.datastores).toHaveLength(15);
    expect(inventory.datastores[0]).toMatchObject({
      name: 'FS1-P-ESX-VM-01',
      type: 'VMFS',
      capacityMiB: 4194048,
    });
    expect(inventory.datacenters).toEqual([{ name: 'USFQ' }]);
    expect(inventory.networks).toContainEqual({
      name: 'V-SRV-74',
      kind: 'standard',
      switchName: 'vSwitch0',
      vlan: '1174',
    });
    expect(inventory.networks.some((network) => network.kind === 'distributed')).toBe(true);
  });

  it('reports progress per sheet: rows, VMs found and the bytes inflated out of the total', () => {
    expect(progress).toContainEqual(expect.objectContaining({ sheet: 'vInfo', rows: 133, vms: 133 }));
    expect(progress).toContainEqual(expect.objectContaining({ sheet: 'vDisk', rows: 246 }));
    const rows = progress.map((step) => step.totalRows);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    const inflated = progress.map((step) => step.inflatedBytes ?? -1);
    expect(inflated).toEqual([...inflated].sort((a, b) => a - b));
    const total = progress[0]?.totalInflatedBytes ?? 0;
    expect(inflated[0]).toBeGreaterThan(0);
    expect(inflated[0]).toBeLessThan(total);
    // Every part the total counts is read: the last report is the whole of it.
    expect(progress.at(-1)).toMatchObject({ inflatedBytes: total, totalInflatedBytes: total });
  });
});

const planner = sample('migration-planner-example1.xlsx', '(formatted empty rows, anonymized)');
describe.skipIf(planner.skip)(planner.title, () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await readRvtoolsInventory({ path: rvtoolsSample('migration-planner-example1.xlsx') });
  });

  it('counts the 9 VMs, not the ~1000 formatted rows', () => {
    expect(inventory.vms.map((vm) => vm.name)).toEqual([
      'vm-1',
      'vm-2',
      'vm-3',
      'vm-4',
      'vm-5',
      'vm-6',
      'vm-7',
      'vm-8',
      'vm-9',
    ]);
  });

  it('reports where its sheets contradict each other, naming both rows', () => {
    const warnings = warningsAndErrors(inventory);
    // vDisk rows 3-8 name the VM before the one their VM ID belongs to (an edited file).
    const mismatches = warnings.filter((warning) => warning.message.includes('but its VM ID'));
    expect(mismatches.map((warning) => warning.row)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(mismatches[0]).toMatchObject({ sheet: 'vDisk', column: 'VM', value: 'vm-2' });
    expect(mismatches[0].message).toContain('"vm-3" (vInfo row 4)');
    // vm-8 gets two vDisk rows although vInfo row 9 says one disk.
    expect(warnings).toContainEqual(
      expect.objectContaining({
        sheet: 'vDisk',
        row: 8,
        message: expect.stringMatching(
          /^vInfo row 9 says VM "vm-8" has 1 disk, vDisk has 2 rows for it \(rows 8, 9\)/,
        ),
      }),
    );
    // No vNetwork: the NICs come from vInfo, and the import says so.
    expect(warnings).toContainEqual(
      expect.objectContaining({
        sheet: 'vInfo',
        column: 'NICs',
        message: expect.stringContaining('no vNetwork sheet'),
      }),
    );
    expect(warnings).toHaveLength(8);
    expect(vmNamed(inventory, 'vm-1').nics).toHaveLength(1);
  });

  it('joins child rows by VM ID even where the names disagree, by name where there is no ID', () => {
    // vDisk's row named vm-2 carries VM ID vm-105889, which vInfo calls vm-3.
    expect(vmNamed(inventory, 'vm-3').disks.map((disk) => disk.capacityMiB)).toEqual([524288]);
    expect(vmNamed(inventory, 'vm-2').disks).toEqual([]);
    expect(vmNamed(inventory, 'vm-8').disks.map((disk) => disk.label)).toEqual([
      'Hard disk 1',
      'Hard disk 2',
    ]);
    // vm-9 has no VM ID in vInfo: its key falls back to the name, its disk joins by name.
    expect(vmNamed(inventory, 'vm-9')).toMatchObject({ key: 'vc/name:vm-9', moref: null });
    expect(vmNamed(inventory, 'vm-9').disks).toHaveLength(1);
    // vCPU has no VM ID column: joined by (unique) name.
    expect(vmNamed(inventory, 'vm-4')).toMatchObject({ sockets: 8, coresPerSocket: 1, firmware: 'efi' });
  });

  it('maps the VM that vInfo describes', () => {
    expect(vmNamed(inventory, 'vm-1')).toMatchObject({
      key: 'vc/vm-89952',
      uuid: '500b85c1-ef0d-37fb-6897-61c47157f858',
      powerState: 'poweredOff',
      cpus: 1,
      memoryMiB: 2224,
      createdAt: '2025-02-26T12:53:35.000Z',
      configChangedAt: '2025-05-05T16:11:49.000Z',
      poweredOnAt: null,
      hardwareVersion: 'vmx-21',
      provisionedMiB: 105742,
    });
    expect(inventory.hosts).toHaveLength(7);
    expect(inventory.clusters).toEqual([
      expect.objectContaining({ name: 'Cluster', datacenter: 'Datacenter' }),
    ]);
  });

  it('says which sheets are missing', () => {
    expect(inventory.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'info', message: expect.stringContaining('vNetwork') }),
    );
  });
});

const ibmSmall = sample('ibm-rvtools-small-complete.xlsx', '(inline strings, trimmed sheets)');
describe.skipIf(ibmSmall.skip)(ibmSmall.title, () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await readRvtoolsInventory({ path: rvtoolsSample('ibm-rvtools-small-complete.xlsx') });
  });

  it('reads the 3 VMs with their disks, NICs, snapshots and devices', () => {
    expect(inventory.vms.map((vm) => vm.name)).toEqual([
      'sample-web-01',
      'sample-db-01',
      'sample-archive-01',
    ]);
    expect(warningsAndErrors(inventory)).toEqual([]);
    const db = vmNamed(inventory, 'sample-db-01');
    expect(db).toMatchObject({
      cpus: 4,
      memoryMiB: 16384,
      firmware: 'efi',
      host: 'sample-host-02',
      toolsStatus: 'toolsOld',
      memoryHotAdd: true,
    });
    expect(db.disks.map((disk) => [disk.label, disk.key, disk.capacityMiB])).toEqual([
      ['Hard disk 1', 2100, 102400],
      ['Hard disk 2', 2101, 225280],
    ]);
    expect(db.partitions.map((partition) => partition.mount)).toEqual(['C:\\', 'D:\\']);
    // Boolean cells (t="b") of vNetwork.
    expect(db.nics.map((nic) => [nic.network, nic.connected, nic.ipv4])).toEqual([
      ['sample-db-net', true, ['10.10.2.20']],
      ['sample-backup-net', true, ['10.10.3.20']],
    ]);
    expect(db.snapshots).toEqual([
      { name: 'pre-maintenance', description: null, createdAt: null, sizeMiB: 512, quiesced: null },
    ]);
    expect(vmNamed(inventory, 'sample-web-01').usbDevices).toEqual([
      { label: 'USB controller 1', connected: false, family: null, speed: null },
    ]);
  });

  it('fills hosts from the VMs where vHost is trimmed, and networks from the port sheets', () => {
    expect(inventory.hosts[0]).toMatchObject({
      name: 'sample-host-01',
      cpuCores: 16,
      cluster: 'sample-cluster-a',
    });
    expect(inventory.clusters).toEqual([
      expect.objectContaining({ name: 'sample-cluster-a', totalCpuMhz: 76800 }),
    ]);
    expect(inventory.networks).toEqual([
      { name: 'sample-app-net', kind: 'standard', switchName: 'vSwitch0', vlan: '101' },
      { name: 'sample-db-net', kind: 'standard', switchName: 'vSwitch0', vlan: '102' },
      { name: 'sample-backup-net', kind: 'distributed', switchName: 'dvSwitch-backup', vlan: '103' },
    ]);
  });
});

const ibmSizing = sample('ibm-SizingWorkshop-RVTools.xlsx', '(RVTools 3.x, four sheets)');
describe.skipIf(ibmSizing.skip)(ibmSizing.title, () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await readRvtoolsInventory({ path: rvtoolsSample('ibm-SizingWorkshop-RVTools.xlsx') });
  });

  it('counts 805 VMs of which 10 templates among ~3,500 formatted rows', () => {
    expect(inventory.vms).toHaveLength(805);
    expect(inventory.vms.filter((vm) => vm.template)).toHaveLength(10);
  });

  it('takes disks from vInfo when vDisk is absent, and says so', () => {
    const vm = vmNamed(inventory, 'wadfs1');
    // vInfo: Disks 1, Provisioned MB 86201.
    expect(vm.disks).toEqual([
      expect.objectContaining({ label: 'Hard disk 1', capacityMiB: 86201, path: null }),
    ]);
    expect(inventory.vms.filter((candidate) => candidate.disks.length === 0)).toHaveLength(0);
    const warnings = warningsAndErrors(inventory);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        sheet: 'vInfo',
        column: 'Disks',
        message: expect.stringContaining('no vDisk sheet'),
      }),
    );
    // The rest: VMs whose vNetwork rows are fewer than vInfo's NIC count, each naming both rows.
    const counts = warnings.filter((warning) => warning.column === 'NICs');
    expect(counts.length).toBe(warnings.length - 1);
    expect(counts[0].message).toMatch(
      /^vInfo row \d+ says VM ".+" has 2 NICs, vNetwork has 1 row for it \(row \d+\)/,
    );
  });

  it('reads MB headers as MiB without rescaling, and the partitions behind a `Free % ` header', () => {
    const vm = vmNamed(inventory, 'wadfs1');
    expect(vm).toMatchObject({
      key: 'vc/name:wadfs1',
      cpus: 1,
      memoryMiB: 4096,
      provisionedMiB: 86201,
      inUseMiB: 62420,
      datacenter: 'Datacenter1',
      cluster: 'Cluster1',
      host: 'bovmsp-04.customer.com',
      guestOsConfig: 'Microsoft Windows Server 2008 R2 (64-bit)',
    });
    expect(vm.partitions).toEqual([{ mount: 'C:\\', capacityMiB: 81916, freeMiB: 40406, diskKey: null }]);
    expect(vm.source.vPartition[0]['Free %']).toBe('49');
    expect(inventory.source.rvtoolsVersion).toMatch(/^<4\.1\.2/);
  });

  it('reads hosts and derives clusters and the datacenter', () => {
    expect(inventory.hosts).toHaveLength(34);
    expect(inventory.hosts[0]).toMatchObject({ name: 'vmsp-01', cpuCores: 16, memoryMiB: 262109 });
    expect(inventory.clusters.map((cluster) => cluster.name).sort()).toEqual([
      'Cluster1',
      'Cluster2',
      'DMZ',
      'Mgmt',
    ]);
    expect(inventory.datacenters).toEqual([{ name: 'Datacenter1' }]);
    expect(inventory.vms.reduce((sum, vm) => sum + vm.partitions.length, 0)).toBe(1618);
  });
});
