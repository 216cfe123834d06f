import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Inventory } from '#libs/inventory';
import { csv, ScratchDir, writeXlsx } from '../../../test/fixtures/rvtools/rvtools-test-files.js';
import { exportDateFromFileName, newestVmTimestamp } from './export-date.js';
import { readRvtoolsInventory } from './index.js';

const scratch = new ScratchDir();
afterAll(() => scratch.cleanup());

const read = async (fileName: string, sheets: Parameters<typeof writeXlsx>[1]): Promise<Inventory> => {
  const path = await writeXlsx(join(scratch.path, fileName), sheets);
  return readRvtoolsInventory({ path, fileName });
};

const VINFO_HEADER = [
  'VM',
  'Powerstate',
  'CPUs',
  'Memory',
  'NICs',
  'Disks',
  'Total disk capacity MiB',
  'Network #1',
  'Network #2',
  'Path',
  'Change Version',
  'VM ID',
];
const vinfoRow = (name: string, id: string, nics: number, disks: number, changed = '2025/03/01 10:00:00') => [
  name,
  'poweredOn',
  2,
  4096,
  nics,
  disks,
  102400,
  'prod-net',
  nics > 1 ? 'backup-net' : '',
  `[ds-gold] ${name}/${name}.vmx`,
  changed,
  id,
];

describe('the export date', () => {
  it("is vMetaData's xlsx creation datetime when the export has it", async () => {
    const inventory = await read('RVTools_export_all_2025-01-01_08.00.00.xlsx', {
      vInfo: [VINFO_HEADER, vinfoRow('app-01', 'vm-1', 1, 1)],
      vMetaData: [
        ['RVTools major version', 'RVTools version', 'xlsx creation datetime', 'Server'],
        ['4.7', '45926.171543981502', new Date('2025-12-17T16:35:29.000Z'), 'vc.example.org'],
      ],
    });
    expect(inventory.source).toMatchObject({
      exportedAt: '2025-12-17T16:35:29.000Z',
      exportedAtBasis: 'vMetaData',
    });
    // Excel turned the version cell into a date serial: the major version stands in.
    expect(inventory.source.rvtoolsVersion).toBe('4.7');
  });

  it('comes from the file name when vMetaData is absent', async () => {
    const inventory = await read('RVTools_export_all_2025-09-26_13.41.46.xlsx', {
      vInfo: [VINFO_HEADER, vinfoRow('app-01', 'vm-1', 1, 1)],
    });
    expect(inventory.source).toMatchObject({
      exportedAt: '2025-09-26T13:41:46.000Z',
      exportedAtBasis: 'file-name',
    });
  });

  it('is bounded by the newest timestamp in the file when nothing names it', async () => {
    const inventory = await read('inventory.xlsx', {
      vInfo: [
        VINFO_HEADER,
        vinfoRow('app-01', 'vm-1', 1, 1, '2025/03/01 10:00:00'),
        vinfoRow('app-02', 'vm-2', 1, 1, '2025/04/02 11:30:00'),
      ],
    });
    expect(inventory.source).toMatchObject({
      exportedAt: '2025-04-02T11:30:00.000Z',
      exportedAtBasis: 'newest-timestamp',
    });
  });

  it('reads the date forms RVTools file names carry, and refuses impossible dates', () => {
    expect(exportDateFromFileName('RVTools_export_all_w082_2025-12-15_14.45.00.xlsx')).toBe(
      '2025-12-15T14:45:00.000Z',
    );
    expect(exportDateFromFileName('RVTools_2024-02-27.xlsx')).toBe('2024-02-27T00:00:00.000Z');
    expect(exportDateFromFileName('RVTools_2024-02-30.xlsx')).toBeNull();
    expect(exportDateFromFileName('RVTools_export_all_30052025.xlsx')).toBeNull();
    expect(newestVmTimestamp([])).toBeNull();
  });
});

