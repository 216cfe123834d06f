import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { neutraliseCellText } from './cell-text.js';
import type { WaveReportInput, WaveReportVm } from './model.js';
import { type TableColumn, VM_COLUMNS, WAVE_VM_COLUMNS, waveVmRows } from './report-tables.js';

export interface CsvOptions {
  /**
   * Start with a UTF-8 byte order mark, without which Excel reads the file in the machine's
   * ANSI code page and mangles non-ASCII VM names. Default true.
   */
  bom?: boolean;
}

const CHUNK_BYTES = 64 * 1024;

/** A CSV field: text neutralised against formula injection, then quoted per RFC 4180. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = neutraliseCellText(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes chunks with backpressure, then ends the stream and waits until it has finished. */
async function writeChunked(stream: Writable, pieces: Iterable<string>): Promise<void> {
  let buffer = '';
  for (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= CHUNK_BYTES) {
      const ok = stream.write(buffer);
      buffer = '';
      if (!ok) await once(stream, 'drain');
    }
  }
  stream.end(buffer);
  await finished(stream);
}

function* csvLines<Row>(
  columns: readonly TableColumn<Row>[],
  rows: Iterable<Row>,
  bom: boolean,
): Generator<string> {
  yield `${bom ? '\ufeff' : ''}${columns.map((column) => csvField(column.header)).join(',')}\r\n`;
  for (const row of rows) yield `${columns.map((column) => csvField(column.cell(row))).join(',')}\r\n`;
}

function* jsonLines<Row>(columns: readonly TableColumn<Row>[], rows: Iterable<Row>): Generator<string> {
  let first = true;
  yield '[';
  for (const row of rows) {
    const record: Record<string, unknown> = {};
    for (const column of columns) record[column.key] = column.json ? column.json(row) : column.cell(row);
    yield `${first ? '\n' : ',\n'}${JSON.stringify(record)}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

/** The VMs table as CSV (same columns and headers as the workbook's `VMs` sheet). */
export function writeVmsCsv(
  vms: readonly WaveReportVm[],
  stream: Writable,
  options: CsvOptions = {},
): Promise<void> {
  return writeChunked(stream, csvLines(VM_COLUMNS, vms, options.bom ?? true));
}

/** The Waves table as CSV: one row per VM per wave, in wave order. */
export function writeWavesCsv(
  input: Pick<WaveReportInput, 'waves' | 'vms'>,
  stream: Writable,
  options: CsvOptions = {},
): Promise<void> {
  return writeChunked(
    stream,
    csvLines(WAVE_VM_COLUMNS, waveVmRows(input.waves, input.vms), options.bom ?? true),
  );
}

/** The VMs table as a JSON array of objects keyed like the CSV columns; lists stay arrays. */
export function writeVmsJson(vms: readonly WaveReportVm[], stream: Writable): Promise<void> {
  return writeChunked(stream, jsonLines(VM_COLUMNS, vms));
}

/** The Waves table as a JSON array, one object per VM per wave, in wave order. */
export function writeWavesJson(
  input: Pick<WaveReportInput, 'waves' | 'vms'>,
  stream: Writable,
): Promise<void> {
  return writeChunked(stream, jsonLines(WAVE_VM_COLUMNS, waveVmRows(input.waves, input.vms)));
}
