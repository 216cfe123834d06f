import {
  type CellKind,
  openXlsxSheets,
  RvtoolsImportError,
  type RvtoolsReadLimits,
  type XlsxSheets,
} from '#libs/rvtools';

/**
 * Reads the rows of chosen sheets of an xlsx file, whoever wrote it (exceljs, Excel, LibreOffice),
 * through the bounded reader of the RVTools import (libs/rvtools): the same zip guards (entry
 * count, inflated bytes, compression ratio), the same caps on cells, rows and bytes per sheet,
 * so an uploaded report cannot cost more than an uploaded export. Cells come back typed as the
 * workbook typed them (numbers, booleans, text).
 */

/** Read limits for the load-back; unset ones keep the import's defaults. */
export type ZipLimits = Partial<RvtoolsReadLimits>;

/**
 * A wave report of 100,000 VMs inflates to tens of MB; a gigabyte is already far past real. The
 * API passes its configured limits instead (FLOTILLA_MAX_REPORT_INFLATED_MB, same default).
 */
export const DEFAULT_ZIP_LIMITS = { maxInflatedBytes: 1024 ** 3, maxEntries: 10_000 } as const;

export class XlsxReadError extends Error {
  override readonly name = 'XlsxReadError';

  constructor(
    message: string,
    /** Refused by a read limit rather than unreadable. */
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

export type XlsxCellValue = string | number | boolean | null;

export interface XlsxRow {
  /** 1-based row number. */
  row: number;
  /** Values by 1-based column number; empty cells are absent. */
  cells: Map<number, XlsxCellValue>;
}

function typedValue(text: string, kind: CellKind): XlsxCellValue {
  if (kind === 'boolean') return text === 'TRUE' ? true : text === 'FALSE' ? false : text;
  if (kind === 'number') {
    if (text.trim() === '') return null;
    const number = Number(text);
    // Dates and error values (`#N/A`) are typed like numbers but stay text.
    return Number.isNaN(number) ? text : number;
  }
  return text;
}

const asReadError = (error: unknown): unknown =>
  error instanceof RvtoolsImportError ? new XlsxReadError(error.message, error.code === 'too-large') : error;

export class XlsxTableReader {
  private constructor(private readonly sheets: XlsxSheets) {}

  static async open(path: string, fileName: string, limits: ZipLimits = {}): Promise<XlsxTableReader> {
    try {
      return new XlsxTableReader(await openXlsxSheets(path, fileName, { ...DEFAULT_ZIP_LIMITS, ...limits }));
    } catch (error) {
      throw asReadError(error);
    }
  }

  /** Sheet names in workbook order. */
  get sheetNames(): readonly string[] {
    return this.sheets.sheetNames;
  }

  async close(): Promise<void> {
    await this.sheets.close();
  }

  /** Calls `visit` with each non-empty row of a sheet, in file order; nothing when there is no such sheet. */
  async forEachRow(sheetName: string, visit: (row: XlsxRow) => void): Promise<void> {
    if (!this.sheetNames.includes(sheetName)) return;
    const visitor = {
      row(cells: readonly string[], rowNumber: number, kinds?: readonly CellKind[]): void {
        const values = new Map<number, XlsxCellValue>();
        for (let index = 0; index < cells.length; index++) {
          const text = cells[index];
          if (text !== undefined && text !== '')
            values.set(index + 1, typedValue(text, kinds?.[index] ?? 'text'));
        }
        visit({ row: rowNumber, cells: values });
      },
      issue(): void {},
    };
    try {
      await this.sheets.readSheet(sheetName, visitor, { cellKinds: true });
    } catch (error) {
      throw asReadError(error);
    }
  }
}
