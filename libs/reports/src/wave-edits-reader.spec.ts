import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WaveReportInput } from './model.js';
import { syntheticReportInput } from './testing/synthetic-report-input.js';
import { parseWaveCell, readWaveEdits, WaveReportReadError } from './wave-edits-reader.js';
import { writeWaveReport } from './wave-report-writer.js';

let dir: string;
let input: WaveReportInput;
let reportPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-edits-'));
  input = syntheticReportInput({ vms: 60, waves: 3, seed: 11 });
  input.vms[0].name = '=evil()';
  input.vms[0].key = '-vc/odd-key';
  input.vms[0].wave = 1;
  input.vms[0].disposition = 'rehost';
  reportPath = join(dir, 'report.xlsx');
  await writeWaveReport(input, { path: reportPath });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Opens the report with exceljs's in-memory workbook, as a planner's spreadsheet would. */
async function edit(name: string, change: (workbook: ExcelJS.Workbook) => void): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(reportPath);
  change(workbook);
  const path = join(dir, name);
  await workbook.xlsx.writeFile(path);
  return path;
}

function rowOf(worksheet: ExcelJS.Worksheet, keyColumn: number, key: string): number {
  for (let r = 2; r <= worksheet.rowCount; r++) {
    if (worksheet.getRow(r).getCell(keyColumn).value === key) return r;
  }
  throw new Error(`${key} not in ${worksheet.name}`);
}

/** VMs of a wave, leaving out the one with the formula-like key (its cell text has a quote). */
const inWave = (wave: number) => input.vms.filter((vm) => vm.wave === wave && vm !== input.vms[0]);

