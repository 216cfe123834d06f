import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
// exceljs's own zip library: the test rewrites one part of the workbook (sheet visibility).
import JSZip from 'jszip';
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
        windows: input.waves.map((wave) => ({
          sheet: 'Wave schedule',
          row: wave.number + 1,
          wave: wave.number,
          window: wave.window,
        })),
        migrations: [],
        cutovers: input.waves.map((wave) => ({
          sheet: 'Wave schedule',
          row: wave.number + 1,
          wave: wave.number,
          cutoverAt: null,
        })),
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

  it(
    'prints the Summary on one landscape page per section, with the three charts drawn on the first',
    async () => {
      const summaryOnly = join(dir, 'summary-only.xlsx');
      await writeFile(summaryOnly, await withOnlySummaryVisible(await readFile(reportPath)));

      const pdfDir = join(dir, 'pdf');
      await convert('pdf', pdfDir, summaryOnly);
      const pdf = await readFile(join(pdfDir, 'summary-only.pdf'), 'latin1');
      const pages = [...pdf.matchAll(/\/Type\s*\/Page(?![a-zA-Z])/g)].length;
      // Header and charts, totals, assessment counts, concerns, sizing, waves.
      expect(pages).toBe(6);
      const mediaBox = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf);
      expect(mediaBox).not.toBeNull();
      expect(Number(mediaBox?.[1])).toBeGreaterThan(Number(mediaBox?.[2]));

      // The charts' fills on the first page: the pie's rehost and retain slices and the two bar series.
      const firstPage = fillColours(pdfPageContent(pdf, 0));
      for (const colour of ['70AD47', 'FFC000', '4472C4', 'ED7D31']) expect(firstPage).toContain(colour);
      // Later pages hold tables only.
      expect(fillColours(pdfPageContent(pdf, 1))).not.toContain('4472C4');
    },
    CONVERSION_TIMEOUT_MS * 3,
  );
});

/** The workbook with every sheet but the Summary hidden: LibreOffice prints visible sheets only. */
async function withOnlySummaryVisible(xlsx: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(xlsx);
  const workbookXml = await zip.file('xl/workbook.xml')?.async('string');
  if (workbookXml === undefined) throw new Error('the report has no xl/workbook.xml');
  zip.file(
    'xl/workbook.xml',
    workbookXml.replace(/<sheet ([^>]*?)\/>/g, (element, attributes: string) =>
      attributes.includes('name="Summary"') ? element : element.replace('state="visible"', 'state="hidden"'),
    ),
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** The pages' objects in order (the page tree's `/Kids`) and one page's inflated content stream. */
function pdfPageContent(pdf: string, index: number): string {
  const object = (id: string): string => {
    const match = new RegExp(`(?:^|\\s)${id} 0 obj(.*?)endobj`, 's').exec(pdf);
    if (!match) throw new Error(`PDF object ${id} not found`);
    return match[1];
  };
  const kids = /\/Type\s*\/Pages\b.*?\/Kids\s*\[([^\]]*)\]/s.exec(pdf) ?? /\/Kids\s*\[([^\]]*)\]/s.exec(pdf);
  if (!kids) throw new Error('PDF has no page tree');
  const pageIds = [...kids[1].matchAll(/(\d+) 0 R/g)].map((match) => match[1]);
  const page = object(pageIds[index]);
  const contents = /\/Contents\s*(\d+) 0 R/.exec(page);
  if (!contents) throw new Error(`PDF page ${index + 1} has no content stream`);
  const stream = /stream\r?\n(.*)\r?\nendstream/s.exec(object(contents[1]));
  if (!stream) throw new Error(`PDF page ${index + 1}: content is not a stream`);
  return inflateSync(Buffer.from(stream[1], 'latin1')).toString('latin1');
}

/** Fill colours (`r g b rg`) a content stream sets, as RRGGBB. */
function fillColours(content: string): string[] {
  const hex = (value: string): string =>
    Math.round(Number(value) * 255)
      .toString(16)
      .toUpperCase()
      .padStart(2, '0');
  return [
    ...new Set(
      [...content.matchAll(/([\d.]+) ([\d.]+) ([\d.]+) rg/g)].map(
        (match) => hex(match[1]) + hex(match[2]) + hex(match[3]),
      ),
    ),
  ];
}
