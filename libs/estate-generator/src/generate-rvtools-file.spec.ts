import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRvtoolsFile } from './generate-rvtools-file.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'estate-file-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generateRvtoolsFile', () => {
  it('writes an xlsx and reports what it wrote', async () => {
    const out = join(dir, 'estate.xlsx');
    const result = await generateRvtoolsFile({
      vms: 60,
      seed: 42,
      out,
      format: 'xlsx',
      sheets: ['vInfo', 'vDisk'],
    });
    expect(result).toMatchObject({
      path: out,
      format: 'xlsx',
      variant: '4.x',
      seed: 42,
      vms: 60,
      contents: ['vInfo', 'vDisk'],
    });
    expect(result.bytes).toBe((await stat(out)).size);
    expect(result.traps.templates).toBeGreaterThan(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    expect(workbook.getWorksheet('vInfo')?.rowCount).toBe(61);
  });

  it('writes a CSV folder and a CSV zip in the 3.x dialect', async () => {
    const folder = join(dir, 'csv');
    const inFolder = await generateRvtoolsFile({
      vms: 40,
      seed: 1,
      out: folder,
      format: 'csv-dir',
      variant: '3.x',
    });
    expect((await readdir(folder)).sort()).toEqual([...inFolder.contents].sort());
    expect(inFolder.variant).toBe('3.x');
    const zip = join(dir, 'estate.zip');
    const zipped = await generateRvtoolsFile({
      vms: 40,
      seed: 1,
      out: zip,
      format: 'csv-zip',
      variant: '3.x',
    });
    expect(zipped.contents).toEqual(inFolder.contents);
    expect(zipped.bytes).toBeLessThan(inFolder.bytes);
  });

  it('names the option it rejects', async () => {
    await expect(
      generateRvtoolsFile({ vms: 10, out: join(dir, 'x'), format: 'ods' as 'xlsx' }),
    ).rejects.toThrow(/format must be one of xlsx, csv-zip, csv-dir, got "ods"/);
    await expect(
      generateRvtoolsFile({ vms: 10, out: join(dir, 'x'), variant: '5.x' as '4.x' }),
    ).rejects.toThrow(/variant/);
    await expect(generateRvtoolsFile({ vms: 10, out: '' })).rejects.toThrow(/out/);
  });
});
