import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { WaveReportInput } from './model.js';
import { syntheticReportInput } from './testing/synthetic-report-input.js';
import { MAX_WAVE_SHEETS, PLAN_SHEET, WaveReportInputError, writeWaveReport } from './wave-report-writer.js';

const HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tfoo', '\rbar'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function hostileInput(): WaveReportInput {
  const input = syntheticReportInput({ vms: 120, waves: 4, seed: 7 });
  input.countedTo = '2025-12-17T16:35:29.000Z';
  HOSTILE_NAMES.forEach((name, i) => {
    input.vms[i].name = name;
  });
  input.vms[0].wave = 1;
  input.vms[0].disposition = 'rehost';
  input.vms[0].os = '=cmd|" /C calc"!A0';
  input.vms[0].group = '-payroll';
  input.vms[0].concerns = [
    { id: 'rdm-disk', severity: 'critical', message: '@risk', evidence: { disk: '=1+1', raw: true } },
    { id: 'legacy-os', severity: 'warning', message: 'old', evidence: {} },
    { id: 'tools-not-running', severity: 'info', message: 'tools', evidence: { state: null } },
  ];
  input.vms[1].disposition = 'retain';
  input.vms[1].wave = null;
  input.vms[2].disposition = 'retire';
  input.vms[2].wave = null;
  return input;
}

async function writeAndRead(
  input: WaveReportInput,
  name: string,
): Promise<{ path: string; workbook: ExcelJS.Workbook }> {
  const path = join(dir, name);
  await writeWaveReport(input, { path });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return { path, workbook };
}

function sheet(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const found = workbook.getWorksheet(name);
  if (!found) throw new Error(`sheet ${name} is missing`);
  return found;
}

function headers(worksheet: ExcelJS.Worksheet, row = 1): string[] {
  const values = worksheet.getRow(row).values as unknown[];
  return values.slice(1).map((value) => String(value));
}

function column(worksheet: ExcelJS.Worksheet, header: string, headerRow = 1): number {
  const index = headers(worksheet, headerRow).indexOf(header);
  if (index < 0) throw new Error(`no column ${header} in ${worksheet.name}`);
  return index + 1;
}

function hyperlinks(xml: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const match of xml.matchAll(/<hyperlink ref="([A-Z]+\d+)" location="([^"]*)"\/>/g)) {
    links.set(
      match[1],
      match[2]
        .replace(/&apos;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    );
  }
  return links;
}

function zipEntryText(path: string, entryName: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        });
      });
      zip.on('end', () => reject(new Error(`${entryName} not in ${path}`)));
      zip.readEntry();
    });
  });
}

