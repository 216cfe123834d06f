import type { InventorySourceInfo } from '#libs/inventory';

/**
 * Receives one sheet row by row. `cells` holds the text of each cell by column index (a gap is an
 * empty cell; the array may be shorter than the header) and is only valid during the call.
 * `rowNumber` is 1-based as a spreadsheet shows it.
 */
export interface SheetRowVisitor {
  row(cells: readonly string[], rowNumber: number): void;
  /** A problem reading the sheet itself (malformed CSV quoting, ...); rows read before it stand. */
  issue(message: string, rowNumber: number | null): void;
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
  readSheet(sheetName: string, visitor: SheetRowVisitor): Promise<void>;
  close(): Promise<void>;
}
