import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEstate } from './estate-generator.js';
import type { GeneratedEstate } from './model.js';
import { CUSTOM_ATTRIBUTE_COLUMNS, RVTOOLS_4X_HEADERS } from './rvtools-headers.js';
import { RVTOOLS_SHEETS, sheetColumns } from './rvtools-sheets.js';
import { isVmSheet, vmSheetGetterNames } from './rvtools-vm-columns.js';
import { writeRvtoolsXlsx } from './rvtools-xlsx-writer.js';

function headerOf(sheet: ExcelJS.Worksheet): string[] {
  const values = sheet.getRow(1).values;
  return (Array.isArray(values) ? values.slice(1) : []).map((value) => String(value));
}

function rowsAsRecords(sheet: ExcelJS.Worksheet): Array<Record<string, ExcelJS.CellValue>> {
  const header = headerOf(sheet);
  const records: Array<Record<string, ExcelJS.CellValue>> = [];
  sheet.eachRow((row, rowNumber) => {
    if (rowNumber === 1) return;
    const record: Record<string, ExcelJS.CellValue> = {};
    header.forEach((name, i) => {
      record[name] = row.getCell(i + 1).value;
    });
    records.push(record);
  });
  return records;
}

let dir: string;
let estate: GeneratedEstate;
const workbook = new ExcelJS.Workbook();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'estate-xlsx-'));
  estate = generateEstate({ vms: 150, seed: 11 });
  const file = join(dir, 'rvtools.xlsx');
  await writeRvtoolsXlsx(estate, file);
  await workbook.xlsx.readFile(file);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the header rows copied from RVTools 4.7.1', () => {
  it('fill every column of each per-VM sheet, and only real columns', () => {
    for (const sheet of RVTOOLS_SHEETS.filter(isVmSheet)) {
      const header = RVTOOLS_4X_HEADERS[sheet].filter(
        (name) => name !== CUSTOM_ATTRIBUTE_COLUMNS,
      ) as string[];
      const { own, common } = vmSheetGetterNames(sheet);
      for (const name of own) expect(header, `${sheet} has no column ${name}`).toContain(name);
      for (const name of header) expect([...own, ...common], `${sheet}.${name} has no value`).toContain(name);
    }
  });

  it('keep the reference column counts (custom attributes aside)', () => {
    // Counted in the genuine 4.7.1 export, less its Backup status, ClusterInvariantVMMId and Last backup columns.
    const base = (sheet: keyof typeof RVTOOLS_4X_HEADERS) =>
      RVTOOLS_4X_HEADERS[sheet].filter((name) => name !== CUSTOM_ATTRIBUTE_COLUMNS).length;
    expect(base('vInfo')).toBe(90);
    expect(base('vDisk')).toBe(40);
    expect(base('vNetwork')).toBe(27);
    expect(base('vSource')).toBe(14);
    expect(base('vMetaData')).toBe(4);
  });
});

