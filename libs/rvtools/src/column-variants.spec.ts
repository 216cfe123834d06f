import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Inventory, InventoryVm } from '#libs/inventory';
import { buildZip, csv, ScratchDir, writeXlsx } from '../../../test/fixtures/rvtools/rvtools-test-files.js';
import { readRvtoolsInventory } from './index.js';

const scratch = new ScratchDir();
afterAll(() => scratch.cleanup());

let counter = 0;
const xlsx = async (sheets: Parameters<typeof writeXlsx>[1]): Promise<Inventory> => {
  counter++;
  const path = await writeXlsx(join(scratch.path, `variant-${counter}.xlsx`), sheets);
  return readRvtoolsInventory({ path, fileName: `variant-${counter}.xlsx` });
};

const only = (inventory: Inventory, name: string): InventoryVm => {
  const matches = inventory.vms.filter((vm) => vm.name === name);
  expect(matches).toHaveLength(1);
  return matches[0];
};

describe('column matching by name', () => {
  it('reads RVTools 3.x headers (MB, vCenter UUID) as the 4.x ones, values not rescaled', async () => {
    const inventory = await xlsx({
      vInfo: [
        [
          'VM',
          'Powerstate',
          'Template',
          'CPUs',
          'Memory',
          'Provisioned MB',
          'In Use MB',
          'VM ID',
          'VM UUID',
          'VI SDK Server',
          'vCenter UUID',
        ],
        [
          'app-01',
          'poweredOn',
          'False',
          4,
          8192,
          204800,
          102400,
          'vm-42',
          '4201-aa',
          'vc.example.org',
          'VC-UUID-1',
        ],
      ],
      vDisk: [
        ['VM', 'Disk', 'Capacity MB', 'Thin', 'VM ID', 'VI SDK Server', 'vCenter UUID'],
        ['app-01', 'Hard disk 1', 204800, 'True', 'vm-42', 'vc.example.org', 'VC-UUID-1'],
      ],
      vPartition: [
        ['VM', 'Disk', 'Capacity MB', 'Consumed MB', 'Free MB', 'Free %', 'VM ID'],
        ['app-01', 'C:\\', 100000, 40000, 60000, 60, 'vm-42'],
      ],
    });
    const vm = only(inventory, 'app-01');
    expect(vm).toMatchObject({
      key: 'VC-UUID-1/vm-42',
      vcenter: { server: 'vc.example.org', uuid: 'VC-UUID-1' },
      memoryMiB: 8192,
      provisionedMiB: 204800,
      inUseMiB: 102400,
    });
    expect(vm.disks[0]).toMatchObject({ capacityMiB: 204800, thin: true });
    expect(vm.partitions).toEqual([{ mount: 'C:\\', capacityMiB: 100000, freeMiB: 60000, diskKey: null }]);
    expect(inventory.source.rvtoolsVersion).toMatch(/^<3\.9/);
  });

  it('finds columns whatever their order, case, spacing and punctuation; missing ones are unknown', async () => {
    const inventory = await xlsx({
      vInfo: [
        ['  host ', 'memory', 'cpus', 'POWERSTATE', ' vm ', 'Primary  IP address'],
        ['esx-07', 2048, 1, 'poweredOff', 'db-02', '10.1.2.3'],
      ],
      vCPU: [
        ['Cores P/S', 'VM', 'sockets'],
        [2, 'db-02', 1],
      ],
      vPartition: [
        ['VM', 'Disk', 'Capacity MiB', 'Free %  ', 'Free MiB '],
        ['db-02', '/', 1000, 25, 250],
      ],
    });
    const vm = only(inventory, 'db-02');
    expect(vm).toMatchObject({
      host: 'esx-07',
      memoryMiB: 2048,
      cpus: 1,
      powerState: 'poweredOff',
      primaryIp: '10.1.2.3',
      sockets: 1,
      coresPerSocket: 2,
      // No such columns: unknown, not guessed.
      template: false,
      firmware: 'unknown',
      cbtEnabled: null,
      createdAt: null,
      datacenter: null,
    });
    expect(vm.partitions).toEqual([{ mount: '/', capacityMiB: 1000, freeMiB: 250, diskKey: null }]);
    expect(vm.source.vPartition[0]).toEqual({
      VM: 'db-02',
      Disk: '/',
      'Capacity MiB': '1000',
      'Free %': '25',
      'Free MiB': '250',
    });
  });

  it('takes unknown vInfo columns as custom attributes, leaving known and network columns alone', async () => {
    const inventory = await xlsx({
      vInfo: [
        [
          'VM',
          'Powerstate',
          'Network #1',
          'Network #2',
          'Annotation',
          'Owner',
          'Cost center',
          'Backup policy',
          'Datacenter',
          'VM ID',
        ],
        [
          'web-01',
          'poweredOn',
          'prod-net',
          null,
          'Line one\nline two',
          'alice@example.org',
          '4711',
          null,
          'DC1',
          'vm-1',
        ],
        ['web-02', 'poweredOn', 'prod-net', 'dmz', null, null, '4712', 'gold', 'DC1', 'vm-2'],
      ],
      vMemory: [
        ['VM', 'Size MiB', 'Hot Add', 'Annotation', 'Owner', 'Rack', 'Datacenter', 'VM ID'],
        ['web-01', 4096, 'True', null, 'alice@example.org', 'R12', 'DC1', 'vm-1'],
      ],
    });
    expect(only(inventory, 'web-01').customAttributes).toEqual({
      Owner: 'alice@example.org',
      'Cost center': '4711',
      // Only in vMemory (between Annotation and Datacenter): taken from there.
      Rack: 'R12',
    });
    expect(only(inventory, 'web-01').annotation).toBe('Line one\nline two');
    expect(only(inventory, 'web-02').customAttributes).toEqual({
      'Cost center': '4712',
      'Backup policy': 'gold',
    });
    expect(only(inventory, 'web-01').memoryHotAdd).toBe(true);
    expect(inventory.networks.map((network) => network.name).sort()).toEqual(['dmz', 'prod-net']);
  });

  it('reads the `VM` placeholder as empty and booleans as tri-state', async () => {
    const inventory = await xlsx({
      vInfo: [
        ['VM', 'Template', 'SRM Placeholder', 'CBT', 'EFI Secure boot', 'Consolidation Needed', 'Folder'],
        ['a', 'FALSE', 'False', 'TRUE', true, null, 'VM'],
        ['VM', 'True', 'false', 'no', false, 'yes', '/DC/vm/Linux'],
      ],
      vNetwork: [
        ['VM', 'NIC label', 'Adapter', 'Network', 'Switch', 'Connected', 'IPv4 Address', 'IPv6 Address'],
        [
          'a',
          'Network adapter 1',
          'E1000e',
          'pg-1',
          'VM',
          'True',
          '10.0.0.1, 10.0.0.2',
          'fe80::1, 2001:db8::5',
        ],
      ],
    });
    expect(only(inventory, 'a')).toMatchObject({
      template: false,
      srmPlaceholder: false,
      cbtEnabled: true,
      secureBoot: true,
      consolidationNeeded: null,
      folder: null,
    });
    // A VM may be named VM: the placeholder rule never applies to the name column.
    expect(only(inventory, 'VM')).toMatchObject({
      template: true,
      cbtEnabled: false,
      consolidationNeeded: true,
      folder: '/DC/vm/Linux',
    });
    expect(only(inventory, 'a').nics[0]).toMatchObject({
      adapterType: 'e1000e',
      switchName: null,
      ipv4: ['10.0.0.1', '10.0.0.2'],
      ipv6: ['fe80::1', '2001:db8::5'],
    });
  });

  it('believes a switch named VM when the switch sheets list one', async () => {
    const inventory = await xlsx({
      vInfo: [['VM'], ['a']],
      vNetwork: [
        ['VM', 'NIC label', 'Network', 'Switch'],
        ['a', 'Network adapter 1', 'pg-7', 'VM'],
      ],
      vSwitch: [
        ['Host', 'Switch', '# Ports'],
        ['esx-1', 'VM', 8960],
      ],
      vPort: [
        ['Host', 'Port Group', 'Switch', 'VLAN'],
        ['esx-1', 'pg-7', 'VM', 2079],
      ],
    });
    expect(only(inventory, 'a').nics[0].switchName).toBe('VM');
    expect(inventory.networks).toEqual([{ name: 'pg-7', kind: 'standard', switchName: 'VM', vlan: '2079' }]);
  });

  it('keeps Unicode and unusual names exactly as written', async () => {
    const long = `srv-${'x'.repeat(300)}`;
    const names = ['сервер-базы-данных', '数据库服务器', ' spaced name ', 'naïve–VM (copy)', long];
    const inventory = await xlsx({
      vInfo: [['VM', 'Powerstate'], ...names.map((name) => [name, 'poweredOn'])],
      vDisk: [['VM', 'Disk', 'Capacity MiB'], ...names.map((name) => [name, 'Hard disk 1', 1024])],
    });
    expect(inventory.vms.map((vm) => vm.name)).toEqual(names);
    for (const vm of inventory.vms) expect(vm.disks).toHaveLength(1);
  });
});

