import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import type { GeneratedEstate } from './model.js';
import { planRvtoolsSheets, type RvtoolsCellValue, type RvtoolsVariant } from './rvtools-sheets.js';

export interface RvtoolsWriteOptions {
  /** Header dialect; default `4.x`. */
  variant?: RvtoolsVariant;
  /** Sheets to write, in this order; default every sheet the generator knows, in RVTools order. */
  sheets?: readonly string[];
  /** Shared strings make a smaller file but hold every distinct string in memory. Default false. */
  sharedStrings?: boolean;
  /** Stamp for vMetaData and the workbook properties; default the estate's `asOf`. */
  writtenAt?: Date;
  /** zlib level 0-9; default 6. 9 shaves a few percent off committed samples. */
  compressionLevel?: number;
}

/** RVTools formats every date cell like this. */
const DATE_FORMAT = 'yyyy/mm/dd hh:mm:ss';
const HEADER_FONT: Partial<ExcelJS.Font> = {
  name: 'Verdana',
  size: 9,
  bold: true,
  color: { argb: 'FFFFFFFF' },
};
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF000000' } };
/** Rows between two checks of the zip backlog. */
const ROWS_PER_TURN = 250;
/**
 * Sheet XML allowed to wait for compression: above the high mark the writer pauses until the
 * backlog is under the low mark, so zlib always has work queued while rows are being built.
 */
const BACKLOG_HIGH_BYTES = 24 * 1024 * 1024;
const BACKLOG_LOW_BYTES = 8 * 1024 * 1024;
/** A stuck stream must not hang the writer; after this long it just carries on. */
const MAX_PAUSE_MS = 10_000;

/**
 * Writes the estate as an RVTools xlsx with exceljs's streaming writer: one sheet at a time,
 * each row committed as soon as it is built, so 100,000 VMs never sit in memory as a workbook.
 */
export async function writeRvtoolsXlsx(
  estate: GeneratedEstate,
  filePath: string,
  options: RvtoolsWriteOptions = {},
): Promise<void> {
  const writtenAt = options.writtenAt ?? new Date(estate.asOf);
  const plans = planRvtoolsSheets(estate, {
    variant: options.variant ?? '4.x',
    sheets: options.sheets,
    writtenAt,
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: filePath,
    useStyles: true,
    useSharedStrings: options.sharedStrings ?? false,
    zip: { zlib: { level: options.compressionLevel ?? 6 } },
  });
  workbook.creator = 'Flotilla estate generator';
  workbook.created = writtenAt;
  workbook.modified = writtenAt;
  // Style objects are cached by identity, so every date cell must share this one.
  const dateStyle: Partial<ExcelJS.Style> = { numFmt: DATE_FORMAT };
  const plainStyle: Partial<ExcelJS.Style> = {};

  for (const plan of plans) {
    const sheet = workbook.addWorksheet(plan.name);
    const header = sheet.addRow(plan.columns.map((column) => column.header));
    header.eachCell((cell) => {
      cell.font = HEADER_FONT;
      cell.fill = HEADER_FILL;
    });
    header.commit();
    const backlog = zipEntryInput(sheet);
    let written = 0;
    for (const cells of plan.rows()) {
      const row = sheet.addRow(cells.map(excelValue));
      // exceljs gives every new cell its own style object and then serialises each one to
      // find its style id; handing all cells one of two shared objects skips that work.
      for (let i = 0; i < cells.length; i++) {
        row.getCell(i + 1).style = cells[i] instanceof Date ? dateStyle : plainStyle;
      }
      row.commit();
      if (++written % ROWS_PER_TURN === 0) await drain(backlog);
    }
    sheet.commit();
  }
  await workbook.commit();
}

/**
 * exceljs pushes sheet XML into the zip's input stream without waiting: when rows come faster
 * than zlib compresses them, the XML piles up in memory (over 300 MB for 20,000 VMs). That
 * input is the PassThrough archiver wraps around every appended stream (readable-stream 2.x,
 * so no `writableLength`, only `_writableState.length`). We find it and wait for it to drain.
 * If a future exceljs or archiver is shaped differently we only lose the pacing, never output.
 */
function zipEntryInput(sheet: ExcelJS.Worksheet): EventEmitter | null {
  const stream: unknown = Reflect.get(sheet, 'stream');
  if (typeof stream !== 'object' || stream === null) return null;
  const pipes: unknown = Reflect.get(stream, 'pipes');
  if (!Array.isArray(pipes)) return null;
  const input: unknown = pipes[0];
  return input instanceof EventEmitter && backlogBytes(input) !== null ? input : null;
}

function backlogBytes(input: EventEmitter): number | null {
  const length: unknown = Reflect.get(input, 'writableLength');
  if (typeof length === 'number') return length;
  const state: unknown = Reflect.get(input, '_writableState');
  const stateLength: unknown =
    typeof state === 'object' && state !== null ? Reflect.get(state, 'length') : undefined;
  return typeof stateLength === 'number' ? stateLength : null;
}

async function drain(input: EventEmitter | null): Promise<void> {
  if (input === null || (backlogBytes(input) ?? 0) <= BACKLOG_HIGH_BYTES) {
    await nextTurn();
    return;
  }
  for (let waited = 0; (backlogBytes(input) ?? 0) > BACKLOG_LOW_BYTES && waited < MAX_PAUSE_MS; waited += 2) {
    await sleep(2);
  }
}

function excelValue(value: RvtoolsCellValue): ExcelJS.CellValue {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return value;
}
