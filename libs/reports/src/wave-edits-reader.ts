import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { restoreCellText } from './cell-text.js';
import { MIGRATION_HEADER } from './report-tables.js';
import {
  PLAN_SHEET,
  PLAN_SHEET_ASSIGNMENT_HEADER_ROW,
  SHEET_NAMES,
  WAVE_REPORT_FORMAT,
} from './wave-report-writer.js';
import { CUTOVER_HEADER, SCHEDULE_HEADERS, WAVE_SCHEDULE_SHEET } from './wave-schedule.js';
import {
  type XlsxCellValue,
  XlsxReadError,
  type XlsxRow,
  XlsxTableReader,
  type ZipLimits,
} from './xlsx-table-reader.js';

export interface WaveEditMove {
  /** Spreadsheet row (1-based) where the planner made the edit. */
  row: number;
  sheet: string;
  vmKey: string;
  vmName: string;
  /** The wave the planner put the VM in; null when they cleared the cell (out of all waves). */
  toWave: number | null;
  /** The wave the report was written with. */
  fromWave: number | null;
}

export interface WaveEditProblem {
  sheet: string;
  row: number;
  message: string;
}

/** A wave's change window as the schedule sheet holds it; null when its cells are empty. */
export interface WaveWindowEdit {
  sheet: string;
  row: number;
  wave: number;
  window: { start: string; end: string; zone: string } | null;
}

/** A VM's `Migration` cell (cold or warm) as the planner left it; the caller compares it with the plan. */
export interface MigrationEdit {
  sheet: string;
  row: number;
  vmKey: string;
  vmName: string;
  migration: 'cold' | 'warm';
}

/** A wave's `Cutover (UTC)` cell in the schedule sheet; null when empty. */
export interface CutoverEdit {
  sheet: string;
  row: number;
  wave: number;
  cutoverAt: string | null;
}

export interface WaveEdits {
  planId: string;
  planVersion: number | null;
  planHash: string;
  /** Only VMs whose wave the planner changed; unchanged rows are not listed. */
  moves: WaveEditMove[];
  /** Every wave row of the `Wave schedule` sheet; the caller compares them with the plan. */
  windows: WaveWindowEdit[];
  /** Migration cells changed since the report was written (one per VM; conflicting sheets are problems). */
  migrations: MigrationEdit[];
  /** Every wave row's cutover, when the schedule sheet has the column. */
  cutovers: CutoverEdit[];
  problems: WaveEditProblem[];
}

export interface ReadWaveEditsOptions {
  /** Name used in messages (the upload's file name); defaults to the path. */
  fileName?: string;
  /** Caps for the compressed upload and what it inflates to (unset: the import's read limits, 1 GiB inflated). */
  limits?: ZipLimits & { maxFileBytes?: number };
}

/** The file is not a wave report this service wrote, or cannot be read at all. */
export class WaveReportReadError extends Error {
  override readonly name = 'WaveReportReadError';

  constructor(
    message: string,
    /** Refused by a read limit (413) rather than unreadable (422). */
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024 ** 2;
/** Sheets the load-back reads, in the order their edits are reported. */
const EDITABLE_SHEETS = [SHEET_NAMES.waves, SHEET_NAMES.vms] as const;

interface SheetEntry {
  sheet: string;
  row: number;
  vmKey: string;
  vmName: string;
  wave: number | null;
  migration?: 'cold' | 'warm';
}

type ParsedWave = { ok: true; wave: number | null } | { ok: false; message: string };

/** A Wave cell: a positive whole number, `Wave 3`, or empty for "in no wave". */
export function parseWaveCell(raw: XlsxCellValue): ParsedWave {
  if (raw === null) return { ok: true, wave: null };
  if (typeof raw === 'number') {
    return Number.isInteger(raw) && raw >= 1
      ? { ok: true, wave: raw }
      : { ok: false, message: `wave ${raw} is not a whole number from 1` };
  }
  const text = restoreCellText(String(raw)).trim();
  if (text === '') return { ok: true, wave: null };
  const match = /^(?:wave\s*)?(\d+)(?:\.0+)?$/i.exec(text);
  if (match && Number(match[1]) >= 1) return { ok: true, wave: Number(match[1]) };
  return { ok: false, message: `"${text}" is not a wave number` };
}

const countBytes = (max: number, fileName: string): Transform => {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > max)
        callback(new XlsxReadError(`"${fileName}" is larger than the limit of ${max} bytes`, true));
      else callback(null, chunk);
    },
  });
};

interface PlanSheet {
  format: string;
  planId: string;
  planVersion: number | null;
  planHash: string;
  waves: Map<string, number | null>;
  /** VM key -> the Migration the report was written with; empty for reports written before it. */
  migrations: Map<string, string>;
}

