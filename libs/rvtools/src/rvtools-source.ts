import { createReadStream, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readCsvRows } from './csv-sheet-reader.js';
import { normalizeHeader } from './header-normalization.js';
import { formatCount, ReadLimitContext, type RvtoolsReadLimits } from './read-limits.js';
import { RvtoolsImportError } from './rvtools-import-error.js';
import { knownRvtoolsSheet } from './rvtools-sheet-names.js';
import type { RvtoolsSheetSource, SheetRowVisitor, SourceInflation } from './sheet-source.js';
import { decodeText } from './text-decoding.js';
import { findWorkbookPart, XlsxWorkbookReader } from './xlsx-workbook-reader.js';
import { ZipArchive } from './zip-archive.js';

/** `RVTools_tabvInfo.csv` -> `vInfo`; also a bare `vInfo.csv`. */
const CSV_SHEET_FILE = /^(?:RVTools_tab)?([A-Za-z][A-Za-z0-9_]*)\.csv$/i;

const ZIP_MAGIC = [0x50, 0x4b];
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SNIFF_BYTES = 64 * 1024;
const CSV_READ_CHUNK_BYTES = 256 * 1024;

/** The RVTools sheet a CSV file holds, from its name: `RVTools_tabvDisk.csv` -> `vDisk`. */
function csvSheetName(fileName: string): string | null {
  const match = CSV_SHEET_FILE.exec(basename(fileName));
  if (!match) return null;
  const named = match[1];
  const canonical = knownRvtoolsSheet(named);
  if (canonical) return canonical;
  return /^RVTools_tab/i.test(basename(fileName)) ? named : null;
}

/**
 * Opens an RVTools export by content, not by extension: an xlsx (zip with a workbook part), a zip
 * or folder of `RVTools_tab*.csv` files, or a single CSV holding the vInfo sheet.
 */
export async function openRvtoolsSource(
  path: string,
  fileName: string,
  limits: Readonly<RvtoolsReadLimits>,
): Promise<RvtoolsSheetSource> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch {
    throw new RvtoolsImportError('unreadable', `"${fileName}" cannot be opened.`, fileName);
  }
  if (info.isDirectory()) return CsvFolderSource.open(path, fileName, limits);
  if (!info.isFile())
    throw new RvtoolsImportError('unreadable', `"${fileName}" is not a regular file.`, fileName);
  if (info.size === 0) throw new RvtoolsImportError('not-a-workbook', `"${fileName}" is empty.`, fileName);

  const head = await readHead(path, Math.min(info.size, SNIFF_BYTES), fileName);
  if (startsWith(head, ZIP_MAGIC)) return openZipSource(path, fileName, limits);
  if (startsWith(head, OLE2_MAGIC)) {
    throw new RvtoolsImportError(
      'unsupported-format',
      `"${fileName}" is a legacy Excel (.xls) or password-protected workbook; save it as .xlsx without a password.`,
      fileName,
    );
  }
  if (looksLikeCsv(head, fileName)) {
    return new SingleCsvSource(path, csvSheetName(fileName) ?? 'vInfo', fileName, limits);
  }
  throw new RvtoolsImportError(
    'not-a-workbook',
    `"${fileName}" is not an RVTools export: neither an xlsx workbook, a zip of RVTools CSV files, nor a CSV file.`,
    fileName,
  );
}

async function openZipSource(
  path: string,
  fileName: string,
  limits: Readonly<RvtoolsReadLimits>,
): Promise<RvtoolsSheetSource> {
  const archive = await ZipArchive.open(path, fileName, limits);
  try {
    const workbookPart = await findWorkbookPart(archive, fileName);
    if (workbookPart) return await XlsxWorkbookReader.open(archive, workbookPart, fileName, limits);
    if (archive.has('xl/workbook.bin')) {
      throw new RvtoolsImportError(
        'unsupported-format',
        `"${fileName}" is a binary Excel workbook (.xlsb); save it as .xlsx.`,
        fileName,
      );
    }
    if (archive.has('content.xml') && archive.has('mimetype')) {
      throw new RvtoolsImportError(
        'unsupported-format',
        `"${fileName}" is an OpenDocument spreadsheet; save it as .xlsx.`,
        fileName,
      );
    }
    const sheets = new Map<string, string>();
    for (const entry of archive.entryNames) {
      if (entry.endsWith('/')) continue;
      const sheet = csvSheetName(entry);
      if (sheet && !sheets.has(sheet)) sheets.set(sheet, entry);
    }
    if (sheets.size === 0) {
      throw new RvtoolsImportError(
        'not-a-workbook',
        `"${fileName}" is a zip archive without an Excel workbook (xl/workbook.xml) or RVTools CSV files (RVTools_tab*.csv).`,
        fileName,
      );
    }
    return new CsvZipSource(archive, sheets, fileName, limits);
  } catch (error) {
    archive.close();
    throw error;
  }
}

/** RVTools `-ExportAll2csv` output, zipped: one `RVTools_tab<sheet>.csv` per sheet. */
class CsvZipSource implements RvtoolsSheetSource {
  readonly format = 'csv-zip' as const;
  readonly date1904 = false;