describe('writeWaveReport', () => {
  const input = hostileInput();
  let workbook: ExcelJS.Workbook;
  let path: string;
  beforeAll(async () => {
    ({ workbook, path } = await writeAndRead(input, 'report.xlsx'));
  });

  it('writes the sheets in order, one per wave, with the plan sheet hidden', () => {
    expect(workbook.worksheets.map((ws) => ws.name)).toEqual([
      'Summary',
      'VMs',
      'Concerns',
      'Waves',
      'Wave schedule',
      'Violations',
      'Wave 1',
      'Wave 2',
      'Wave 3',
      'Wave 4',
      'Network map',
      'Storage map',
      'Sizing',
      'Policy',
      PLAN_SHEET,
    ]);
    expect(sheet(workbook, PLAN_SHEET).state).toBe('veryHidden');
    expect(sheet(workbook, 'VMs').state).toBe('visible');
  });

  it('writes the VMs table with units in the headers and typed values', () => {
    const vms = sheet(workbook, 'VMs');
    expect(headers(vms)).toEqual([
      'VM key',
      'VM',
      'Disposition',
      'Effort',
      'Score',
      'Wave',
      'Wave sheet',
      'Group',
      'Guest OS',
      'OS family',
      'Preference',
      'Conversion',
      'Migration',
      'Warm readiness',
      'vCPU',
      'Memory (GiB)',
      'Provisioned (GiB)',
      'Used (GiB)',
      'Data to copy (GiB)',
      'Target storage (GiB)',
      'Out of scope',
      'Storage class',
      'Target network',
      'Est. transfer (hours)',
      'Concerns',
      'Concern details',
    ]);
    expect(vms.rowCount).toBe(input.vms.length + 1);
    const vm = input.vms[10];
    const row = vms.getRow(12);
    expect(row.getCell(column(vms, 'VM key')).value).toBe(vm.key);
    expect(row.getCell(column(vms, 'VM')).value).toBe(vm.name);
    expect(row.getCell(column(vms, 'Score')).value).toBe(vm.score);
    expect(row.getCell(column(vms, 'Wave')).value).toBe(vm.wave);
    expect(row.getCell(column(vms, 'vCPU')).value).toBe(vm.vcpus);
    expect(row.getCell(column(vms, 'Memory (GiB)')).value).toBe(vm.memoryGiB);
    expect(row.getCell(column(vms, 'Used (GiB)')).value).toBe(vm.usedGiB);
    expect(row.getCell(column(vms, 'Est. transfer (hours)')).value).toBe(vm.estimatedTransferHours);
    expect(row.getCell(column(vms, 'Storage class')).value).toBe(vm.storageClasses.join(', '));
    expect(row.getCell(column(vms, 'Conversion')).value).toBe(vm.conversion);
    expect(row.getCell(column(vms, 'Migration')).value).toBe(vm.migration ?? 'cold');
    expect(row.getCell(column(vms, 'Concerns')).value).toBe(vm.concerns.length);
    const first = vms.getRow(2);
    expect(first.getCell(column(vms, 'Concern details')).value).toBe(
      '[critical] rdm-disk: @risk; [warning] legacy-os: old; [info] tools-not-running: tools',
    );
  });

  it('sets number formats, frozen headers, autofilters and fitted widths', () => {
    const vms = sheet(workbook, 'VMs');
    expect(vms.getRow(2).getCell(column(vms, 'Memory (GiB)')).numFmt).toBe('#,##0.0');
    expect(vms.getRow(2).getCell(column(vms, 'vCPU')).numFmt).toBe('#,##0');
    expect(vms.getRow(2).getCell(column(vms, 'Est. transfer (hours)')).numFmt).toBe('0.0');
    expect(vms.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, xSplit: 2 });
    expect(vms.autoFilter).toBe(`A1:Z${input.vms.length + 1}`);
    const waves = sheet(workbook, 'Waves');
    expect(waves.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(String(waves.autoFilter)).toMatch(/^A1:P\d+$/);
    const concerns = sheet(workbook, 'Concerns');
    expect(concerns.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const waveSheet = sheet(workbook, 'Wave 1');
    expect(waveSheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 8 });
    expect(headers(waveSheet, 8)[0]).toBe('VM key');

    const keyWidth = vms.getColumn(column(vms, 'VM key')).width ?? 0;
    const longestKey = Math.max(...input.vms.map((vm) => vm.key.length));
    expect(keyWidth).toBeGreaterThanOrEqual(longestKey);
    expect(keyWidth).toBeLessThanOrEqual(longestKey + 4);
    const details = vms.getColumn(column(vms, 'Concern details')).width ?? 0;
    expect(details).toBe(60);
    for (let c = 1; c <= 21; c++) expect(vms.getColumn(c).width ?? 0).toBeGreaterThanOrEqual(6);
  });

  it('neutralises formula-like inventory text and keeps it text', () => {
    const vms = sheet(workbook, 'VMs');
    const nameColumn = column(vms, 'VM');
    HOSTILE_NAMES.forEach((name, i) => {
      const cell = vms.getRow(i + 2).getCell(nameColumn);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      // XML parsers turn a raw CR into LF (XML 1.0 §2.11); the guard quote is what matters.
      expect(cell.value).toBe(`'${name}`.replace('\r', '\n'));
    });
    expect(vms.getRow(2).getCell(column(vms, 'Guest OS')).value).toBe(`'=cmd|" /C calc"!A0`);
    expect(vms.getRow(2).getCell(column(vms, 'Group')).value).toBe("'-payroll");
    const waves = sheet(workbook, 'Waves');
    const vmColumn = column(waves, 'VM');
    const hostileInWaves = [];
    for (let r = 2; r <= waves.rowCount; r++) {
      const value = waves.getRow(r).getCell(vmColumn).value;
      if (typeof value === 'string' && value.startsWith("'")) hostileInWaves.push(value);
    }
    expect(hostileInWaves).toContain(`'${HOSTILE_NAMES[0]}`);
    const concerns = sheet(workbook, 'Concerns');
    expect(concerns.getRow(2).getCell(column(concerns, 'VM')).value).toBe(`'${HOSTILE_NAMES[0]}`);
    expect(concerns.getRow(2).getCell(column(concerns, 'Message')).value).toBe("'@risk");
    expect(concerns.getRow(2).getCell(column(concerns, 'Evidence')).value).toBe('disk: =1+1; raw: true');
  });

  it('fills disposition and severity cells', () => {
    const vms = sheet(workbook, 'VMs');
    const disposition = column(vms, 'Disposition');
    const fill = (cell: ExcelJS.Cell) => (cell.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;
    expect(vms.getRow(2).getCell(disposition).value).toBe('rehost');
    expect(fill(vms.getRow(2).getCell(disposition))).toBe('FFC6EFCE');
    expect(fill(vms.getRow(3).getCell(disposition))).toBe('FFFFEB9C');
    expect(fill(vms.getRow(4).getCell(disposition))).toBe('FFD9D9D9');
    const concerns = sheet(workbook, 'Concerns');
    const severity = column(concerns, 'Severity');
    expect(concerns.getRow(2).getCell(severity).value).toBe('critical');
    expect(fill(concerns.getRow(2).getCell(severity))).toBe('FFFFC7CE');
    expect(fill(concerns.getRow(3).getCell(severity))).toBe('FFFFEB9C');
    expect(fill(concerns.getRow(4).getCell(severity))).toBe('FFDDEBF7');
  });

  it('writes one Concerns row per concern and one Waves row per VM in a wave, in wave order', () => {
    const concerns = sheet(workbook, 'Concerns');
    expect(headers(concerns)).toEqual(['VM key', 'VM', 'Wave', 'Severity', 'Concern', 'Message', 'Evidence']);
    expect(concerns.rowCount - 1).toBe(input.vms.reduce((sum, vm) => sum + vm.concerns.length, 0));

    const waves = sheet(workbook, 'Waves');
    expect(headers(waves).slice(0, 4)).toEqual(['Wave', 'Wave name', 'VM key', 'VM']);
    expect(headers(waves)).toContain('Data to copy (GiB)');
    expect(headers(waves)).toContain('Est. transfer (hours)');
    const inWaves = input.vms.filter((vm) => vm.wave !== null);
    expect(waves.rowCount - 1).toBe(inWaves.length);
    const numbers: number[] = [];
    for (let r = 2; r <= waves.rowCount; r++) numbers.push(waves.getRow(r).getCell(1).value as number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    const waveTwo = sheet(workbook, 'Wave 2');
    expect(waveTwo.getRow(1).getCell(1).value).toBe('Wave 2: Wave 2');
    expect(waveTwo.rowCount - 8).toBe(inWaves.filter((vm) => vm.wave === 2).length);
  });

  it('writes summary, maps, sizing and policy', () => {
    const summary = sheet(workbook, 'Summary');
    const labels = new Map<string, ExcelJS.Row>();
    summary.eachRow((row) => labels.set(String(row.getCell(1).value), row));
    expect(labels.get('Plan id')?.getCell(2).value).toBe(input.plan.id);
    // Power-off and snapshot ages are counted to the export's date, not to the report's.
    expect(labels.get('Ages (power-off, snapshots)')?.getCell(2).value).toBe('counted to 2025-12-17');
    const inScope = input.vms.filter((vm) => vm.outOfScope === null);
    expect(labels.get('VMs')?.values).toEqual([
      undefined,
      'VMs',
      input.vms.length,
      inScope.length,
      input.vms.filter((vm) => vm.wave !== null).length,
    ]);
    expect(labels.get('rehost')?.getCell(2).value).toBe(
      inScope.filter((vm) => vm.disposition === 'rehost').length,
    );
    expect(labels.get('rehost')?.getCell(3).numFmt).toBe('0.0%');
    expect(labels.get('All clusters')).toBeDefined();
    expect(labels.get('Cluster cl-prod')?.getCell(7).value).toBe(input.sizing.clusters[0].workerNodes);
    expect(headers(sheet(workbook, 'Network map'))).toEqual([
      'Source network',
      'Target network',
      'Target type',
      'Reason',
      'VMs in waves',
    ]);
    expect(headers(sheet(workbook, 'Storage map'))).toContain('Target storage, VMs in waves (GiB)');
    expect(headers(sheet(workbook, 'Sizing'))).toEqual([
      'Scope',
      'VMs',
      'vCPU',
      'Memory (GiB)',
      'Memory incl. overhead (GiB)',
      'Storage (GiB)',
      'Worker nodes',
      'ceph-rbd (GiB)',
      'nfs-csi (GiB)',
    ]);
    const policy = sheet(workbook, 'Policy');
    expect(policy.getRow(2).values).toEqual([undefined, 'overcommit.cpu', 4]);
  });

  it('places three native charts at the top of the Summary, reading the cells that hold their data', async () => {
    const contentTypes = await zipEntryText(path, '[Content_Types].xml');
    expect(await zipEntryText(path, 'xl/worksheets/sheet1.xml')).toMatch(/<drawing r:id="rId\d+"\/>/);
    const drawing = await zipEntryText(path, 'xl/drawings/drawing1.xml');
    const drawingRels = await zipEntryText(path, 'xl/drawings/_rels/drawing1.xml.rels');
    const summary = sheet(workbook, 'Summary');
    const firstSection = [...Array(summary.rowCount).keys()]
      .map((i) => i + 1)
      .find((row) => summary.getRow(row).getCell(1).value === 'Totals by scope') as number;
    // Anchored rows are zero-based: every chart sits between the plan's header and the first section.
    const anchorRows = [...drawing.matchAll(/<xdr:row>(\d+)<\/xdr:row>/g)].map((match) => Number(match[1]));
    expect(anchorRows).toHaveLength(3);
    for (const row of anchorRows) expect(row + 1).toBeLessThan(firstSection);

    const series: { title: string; categories: string[]; values: number[] }[] = [];
    for (const n of [1, 2, 3]) {
      expect(contentTypes).toContain(`<Override PartName="/xl/charts/chart${n}.xml"`);
      expect(drawingRels).toContain(`Target="../charts/chart${n}.xml"`);
      const chart = await zipEntryText(path, `xl/charts/chart${n}.xml`);
      const title = /<a:t>([^<]*)<\/a:t>/.exec(chart)?.[1] ?? '';
      const [nameRef, categoryRef, valueRef] = [...chart.matchAll(/<c:f>([^<]*)<\/c:f>/g)].map((match) =>
        match[1].replace(/&#39;/g, "'"),
      );
      const cells = (reference: string): ExcelJS.CellValue[] => {
        const parsed = /^'Summary'!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?$/.exec(reference);
        expect(parsed, reference).not.toBeNull();
        const [, column, first, lastColumn, last] = parsed as RegExpExecArray;
        expect(lastColumn ?? column).toBe(column);
        const values: ExcelJS.CellValue[] = [];
        for (let row = Number(first); row <= Number(last ?? first); row++) {
          const value = summary.getCell(`${column}${row}`).value;
          values.push(value !== null && typeof value === 'object' && 'text' in value ? value.text : value);
        }
        return values;
      };
      const categories = cells(categoryRef).map(String);
      const values = cells(valueRef).map(Number);
      // The cached points a viewer draws before recalculating are the cells' own values.
      const cached = [...chart.matchAll(/<c:numCache>.*?<\/c:numCache>/g)][0][0];
      expect([...cached.matchAll(/<c:v>([^<]*)<\/c:v>/g)].map((match) => Number(match[1]))).toEqual(values);
      expect(cells(nameRef)).toHaveLength(1);
      series.push({ title, categories, values });
    }

    const counted = new Map<string, number>();
    for (const vm of input.vms) {
      const key = vm.outOfScope === null ? vm.disposition : 'out of scope';
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
    expect(series[0].title).toBe('VMs by disposition');
    expect(new Map(series[0].categories.map((key, i) => [key, series[0].values[i]]))).toEqual(counted);
    const waves = [...input.waves].sort((a, b) => a.number - b.number);
    expect(series[1]).toEqual({
      title: 'VMs per wave',
      categories: waves.map((wave) => wave.name),
      values: waves.map((wave) => wave.vmCount),
    });
    expect(series[2]).toEqual({
      title: 'Data to copy per wave (GiB)',
      categories: waves.map((wave) => wave.name),
      values: waves.map((wave) => wave.dataGiB),
    });
  });

  it('prints every sheet landscape, fitted to the width; the Summary one page per section', async () => {
    const sheetCount = workbook.worksheets.length;
    for (let n = 1; n <= sheetCount; n++) {
      const xml = await zipEntryText(path, `xl/worksheets/sheet${n}.xml`);
      expect(xml, `sheet ${n}`).toMatch(/<pageSetup [^>]*orientation="landscape"/);
      if (n === 1) {
        expect(xml).not.toContain('fitToPage="1"');
        expect(xml).toMatch(/<pageSetup [^>]*scale="\d+"/);
        // Charts, totals, assessment counts, concerns, sizing: a break after each, then the waves.
        expect(xml).toMatch(/<rowBreaks count="5" manualBreakCount="5">/);
      } else {
        expect(xml).toContain('<pageSetUpPr fitToPage="1"/>');
        expect(xml).toMatch(/<pageSetup [^>]*fitToHeight="0"/);
      }
    }
  });

  it('lists the plan violations on their own sheet and counts them per wave', () => {
    const violations = sheet(workbook, 'Violations');
    expect(headers(violations)).toEqual([
      'Wave',
      'Severity',
      'Blocks approval',
      'Code',
      'Message',
      'VMs',
      'Groups',
    ]);
    expect(violations.rowCount - 1).toBe(input.violations.length);
    const schedule = sheet(workbook, 'Wave schedule');
    const errorsColumn = column(schedule, 'Errors');
    for (let row = 2; row <= schedule.rowCount; row++) {
      const wave = schedule.getRow(row).getCell(1).value as number;
      const expected = input.violations.filter((v) => v.wave === wave && v.severity === 'error').length;
      expect(schedule.getRow(row).getCell(errorsColumn).value).toBe(expected);
    }
    expect(input.violations.some((violation) => violation.severity === 'error')).toBe(true);
  });

  it('links VM rows to their wave sheet with internal hyperlinks', async () => {
    const links = hyperlinks(await zipEntryText(path, 'xl/worksheets/sheet2.xml'));
    const vms = sheet(workbook, 'VMs');
    const linkColumn = String.fromCharCode(64 + column(vms, 'Wave sheet'));
    const wave = input.vms[0].wave;
    expect(links.get(`${linkColumn}2`)).toBe(`'Wave ${wave}'!A1`);
    expect(vms.getRow(2).getCell(column(vms, 'Wave sheet')).text).toBe(`Wave ${wave}`);
    const retained = vms.getRow(3).getCell(column(vms, 'Wave sheet')).value;
    expect(retained).toBeNull();
    expect(links.has(`${linkColumn}3`)).toBe(false);
    expect(links.size).toBe(input.vms.filter((vm) => vm.wave !== null).length);
    const summaryLinks = hyperlinks(await zipEntryText(path, 'xl/worksheets/sheet1.xml'));
    expect([...summaryLinks.values()]).toEqual(input.waves.map((w) => `'Wave ${w.number}'!A1`));
    const rels = await zipEntryText(path, 'xl/worksheets/_rels/sheet1.xml.rels');
    expect(rels).toContain('relationships/drawing');
  });

  it('keeps the plan id, hash and the written assignments in the hidden sheet', () => {
    const plan = sheet(workbook, PLAN_SHEET);
    expect(plan.getRow(1).values).toEqual([undefined, 'format', 'flotilla-wave-report/1']);
    expect(plan.getRow(2).values).toEqual([undefined, 'planId', input.plan.id]);
    expect(plan.getRow(3).values).toEqual([undefined, 'planVersion', input.plan.version]);
    expect(plan.getRow(4).values).toEqual([undefined, 'planHash', input.plan.contentHash]);
    expect(plan.getRow(7).values).toEqual([undefined, 'VM key', 'Wave', 'Migration']);
    expect(plan.getRow(8).getCell(1).value).toBe(input.vms[0].key);
    expect(plan.getRow(8).getCell(2).value).toBe(input.vms[0].wave);
    expect(plan.rowCount).toBe(7 + input.vms.length);
  });
});

describe('writeWaveReport with many waves', () => {
  it(`writes no per-wave sheets past ${MAX_WAVE_SHEETS} waves and links into the Waves sheet`, async () => {
    const input = syntheticReportInput({ vms: 300, waves: MAX_WAVE_SHEETS + 1, seed: 3 });
    const { workbook, path } = await writeAndRead(input, 'many-waves.xlsx');
    expect(workbook.worksheets.some((ws) => /^Wave \d+$/.test(ws.name))).toBe(false);
    const waves = sheet(workbook, 'Waves');
    const firstRow = new Map<number, number>();
    for (let r = waves.rowCount; r >= 2; r--) firstRow.set(waves.getRow(r).getCell(1).value as number, r);
    const links = hyperlinks(await zipEntryText(path, 'xl/worksheets/sheet2.xml'));
    const vm = input.vms.find((candidate) => candidate.wave !== null)!;
    const row = input.vms.indexOf(vm) + 2;
    expect(links.get(`G${row}`)).toBe(`'Waves'!A${firstRow.get(vm.wave!)}`);
  });

  it(`writes per-wave sheets at exactly ${MAX_WAVE_SHEETS} waves`, async () => {
    const input = syntheticReportInput({ vms: 300, waves: MAX_WAVE_SHEETS, seed: 3 });
    const { workbook } = await writeAndRead(input, 'fifty-waves.xlsx');
    expect(workbook.worksheets.filter((ws) => /^Wave \d+$/.test(ws.name))).toHaveLength(MAX_WAVE_SHEETS);
  });
});

describe('writeWaveReport output and input checks', () => {
  it('writes to a stream', async () => {
    const input = syntheticReportInput({ vms: 50, waves: 2 });
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeWaveReport(input, { stream });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    expect(sheet(workbook, 'VMs').rowCount).toBe(51);
  });

  it('refuses a VM in a wave the plan does not have, and duplicate keys, before writing', async () => {
    const input = syntheticReportInput({ vms: 10, waves: 2 });
    input.vms[3].wave = 9;
    const path = join(dir, 'refused.xlsx');
    await expect(writeWaveReport(input, { path })).rejects.toThrow(WaveReportInputError);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
    const duplicate = syntheticReportInput({ vms: 10, waves: 2 });
    duplicate.vms[4].key = duplicate.vms[3].key;
    await expect(writeWaveReport(duplicate, { path })).rejects.toThrow(/appears twice/);
  });

  it('writes an empty plan', async () => {
    const input = syntheticReportInput({ vms: 0, waves: 0 });
    const { workbook } = await writeAndRead(input, 'empty.xlsx');
    expect(sheet(workbook, 'VMs').rowCount).toBe(1);
    expect(sheet(workbook, 'Summary').getRow(1).getCell(1).value).toBe('Flotilla wave report');
  });
});