function cellText(value: XlsxCellValue | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

function headerColumns(row: XlsxRow): Map<string, number> {
  const columns = new Map<string, number>();
  for (const [column, value] of row.cells) {
    const header = cellText(value).trim().toLowerCase();
    if (header && !columns.has(header)) columns.set(header, column);
  }
  return columns;
}

async function readPlanSheet(reader: XlsxTableReader): Promise<PlanSheet | null> {
  if (!reader.sheetNames.includes(PLAN_SHEET)) return null;
  const meta = new Map<string, XlsxCellValue>();
  const waves = new Map<string, number | null>();
  const migrations = new Map<string, string>();
  await reader.forEachRow(PLAN_SHEET, ({ row, cells }) => {
    if (row < PLAN_SHEET_ASSIGNMENT_HEADER_ROW) {
      meta.set(cellText(cells.get(1)), cells.get(2) ?? null);
    } else if (row > PLAN_SHEET_ASSIGNMENT_HEADER_ROW) {
      const key = restoreCellText(cellText(cells.get(1)));
      const wave = cells.get(2);
      if (key) waves.set(key, typeof wave === 'number' ? wave : null);
      const migration = cellText(cells.get(3));
      if (key && migration) migrations.set(key, migration);
    }
  });
  const version = meta.get('planVersion');
  return {
    format: cellText(meta.get('format')),
    planId: restoreCellText(cellText(meta.get('planId'))),
    planVersion: typeof version === 'number' ? version : null,
    planHash: restoreCellText(cellText(meta.get('planHash'))),
    waves,
    migrations,
  };
}

async function readEditableSheet(
  reader: XlsxTableReader,
  sheet: string,
  entries: SheetEntry[],
  problems: WaveEditProblem[],
): Promise<void> {
  let keyColumn = 0;
  let nameColumn = 0;
  let waveColumn = 0;
  let migrationColumn = 0;
  let sawHeader = false;
  let unreadable = false;
  await reader.forEachRow(sheet, ({ row, cells }) => {
    if (unreadable) return;
    if (!sawHeader) {
      sawHeader = true;
      const columns = headerColumns({ row, cells });
      keyColumn = columns.get('vm key') ?? 0;
      nameColumn = columns.get('vm') ?? 0;
      waveColumn = columns.get('wave') ?? 0;
      migrationColumn = columns.get(MIGRATION_HEADER.toLowerCase()) ?? 0;
      if (!keyColumn || !waveColumn) {
        problems.push({
          sheet,
          row,
          message: `the header row has no ${keyColumn ? '"Wave"' : '"VM key"'} column; this sheet was not read`,
        });
        unreadable = true;
      }
      return;
    }
    const vmKey = restoreCellText(cellText(cells.get(keyColumn))).trim();
    const waveValue = cells.get(waveColumn) ?? null;
    if (!vmKey) {
      if (cellText(waveValue).trim() !== '') {
        problems.push({ sheet, row, message: 'the row has a wave but no VM key' });
      }
      return;
    }
    const parsed = parseWaveCell(waveValue);
    if (!parsed.ok) {
      problems.push({ sheet, row, message: `VM "${vmKey}": ${parsed.message}` });
      return;
    }
    const entry: SheetEntry = {
      sheet,
      row,
      vmKey,
      vmName: nameColumn ? restoreCellText(cellText(cells.get(nameColumn))) : '',
      wave: parsed.wave,
    };
    const migration = migrationColumn
      ? restoreCellText(cellText(cells.get(migrationColumn)))
          .trim()
          .toLowerCase()
      : '';
    if (migration === 'cold' || migration === 'warm') entry.migration = migration;
    else if (migration !== '')
      problems.push({ sheet, row, message: `VM "${vmKey}": migration "${migration}" is not cold or warm` });
    entries.push(entry);
  });
}

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const MS_PER_DAY = 86_400_000;

/** A window cell: an Excel date (UTC, as the report writes it) or an ISO 8601 text. */
function parseInstantCell(
  raw: XlsxCellValue,
): { ok: true; iso: string | null } | { ok: false; message: string } {
  if (raw === null) return { ok: true, iso: null };
  if (typeof raw === 'number') {
    // Whole minutes: the serial's floating point is off by fractions of a second.
    const ms = Math.round((EXCEL_EPOCH_MS + raw * MS_PER_DAY) / 60_000) * 60_000;
    return { ok: true, iso: new Date(ms).toISOString() };
  }
  const text = restoreCellText(String(raw)).trim();
  if (text === '') return { ok: true, iso: null };
  // `2026-01-10 22:00` in a "(UTC)" column is UTC; a text with its own offset keeps it.
  const normalised = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(text)
    ? `${text.replace(' ', 'T')}Z`
    : text;
  const ms = Date.parse(normalised);
  return Number.isNaN(ms)
    ? { ok: false, message: `"${text}" is not a date and time (e.g. 2026-01-10 22:00)` }
    : { ok: true, iso: new Date(ms).toISOString() };
}

async function readScheduleSheet(
  reader: XlsxTableReader,
  windows: WaveWindowEdit[],
  cutovers: CutoverEdit[],
  problems: WaveEditProblem[],
): Promise<void> {
  const sheet = WAVE_SCHEDULE_SHEET;
  let columns: Map<string, number> | null = null;
  let unreadable = false;
  await reader.forEachRow(sheet, ({ row, cells }) => {
    if (unreadable) return;
    if (columns === null) {
      columns = headerColumns({ row, cells });
      const missing = Object.values(SCHEDULE_HEADERS).filter((header) => !columns?.has(header.toLowerCase()));
      if (missing.length > 0) {
        problems.push({
          sheet,
          row,
          message: `the header row has no ${missing.map((h) => `"${h}"`).join(', ')} column; change windows were not read`,
        });
        unreadable = true;
      }
      return;
    }
    const cell = (header: string): XlsxCellValue =>
      cells.get(columns?.get(header.toLowerCase()) ?? 0) ?? null;
    const wave = parseWaveCell(cell(SCHEDULE_HEADERS.wave));
    if (!wave.ok || wave.wave === null) {
      if (!wave.ok) problems.push({ sheet, row, message: wave.message });
      return;
    }
    if (columns.has(CUTOVER_HEADER.toLowerCase())) {
      const cutover = parseInstantCell(cell(CUTOVER_HEADER));
      if (cutover.ok) cutovers.push({ sheet, row, wave: wave.wave, cutoverAt: cutover.iso });
      else problems.push({ sheet, row, message: `wave ${wave.wave} cutover: ${cutover.message}` });
    }
    const start = parseInstantCell(cell(SCHEDULE_HEADERS.start));
    const end = parseInstantCell(cell(SCHEDULE_HEADERS.end));
    const failed = [start, end].find((parsed) => !parsed.ok);
    if (failed && !failed.ok) {
      problems.push({ sheet, row, message: `wave ${wave.wave}: ${failed.message}` });
      return;
    }
    const startIso = start.ok ? start.iso : null;
    const endIso = end.ok ? end.iso : null;
    if ((startIso === null) !== (endIso === null)) {
      problems.push({
        sheet,
        row,
        message: `wave ${wave.wave}: a change window needs both a start and an end`,
      });
      return;
    }
    const zone = restoreCellText(cellText(cell(SCHEDULE_HEADERS.zone))).trim() || 'UTC';
    windows.push({
      sheet,
      row,
      wave: wave.wave,
      window: startIso !== null && endIso !== null ? { start: startIso, end: endIso, zone } : null,
    });
  });
}

/** One Migration value per VM of the plan; two sheets saying different things is a problem. */
function migrationEdits(
  entries: readonly SheetEntry[],
  plan: PlanSheet,
  problems: WaveEditProblem[],
): MigrationEdit[] {
  const byVm = new Map<string, SheetEntry[]>();
  for (const entry of entries) {
    if (entry.migration === undefined || !plan.waves.has(entry.vmKey)) continue;
    // As written: not an edit (reports written before the column count every cell).
    if (plan.migrations.get(entry.vmKey) === entry.migration) continue;
    const list = byVm.get(entry.vmKey);
    if (list) list.push(entry);
    else byVm.set(entry.vmKey, [entry]);
  }
  const edits: MigrationEdit[] = [];
  for (const [vmKey, list] of byVm) {
    list.sort(compareEntries);
    if (new Set(list.map((entry) => entry.migration)).size > 1) {
      const where = list.map((entry) => `${entry.sheet} row ${entry.row} says ${entry.migration}`).join(', ');
      for (const entry of list)
        problems.push({
          sheet: entry.sheet,
          row: entry.row,
          message: `VM "${vmKey}" has different migrations (${where}); it was not changed`,
        });
      continue;
    }
    const first = list[0];
    edits.push({
      sheet: first.sheet,
      row: first.row,
      vmKey,
      vmName: first.vmName,
      migration: first.migration as 'cold' | 'warm',
    });
  }
  return edits.sort(compareEntries);
}

function compareEntries(a: { sheet: string; row: number }, b: { sheet: string; row: number }): number {
  const order = (sheet: string) => {
    const index = (EDITABLE_SHEETS as readonly string[]).indexOf(sheet);
    return index < 0 ? EDITABLE_SHEETS.length : index;
  };
  return order(a.sheet) - order(b.sheet) || a.row - b.row;
}

/**
 * Reads the wave assignments a planner edited in a wave report (the `Waves` sheet's Wave column
 * or the `VMs` sheet's Wave column) and returns the VMs whose wave changed, compared with the
 * assignments the report was written with (kept in the hidden `_flotilla` sheet). The caller
 * checks `planId`/`planHash` against the current plan and applies the moves through the planner's
 * own validation. A VM moved to two different waves in the two sheets is a problem, not a move;
 * deleting a row moves nothing (clear the Wave cell to take a VM out of its wave).
 */
export async function readWaveEdits(
  source: string | Readable,
  options: ReadWaveEditsOptions = {},
): Promise<WaveEdits> {
  const fileName = options.fileName ?? (typeof source === 'string' ? source : 'upload.xlsx');
  const { maxFileBytes = DEFAULT_MAX_FILE_BYTES, ...limits } = options.limits ?? {};
  // The zip is read with random access (its directory is at the end): a stream is spooled to disk.
  const spoolDir = typeof source === 'string' ? null : await mkdtemp(join(tmpdir(), 'flotilla-edits-'));
  try {
    let path: string;
    if (typeof source === 'string') {
      path = source;
    } else {
      path = join(spoolDir!, 'upload.xlsx');
      await pipeline(source, countBytes(maxFileBytes, fileName), createWriteStream(path));
    }
    let reader: XlsxTableReader;
    try {
      reader = await XlsxTableReader.open(path, fileName, limits);
    } catch (error) {
      if (error instanceof XlsxReadError) throw new WaveReportReadError(error.message, error.tooLarge);
      throw error;
    }
    const entries: SheetEntry[] = [];
    const windows: WaveWindowEdit[] = [];
    const cutovers: CutoverEdit[] = [];
    const problems: WaveEditProblem[] = [];
    let plan: PlanSheet | null;
    try {
      plan = await readPlanSheet(reader);
      if (plan) {
        for (const sheet of EDITABLE_SHEETS) {
          if (reader.sheetNames.includes(sheet)) await readEditableSheet(reader, sheet, entries, problems);
          else problems.push({ sheet, row: 0, message: `the workbook has no "${sheet}" sheet` });
        }
        // Reports written before change windows have no schedule sheet: nothing to read.
        if (reader.sheetNames.includes(WAVE_SCHEDULE_SHEET))
          await readScheduleSheet(reader, windows, cutovers, problems);
      }
    } catch (error) {
      if (error instanceof XlsxReadError) throw new WaveReportReadError(error.message, error.tooLarge);
      throw error;
    } finally {
      await reader.close();
    }
    if (!plan || plan.format !== WAVE_REPORT_FORMAT) {
      throw new WaveReportReadError(
        `"${fileName}" is not a Flotilla wave report: its hidden sheet "${PLAN_SHEET}" ${plan ? `has format "${plan.format}", expected "${WAVE_REPORT_FORMAT}"` : 'is missing'}`,
      );
    }
    if (!plan.planId || !plan.planHash) {
      throw new WaveReportReadError(
        `"${fileName}": the hidden sheet "${PLAN_SHEET}" has no plan id or plan hash`,
      );
    }
    const migrations = migrationEdits(entries, plan, problems);
    const changed = new Map<string, SheetEntry[]>();
    for (const entry of entries) {
      if (!plan.waves.has(entry.vmKey)) {
        problems.push({
          sheet: entry.sheet,
          row: entry.row,
          message: `VM key "${entry.vmKey}" is not in this plan`,
        });
        continue;
      }
      if (plan.waves.get(entry.vmKey) === entry.wave) continue;
      const list = changed.get(entry.vmKey);
      if (list) list.push(entry);
      else changed.set(entry.vmKey, [entry]);
    }
    const moves: WaveEditMove[] = [];
    for (const [vmKey, edits] of changed) {
      edits.sort(compareEntries);
      const targets = new Set(edits.map((edit) => edit.wave));
      if (targets.size > 1) {
        const where = edits
          .map((edit) => `${edit.sheet} row ${edit.row} says ${edit.wave ?? 'no wave'}`)
          .join(', ');
        for (const edit of edits) {
          problems.push({
            sheet: edit.sheet,
            row: edit.row,
            message: `VM "${vmKey}" was moved to different waves (${where}); it was not moved`,
          });
        }
        continue;
      }
      const first = edits[0];
      moves.push({
        row: first.row,
        sheet: first.sheet,
        vmKey,
        vmName: first.vmName,
        toWave: first.wave,
        fromWave: plan.waves.get(vmKey) ?? null,
      });
    }
    moves.sort(compareEntries);
    problems.sort(compareEntries);
    return {
      planId: plan.planId,
      planVersion: plan.planVersion,
      planHash: plan.planHash,
      moves,
      windows,
      migrations,
      cutovers,
      problems,
    };
  } finally {
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}
