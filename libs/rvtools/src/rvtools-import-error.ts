/**
 * Why an RVTools export could not be read at all. Row-level problems never raise this: they become
 * diagnostics on the inventory instead.
 */
export type RvtoolsImportErrorCode =
  /** The file cannot be opened (missing, unreadable, a directory without RVTools CSV files). */
  | 'unreadable'
  /** Not a spreadsheet: neither an xlsx workbook, a zip or folder of RVTools CSV files, nor a CSV. */
  | 'not-a-workbook'
  /** A zip archive (or xlsx) whose structure or compressed data is damaged. */
  | 'corrupt-zip'
  /** Over the entry-count or inflated-size limit (decompression bomb guard). */
  | 'too-large'
  /** A spreadsheet of a kind we do not read: legacy .xls, .xlsb, .ods, encrypted entries. */
  | 'unsupported-format'
  /** The export has no vInfo sheet (or no RVTools_tabvInfo.csv). */
  | 'no-vinfo'
  /** The vInfo sheet has no `VM` (VM name) column. */
  | 'no-vm-column'
  /** The vInfo sheet holds no VM row. */
  | 'empty-inventory';

export class RvtoolsImportError extends Error {
  override readonly name = 'RvtoolsImportError';

  constructor(
    readonly code: RvtoolsImportErrorCode,
    message: string,
    /** File name as uploaded, never a server-side path. */
    readonly fileName: string,
    readonly sheet: string | null = null,
  ) {
    super(message);
  }
}
