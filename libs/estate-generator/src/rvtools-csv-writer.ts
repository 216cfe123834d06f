import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedEstate } from './model.js';
import { planRvtoolsSheets, type RvtoolsCellValue } from './rvtools-sheets.js';
import type { RvtoolsWriteOptions } from './rvtools-xlsx-writer.js';
import { ZipFileWriter } from './zip-file-writer.js';

export type RvtoolsCsvTarget = { dir: string } | { zip: string };

export interface RvtoolsCsvOptions extends Omit<RvtoolsWriteOptions, 'sharedStrings' | 'compressionLevel'> {
  /**
   * Start each file with a UTF-8 byte order mark, as Windows tools usually do (so Excel reads
   * the Cyrillic and CJK names right). Default true; readers must cope with both.
   */
  bom?: boolean;
}

/** Text is flushed to the file (or compressed into the zip) in pieces of about this size. */
const FLUSH_BYTES = 1 << 20;
const MONTH_DAY_YEAR = (date: Date): string => {
  const hours = date.getUTCHours();
  const hour12 = hours % 12 === 0 ? 12 : hours % 12;
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${hour12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
};

/** One cell as RVTools' CSV export writes it: US dates, `True`/`False`, quotes only when needed. */
export function csvCell(value: RvtoolsCellValue): string {
  if (value === null) return '';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value instanceof Date) return MONTH_DAY_YEAR(value);
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvFileName(sheet: string): string {
  return `RVTools_tab${sheet}.csv`;
}

/**
 * Writes the estate as RVTools' CSV export: one `RVTools_tab<sheet>.csv` per sheet, into a
 * folder or a zip. Rows stream through a small buffer, so memory stays flat at any size.
 * Returns the file names written, in order.
 */
export async function writeRvtoolsCsv(
  estate: GeneratedEstate,
  target: RvtoolsCsvTarget,
  options: RvtoolsCsvOptions = {},
): Promise<string[]> {
  const writtenAt = options.writtenAt ?? new Date(estate.asOf);
  const plans = planRvtoolsSheets(estate, {
    variant: options.variant ?? '4.x',
    sheets: options.sheets,
    writtenAt,
  });
  const bom = options.bom ?? true;
  const names: string[] = [];

  if ('zip' in target) {
    const zip = await ZipFileWriter.create(target.zip, writtenAt);
    try {
      for (const plan of plans) {
        const name = csvFileName(plan.name);
        await zip.startEntry(name);
        await streamCsv(
          plan.columns.map((column) => column.header),
          plan.rows(),
          bom,
          (chunk) => zip.writeChunk(chunk),
        );
        await zip.endEntry();
        names.push(name);
      }
    } catch (error) {
      await zip.abort();
      throw error;
    }
    await zip.close();
    return names;
  }

  await mkdir(target.dir, { recursive: true });
  for (const plan of plans) {
    const name = csvFileName(plan.name);
    const file = await open(join(target.dir, name), 'w');
    try {
      await streamCsv(
        plan.columns.map((column) => column.header),
        plan.rows(),
        bom,
        async (chunk) => {
          await file.write(chunk);
        },
      );
    } finally {
      await file.close();
    }
    names.push(name);
  }
  return names;
}

async function streamCsv(
  header: string[],
  rows: Iterable<RvtoolsCellValue[]>,
  bom: boolean,
  flush: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  let pending = `${bom ? '\ufeff' : ''}${header.map(csvCell).join(',')}\r\n`;
  for (const cells of rows) {
    pending += `${cells.map(csvCell).join(',')}\r\n`;
    if (pending.length >= FLUSH_BYTES) {
      await flush(Buffer.from(pending, 'utf8'));
      pending = '';
    }
  }
  if (pending.length > 0) await flush(Buffer.from(pending, 'utf8'));
}