  constructor(
    private readonly archive: ZipArchive,
    private readonly entryBySheet: ReadonlyMap<string, string>,
    private readonly fileName: string,
    private readonly limits: Readonly<RvtoolsReadLimits>,
  ) {}

  get sheetNames(): readonly string[] {
    return [...this.entryBySheet.keys()];
  }

  async readSheet(sheetName: string, visitor: SheetRowVisitor): Promise<void> {
    const entry = this.entryBySheet.get(sheetName);
    if (!entry) return;
    const context = new ReadLimitContext(this.limits, this.fileName, sheetName);
    const bounds = { maxBytes: this.limits.maxSheetBytes, limitName: 'the limit per sheet', context };
    await readCsvRows(await this.archive.openEntry(entry, bounds), visitor, context);
  }

  inflation(sheetNames: readonly string[]): SourceInflation {
    let sheetBytes = 0;
    for (const name of new Set(sheetNames)) {
      const entry = this.entryBySheet.get(name);
      if (entry) sheetBytes += this.archive.declaredSize(entry);
    }
    const inflatedBytes = this.archive.bytesInflated;
    return { inflatedBytes, totalBytes: inflatedBytes + sheetBytes };
  }

  async close(): Promise<void> {
    this.archive.close();
  }
}

/** The same CSV files unpacked in a folder. */
class CsvFolderSource implements RvtoolsSheetSource {
  readonly format = 'csv-folder' as const;
  readonly date1904 = false;

  private constructor(
    private readonly fileBySheet: ReadonlyMap<string, string>,
    private readonly fileName: string,
    private readonly limits: Readonly<RvtoolsReadLimits>,
  ) {}

  static async open(
    path: string,
    fileName: string,
    limits: Readonly<RvtoolsReadLimits>,
  ): Promise<CsvFolderSource> {
    let names: string[];
    try {
      names = (await readdir(path)).sort();
    } catch {
      throw new RvtoolsImportError(
        'unreadable',
        `"${fileName}" is a folder that cannot be listed.`,
        fileName,
      );
    }
    if (names.length > limits.maxEntries) {
      throw new RvtoolsImportError(
        'too-large',
        `"${fileName}" holds ${formatCount(names.length)} files, over the limit of ${formatCount(limits.maxEntries)}.`,
        fileName,
      );
    }
    const fileBySheet = new Map<string, string>();
    for (const name of names) {
      const sheet = csvSheetName(name);
      if (sheet && !fileBySheet.has(sheet)) fileBySheet.set(sheet, join(path, name));
    }
    if (fileBySheet.size === 0) {
      throw new RvtoolsImportError(
        'not-a-workbook',
        `"${fileName}" is a folder without RVTools CSV files (RVTools_tab*.csv).`,
        fileName,
      );
    }
    return new CsvFolderSource(fileBySheet, fileName, limits);
  }

  get sheetNames(): readonly string[] {
    return [...this.fileBySheet.keys()];
  }

  async readSheet(sheetName: string, visitor: SheetRowVisitor): Promise<void> {
    const file = this.fileBySheet.get(sheetName);
    if (!file) return;
    const context = new ReadLimitContext(this.limits, this.fileName, sheetName);
    await readCsvRows(createReadStream(file, { highWaterMark: CSV_READ_CHUNK_BYTES }), visitor, context);
  }

  inflation(): null {
    return null;
  }

  async close(): Promise<void> {}
}

/** One CSV file: the vInfo sheet saved alone (or one sheet named by its RVTools file name). */
class SingleCsvSource implements RvtoolsSheetSource {
  readonly format = 'csv' as const;
  readonly date1904 = false;

  constructor(
    private readonly path: string,
    private readonly sheet: string,
    private readonly fileName: string,
    private readonly limits: Readonly<RvtoolsReadLimits>,
  ) {}

  get sheetNames(): readonly string[] {
    return [this.sheet];
  }

  async readSheet(sheetName: string, visitor: SheetRowVisitor): Promise<void> {
    if (sheetName !== this.sheet) return;
    const context = new ReadLimitContext(this.limits, this.fileName, sheetName);
    await readCsvRows(createReadStream(this.path, { highWaterMark: CSV_READ_CHUNK_BYTES }), visitor, context);
  }

  inflation(): null {
    return null;
  }

  async close(): Promise<void> {}
}

async function readHead(path: string, length: number, fileName: string): Promise<Buffer> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    throw new RvtoolsImportError('unreadable', `"${fileName}" cannot be read.`, fileName);
  }
}

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte);
}

/**
 * Text whose first line splits into several fields (or is a lone VM header): a CSV. Binary data
 * (NUL bytes outside UTF-16) and text without delimiters is not.
 */
function looksLikeCsv(head: Buffer, fileName: string): boolean {
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  if (!utf16 && head.includes(0)) return false;
  const text = decodeText(head);
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (hasControlCharacters(firstLine)) return false;
  if (/[,;\t]/.test(firstLine)) return true;
  return /\.csv$/i.test(fileName) && ['vm', 'vmname', 'vinfovmname'].includes(normalizeHeader(firstLine));
}

/** C0 control characters other than tab, line feed, carriage return: a sign of binary data. */
function hasControlCharacters(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 32 && code !== 9 && code !== 10 && code !== 13) return true;
  }
  return false;
}
