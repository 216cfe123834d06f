import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/**
 * Reads the rows of chosen sheets of an xlsx file, whoever wrote it (exceljs, Excel, LibreOffice).
 *
 * exceljs 4.4's streaming `WorkbookReader` was the first choice but is not dependable for
 * uploads: it names a sheet only when `xl/workbook.xml` precedes it in the zip (exceljs's own
 * writer puts it last) and it sometimes drops the last worksheet of such a file. This reader
 * opens the zip with random access (yauzl), reads the workbook part, its relationships and the
 * shared strings first, then streams only the sheets asked for through a SAX parser (saxes).
 *
 * A small xlsx can inflate to gigabytes: the entry count and the declared sizes are checked
 * when the file opens, and the bytes really inflated are counted while reading.
 */

export interface ZipLimits {
  /** Cap on the bytes the archive's entries inflate to, declared and read. */
  maxInflatedBytes: number;
  /** Cap on the number of zip entries. */
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxInflatedBytes: 1024 ** 3, maxEntries: 10_000 };

export class XlsxReadError extends Error {
  override readonly name = 'XlsxReadError';
}

export type XlsxCellValue = string | number | boolean | null;

export interface XlsxRow {
  /** 1-based row number. */
  row: number;
  /** Values by 1-based column number; empty cells are absent. */
  cells: Map<number, XlsxCellValue>;
}

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/** OOXML escapes characters XML cannot carry as `_xHHHH_` (Excel writes CR as `_x000D_`). */
function decodeOoxmlEscapes(text: string): string {
  return text.includes('_x')
    ? text.replace(/_x([0-9a-fA-F]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : text;
}

/** 1-based column number of a cell reference such as `AB12`. */
export function columnNumber(reference: string): number {
  let column = 0;
  for (const char of reference) {
    const code = char.charCodeAt(0);
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column;
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(error ?? new Error('zip did not open'));
      else resolve(zip);
    });
  });
}

function readEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

function normalisePartName(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}

/** Resolves a relationship target against the folder of the part that holds the relationship. */
function resolveTarget(baseFolder: string, target: string): string {
  if (target.startsWith('/')) return normalisePartName(target);
  const parts = `${baseFolder}/${target}`.split('/');
  const resolved: string[] = [];
  for (const part of parts) {
    if (part === '..') resolved.pop();
    else if (part !== '.' && part !== '') resolved.push(part);
  }
  return normalisePartName(resolved.join('/'));
}

export class XlsxTableReader {
  private inflatedBytes = 0;

  private constructor(
    private readonly zip: ZipFile,
    private readonly entries: ReadonlyMap<string, Entry>,
    private readonly limits: ZipLimits,
    private readonly fileName: string,
    private sheetParts: Map<string, string> = new Map(),
    private sharedStrings: string[] = [],
  ) {}

