import { posix } from 'node:path';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import {
  DEFAULT_READ_LIMITS,
  formatBytes,
  formatCount,
  MAX_XML_TOKEN_CHARS,
  ReadLimitContext,
  type RvtoolsReadLimits,
} from './read-limits.js';
import { RvtoolsImportError } from './rvtools-import-error.js';
import type {
  ReadSheetOptions,
  RvtoolsSheetSource,
  SheetRowVisitor,
  SourceInflation,
} from './sheet-source.js';
import { decodeText, detachString, StreamingTextDecoder } from './text-decoding.js';
import { WorksheetRowScanner } from './worksheet-row-scanner.js';
import { decodeOoxmlEscapes, decodeXmlText, XmlTagScanner, type XmlTokenHandler } from './xml-tag-scanner.js';
import { type EntryReadBounds, normalizeZipPath, type ZipArchive } from './zip-archive.js';

interface Relationship {
  id: string;
  type: string;
  target: string;
  external: boolean;
}

interface WorkbookSheet {
  name: string;
  /** Part path inside the zip, without a leading slash. */
  part: string | null;
}

/** Structure parts (workbook, rels) are read whole; a real one is a few kilobytes. */
const MAX_STRUCTURE_PART_BYTES = 8 * 1024 * 1024;
/**
 * The shortest cell that refers to a shared string, `<c t="s"><v>7</v></c>`: a table with more
 * entries than the sheets have room for such cells holds texts no cell can show.
 */
const SHORTEST_SHARED_STRING_CELL_BYTES = 21;

/** Where the main workbook part lives: from `_rels/.rels`, else the conventional `xl/workbook.xml`. */
export async function findWorkbookPart(archive: ZipArchive, fileName: string): Promise<string | null> {
  if (archive.has('_rels/.rels')) {
    const rels = parseRelationships(
      await readPartText(archive, '_rels/.rels', fileName),
      '_rels/.rels',
      fileName,
    );
    const office = rels.find((rel) => rel.type.endsWith('/officeDocument') && !rel.external);
    if (office) {
      const part = resolvePartTarget('', office.target);
      if (archive.has(part)) return part;
    }
  }
  return archive.has('xl/workbook.xml') ? 'xl/workbook.xml' : null;
}

/**
 * Reads an xlsx workbook straight from the zip without building a document of any sheet.
 * Structure parts (workbook, relationships) go through saxes with namespaces on, matched by local
 * name, so `x:sheet` (OpenXML SDK, as RVTools writes it) and `sheet` both work and `r:id` is found
 * whatever its prefix. Worksheets and shared strings stream through XmlTagScanner, row by row.
 */
export class XlsxWorkbookReader implements RvtoolsSheetSource {
  readonly format = 'xlsx' as const;
  private sharedStrings: string[] | null = null;

  private constructor(
    private readonly archive: ZipArchive,
    private readonly fileName: string,
    private readonly sheets: readonly WorkbookSheet[],
    private readonly sharedStringsPart: string | null,
    readonly date1904: boolean,
    private readonly limits: Readonly<RvtoolsReadLimits>,
  ) {}

  static async open(
    archive: ZipArchive,
    workbookPart: string,
    fileName: string,
    limits: Readonly<RvtoolsReadLimits>,
  ): Promise<XlsxWorkbookReader> {
    if (workbookPart.endsWith('.bin')) {
      throw new RvtoolsImportError(
        'unsupported-format',
        `"${fileName}" is a binary Excel workbook (.xlsb); save it as .xlsx.`,
        fileName,
      );
    }
    const workbook = parseWorkbook(
      await readPartText(archive, workbookPart, fileName),
      workbookPart,
      fileName,
    );
    const relsPart = relationshipsPartOf(workbookPart);
    const rels = archive.has(relsPart)
      ? parseRelationships(await readPartText(archive, relsPart, fileName), relsPart, fileName)
      : [];
    const byId = new Map(rels.map((rel) => [rel.id, rel]));
    const baseDir = posix.dirname(workbookPart);
    const sheets = workbook.sheets.map((sheet): WorkbookSheet => {
      const rel = sheet.relationshipId ? byId.get(sheet.relationshipId) : undefined;
      return { name: sheet.name, part: rel && !rel.external ? resolvePartTarget(baseDir, rel.target) : null };
    });
    const sstRel = rels.find((rel) => rel.type.endsWith('/sharedStrings') && !rel.external);
    let sharedStringsPart = sstRel ? resolvePartTarget(baseDir, sstRel.target) : null;
    if (!sharedStringsPart || !archive.has(sharedStringsPart)) {
      const conventional = `${baseDir === '.' ? '' : `${baseDir}/`}sharedStrings.xml`;
      sharedStringsPart = archive.has(conventional) ? conventional : null;
    }
    return new XlsxWorkbookReader(archive, fileName, sheets, sharedStringsPart, workbook.date1904, limits);
  }

  get sheetNames(): readonly string[] {
    return this.sheets.map((sheet) => sheet.name);
  }

  /** The zip part holding a sheet (normalized path), or null. */
  sheetPart(sheetName: string): string | null {
    return this.sheets.find((candidate) => candidate.name === sheetName)?.part ?? null;
  }