describe('identity, joins and diagnostics', () => {
  it('keys VMs by vCenter and VM ID, so two vCenters may reuse an ID', async () => {
    const inventory = await xlsx({
      vInfo: [
        ['VM', 'VM ID', 'VM UUID', 'VI SDK Server', 'VI SDK UUID'],
        ['a', 'vm-10', 'u-1', 'vc-a', 'UUID-A'],
        ['b', 'vm-10', 'u-2', 'vc-b', 'UUID-B'],
        ['c', null, 'u-3', 'vc-b', null],
        ['d', 'vm-11', null, 'vc-c', null],
      ],
      vDisk: [
        ['VM', 'Disk', 'VM ID', 'VI SDK UUID'],
        ['renamed-since', 'Hard disk 1', 'vm-10', 'UUID-B'],
      ],
      vNetwork: [
        ['VM', 'NIC label', 'VM UUID'],
        ['c', 'Network adapter 1', 'U-3'],
      ],
    });
    expect(inventory.vms.map((vm) => vm.key)).toEqual(['UUID-A/vm-10', 'UUID-B/vm-10', 'u-3', 'vc-c/vm-11']);
    expect(only(inventory, 'b').disks).toHaveLength(1);
    expect(only(inventory, 'a').disks).toHaveLength(0);
    expect(only(inventory, 'c').nics).toHaveLength(1);
    expect(inventory.source.vcenters).toEqual([
      { server: 'vc-a', uuid: 'UUID-A' },
      { server: 'vc-b', uuid: 'UUID-B' },
      { server: 'vc-c', uuid: null },
    ]);
  });

  it('diagnoses duplicate VM IDs, unknown and ambiguous child rows, bad numbers and dates', async () => {
    const inventory = await xlsx({
      vInfo: [
        ['VM', 'CPUs', 'Memory', 'Creation date', 'VM ID'],
        ['one', 2, 'lots', '31.02.2024 10:00:00', 'vm-1'],
        ['one-again', 2, 1024, null, 'vm-1'],
        ['twin', 1, 512, null, null],
        ['twin', 1, 512, null, null],
      ],
      vDisk: [
        ['VM', 'Disk', 'Capacity MiB', 'VM ID'],
        ['ghost', 'Hard disk 1', 10, 'vm-99'],
        ['twin', 'Hard disk 1', 10, null],
        ['one', 'Hard disk 1', '1O24', 'vm-1'],
      ],
    });
    expect(inventory.vms.map((vm) => vm.name)).toEqual(['one', 'twin', 'twin']);
    expect(inventory.vms.map((vm) => vm.key)).toEqual(['vc/vm-1', 'vc/name:twin', 'vc/name:twin#row5']);
    const one = only(inventory, 'one');
    expect(one.memoryMiB).toBe(0);
    expect(one.createdAt).toBeNull();
    expect(one.disks[0].capacityMiB).toBe(0);
    const find = (text: string) =>
      inventory.diagnostics.find((diagnostic) => diagnostic.message.includes(text));
    expect(find('"lots" is not a number')).toMatchObject({
      severity: 'warning',
      sheet: 'vInfo',
      row: 2,
      column: 'Memory',
      value: 'lots',
    });
    expect(find('is not a date')).toMatchObject({
      sheet: 'vInfo',
      row: 2,
      column: 'Creation date',
      value: '31.02.2024 10:00:00',
    });
    expect(find('duplicate VM ID vm-1')).toMatchObject({
      sheet: 'vInfo',
      row: 3,
      column: 'VM ID',
      value: 'vm-1',
    });
    expect(find('not in vInfo')).toMatchObject({ sheet: 'vDisk', row: 2, column: 'VM', value: 'ghost' });
    expect(find('2 VMs are named "twin"')).toMatchObject({ sheet: 'vDisk', row: 3, value: 'twin' });
    expect(find('"1O24" is not a number')).toMatchObject({ sheet: 'vDisk', row: 4, column: 'Capacity MiB' });
  });

  it('converts Excel serial dates of the date columns to ISO UTC', async () => {
    const inventory = await xlsx({
      vInfo: [
        ['VM', 'Creation date', 'PowerOn', 'Change Version'],
        ['a', new Date(Date.UTC(2024, 0, 15, 10, 30, 0)), 45762.218, '2017-11-28T19:32:21.560802Z'],
      ],
      vSnapshot: [
        ['VM', 'Name', 'Description', 'Date / time', 'Size MiB (total)', 'Quiesced'],
        ['a', 'before upgrade', 'taken by "ops"', new Date(Date.UTC(2025, 3, 15, 5, 14, 12)), 1536.5, 'True'],
      ],
    });
    const vm = only(inventory, 'a');
    expect(vm.createdAt).toBe('2024-01-15T10:30:00.000Z');
    expect(vm.poweredOnAt).toBe('2025-04-15T05:13:55.200Z');
    expect(vm.configChangedAt).toBe('2017-11-28T19:32:21.561Z');
    expect(vm.snapshots).toEqual([
      {
        name: 'before upgrade',
        description: 'taken by "ops"',
        createdAt: '2025-04-15T05:14:12.000Z',
        sizeMiB: 1536.5,
        quiesced: true,
      },
    ]);
  });
});