describe('readWaveEdits', () => {
  it('reads an unedited report as no moves, with the plan id and hash', async () => {
    const edits = await readWaveEdits(reportPath);
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
      // Every wave's Cutover cell (the caller compares them with the plan); no Migration changed.
      migrations: [],
      cutovers: input.waves.map((wave) => ({
        sheet: 'Wave schedule',
        row: wave.number + 1,
        wave: wave.number,
        cutoverAt: null,
      })),
      problems: [],
    });
  });

  it('reads changed Migration cells (bad values named by row) and Cutover cells', async () => {
    const [first, second] = inWave(1);
    const third = inWave(2)[0];
    const path = await edit('migration.xlsx', (workbook) => {
      const waves = workbook.getWorksheet('Waves')!;
      const wavesHeader = waves.getRow(1).values as unknown[];
      const vms = workbook.getWorksheet('VMs')!;
      const vmsHeader = vms.getRow(1).values as unknown[];
      waves.getRow(rowOf(waves, 3, first.key)).getCell(wavesHeader.indexOf('Migration')).value = 'Warm';
      vms.getRow(rowOf(vms, 1, first.key)).getCell(vmsHeader.indexOf('Migration')).value = 'warm';
      waves.getRow(rowOf(waves, 3, second.key)).getCell(wavesHeader.indexOf('Migration')).value = 'warm';
      vms.getRow(rowOf(vms, 1, second.key)).getCell(vmsHeader.indexOf('Migration')).value = 'cold';
      vms.getRow(rowOf(vms, 1, third.key)).getCell(vmsHeader.indexOf('Migration')).value = 'tepid';
      const schedule = workbook.getWorksheet('Wave schedule')!;
      const column = (schedule.getRow(1).values as unknown[]).indexOf('Cutover (UTC)');
      schedule.getRow(2).getCell(column).value = new Date(Date.UTC(2026, 0, 10, 22, 0));
      schedule.getRow(3).getCell(column).value = 'soon';
    });
    const edits = await readWaveEdits(path);
    expect(edits.migrations.find((entry) => entry.vmKey === first.key)).toMatchObject({
      sheet: 'Waves',
      migration: 'warm',
    });
    // The VMs sheet left as written (cold): the Waves sheet's change counts.
    expect(edits.migrations.find((entry) => entry.vmKey === second.key)?.migration).toBe('warm');
    // Left as written: not an edit.
    expect(edits.migrations.some((entry) => entry.vmKey === third.key)).toBe(false);
    expect(edits.migrations).toHaveLength(2);
    expect(edits.cutovers.slice(0, 1)).toEqual([
      { sheet: 'Wave schedule', row: 2, wave: 1, cutoverAt: '2026-01-10T22:00:00.000Z' },
    ]);
    expect(edits.problems.map((problem) => [problem.sheet, problem.message])).toEqual([
      ['VMs', `VM "${third.key}": migration "tepid" is not cold or warm`],
      ['Wave schedule', 'wave 2 cutover: "soon" is not a date and time (e.g. 2026-01-10 22:00)'],
    ]);
  });

  it('reads moves made in the Waves sheet and in the VMs sheet', async () => {
    const inWaveOne = inWave(1)[0];
    const retained = input.vms.find((vm) => vm.wave === null)!;
    const path = await edit('moved.xlsx', (workbook) => {
      const waves = workbook.getWorksheet('Waves')!;
      waves.getRow(rowOf(waves, 3, inWaveOne.key)).getCell(1).value = 3;
      const vms = workbook.getWorksheet('VMs')!;
      vms.getRow(rowOf(vms, 1, retained.key)).getCell(6).value = 2;
    });
    const edits = await readWaveEdits(path);
    expect(edits.problems).toEqual([]);
    expect(edits.moves).toEqual([
      {
        sheet: 'Waves',
        row: expect.any(Number),
        vmKey: inWaveOne.key,
        vmName: inWaveOne.name,
        fromWave: 1,
        toWave: 3,
      },
      {
        sheet: 'VMs',
        row: input.vms.indexOf(retained) + 2,
        vmKey: retained.key,
        vmName: retained.name,
        fromWave: null,
        toWave: 2,
      },
    ]);
  });

  it('reads booked change windows back from the schedule sheet: dates, ISO text, cleared cells, mistakes', async () => {
    const path = await edit('windows.xlsx', (workbook) => {
      const schedule = workbook.getWorksheet('Wave schedule')!;
      // Wave 3 had none: booked as dates (the cells are UTC) and a zone.
      schedule.getRow(4).getCell(3).value = new Date(Date.UTC(2026, 0, 10, 21, 0));
      schedule.getRow(4).getCell(4).value = new Date(Date.UTC(2026, 0, 11, 5, 30));
      schedule.getRow(4).getCell(5).value = 'Europe/Amsterdam';
      // Wave 1 cleared; wave 2 typed as text, with an end and no start.
      schedule.getRow(2).getCell(3).value = null;
      schedule.getRow(2).getCell(4).value = null;
      schedule.getRow(3).getCell(3).value = null;
      schedule.getRow(3).getCell(4).value = '2026-02-01 06:00';
    });
    const edits = await readWaveEdits(path);
    expect(edits.windows).toEqual([
      { sheet: 'Wave schedule', row: 2, wave: 1, window: null },
      {
        sheet: 'Wave schedule',
        row: 4,
        wave: 3,
        window: {
          start: '2026-01-10T21:00:00.000Z',
          end: '2026-01-11T05:30:00.000Z',
          zone: 'Europe/Amsterdam',
        },
      },
    ]);
    expect(edits.problems).toEqual([
      { sheet: 'Wave schedule', row: 3, message: 'wave 2: a change window needs both a start and an end' },
    ]);
  });

  it('restores neutralised keys and names, and reads a cleared cell as "no wave"', async () => {
    const path = await edit('cleared.xlsx', (workbook) => {
      const vms = workbook.getWorksheet('VMs')!;
      vms.getRow(2).getCell(6).value = null;
    });
    const edits = await readWaveEdits(path);
    expect(edits.moves).toEqual([
      { sheet: 'VMs', row: 2, vmKey: '-vc/odd-key', vmName: '=evil()', fromWave: 1, toWave: null },
    ]);
  });

  it('accepts "Wave 2" and numeric text, and reports bad values, unknown keys and conflicts by row', async () => {
    const [a, b, c, d] = inWave(1);
    const path = await edit('messy.xlsx', (workbook) => {
      const waves = workbook.getWorksheet('Waves')!;
      const vms = workbook.getWorksheet('VMs')!;
      waves.getRow(rowOf(waves, 3, a.key)).getCell(1).value = 'Wave 2';
      waves.getRow(rowOf(waves, 3, b.key)).getCell(1).value = '3';
      waves.getRow(rowOf(waves, 3, c.key)).getCell(1).value = 'soon';
      waves.getRow(rowOf(waves, 3, d.key)).getCell(1).value = 2;
      vms.getRow(rowOf(vms, 1, d.key)).getCell(6).value = 3;
      vms.getRow(5).getCell(1).value = 'vc1/unknown';
      vms.getRow(5).getCell(6).value = 1;
      vms.getRow(6).getCell(6).value = 1.5;
    });
    const edits = await readWaveEdits(path);
    expect(edits.moves.map((move) => [move.vmKey, move.toWave])).toEqual([
      [a.key, 2],
      [b.key, 3],
    ]);
    const messages = edits.problems.map((problem) => `${problem.sheet}:${problem.row}: ${problem.message}`);
    const wavesRow = (key: string) => {
      const index = input.vms.filter((vm) => vm.wave !== null).sort((x, y) => x.wave! - y.wave!);
      return index.findIndex((vm) => vm.key === key) + 2;
    };
    expect(messages).toEqual([
      `Waves:${wavesRow(c.key)}: VM "${c.key}": "soon" is not a wave number`,
      expect.stringMatching(
        new RegExp(`^Waves:${wavesRow(d.key)}: VM "${d.key}" was moved to different waves`),
      ),
      'VMs:5: VM key "vc1/unknown" is not in this plan',
      `VMs:6: VM "${input.vms[4].key}": wave 1.5 is not a whole number from 1`,
      expect.stringMatching(
        new RegExp(`^VMs:${input.vms.indexOf(d) + 2}: VM "${d.key}" was moved to different waves`),
      ),
    ]);
  });

  it('reads from a stream', async () => {
    const edits = await readWaveEdits(createReadStream(reportPath), { fileName: 'upload.xlsx' });
    expect(edits.planHash).toBe(input.plan.contentHash);
  });

  it('refuses a workbook that is not a Flotilla report, naming the file', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Waves').addRow(['Wave', 'VM key']);
    const path = join(dir, 'other.xlsx');
    await workbook.xlsx.writeFile(path);
    await expect(readWaveEdits(path, { fileName: 'plan.xlsx' })).rejects.toThrow(
      new WaveReportReadError(
        '"plan.xlsx" is not a Flotilla wave report: its hidden sheet "_flotilla" is missing',
      ),
    );
  });

  it('refuses a file that is not a zip, and one that inflates past the cap', async () => {
    const junk = join(dir, 'junk.xlsx');
    await writeFile(junk, 'not a zip at all');
    await expect(readWaveEdits(junk, { fileName: 'junk.xlsx' })).rejects.toThrow(
      /^"junk.xlsx" is a damaged zip archive: /,
    );
    await expect(readWaveEdits(reportPath, { limits: { maxInflatedBytes: 10_000 } })).rejects.toThrow(
      /would inflate to [\d,]+ bytes, over the limit of 10,000 bytes\.$/,
    );
    await expect(readWaveEdits(reportPath, { limits: { maxEntries: 5 } })).rejects.toThrow(
      /over the limit of 5/,
    );
    await expect(
      readWaveEdits(createReadStream(reportPath), { fileName: 'big.xlsx', limits: { maxFileBytes: 1000 } }),
    ).rejects.toThrow(/"big.xlsx" is larger than the limit of 1000 bytes/);
  });

  it('reports a sheet whose header lost its Wave column', async () => {
    const path = await edit('no-header.xlsx', (workbook) => {
      workbook.getWorksheet('Waves')!.getRow(1).getCell(1).value = 'Batch';
    });
    const edits = await readWaveEdits(path);
    expect(edits.problems).toEqual([
      { sheet: 'Waves', row: 1, message: 'the header row has no "Wave" column; this sheet was not read' },
    ]);
  });
});

describe('parseWaveCell', () => {
  it('parses numbers and text', () => {
    expect(parseWaveCell(4)).toEqual({ ok: true, wave: 4 });
    expect(parseWaveCell(' wave 7 ')).toEqual({ ok: true, wave: 7 });
    expect(parseWaveCell('')).toEqual({ ok: true, wave: null });
    expect(parseWaveCell(null)).toEqual({ ok: true, wave: null });
    expect(parseWaveCell('3.0')).toEqual({ ok: true, wave: 3 });
    expect(parseWaveCell(0)).toMatchObject({ ok: false });
    expect(parseWaveCell('=1+1')).toMatchObject({ ok: false });
  });
});