  async readSheet(
    sheetName: string,
    visitor: SheetRowVisitor,
    options: ReadSheetOptions = {},
  ): Promise<void> {
    const sheet = this.sheets.find((candidate) => candidate.name === sheetName);
    if (!sheet) throw new Error(`no sheet ${sheetName}`);
    if (!sheet.part || !this.archive.has(sheet.part)) {
      throw new RvtoolsImportError(
        'corrupt-zip',
        `"${this.fileName}": sheet ${sheetName} is listed in the workbook but its part is missing.`,
        this.fileName,
        sheetName,
      );
    }
    const sharedStrings = await this.loadSharedStrings();
    const context = new ReadLimitContext(this.limits, this.fileName, sheetName);
    // The scanner stops at </sheetData>: merges, formatting and drawings after it are not parsed.
    await this.pump(sheet.part, new WorksheetRowScanner(sharedStrings, visitor, context, options.cellKinds), {
      maxBytes: this.limits.maxSheetBytes,
      limitName: 'the limit per sheet',
      context,
    });
  }

  /** Asked before the first sheet is read: the total then includes the shared-string table. */
  inflation(sheetNames: readonly string[]): SourceInflation {
    const parts = new Set<string>();
    for (const name of sheetNames) {
      const part = this.sheetPart(name);
      if (part) parts.add(part);
    }
    if (this.sharedStringsPart && !this.sharedStrings) parts.add(this.sharedStringsPart);
    let partBytes = 0;
    for (const part of parts) partBytes += this.archive.declaredSize(part);
    const inflatedBytes = this.archive.bytesInflated;
    return { inflatedBytes, totalBytes: inflatedBytes + partBytes };
  }

  async close(): Promise<void> {
    this.archive.close();
  }

  /**
   * The shared-string table, read once on the first sheet read. It is bounded three ways: entries
   * (the setting, and no more than the sheets have room to refer to), characters of all entries
   * together, and characters per entry.
   */
  private async loadSharedStrings(): Promise<readonly string[]> {
    if (this.sharedStrings) return this.sharedStrings;
    const strings: string[] = [];
    if (this.sharedStringsPart) {
      const context = new ReadLimitContext(this.limits, this.fileName, null, 'the shared-string table');
      const handler = new SharedStringsHandler(strings, context, this.sharedStringBound());
      await this.pump(this.sharedStringsPart, new XmlTagScanner(handler, context), {
        maxBytes: this.limits.maxSheetBytes,
        limitName: 'the limit per sheet (which also holds the shared-string table)',
        context,
      });
    }
    this.sharedStrings = strings;
    return strings;
  }

  private sharedStringBound(): SharedStringBound {
    let sheetBytes = 0;
    for (const part of new Set(this.sheets.map((sheet) => sheet.part))) {
      if (part) sheetBytes += this.archive.declaredSize(part);
    }
    const referable = Math.floor(sheetBytes / SHORTEST_SHARED_STRING_CELL_BYTES);
    return referable < this.limits.maxSharedStrings
      ? {
          entries: referable,
          why: `more than its sheets (${formatBytes(sheetBytes)}) have room to refer to`,
        }
      : { entries: this.limits.maxSharedStrings, why: 'the limit' };
  }

  private async pump(
    part: string,
    scanner: XmlTagScanner | WorksheetRowScanner,
    bounds: EntryReadBounds,
  ): Promise<void> {
    const decoder = new StreamingTextDecoder();
    // Read to the end even once the scanner has stopped (after </sheetData>): the tail is small,
    // and only a fully read entry can be checked against its declared size and CRC.
    for await (const chunk of await this.archive.openEntry(part, bounds)) {
      if (!scanner.stopped) scanner.write(decoder.decode(chunk));
    }
    if (!scanner.stopped) {
      scanner.write(decoder.flush());
      scanner.end();
    }
  }
}

interface SharedStringBound {
  entries: number;
  /** Why that many, for the refusal. */
  why: string;
}

/** Collects `<si>` texts; rich-text runs are concatenated, phonetic runs (`rPh`) left out. */
class SharedStringsHandler implements XmlTokenHandler {
  private current = '';
  private inItem = false;
  private capture = false;
  private phoneticDepth = 0;
  private totalChars = 0;
  private looseTextRun = 0;

  constructor(
    private readonly strings: string[],
    private readonly context: ReadLimitContext,
    private readonly bound: SharedStringBound,
  ) {}

  open(name: string): void {
    this.looseTextRun = 0;
    if (name === 'si') {
      this.inItem = true;
      this.current = '';
    } else if (name === 't') {
      this.capture = this.inItem && this.phoneticDepth === 0;
    } else if (name === 'rPh') {
      this.phoneticDepth++;
    }
  }

