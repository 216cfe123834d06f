import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neutraliseCellText } from './cell-text.js';
import type { WaveReportInput } from './model.js';
import { syntheticReportInput } from './testing/synthetic-report-input.js';
import { readWaveEdits } from './wave-edits-reader.js';
import { writeWaveReport } from './wave-report-writer.js';

/**
 * The workbook must open in something other than the library that wrote it. LibreOffice is a
 * Debian package (`apt-get install -y libreoffice-calc-nogui`); this suite fails, not skips,
 * when it is missing, so a CI image without it cannot pass silently.
 */

const run = promisify(execFile);
const CONVERSION_TIMEOUT_MS = 120_000;

async function findLibreOffice(): Promise<string> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['libreoffice', 'soffice']) {
      const candidate = join(folder, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this folder
      }
    }
  }
  throw new Error(
    'LibreOffice is not installed (no libreoffice or soffice on PATH): install the Debian package ' +
      'libreoffice-calc-nogui (apt-get install -y libreoffice-calc-nogui)',
  );
}

let dir: string;
let input: WaveReportInput;
let reportPath: string;

async function convert(to: string, outDir: string, source = reportPath): Promise<void> {
  const binary = await findLibreOffice();
  await run(
    binary,
    [
      `-env:UserInstallation=file://${join(dir, 'profile')}`,
      '--headless',
      '--norestore',
      '--convert-to',
      to,
      '--outdir',
      outDir,
      source,
    ],
    { timeout: CONVERSION_TIMEOUT_MS },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-libreoffice-'));
  input = syntheticReportInput({ vms: 80, waves: 3, seed: 9 });
  ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tfoo', 'zürich-db, "edge"'].forEach((name, i) => {
    input.vms[i].name = name;
  });
  reportPath = join(dir, 'report.xlsx');
  await writeWaveReport(input, { path: reportPath });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LibreOffice', () => {
  it(
    'converts every sheet to CSV with the values the report holds',
    async () => {
      const outDir = join(dir, 'csv');
      // Token 12 = -1: every sheet to its own file, named <file>-<sheet>.csv (LibreOffice ≥ 7.2).
      await convert('csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1', outDir);
      const sheetCsv = async (sheet: string): Promise<string[][]> =>
        parse(await readFile(join(outDir, `report-${sheet}.csv`), 'utf8'), { relax_column_count: true });

      const vms = await sheetCsv('VMs');
      expect(vms[0].slice(0, 7)).toEqual([
        'VM key',
        'VM',
        'Disposition',
        'Effort',
        'Score',
        'Wave',
        'Wave sheet',
      ]);
      expect(vms).toHaveLength(input.vms.length + 1);
      const memory = vms[0].indexOf('Memory (GiB)');
      const hours = vms[0].indexOf('Est. transfer (hours)');
      input.vms.forEach((vm, i) => {
        const row = vms[i + 1];
        expect(row[0]).toBe(vm.key);
        expect(row[1]).toBe(neutraliseCellText(vm.name));
        expect(row[2]).toBe(vm.disposition);
        expect(row[4]).toBe(String(vm.score));
        expect(row[5]).toBe(vm.wave === null ? '' : String(vm.wave));
        expect(row[6]).toBe(vm.wave === null ? '' : `Wave ${vm.wave}`);
        expect(row[memory]).toBe(String(vm.memoryGiB));
        expect(row[hours]).toBe(String(vm.estimatedTransferHours));
      });

      const waves = await sheetCsv('Waves');
      expect(waves).toHaveLength(input.vms.filter((vm) => vm.wave !== null).length + 1);
      const summary = (await sheetCsv('Summary')).map((row) => row.slice(0, 2));
      expect(summary).toContainEqual(['Plan id', input.plan.id]);
      expect(summary).toContainEqual(['Plan content hash', input.plan.contentHash]);
      const plan = await sheetCsv('_flotilla');
      expect(plan[3].slice(0, 2)).toEqual(['planHash', input.plan.contentHash]);
      for (let n = 1; n <= 3; n++) expect((await sheetCsv(`Wave ${n}`))[0][0]).toBe(`Wave ${n}: Wave ${n}`);
    },
    CONVERSION_TIMEOUT_MS * 2,
  );

  it(
    'reads back copies LibreOffice re-saved as xlsx, with a planner edit intact',
    async () => {
      const outDir = join(dir, 'resaved');
      await convert('xlsx:Calc MS Excel 2007 XML', outDir);
      const edits = await readWaveEdits(join(outDir, 'report.xlsx'));
      expect(edits).toEqual({
        planId: input.plan.id,
        planVersion: input.plan.version,
        planHash: input.plan.contentHash,
        moves: [],
        problems: [],
      });

      const moved = input.vms.find((vm) => vm.wave === 1 && vm.name.startsWith('vm-'))!;
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(reportPath);
      const vmsSheet = workbook.getWorksheet('VMs')!;
      const row = input.vms.indexOf(moved) + 2;
      vmsSheet.getRow(row).getCell(6).value = 3;
      const editedPath = join(dir, 'edited.xlsx');
      await workbook.xlsx.writeFile(editedPath);
      const editedOut = join(dir, 'edited-resaved');
      await convert('xlsx:Calc MS Excel 2007 XML', editedOut, editedPath);
      const resaved = await readWaveEdits(join(editedOut, 'edited.xlsx'));
      expect(resaved.problems).toEqual([]);
      expect(resaved.moves).toEqual([
        { sheet: 'VMs', row, vmKey: moved.key, vmName: moved.name, fromWave: 1, toWave: 3 },
      ]);
    },
    CONVERSION_TIMEOUT_MS * 3,
  );
});