describe('sheet names with the CSV export tab prefix', () => {
  it('reads tabvInfo, tabvDisk... as vInfo, vDisk...', async () => {
    const inventory = await read('old.xlsx', {
      tabvInfo: [VINFO_HEADER, vinfoRow('app-01', 'vm-1', 1, 1)],
      tabvDisk: [
        ['VM', 'Disk', 'Capacity MB', 'Path', 'VM ID'],
        ['app-01', 'Hard disk 1', 102400, '[ds-gold] app-01/app-01.vmdk', 'vm-1'],
      ],
    });
    expect(inventory.vms.map((vm) => vm.name)).toEqual(['app-01']);
    expect(inventory.vms[0].disks).toEqual([
      expect.objectContaining({ label: 'Hard disk 1', datastore: 'ds-gold' }),
    ]);
  });
});

describe('missing and contradictory sheets', () => {
  it('takes disks and NICs from vInfo when vDisk and vNetwork are absent, with a diagnostic', async () => {
    const inventory = await read('trimmed.xlsx', { vInfo: [VINFO_HEADER, vinfoRow('app-01', 'vm-1', 2, 2)] });
    const [vm] = inventory.vms;
    expect(vm.disks.map((disk) => [disk.label, disk.capacityMiB, disk.datastore, disk.path])).toEqual([
      ['Hard disk 1', 51200, 'ds-gold', null],
      ['Hard disk 2', 51200, 'ds-gold', null],
    ]);
    expect(vm.nics.map((nic) => [nic.label, nic.network])).toEqual([
      ['Network adapter 1', 'prod-net'],
      ['Network adapter 2', 'backup-net'],
    ]);
    const fallbacks = inventory.diagnostics.filter((d) => /no (vDisk|vNetwork) sheet/.test(d.message));
    expect(fallbacks.map((d) => [d.severity, d.sheet, d.column])).toEqual([
      ['warning', 'vInfo', 'Disks'],
      ['warning', 'vInfo', 'NICs'],
    ]);
  });

  it('warns when vInfo counts and child rows disagree, naming both rows', async () => {
    const inventory = await read('contradicting.xlsx', {
      vInfo: [VINFO_HEADER, vinfoRow('app-01', 'vm-1', 1, 2), vinfoRow('app-02', 'vm-2', 1, 1)],
      vDisk: [
        ['VM', 'Disk', 'Capacity MB', 'Path', 'VM ID'],
        ['app-01', 'Hard disk 1', 102400, '[ds-gold] app-01/app-01.vmdk', 'vm-1'],
        // Named app-01, but vm-2 is app-02: joined by the ID, and reported.
        ['app-01', 'Hard disk 1', 102400, '[ds-gold] app-02/app-02.vmdk', 'vm-2'],
      ],
      vNetwork: [
        ['VM', 'NIC label', 'Network', 'VM ID'],
        ['app-01', 'Network adapter 1', 'prod-net', 'vm-1'],
        ['app-02', 'Network adapter 1', 'prod-net', 'vm-2'],
      ],
    });
    const warnings = inventory.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({
        sheet: 'vDisk',
        row: 3,
        column: 'VM',
        message:
          'row names VM "app-01" but its VM ID vm-2 is VM "app-02" (vInfo row 3): joined to "app-02" by the ID; check which one is right',
      }),
      expect.objectContaining({
        sheet: 'vDisk',
        row: 2,
        column: 'Disks',
        message:
          'vInfo row 2 says VM "app-01" has 2 disks, vDisk has 1 row for it (row 2): the vDisk rows are used',
      }),
    ]);
    expect(inventory.vms.map((vm) => vm.disks.length)).toEqual([1, 1]);
  });
});

describe('CSV exports', () => {
  it('date the export from the newest timestamp, RVTools CSVs having no vMetaData', async () => {
    const folder = join(scratch.path, 'csv-export');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    scratch.file(
      'csv-export/RVTools_tabvInfo.csv',
      csv([VINFO_HEADER, vinfoRow('app-01', 'vm-1', 1, 0, '2025/02/26 19:08:59')]),
    );
    const inventory = await readRvtoolsInventory({ path: folder });
    expect(inventory.source).toMatchObject({
      format: 'csv-folder',
      exportedAt: '2025-02-26T19:08:59.000Z',
      exportedAtBasis: 'newest-timestamp',
    });
  });
});