  close(name: string): void {
    this.looseTextRun = 0;
    if (name === 'si') {
      if (this.strings.length >= this.bound.entries) {
        throw this.context.exceeded(
          `it holds more than ${formatCount(this.bound.entries)} entries, ${this.bound.why}`,
        );
      }
      this.totalChars += this.current.length;
      if (this.totalChars > this.context.limits.maxSharedStringChars) {
        throw this.context.exceeded(
          `its entries hold more than ${formatCount(this.context.limits.maxSharedStringChars)} characters together, the limit`,
        );
      }
      // Kept as Excel would show it; the sheet scanner cannot tell which cells refer to a cut entry.
      this.strings.push(
        detachString(decodeOoxmlEscapes(this.current).slice(0, this.context.limits.maxCellChars)),
      );
      this.current = '';
      this.inItem = false;
    } else if (name === 't') {
      this.capture = false;
    } else if (name === 'rPh') {
      this.phoneticDepth--;
    }
  }

  text(value: string, encoded: boolean): void {
    if (this.capture) {
      this.current += encoded ? decodeXmlText(value) : value;
      if (this.current.length > this.context.limits.maxCellReadChars) {
        throw this.context.exceeded(
          `entry ${formatCount(this.strings.length)} holds more than ${formatCount(this.context.limits.maxCellReadChars)} characters, the limit per cell`,
        );
      }
      return;
    }
    this.looseTextRun += value.length;
    if (this.looseTextRun > MAX_XML_TOKEN_CHARS) {
      throw this.context.exceeded(
        `entry ${formatCount(this.strings.length)} is followed by more than ${formatCount(MAX_XML_TOKEN_CHARS)} characters of whitespace or text outside any entry, the limit between two tags`,
      );
    }
  }
}

/** A structure part, whole; its declared size is held to MAX_STRUCTURE_PART_BYTES (an entry never inflates past it). */
export async function readPartText(archive: ZipArchive, part: string, fileName: string): Promise<string> {
  const chunks: Buffer[] = [];
  const context = new ReadLimitContext(DEFAULT_READ_LIMITS, fileName, null, `part ${part}`);
  for await (const chunk of await archive.openEntry(part, {
    maxBytes: MAX_STRUCTURE_PART_BYTES,
    limitName: 'the limit for a workbook structure part',
    context,
  })) {
    chunks.push(chunk);
  }
  return decodeText(Buffer.concat(chunks));
}

function parseXml(text: string, part: string, fileName: string, onOpen: (tag: SaxesTagNS) => void): void {
  const parser = new SaxesParser({ xmlns: true, fileName: part });
  const errors: Error[] = [];
  parser.on('error', (error) => {
    errors.push(error);
  });
  parser.on('opentag', onOpen);
  parser.write(text).close();
  if (errors.length > 0) {
    throw new RvtoolsImportError(
      'corrupt-zip',
      `"${fileName}": ${part} is not valid XML (${errors[0].message}).`,
      fileName,
    );
  }
}

const attributeByLocal = (tag: SaxesTagNS, local: string, namespaced: boolean): string | null => {
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.local === local && (attribute.uri !== '') === namespaced) return attribute.value;
  }
  return null;
};

function parseWorkbook(
  text: string,
  part: string,
  fileName: string,
): { sheets: { name: string; sheetId: string | null; relationshipId: string | null }[]; date1904: boolean } {
  const sheets: { name: string; sheetId: string | null; relationshipId: string | null }[] = [];
  let date1904 = false;
  parseXml(text, part, fileName, (tag) => {
    if (tag.local === 'sheet') {
      const name = attributeByLocal(tag, 'name', false);
      if (name === null) return;
      sheets.push({
        name,
        sheetId: attributeByLocal(tag, 'sheetId', false),
        // r:id lives in the relationships namespace; its prefix is the writer's choice.
        relationshipId: attributeByLocal(tag, 'id', true),
      });
    } else if (tag.local === 'workbookPr') {
      const flag = attributeByLocal(tag, 'date1904', false);
      date1904 = flag === '1' || flag === 'true';
    }
  });
  return { sheets, date1904 };
}

function parseRelationships(text: string, part: string, fileName: string): Relationship[] {
  const relationships: Relationship[] = [];
  parseXml(text, part, fileName, (tag) => {
    if (tag.local !== 'Relationship') return;
    const id = attributeByLocal(tag, 'Id', false);
    const target = attributeByLocal(tag, 'Target', false);
    if (id === null || target === null) return;
    relationships.push({
      id,
      type: attributeByLocal(tag, 'Type', false) ?? '',
      target,
      external: attributeByLocal(tag, 'TargetMode', false) === 'External',
    });
  });
  return relationships;
}

function relationshipsPartOf(part: string): string {
  const dir = posix.dirname(part);
  return `${dir === '.' ? '' : `${dir}/`}_rels/${posix.basename(part)}.rels`;
}

/**
 * Resolves a relationship target: absolute (`/xl/worksheets/sheet1.xml`, as the OpenXML SDK
 * writes) from the package root, relative (`worksheets/sheet1.xml`) from the source part's folder.
 */
function resolvePartTarget(baseDir: string, target: string): string {
  const cleaned = decodeURIComponentSafe(target.replace(/\\/g, '/'));
  const joined = cleaned.startsWith('/') ? cleaned : posix.join(baseDir === '.' ? '' : baseDir, cleaned);
  return normalizeZipPath(posix.normalize(joined).replace(/^(\.\.\/)+/, ''));
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