  static async open(
    path: string,
    fileName: string,
    limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  ): Promise<XlsxTableReader> {
    let zip: ZipFile;
    try {
      zip = await openZip(path);
    } catch (error) {
      throw new XlsxReadError(
        `"${fileName}" is not an xlsx workbook (not a zip archive: ${(error as Error).message})`,
      );
    }
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new XlsxReadError(
          `"${fileName}" holds ${zip.entryCount} zip entries, over the limit of ${limits.maxEntries}`,
        );
      }
      const entries = await readEntries(zip);
      const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
      if (declared > limits.maxInflatedBytes) {
        throw new XlsxReadError(
          `"${fileName}" would inflate to ${declared} bytes, over the limit of ${limits.maxInflatedBytes}`,
        );
      }
      const byName = new Map<string, Entry>();
      for (const entry of entries) {
        const name = normalisePartName(entry.fileName);
        if (!byName.has(name)) byName.set(name, entry);
      }
      const reader = new XlsxTableReader(zip, byName, limits, fileName);
      await reader.readWorkbook();
      return reader;
    } catch (error) {
      zip.close();
      if (error instanceof XlsxReadError) throw error;
      throw new XlsxReadError(`"${fileName}" could not be read as a workbook: ${(error as Error).message}`);
    }
  }

  /** Sheet names in workbook order. */
  get sheetNames(): string[] {
    return [...this.sheetParts.keys()];
  }

  close(): void {
    this.zip.close();
  }

  private async *inflate(part: string): AsyncGenerator<string> {
    const entry = this.entries.get(part);
    if (!entry) throw new XlsxReadError(`"${this.fileName}" has no part ${part}`);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      this.zip.openReadStream(entry, (error, opened) => {
        if (error || !opened) reject(error ?? new Error(`cannot read ${part}`));
        else resolve(opened);
      });
    });
    const decoder = new StringDecoder('utf8');
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      this.inflatedBytes += chunk.length;
      if (this.inflatedBytes > this.limits.maxInflatedBytes) {
        (stream as unknown as { destroy(): void }).destroy();
        throw new XlsxReadError(
          `"${this.fileName}" inflates past the limit of ${this.limits.maxInflatedBytes} bytes`,
        );
      }
      yield decoder.write(chunk);
    }
    yield decoder.end();
  }

  /** Parses a whole (small) part, calling back per tag. */
  private async parse(
    part: string,
    handlers: {
      open?(name: string, attributes: Record<string, string>): void;
      text?(text: string): void;
      close?(name: string): void;
    },
  ): Promise<void> {
    const parser = new SaxesParser();
    let failure: Error | null = null;
    parser.on('error', (error) => {
      failure ??= error;
    });
    if (handlers.open) {
      const open = handlers.open;
      parser.on('opentag', (tag) => open(localName(tag.name), tag.attributes as Record<string, string>));
    }
    if (handlers.text) parser.on('text', handlers.text);
    if (handlers.close) {
      const close = handlers.close;
      parser.on('closetag', (tag) => close(localName(tag.name)));
    }
    for await (const text of this.inflate(part)) {
      parser.write(text);
      if (failure)
        throw new XlsxReadError(
          `"${this.fileName}": ${part} is not well-formed XML: ${(failure as Error).message}`,
        );
    }
    parser.close();
  }

  private async relationships(
    relsPart: string,
    baseFolder: string,
  ): Promise<Map<string, { type: string; target: string }>> {
    const relationships = new Map<string, { type: string; target: string }>();
    if (!this.entries.has(relsPart)) return relationships;
    await this.parse(relsPart, {
      open: (name, attributes) => {
        if (name === 'Relationship' && attributes.Id && attributes.Target) {
          relationships.set(attributes.Id, {
            type: attributes.Type ?? '',
            target: resolveTarget(baseFolder, attributes.Target),
          });
        }
      },
    });
    return relationships;
  }

  private async readWorkbook(): Promise<void> {
    const workbookPart = 'xl/workbook.xml';
    if (!this.entries.has(workbookPart)) {
      throw new XlsxReadError(`"${this.fileName}" is not an xlsx workbook (it has no xl/workbook.xml)`);
    }
    const relationships = await this.relationships('xl/_rels/workbook.xml.rels', 'xl');
    await this.parse(workbookPart, {
      open: (name, attributes) => {
        if (name !== 'sheet' || !attributes.name) return;
        const relId = Object.entries(attributes).find(([key]) => key === 'id' || key.endsWith(':id'))?.[1];
        const target = relId ? relationships.get(relId)?.target : undefined;
        if (target) this.sheetParts.set(attributes.name, target);
      },
    });
    const sharedStringsPart =
      [...relationships.values()].find((rel) => rel.type.endsWith('/sharedStrings'))?.target ??
      'xl/sharedstrings.xml';
    if (this.entries.has(sharedStringsPart)) {
      const strings: string[] = [];
      let text = '';
      let inPhonetic = false;
      let inText = false;
      await this.parse(sharedStringsPart, {
        open: (name) => {
          if (name === 'si') text = '';
          else if (name === 'rPh') inPhonetic = true;
          else if (name === 't' && !inPhonetic) inText = true;
        },
        text: (value) => {
          if (inText) text += value;
        },
        close: (name) => {
          if (name === 't') inText = false;
          else if (name === 'rPh') inPhonetic = false;
          else if (name === 'si') strings.push(decodeOoxmlEscapes(text));
        },
      });
      this.sharedStrings = strings;
    }
  }

  /** Streams a sheet's rows in file order; null when the workbook has no sheet of that name. */
  async *rows(sheetName: string): AsyncGenerator<XlsxRow> {
    const part = this.sheetParts.get(sheetName);
    if (!part) return;
    const parser = new SaxesParser();
    let failure: Error | null = null;
    const ready: XlsxRow[] = [];
    let row: XlsxRow | null = null;
    let rowNumber = 0;
    let column = 0;
    let type = 'n';
    let value = '';
    let capture = false;
    let inInline = false;
    let inPhonetic = false;
    parser.on('error', (error) => {
      failure ??= error;
    });
    parser.on('opentag', (tag) => {
      const attributes = tag.attributes as Record<string, string>;
      switch (localName(tag.name)) {
        case 'row':
          rowNumber = attributes.r ? Number(attributes.r) : rowNumber + 1;
          row = { row: rowNumber, cells: new Map() };
          column = 0;
          break;
        case 'c':
          column = attributes.r ? columnNumber(attributes.r) : column + 1;
          type = attributes.t ?? 'n';
          value = '';
          break;
        case 'v':
          capture = !inInline;
          break;
        case 'is':
          inInline = true;
          break;
        case 'rPh':
          inPhonetic = true;
          break;
        case 't':
          capture = inInline && !inPhonetic;
          break;
      }
    });
    parser.on('text', (text) => {
      if (capture) value += text;
    });
    parser.on('closetag', (tag) => {
      switch (localName(tag.name)) {
        case 'v':
        case 't':
          capture = false;
          break;
        case 'is':
          inInline = false;
          break;
        case 'rPh':
          inPhonetic = false;
          break;
        case 'c':
          if (row) {
            const cell = this.cellValue(type, value);
            if (cell !== null) row.cells.set(column, cell);
          }
          break;
        case 'row':
          if (row) ready.push(row);
          row = null;
          break;
      }
    });
    for await (const text of this.inflate(part)) {
      parser.write(text);
      if (failure) {
        throw new XlsxReadError(
          `"${this.fileName}": sheet "${sheetName}" is not well-formed XML: ${(failure as Error).message}`,
        );
      }
      while (ready.length > 0) yield ready.shift()!;
    }
    parser.close();
    while (ready.length > 0) yield ready.shift()!;
  }

  private cellValue(type: string, raw: string): XlsxCellValue {
    switch (type) {
      case 's': {
        const index = Number(raw);
        return Number.isInteger(index) ? (this.sharedStrings[index] ?? null) : null;
      }
      case 'str':
      case 'inlineStr':
        return decodeOoxmlEscapes(raw);
      case 'b':
        return raw === '1' || raw.toLowerCase() === 'true';
      case 'e':
      case 'd':
        return raw;
      default: {
        if (raw.trim() === '') return null;
        const number = Number(raw);
        return Number.isNaN(number) ? raw : number;
      }
    }
  }
}