describe('CSV exports', () => {
  const vinfo = [
    [
      'VM',
      'Powerstate',
      'Template',
      'CPUs',
      'Memory',
      'Provisioned MB',
      'PowerOn',
      'Creation date',
      'Change Version',
      'Annotation',
      'VM ID',
      'VI SDK Server',
    ],
    [
      '59admin',
      'poweredOn',
      'False',
      '2',
      '16,384',
      '118,892',
      '2017/11/28 16:14:28',
      '4/15/2025 5:14:12 AM',
      '2017-11-28T21:14:28.910375Z',
      'multi\nline',
      'vm-98718',
      'apvcenter',
    ],
    [
      'APDC03',
      'poweredOff',
      'False',
      '2',
      '4,096',
      '65,744',
      '',
      '15.04.2025 05:14:12',
      '2017-02-02T22:38:49Z',
      'The "DC"',
      'vm-44956',
      'apvcenter',
    ],
  ];
  const vdisk = [
    ['VM', 'Disk', 'Capacity MB', 'Path', 'VM ID', 'VI SDK Server'],
    ['59admin', 'Hard disk 1', '102,400', '[DS 01] 59admin/59admin.vmdk', 'vm-98718', 'apvcenter'],
  ];
  const expectCsvInventory = (inventory: Inventory) => {
    expect(inventory.vms).toHaveLength(2);
    expect(only(inventory, '59admin')).toMatchObject({
      key: 'apvcenter/vm-98718',
      memoryMiB: 16384,
      provisionedMiB: 118892,
      poweredOnAt: '2017-11-28T16:14:28.000Z',
      createdAt: '2025-04-15T05:14:12.000Z',
      configChangedAt: '2017-11-28T21:14:28.910Z',
      annotation: 'multi\nline',
    });
    expect(only(inventory, '59admin').disks[0]).toMatchObject({ capacityMiB: 102400, datastore: 'DS 01' });
    expect(only(inventory, 'APDC03')).toMatchObject({
      createdAt: '2025-04-15T05:14:12.000Z',
      annotation: 'The "DC"',
    });
    expect(inventory.diagnostics.filter((diagnostic) => diagnostic.severity !== 'info')).toEqual([]);
  };

  it('reads a zip of RVTools_tab*.csv files (BOM, thousands separators, locale dates)', async () => {
    const zip = buildZip([
      { name: 'export/RVTools_tabvInfo.csv', data: `\uFEFF${csv(vinfo)}` },
      { name: 'export/RVTools_tabvDisk.csv', data: `\uFEFF${csv(vdisk)}` },
    ]);
    const inventory = await readRvtoolsInventory({ path: scratch.file('rvtools-csv.zip', zip) });
    expect(inventory.source.format).toBe('csv-zip');
    expect(inventory.source.sheets.sort()).toEqual(['vDisk', 'vInfo']);
    expectCsvInventory(inventory);
    // Row numbers count records, as a spreadsheet shows them (the multi-line annotation is one row).
    expect(only(inventory, 'APDC03').source.vInfo[0].VM).toBe('APDC03');
  });

  it('reads a folder of RVTools_tab*.csv files', async () => {
    const folder = join(scratch.path, 'csv-folder');
    mkdirSync(folder);
    scratch.file('csv-folder/RVTools_tabvInfo.csv', csv(vinfo));
    scratch.file('csv-folder/RVTools_tabvDisk.csv', csv(vdisk));
    scratch.file('csv-folder/notes.txt', 'not a sheet');
    const inventory = await readRvtoolsInventory({ path: folder, fileName: 'export' });
    expect(inventory.source.format).toBe('csv-folder');
    expectCsvInventory(inventory);
  });

  it('reads a single CSV as the vInfo sheet, semicolon-separated with decimal commas', async () => {
    const semicolon = csv(
      [
        ['VM', 'CPUs', 'Memory', 'Provisioned MiB', 'Creation date'],
        ['a', '2', '4096', '1024,5', '15/04/2025 17:14'],
      ],
      ';',
    );
    const inventory = await readRvtoolsInventory({ path: scratch.file('vinfo.csv', semicolon) });
    expect(inventory.source).toMatchObject({ format: 'csv', sheets: ['vInfo'] });
    expect(only(inventory, 'a')).toMatchObject({
      cpus: 2,
      memoryMiB: 4096,
      provisionedMiB: 1024.5,
      createdAt: '2025-04-15T17:14:00.000Z',
    });
  });

  it('maps the tab-prefixed header names of RVTools CSV exports', async () => {
    const internal = csv([
      [
        'vInfoVMName',
        'vInfoPowerstate',
        'vInfoCPUs',
        'vInfoMemory',
        'vInfoProvisioned',
        'vInfoDataCenter',
        'vInfoVISDKServer',
        'vInfo_tags_Team',
        'vInfoNetwork1',
      ],
      ['web-01', 'poweredOn', '2', '2048', '40960', 'DC1', 'vc1', 'payments', 'prod'],
    ]);
    const inventory = await readRvtoolsInventory({ path: scratch.file('RVTools_tabvInfo.csv', internal) });
    expect(only(inventory, 'web-01')).toMatchObject({
      powerState: 'poweredOn',
      cpus: 2,
      memoryMiB: 2048,
      provisionedMiB: 40960,
      datacenter: 'DC1',
      vcenter: { server: 'vc1', uuid: null },
      customAttributes: { Team: 'payments' },
    });
    expect(inventory.networks).toEqual([{ name: 'prod', kind: 'unknown', switchName: null, vlan: null }]);
  });

  it('keeps rows read before a CSV quoting error and reports it', async () => {
    const broken = `VM,CPUs\r\nok-1,2\r\nok-2,4\r\n"unterminated,8\r\n`;
    const inventory = await readRvtoolsInventory({ path: scratch.file('broken.csv', broken) });
    expect(inventory.vms.map((vm) => vm.name)).toEqual(['ok-1', 'ok-2']);
    expect(inventory.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        sheet: 'vInfo',
        message: expect.stringContaining('cannot be parsed'),
      }),
    );
  });
});
