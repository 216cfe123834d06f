import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  workbookEntries,
  writeHighRatioWorkbook,
  writeHostileZip,
  writeHugeCellWorkbook,
  writeLongLineCsv,
  writeNumberedRowFloodWorkbook,
  writeRowFloodWorkbook,
  writeSharedStringFloodWorkbook,
  writeWhitespaceWorkbook,
} from '../../../test/fixtures/hostile/hostile-workbooks.js';
import { type RvtoolsImportOptions, readRvtoolsInventory } from './read-rvtools-inventory.js';
import { RvtoolsImportError } from './rvtools-import-error.js';

const MIB = 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads `file` from the corpus folder and returns the refusal (failing the test if it is read). */
async function refusal(file: string, options: RvtoolsImportOptions = {}): Promise<RvtoolsImportError> {
  const error = await readRvtoolsInventory({ path: join(dir, file) }, options).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RvtoolsImportError)) throw new Error(`${file} was not refused: ${String(error)}`);
  return error;
}

/** Every other guard off, so only the limit under test can stop the file. */
const ONLY = (limits: RvtoolsImportOptions): RvtoolsImportOptions => ({
  maxCompressionRatio: 1e9,
  maxInflatedBytes: 2 ** 52,
  maxSheetBytes: 2 ** 52,
  maxVms: 2 ** 52,
  ...limits,
});

