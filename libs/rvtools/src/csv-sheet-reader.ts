import { CsvError, parse } from 'csv-parse';
import { formatBytes, formatCount, type ReadLimitContext } from './read-limits.js';
import type { SheetRowVisitor } from './sheet-source.js';
import { CellTextInterner, StreamingTextDecoder } from './text-decoding.js';

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;

/**
 * The field separator of a CSV export, from its first line: RVTools writes commas, but a CSV saved
 * by a European Excel uses semicolons and a "Unicode text" save uses tabs. Quoted text is skipped
 * so `"16,384"` does not vote for the comma.
 */
function detectCsvDelimiter(head: string): string {
  const counts = new Map<string, number>(CANDIDATE_DELIMITERS.map((delimiter) => [delimiter, 0]));
  let quoted = false;
  for (let index = 0; index < head.length; index++) {
    const char = head[index];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  let bestCount = 0;
  for (const [delimiter, count] of counts) {
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Streams one CSV sheet (RVTools `-ExportAll2csv` output or a CSV saved from the workbook) into
 * rows. Rows are numbered by record, as a spreadsheet shows the file (a quoted value spanning two
 * lines is still one row). A quoting error ends the sheet with an issue; rows before it stand.
 * A record longer than the line limit, a field over the cell limit, more rows or more bytes than
 * a sheet may hold refuse the whole file (`context.exceeded`): the parser never buffers more than
 * one line's limit.
 */
export async function readCsvRows(
  input: AsyncIterable<Buffer>,
  visitor: SheetRowVisitor,
  context: ReadLimitContext,
): Promise<void> {
  const { maxCsvLineBytes, maxCellChars, maxCellReadChars, maxSheetBytes } = context.limits;
  const rowLimit = context.rowLimit();
  const decoder = new StreamingTextDecoder();
  const texts = new CellTextInterner();
  let parser: Parser | null = null;
  let consuming: Promise<void> = Promise.resolve();
  let rowNumber = 0;
  let failed = false;
  let aborted = false;
  // An error of the visitor (not of the CSV) must not pass for a parse problem.
  let failure: unknown = null;

  const start = (head: string): Parser => {
    const created = parse({
      delimiter: detectCsvDelimiter(head),
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: maxCsvLineBytes,
    });
    consuming = (async () => {
      try {
        for await (const record of created as AsyncIterable<string[]>) {
          rowNumber++;
          if (rowNumber > rowLimit.rows) throw context.exceeded(rowLimit.describe());
          const tooLong = record.findIndex((text) => text.length > maxCellReadChars);
          if (tooLong !== -1) {
            throw context.exceeded(
              `field ${tooLong + 1} of row ${rowNumber} holds more than ${formatCount(maxCellReadChars)} characters, the limit per cell`,
            );
          }
          for (let index = 0; index < record.length; index++) {
            const text = record[index];
            if (text.length <= maxCellChars) continue;
            visitor.issue(
              `field ${index + 1} holds ${formatCount(text.length)} characters; the first ${formatCount(maxCellChars)} were kept (Excel's limit per cell)`,
              rowNumber,
            );
            record[index] = text.slice(0, maxCellChars);
          }
          if (record.length > 1 || (record.length === 1 && record[0] !== '')) {
            visitor.row(
              record.map((text) => texts.intern(text)),
              rowNumber,
            );
          }
        }
      } catch (error) {
        failed = true;
        if (aborted) return;
        if (error instanceof CsvError && error.code === 'CSV_MAX_RECORD_SIZE') {
          failure = context.exceeded(
            `row ${rowNumber + 1} is longer than ${formatBytes(maxCsvLineBytes)}, the limit per CSV line`,
          );
          return;
        }
        if (!(error instanceof CsvError)) {
          failure = error;
          return;
        }
        const detail = error instanceof Error ? error.message : String(error);
        visitor.issue(`the CSV cannot be parsed after row ${rowNumber}: ${detail}`, rowNumber + 1);
      }
    })();
    return created;
  };

  let bytes = 0;
  try {
    for await (const chunk of input) {
      bytes += chunk.length;
      if (bytes > maxSheetBytes) {
        throw context.exceeded(`the file is larger than ${formatBytes(maxSheetBytes)}, the limit per sheet`);
      }
      const text = decoder.decode(chunk);
      if (text === '') continue;
      parser ??= start(text);
      if (failed) break;
      if (!parser.write(text)) await drained(parser);
    }
  } catch (error) {
    aborted = true;
    parser?.destroy();
    throw error;
  }
  const rest = decoder.flush();
  if (!parser && rest === '') return;
  parser ??= start(rest);
  if (!failed) parser.end(rest);
  await consuming;
  if (failure) throw failure;
}

type Parser = ReturnType<typeof parse>;

/** Resolves when the parser wants more input, or is done (a parse error closes it). */
function drained(parser: Parser): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      parser.off('drain', done);
      parser.off('close', done);
      resolve();
    };
    parser.on('drain', done);
    parser.on('close', done);
  });
}
