import type { InventorySourceInfo } from '#libs/inventory';

/**
 * Receives one sheet row by row. `cells` holds the text of each cell by column index (a gap is an
 * empty cell; the array may be shorter than the header) and is only valid during the call.
 * `rowNumber` is 1-based as a spreadsheet shows it.
 */
export interface SheetRowVisitor {
  /** `kinds` (what each cell's text is) only when the sheet is read with `cellKinds`. */
  row(cells: readonly string[], rowNumber: number, kinds?: readonly CellKind[]): void;
  /** A problem reading the sheet itself (malformed CSV quoting, ...); rows read before it stand. */
  issue(message: string, rowNumber: number | null): void;
}

/**
 * What a cell's text is, as the workbook typed it: numbers (and dates, error values) as written,
 * booleans as TRUE/FALSE, text (shared, inline or formula strings). CSV cells are all text.
 */
export type CellKind = 'number' | 'boolean' | 'text';

export interface ReadSheetOptions {
  /** Pass each row's cell kinds to the visitor (xlsx only). */
  cellKinds?: boolean;
}

/** How far reading a zipped export has come, in inflated bytes. */
export interface SourceInflation {
  inflatedBytes: number;
  totalBytes: number;
}

/** One RVTools export as a set of named sheets, whatever the file format. */
export interface RvtoolsSheetSource {
  readonly format: InventorySourceInfo['format'];
  /** Sheet names in file order. */
  readonly sheetNames: readonly string[];
  /**
   * Numeric cells may hold Excel serial dates; true when the workbook counts days from 1904
   * (old Mac Excel) instead of 1900.
   */
  readonly date1904: boolean;
  readSheet(sheetName: string, visitor: SheetRowVisitor, options?: ReadSheetOptions): Promise<void>;
  /**
   * For a progress bar: the bytes inflated so far, and the count they reach once `sheetNames`
   * (with the parts read before any sheet, such as shared strings) are read, as the zip declares
   * them. Asked once before reading for the total, then with no sheets for the running count.
   * Null for sources that are not a zip.
   */
  inflation(sheetNames: readonly string[]): SourceInflation | null;
  close(): Promise<void>;
}