describe('hostile workbooks are refused by the limit they break, naming file, sheet and limit', () => {
  it('a cell over 1 Mi characters (32-104 MiB in issue 11)', async () => {
    await writeHugeCellWorkbook(join(dir, 'huge-cell.xlsx'), 4 * MIB);
    const error = await refusal('huge-cell.xlsx');
    expect(error.code).toBe('too-large');
    expect(error.sheet).toBe('vInfo');
    expect(error.message).toBe(
      '"huge-cell.xlsx", sheet vInfo: cell A2 holds more than 1,048,576 characters, the limit per cell.',
    );
  });

  it('keeps a cell of 32,767 characters whole and cuts a longer one to that, with a diagnostic', async () => {
    await writeHugeCellWorkbook(join(dir, 'full-cell.xlsx'), 32_767);
    const full = await readRvtoolsInventory({ path: join(dir, 'full-cell.xlsx') });
    expect(full.vms.map((vm) => vm.name.length)).toContain(32_767);
    expect(full.diagnostics.filter((entry) => entry.message.includes('were kept'))).toEqual([]);

    await writeHugeCellWorkbook(join(dir, 'long-cell.xlsx'), 69_650);
    const cut = await readRvtoolsInventory({ path: join(dir, 'long-cell.xlsx') });
    expect(cut.vms.map((vm) => vm.name.length)).toContain(32_767);
    expect(cut.diagnostics.map((entry) => entry.message)).toContain(
      "cell A2 holds 69,650 characters; the first 32,767 were kept (Excel's limit per cell)",
    );
  });

  it('a cell over a lowered read limit', async () => {
    await writeHugeCellWorkbook(join(dir, 'cell-100.xlsx'), 101);
    const error = await refusal('cell-100.xlsx', { maxCellReadChars: 100 });
    expect(error.message).toContain('cell A2 holds more than 100 characters, the limit per cell');
  });

  it('a run of whitespace between rows (counted, never kept)', async () => {
    await writeWhitespaceWorkbook(join(dir, 'whitespace.xlsx'), 8 * MIB);
    const error = await refusal('whitespace.xlsx', ONLY({}));
    expect(error.message).toBe(
      '"whitespace.xlsx", sheet vInfo: row 2 is followed by more than 65,536 characters of whitespace or text outside any cell, the limit between two tags.',
    );
  });

  it('a tag that never ends', async () => {
    await writeHostileZip(join(dir, 'endless-tag.xlsx'), [
      ...workbookEntries([]).filter((entry) => !entry.name.includes('worksheets')),
      {
        name: 'xl/worksheets/sheet1.xml',
        pieces: [Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="'), Buffer.alloc(4 * MIB, 'x')],
      },
    ]);
    const error = await refusal('endless-tag.xlsx', ONLY({}));
    expect(error.message).toBe(
      '"endless-tag.xlsx", sheet vInfo: a tag, comment or markup section runs past 65,536 characters without ending.',
    );
  });

  it('a shared-string table larger than its sheets can refer to (150 M entries in issue 11)', async () => {
    await writeSharedStringFloodWorkbook(join(dir, 'sst-flood.xlsx'), 2_000_000);
    const error = await refusal('sst-flood.xlsx', ONLY({}));
    expect(error.sheet).toBeNull();
    expect(error.message).toMatch(
      /^"sst-flood\.xlsx", the shared-string table: it holds more than \d+ entries, more than its sheets \(\d+ bytes\) have room to refer to\.$/,
    );
  });

  it('a shared-string table over the entry limit', async () => {
    await writeSharedStringFloodWorkbook(join(dir, 'sst-10.xlsx'), 11);
    const error = await refusal('sst-10.xlsx', { maxSharedStrings: 10 });
    expect(error.message).toBe(
      '"sst-10.xlsx", the shared-string table: it holds more than 10 entries, the limit.',
    );
  });

  it('a shared-string table over the character limit', async () => {
    await writeSharedStringFloodWorkbook(join(dir, 'sst-chars.xlsx'), 20);
    const error = await refusal('sst-chars.xlsx', { maxSharedStringChars: 10 });
    expect(error.message).toBe(
      '"sst-chars.xlsx", the shared-string table: its entries hold more than 10 characters together, the limit.',
    );
  });

  it('more rows than the sheet limit', async () => {
    await writeNumberedRowFloodWorkbook(join(dir, 'rows.xlsx'), 2_000);
    const error = await refusal('rows.xlsx', { maxRowsPerSheet: 1_000 });
    expect(error.message).toBe(
      '"rows.xlsx", sheet vInfo: the sheet has more than 1,000 rows, the limit per sheet.',
    );
  });

  it('more VMs than the VM limit, long before the sheet limit (xlsx and CSV)', async () => {
    await writeNumberedRowFloodWorkbook(join(dir, 'vms.xlsx'), 2_000);
    expect((await refusal('vms.xlsx', { maxVms: 1_000 })).message).toBe(
      '"vms.xlsx", sheet vInfo: the sheet lists more than 1,000 VMs, the limit.',
    );
    const lines = Array.from({ length: 1_500 }, (_, index) => `vm-${index},poweredOn`);
    await writeFile(join(dir, 'vms.csv'), `VM,Powerstate\r\n${lines.join('\r\n')}\r\n`);
    expect((await refusal('vms.csv', { maxVms: 1_000 })).message).toBe(
      '"vms.csv", sheet vInfo: the sheet lists more than 1,000 VMs, the limit.',
    );
  });

  it('empty rows by the million stop at the row limit when the ratio guard is off', async () => {
    await writeRowFloodWorkbook(join(dir, 'empty-rows.xlsx'), 2_000_000);
    const error = await refusal('empty-rows.xlsx', ONLY({}));
    expect(error.message).toContain('the sheet has more than 570,000 rows, the limit per sheet');
  });

  it('a sheet over the byte limit, before inflating it', async () => {
    await writeNumberedRowFloodWorkbook(join(dir, 'big-sheet.xlsx'), 20_000);
    const error = await refusal('big-sheet.xlsx', { maxSheetBytes: MIB });
    expect(error.message).toMatch(
      /^"big-sheet\.xlsx", sheet vInfo: its part xl\/worksheets\/sheet1\.xml inflates to \d+ MiB, over the limit per sheet of 1 MiB\.$/,
    );
  });

  it('a high-ratio deflate bomb, before inflating it', async () => {
    await writeHighRatioWorkbook(join(dir, 'bomb.xlsx'), 256 * MIB);
    const error = await refusal('bomb.xlsx');
    expect(error.message).toMatch(
      /^"bomb\.xlsx", sheet vInfo: entry xl\/worksheets\/sheet1\.xml inflates \d+ times its compressed size \(.+ to 256 MiB\), over the limit of 100 times\.$/,
    );
  });

  it('a CSV line over the line limit (300 MiB in issue 11)', async () => {
    await writeLongLineCsv(join(dir, 'long-line.csv'), 3 * MIB);
    const error = await refusal('long-line.csv');
    expect(error.message).toBe(
      '"long-line.csv", sheet vInfo: row 3 is longer than 1 MiB, the limit per CSV line.',
    );
  });

  it('a CSV field over the cell read limit; one over 32,767 characters is cut with a diagnostic', async () => {
    await writeFile(join(dir, 'long-field.csv'), `VM,Powerstate\r\n${'x'.repeat(40_000)},poweredOn\r\n`);
    const inventory = await readRvtoolsInventory({ path: join(dir, 'long-field.csv') });
    expect(inventory.vms.map((vm) => vm.name.length)).toEqual([32_767]);
    expect(inventory.diagnostics.map((entry) => entry.message)).toContain(
      "field 1 holds 40,000 characters; the first 32,767 were kept (Excel's limit per cell)",
    );
    const error = await refusal('long-field.csv', { maxCellReadChars: 30_000 });
    expect(error.message).toBe(
      '"long-field.csv", sheet vInfo: field 1 of row 2 holds more than 30,000 characters, the limit per cell.',
    );
  });

  it('a CSV over the rows and bytes limits', async () => {
    const lines = Array.from({ length: 3_000 }, (_, index) => `vm-${index},poweredOn`);
    await writeFile(join(dir, 'many.csv'), `VM,Powerstate\r\n${lines.join('\r\n')}\r\n`);
    expect((await refusal('many.csv', { maxRowsPerSheet: 1_000 })).message).toBe(
      '"many.csv", sheet vInfo: the sheet has more than 1,000 rows, the limit per sheet.',
    );
    expect((await refusal('many.csv', { maxSheetBytes: 10_000 })).message).toBe(
      '"many.csv", sheet vInfo: the file is larger than 10,000 bytes, the limit per sheet.',
    );
  });
});