describe('writeRvtoolsXlsx (4.x)', () => {
  it('writes the sheets in RVTools order with the exact headers, attributes in the middle of vInfo', () => {
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([...RVTOOLS_SHEETS]);
    for (const name of RVTOOLS_SHEETS) {
      const sheet = workbook.getWorksheet(name);
      if (!sheet) throw new Error(`missing sheet ${name}`);
      expect(headerOf(sheet)).toEqual(sheetColumns(estate, name, '4.x').map((column) => column.header));
    }
    const vInfo = headerOf(workbook.getWorksheet('vInfo') as ExcelJS.Worksheet);
    const annotation = vInfo.indexOf('Annotation');
    expect(vInfo.slice(annotation, annotation + 7)).toEqual([
      'Annotation',
      'Application',
      'Backup status',
      'Environment',
      'Last backup',
      'Owner',
      'Datacenter',
    ]);
    expect(vInfo).toContain('Provisioned MiB');
    expect(vInfo).toContain('SMBIOS UUID');
    expect(vInfo.at(-1)).toBe('VI SDK UUID');
  });

  it('writes one row per VM, disk, partition, NIC, drive, USB device and snapshot', () => {
    const rows = (name: string) => (workbook.getWorksheet(name)?.rowCount ?? 0) - 1;
    const sum = (pick: (vm: GeneratedEstate['vms'][number]) => number) =>
      estate.vms.reduce((n, vm) => n + pick(vm), 0);
    expect(rows('vInfo')).toBe(150);
    expect(rows('vCPU')).toBe(150);
    expect(rows('vTools')).toBe(150);
    expect(rows('vDisk')).toBe(sum((vm) => vm.disks.length));
    expect(rows('vPartition')).toBe(sum((vm) => vm.partitions.length));
    expect(rows('vNetwork')).toBe(sum((vm) => vm.nics.length));
    expect(rows('vCD')).toBe(sum((vm) => vm.cdroms.length));
    expect(rows('vUSB')).toBe(sum((vm) => vm.usbDevices.length));
    expect(rows('vSnapshot')).toBe(sum((vm) => vm.snapshots.length));
    expect(rows('vHost')).toBe(estate.hosts.length);
    expect(rows('vDatastore')).toBe(estate.datastores.length);
    expect(rows('vMetaData')).toBe(1);
  });

  it('writes values the way RVTools does: True/False text, real dates, numbers, keys that join', () => {
    const vInfo = rowsAsRecords(workbook.getWorksheet('vInfo') as ExcelJS.Worksheet);
    const byId = new Map(estate.vms.map((vm) => [vm.moref, vm]));
    for (const row of vInfo) {
      const vm = byId.get(String(row['VM ID']));
      if (!vm) throw new Error(`vInfo row for unknown VM ${row['VM ID']}`);
      expect(row.VM).toBe(vm.name);
      expect(row.Template).toBe(vm.template ? 'True' : 'False');
      expect(row['Creation date']).toBeInstanceOf(Date);
      expect((row['Creation date'] as Date).toISOString()).toBe(vm.createdAt);
      expect(row.CPUs).toBe(vm.cpus);
      expect(row.Memory).toBe(vm.memoryMiB);
      expect(row['VM UUID']).toBe(vm.instanceUuid);
      expect(row['SMBIOS UUID']).toBe(vm.biosUuid);
      expect(row.CBT).toBe(vm.cbt ? 'TRUE' : null);
      expect(row.Application ?? undefined).toBe(vm.customAttributes.Application);
    }
    const vDisk = rowsAsRecords(workbook.getWorksheet('vDisk') as ExcelJS.Worksheet);
    const rdm = vDisk.find((row) => row.Raw === 'True');
    const shared = vDisk.filter(
      (row) => row['Sharing mode'] === 'sharingMultiWriter' || row['Shared Bus'] === 'physicalSharing',
    );
    expect(rdm?.['Raw Comp. Mode']).toMatch(/^(physical|virtual)Mode$/);
    expect(shared.length).toBeGreaterThan(0);
    const paths = shared.map((row) => String(row.Path));
    expect(new Set(paths).size).toBeLessThan(paths.length);
    expect(vDisk.every((row) => /^\[[^\]]+\] .+\.vmdk$/.test(String(row.Path)))).toBe(true);
  });
});

describe('writeRvtoolsXlsx (3.x)', () => {
  it('writes MB headers, vCenter UUID, no SMBIOS UUID, and the BIOS UUID as VM UUID, with the same values', async () => {
    const file = join(dir, 'rvtools-3x.xlsx');
    await writeRvtoolsXlsx(estate, file, { variant: '3.x', sheets: ['vInfo', 'vPartition', 'vDatastore'] });
    const old = new ExcelJS.Workbook();
    await old.xlsx.readFile(file);
    expect(old.worksheets.map((sheet) => sheet.name)).toEqual(['vInfo', 'vPartition', 'vDatastore']);
    const vInfo = headerOf(old.getWorksheet('vInfo') as ExcelJS.Worksheet);
    expect(vInfo).toContain('Provisioned MB');
    expect(vInfo).toContain('Total disk capacity MB');
    expect(vInfo).toContain('vCenter UUID');
    expect(vInfo).not.toContain('VI SDK UUID');
    expect(vInfo).not.toContain('SMBIOS UUID');
    expect(vInfo.some((name) => name.includes('MiB'))).toBe(false);
    expect(headerOf(old.getWorksheet('vPartition') as ExcelJS.Worksheet)).toContain('Free % ');
    const rows = rowsAsRecords(old.getWorksheet('vInfo') as ExcelJS.Worksheet);
    const first = estate.vms[0];
    const row = rows.find((candidate) => candidate['VM ID'] === first.moref);
    expect(row?.['VM UUID']).toBe(first.biosUuid);
    expect(row?.['Provisioned MB']).toBe(
      rowsAsRecords(workbook.getWorksheet('vInfo') as ExcelJS.Worksheet).find(
        (r) => r['VM ID'] === first.moref,
      )?.['Provisioned MiB'],
    );
  });

  it('rejects a sheet it does not know, naming it', async () => {
    await expect(
      writeRvtoolsXlsx(estate, join(dir, 'x.xlsx'), { sheets: ['vInfo', 'vLicense'] }),
    ).rejects.toThrow(/unknown RVTools sheet "vLicense"/);
  });
});
