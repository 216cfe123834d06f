import { RvtoolsImportError } from './rvtools-import-error.js';

/**
 * What one upload may cost to read, whatever its headers claim. Every bound is checked while
 * streaming, so a hostile file is refused after reading at most about one bound's worth of data,
 * never after inflating or holding what it claims.
 */
export interface RvtoolsReadLimits {
  /** Cap on the bytes all zip entries may inflate to, declared and actual. */
  maxInflatedBytes: number;
  /** Cap on the entries of a zip (or files of a folder). */
  maxEntries: number;
  /**
   * Cap on inflated / compressed size of any zip entry read (over 1 MiB inflated): sheets of real
   * exports compress 5-15x, a decompression bomb several hundred times.
   */
  maxCompressionRatio: number;
  /** Cap on the inflated bytes of one sheet (a worksheet part or a CSV file). */
  maxSheetBytes: number;
  /**
   * Cap on the rows of one sheet, empty ones included (Excel's own limit is 1,048,576). Sheets are
   * also bounded by the VMs vInfo lists (sheet-row-bounds.ts); this cap holds when vInfo is large.
   */
  maxRowsPerSheet: number;
  /**
   * Cap on the rows of the VM sheet (vInfo): a flood of real-looking VM rows is refused long
   * before the per-sheet limit, whose million rows take half a minute to read.
   */
  maxVms: number;
  /** Characters kept of one cell (Excel's own limit is 32,767); a longer cell is cut, with a diagnostic. */
  maxCellChars: number;
  /** Characters read of one cell before the file is refused: a cell this long is an attack, not data. */
  maxCellReadChars: number;
  /** Cap on the entries of the shared-string table (it is also bounded by what the sheets can reference). */
  maxSharedStrings: number;
  /** Cap on the characters of all shared strings together. */
  maxSharedStringChars: number;
  /** Cap on the bytes of one CSV record (a line, or several lines of one quoted value). */
  maxCsvLineBytes: number;
}

const MIB = 1024 * 1024;

/** Excel stores at most 32,767 characters in a cell; RVTools writes through Excel's model. */
export const EXCEL_MAX_CELL_CHARS = 32_767;
/** Excel's row limit per worksheet. */
export const EXCEL_MAX_ROWS = 1_048_576;

/**
 * Defaults sized from the largest realistic export, a generated 100,000-VM workbook
 * (`flotilla generate --vms 100000`: 218 MB xlsx, 27 entries inflating to 1,778 MiB, largest sheet
 * vDisk 415 MiB, every sheet over 1 MiB compressed 7.5-12.7 times):
 * - inflate cap 4 GiB: 2.3x what that workbook inflates to;
 * - bytes per sheet 1 GiB: 2.5x its largest sheet;
 * - compression ratio 100: 7.9x its most compressible sheet, a quarter of what the smallest
 *   decompression bombs reached (470x; deflate can reach 1,032x);
 * - rows per sheet 570,000: 2.5x its largest sheet (vPartition, 226,548 rows; vDisk 219,547), the
 *   margin of the VM limit, so a 250,000-VM export of the same shape still fits;
 * - VMs (vInfo rows) 250,000: 2.5x that export; 1.2 M minimal VM rows took 37 s to reach the
 *   per-sheet limit, 250,000 of them take under 10 s;
 * - characters kept per cell: Excel's own limit (32,767); a longer cell is cut with a diagnostic,
 *   since RVTools (OpenXML SDK) does write longer ones: that workbook's vDatastore `Hosts` cells
 *   list up to 2,300 hosts, 69,650 characters;
 * - characters read per cell before refusing the file: 1 Mi, 15x that longest realistic cell;
 * - shared strings 4 M entries / 128 Mi characters: twice the distinct texts of 100,000 VMs
 *   (about 20 per VM: names, UUIDs, paths, addresses), about 200 MiB of strings at most;
 * - CSV line 1 MiB: an RVTools vInfo line is 1-3 KB, a line of full cells of all 90 columns 3 MiB
 *   is not something RVTools writes.
 */
export const DEFAULT_READ_LIMITS: Readonly<RvtoolsReadLimits> = {
  maxInflatedBytes: 4096 * MIB,
  maxEntries: 10_000,
  maxCompressionRatio: 100,
  maxSheetBytes: 1024 * MIB,
  maxRowsPerSheet: 570_000,
  maxVms: 250_000,
  maxCellChars: EXCEL_MAX_CELL_CHARS,
  maxCellReadChars: 1024 * 1024,
  maxSharedStrings: 4_000_000,
  maxSharedStringChars: 128 * MIB,
  maxCsvLineBytes: 1 * MIB,
};

/**
 * Longest tag, comment, CDATA section or run of text outside a cell value the XML scanners hold:
 * a CDATA section carrying a full cell (32,767 characters) and its markup, with room to spare.
 * Real tags are a few hundred characters; only the tail of a token cut by a chunk boundary is held.
 */
export const MAX_XML_TOKEN_CHARS = 65_536;

/**
 * Where a limit applies, so the refusal names the file and the sheet (or part). Scanners call
 * `exceeded` with the detail; the message reads `"file.xlsx", sheet vInfo: <detail>`.
 */
export class ReadLimitContext {
  constructor(
    readonly limits: Readonly<RvtoolsReadLimits>,
    readonly fileName: string,
    /** The sheet being read, or null for workbook-wide parts (shared strings). */
    readonly sheet: string | null,
    /** How the part is named in messages when it is not a sheet (`the shared-string table`). */
    readonly part: string | null = null,
  ) {}

  /** The row limit of this sheet, and how a refusal names it: the VM sheet has a tighter one. */
  rowLimit(): { rows: number; describe: () => string } {
    const vmSheet = this.sheet !== null && /^(tab)?vinfo$/i.test(this.sheet.replace(/\.csv$/i, ''));
    if (vmSheet && this.limits.maxVms < this.limits.maxRowsPerSheet) {
      // One header row precedes the VMs.
      const rows = this.limits.maxVms + 1;
      return {
        rows,
        describe: () => `the sheet lists more than ${formatCount(this.limits.maxVms)} VMs, the limit`,
      };
    }
    const rows = this.limits.maxRowsPerSheet;
    return { rows, describe: () => `the sheet has more than ${formatCount(rows)} rows, the limit per sheet` };
  }

  exceeded(detail: string): RvtoolsImportError {
    const where = this.sheet !== null ? `, sheet ${this.sheet}` : this.part ? `, ${this.part}` : '';
    return new RvtoolsImportError(
      'too-large',
      `"${this.fileName}"${where}: ${detail}.`,
      this.fileName,
      this.sheet,
    );
  }
}

export const formatCount = (count: number): string => count.toLocaleString('en-US');

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MIB) return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
  if (bytes >= MIB) return `${Math.round(bytes / MIB)} MiB`;
  return `${formatCount(bytes)} bytes`;
}

/** Options merged over the defaults; undefined keeps the default. */
export function resolveReadLimits(overrides: Partial<RvtoolsReadLimits> = {}): RvtoolsReadLimits {
  const limits: RvtoolsReadLimits = { ...DEFAULT_READ_LIMITS };
  for (const key of Object.keys(limits) as (keyof RvtoolsReadLimits)[]) {
    const value = overrides[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
