import { posix } from 'node:path';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { RvtoolsImportError } from './rvtools-import-error.js';
import type { RvtoolsSheetSource, SheetRowVisitor } from './sheet-source.js';
import { decodeText, detachString, StreamingTextDecoder } from './text-decoding.js';
import { WorksheetRowScanner } from './worksheet-row-scanner.js';
import { decodeOoxmlEscapes, decodeXmlText, XmlTagScanner, type XmlTokenHandler } from './xml-tag-scanner.js';
import { normalizeZipPath, type ZipArchive } from './zip-archive.js';

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
const MAX_STRUCTURE_PART_BYTES = 64 * 1024 * 1024;

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
  ) {}

  static async open(
    archive: ZipArchive,
    workbookPart: string,
    fileName: string,
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
    return new XlsxWorkbookReader(archive, fileName, sheets, sharedStringsPart, workbook.date1904);
  }

  get sheetNames(): readonly string[] {
    return this.sheets.map((sheet) => sheet.name);
  }

  /** The zip part holding a sheet (normalized path), or null. */
  sheetPart(sheetName: string): string | null {
    return this.sheets.find((candidate) => candidate.name === sheetName)?.part ?? null;
  }

  async readSheet(sheetName: string, visitor: SheetRowVisitor): Promise<void> {
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
    // The scanner stops at </sheetData>: merges, formatting and drawings after it are not parsed.
    await this.pump(sheet.part, new WorksheetRowScanner(await this.loadSharedStrings(), visitor));
  }

  async close(): Promise<void> {
    this.archive.close();
  }

  private async loadSharedStrings(): Promise<readonly string[]> {
    if (this.sharedStrings) return this.sharedStrings;
    const strings: string[] = [];
    if (this.sharedStringsPart) {
      await this.pump(this.sharedStringsPart, new XmlTagScanner(new SharedStringsHandler(strings)));
    }
    this.sharedStrings = strings;
    return strings;
  }

  private async pump(part: string, scanner: XmlTagScanner | WorksheetRowScanner): Promise<void> {
    const decoder = new StreamingTextDecoder();
    // Read to the end even once the scanner has stopped (after </sheetData>): the tail is small,
    // and only a fully read entry can be checked against its declared size and CRC.
    for await (const chunk of await this.archive.openEntry(part)) {
      if (!scanner.stopped) scanner.write(decoder.decode(chunk));
    }
    if (!scanner.stopped) {
      scanner.write(decoder.flush());
      scanner.end();
    }
  }
}

/** Collects `<si>` texts; rich-text runs are concatenated, phonetic runs (`rPh`) left out. */
class SharedStringsHandler implements XmlTokenHandler {
  private current = '';
  private inItem = false;
  private capture = false;
  private phoneticDepth = 0;

  constructor(private readonly strings: string[]) {}

  open(name: string): void {
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
    if (name === 'si') {
      this.strings.push(detachString(decodeOoxmlEscapes(this.current)));
      this.inItem = false;
    } else if (name === 't') {
      this.capture = false;
    } else if (name === 'rPh') {
      this.phoneticDepth--;
    }
  }

  text(value: string, encoded: boolean): void {
    if (this.capture) this.current += encoded ? decodeXmlText(value) : value;
  }
}

export async function readPartText(archive: ZipArchive, part: string, fileName: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await archive.openEntry(part)) {
    size += chunk.length;
    if (size > MAX_STRUCTURE_PART_BYTES) {
      throw new RvtoolsImportError(
        'too-large',
        `"${fileName}": part ${part} is implausibly large.`,
        fileName,
      );
    }
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
