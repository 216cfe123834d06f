import { ChunkedXmlScanner, decodableTextEnd } from './chunked-xml-scanner.js';
import { formatCount, MAX_XML_TOKEN_CHARS, type ReadLimitContext } from './read-limits.js';
import type { CellKind, SheetRowVisitor } from './sheet-source.js';
import { CellTextInterner } from './text-decoding.js';
import { decodeOoxmlEscapes, decodeXmlText, findTagEnd, normalizeLineEnds } from './xml-tag-scanner.js';

/** Excel's column limit; a reference past it (a hostile `r="ZZZZZZ1"`) is ignored. */
const MAX_COLUMNS = 16_384;
/** `&#x10FFFF;` encodes one character in ten: the most raw text a cell within the cap can take. */
const MAX_ENCODED_CHARS_PER_CHAR = 10;

/** Elements of a worksheet we act on, by local name; numbers keep the hot loop free of strings. */
const Element = {
  Other: 0,
  Cell: 1,
  Value: 2,
  InlineString: 3,
  Text: 4,
  Phonetic: 5,
  Row: 6,
  SheetData: 7,
} as const;
type Element = (typeof Element)[keyof typeof Element];

/** The cell `t` attribute: n/e/d (text as written), s (shared string), inlineStr, b, str (formula). */
const CellType = { Number: 0, Shared: 1, Inline: 2, Boolean: 3, FormulaString: 4 } as const;
type CellType = (typeof CellType)[keyof typeof CellType];
const KIND_OF_TYPE: Record<CellType, CellKind> = {
  [CellType.Number]: 'number',
  [CellType.Shared]: 'text',
  [CellType.Inline]: 'text',
  [CellType.Boolean]: 'boolean',
  [CellType.FormulaString]: 'text',
};

const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
const EQUALS = 61;

const isSpace = (code: number): boolean => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * Streams the rows of one worksheet part (SpreadsheetML `sheetData`) without building any tree.
 * This is the hot path of an import (a 10,000-VM export is ~150 MB of sheet XML), so it reads
 * char codes in place: element names are compared by local name (an `x:` prefix, as the OpenXML
 * SDK writes for RVTools, is skipped), cell references and shared-string indexes are decoded
 * without intermediate strings. A cell's column comes from its reference (`r="C5"`), so sparse
 * rows land in the right place; rows and cells without a reference follow the previous one.
 * Styled cells without a value (thousands of "formatted but empty" rows) produce nothing.
 * Scanning stops at `</sheetData>`.
 *
 * Nothing grows with the input beyond the limits of `context`: a cell's text is capped (Excel's
 * 32,767 characters), so are the rows of the sheet and any run of text outside a cell value
 * (whitespace between rows), which is counted, never kept.
 */
export class WorksheetRowScanner extends ChunkedXmlScanner {
  private inSheetData = false;
  private rowNumber = 0;
  private cells: string[] = [];
  private nextColumn = 0;
  private column = -1;
  private cellType: CellType = CellType.Number;
  private value = '';
  private sharedIndex = -1;
  private inlineText = '';
  /** 1 while inside `<v>`, 2 inside an inline string's `<t>`. */
  private capture = 0;
  private inInlineString = false;
  private phoneticDepth = 0;
  private readonly texts = new CellTextInterner();
  private rowsSeen = 0;
  /** Characters of the current run of text outside any cell value. */
  private looseTextRun = 0;
  /** Raw characters captured for the current cell (before entity decoding). */
  private capturedRaw = 0;
  private readonly maxCellChars: number;
  private readonly maxCellReadChars: number;
  private readonly rowLimit: { rows: number; describe: () => string };
  /** Kinds of the row's cells, kept only when asked for (the import does not need them). */
  private kinds: CellKind[] | null;

  constructor(
    private readonly sharedStrings: readonly string[],
    private readonly visitor: SheetRowVisitor,
    context: ReadLimitContext,
    cellKinds = false,
  ) {
    super(context);
    this.kinds = cellKinds ? [] : null;
    this.maxCellChars = context.limits.maxCellChars;
    this.maxCellReadChars = context.limits.maxCellReadChars;
    this.rowLimit = context.rowLimit();
  }

  protected scan(data: string, start: number, final: boolean): number {
    const length = data.length;
    let index = start;
    while (index < length && !this.stopped) {
      const lt = data.indexOf('<', index);
      if (lt === -1) {
        const end = final || this.capture === 0 ? length : decodableTextEnd(data, index, length);
        this.textRun(data, index, end);
        return end;
      }
      if (lt > index) this.textRun(data, index, lt);
      this.looseTextRun = 0;
      index = lt;
      if (lt + 1 >= length) return final ? length : lt;
      const next = data.charCodeAt(lt + 1);
      if (next === BANG || next === QUESTION) {
        const end = this.skipMarkup(data, lt, next, final);
        if (end === -1) return final ? length : lt;
        index = end;
        continue;
      }
      if (next === SLASH) {
        const gt = data.indexOf('>', lt + 2);
        if (gt === -1) return final ? length : lt;
        let nameEnd = gt;
        while (nameEnd > lt + 2 && isSpace(data.charCodeAt(nameEnd - 1))) nameEnd--;
        this.close(elementOf(data, lt + 2, nameEnd));
        index = gt + 1;
        continue;
      }
      let nameEnd = lt + 1;
      while (nameEnd < length) {
        const code = data.charCodeAt(nameEnd);
        if (isSpace(code) || code === SLASH || code === GT) break;
        nameEnd++;
      }
      if (nameEnd >= length) return final ? length : lt;
      const element = elementOf(data, lt + 1, nameEnd);
      let gt: number;
      if (element === Element.Cell) {
        // The hot path: attributes of <c> are read in the same pass that finds the tag's end.
        gt = this.openCellTag(data, nameEnd);
        if (gt === -1) return final ? length : lt;
      } else {
        gt = findTagEnd(data, nameEnd);
        if (gt === -1) return final ? length : lt;
        if (element === Element.Row) {
          if (this.inSheetData) this.openRow(data, nameEnd, gt);
        } else if (element !== Element.Other) {
          this.open(element);
        }
      }
      if (element !== Element.Other && data.charCodeAt(gt - 1) === SLASH) this.close(element);
      index = gt + 1;
    }
    return this.stopped ? length : index;
  }

  /** Comments, CDATA (its text is captured verbatim), processing instructions, DOCTYPE. */
  private skipMarkup(data: string, lt: number, next: number, final: boolean): number {
    if (next === QUESTION) {
      const end = data.indexOf('?>', lt + 2);
      return end === -1 ? -1 : end + 2;
    }
    if (data.startsWith('<!--', lt)) {
      const end = data.indexOf('-->', lt + 4);
      return end === -1 ? -1 : end + 3;
    }
    if (data.startsWith('<![CDATA[', lt)) {
      const end = data.indexOf(']]>', lt + 9);
      if (end === -1) return -1;
      if (this.capture !== 0) this.text(data, lt + 9, end, false);
      return end + 3;
    }
    if (!final && data.length - lt < 9) return -1;
    const gt = data.indexOf('>', lt);
    if (gt === -1) return -1;
    const bracket = data.indexOf('[', lt);
    if (bracket !== -1 && bracket < gt) {
      const end = data.indexOf(']>', bracket);
      return end === -1 ? -1 : end + 2;
    }
    return gt + 1;
  }

  private open(element: Element): void {
    switch (element) {
      case Element.Value:
        if (this.column >= 0) this.capture = 1;
        return;
      case Element.InlineString:
        this.inInlineString = true;
        return;
      case Element.Text:
        if (this.inInlineString && this.phoneticDepth === 0) this.capture = 2;
        return;
      case Element.Phonetic:
        this.phoneticDepth++;
        return;
      case Element.SheetData:
        this.inSheetData = true;
        return;
    }
  }

  private close(element: Element): void {
    switch (element) {
      case Element.Value:
      case Element.Text:
        this.capture = 0;
        return;
      case Element.Cell:
        this.finishCell();
        return;
      case Element.InlineString:
        this.inInlineString = false;
        return;
      case Element.Phonetic:
        this.phoneticDepth--;
        return;
      case Element.Row:
        if (this.inSheetData && this.cells.length > 0)
          this.visitor.row(this.cells, this.rowNumber, this.kinds ?? undefined);
        this.cells = [];
        if (this.kinds) this.kinds = [];
        return;
      case Element.SheetData:
        this.inSheetData = false;
        this.stopped = true;
        return;
    }
  }

  /** Text between tags: captured into the cell, or only counted (whitespace between rows). */
  private textRun(data: string, start: number, end: number): void {
    if (end <= start) return;
    if (this.capture !== 0) {
      this.capturedRaw += end - start;
      if (this.capturedRaw > this.maxCellReadChars * MAX_ENCODED_CHARS_PER_CHAR) throw this.cellTooLong();
      this.text(data, start, end, true);
      return;
    }
    this.looseTextRun += end - start;
    if (this.looseTextRun > MAX_XML_TOKEN_CHARS) {
      throw this.context.exceeded(
        `row ${this.rowNumber} is followed by more than ${formatCount(MAX_XML_TOKEN_CHARS)} characters of whitespace or text outside any cell, the limit between two tags`,
      );
    }
  }

  private cellTooLong(): Error {
    return this.context.exceeded(
      `cell ${columnName(Math.max(this.column, 0))}${this.rowNumber} holds more than ${formatCount(this.maxCellReadChars)} characters, the limit per cell`,
    );
  }

  private openRow(data: string, from: number, to: number): void {
    if (++this.rowsSeen > this.rowLimit.rows) throw this.context.exceeded(this.rowLimit.describe());
    const [start, end] = attributeValue(data, from, to, 114 /* r */);
    let parsed = 0;
    for (let index = start; index < end; index++) {
      const digit = data.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9) {
        parsed = 0;
        break;
      }
      parsed = parsed * 10 + digit;
    }
    this.rowNumber = parsed > 0 ? parsed : this.rowNumber + 1;
    this.cells = [];
    if (this.kinds) this.kinds = [];
    this.nextColumn = 0;
  }

  /**
   * Reads the attributes of a `<c` tag from `from` (just after the name) up to its `>`, keeping
   * `r` (column) and `t` (type). Returns the index of the `>`, -1 if the tag is incomplete.
   */
  private openCellTag(data: string, from: number): number {
    const length = data.length;
    let column = -1;
    let type: CellType = CellType.Number;
    let index = from;
    let gt = -1;
    while (gt === -1) {
      let code = data.charCodeAt(index);
      while (index < length && isSpace(code)) code = data.charCodeAt(++index);
      if (index >= length) return -1;
      if (code === GT) {
        gt = index;
        break;
      }
      if (code === SLASH) {
        if (index + 1 >= length) return -1;
        gt = index + 1;
        break;
      }
      const nameStart = index;
      while (index < length && code !== EQUALS && code !== GT && !isSpace(code))
        code = data.charCodeAt(++index);
      const nameEnd = index;
      while (index < length && isSpace(code)) code = data.charCodeAt(++index);
      if (index >= length) return -1;
      if (code !== EQUALS) {
        // Not `name="value"`: malformed; find the end and keep what was read.
        gt = findTagEnd(data, index);
        break;
      }
      code = data.charCodeAt(++index);
      while (index < length && isSpace(code)) code = data.charCodeAt(++index);
      if (index >= length) return -1;
      if (code !== DQUOTE && code !== SQUOTE) {
        gt = findTagEnd(data, index);
        break;
      }
      const valueStart = index + 1;
      const valueEnd = data.indexOf(code === DQUOTE ? '"' : "'", valueStart);
      if (valueEnd === -1) return -1;
      const letter = data.charCodeAt(nameEnd - 1);
      if (nameEnd - nameStart === 1 || data.charCodeAt(nameEnd - 2) === COLON) {
        if (letter === 114)
          column = columnOfReference(data, valueStart, valueEnd); // r
        else if (letter === 116) type = cellTypeOf(data, valueStart, valueEnd); // t
      }
      index = valueEnd + 1;
    }
    if (gt === -1) return -1;
    this.column = column >= 0 ? column : this.nextColumn;
    this.cellType = type;
    this.value = '';
    this.sharedIndex = -1;
    this.inlineText = '';
    this.capturedRaw = 0;
    return gt;
  }

  private text(data: string, start: number, end: number, encoded: boolean): void {
    if (this.capture === 1 && this.cellType === CellType.Shared) {
      // A shared-string index: read the digits in place, no substring.
      let index = Math.max(this.sharedIndex, 0);
      let digits = this.sharedIndex >= 0;
      for (let position = start; position < end; position++) {
        const digit = data.charCodeAt(position) - 48;
        if (digit >= 0 && digit <= 9) {
          index = index * 10 + digit;
          digits = true;
        } else if (!isSpace(digit + 48)) {
          digits = false;
          break;
        }
      }
      this.sharedIndex = digits ? index : -1;
      return;
    }
    const raw = data.slice(start, end);
    const decoded = encoded ? decodeXmlText(raw) : normalizeLineEnds(raw);
    if (this.capture === 1) {
      this.value += decoded;
      if (this.value.length > this.maxCellReadChars) throw this.cellTooLong();
    } else if (this.capture === 2) {
      this.inlineText += decoded;
      if (this.inlineText.length > this.maxCellReadChars) throw this.cellTooLong();
    }
  }

  private finishCell(): void {
    const column = this.column;
    this.column = -1;
    if (column < 0) return;
    this.nextColumn = column + 1;
    let text: string;
    switch (this.cellType) {
      case CellType.Shared:
        text = this.sharedIndex >= 0 ? (this.sharedStrings[this.sharedIndex] ?? '') : '';
        break;
      case CellType.Inline:
        text = decodeOoxmlEscapes(this.inlineText || this.value);
        break;
      case CellType.Boolean:
        text = this.value === '1' ? 'TRUE' : this.value === '0' ? 'FALSE' : this.value;
        break;
      case CellType.FormulaString:
        text = decodeOoxmlEscapes(this.value);
        break;
      default:
        text = this.value;
    }
    if (text === '' || column >= MAX_COLUMNS) return;
    if (text.length > this.maxCellChars) {
      this.visitor.issue(
        `cell ${columnName(column)}${this.rowNumber} holds ${formatCount(text.length)} characters; the first ${formatCount(this.maxCellChars)} were kept (Excel's limit per cell)`,
        this.rowNumber,
      );
      text = text.slice(0, this.maxCellChars);
    }
    const cells = this.cells;
    while (cells.length < column) cells.push('');
    // Shared strings are detached once when the table is read; everything else is sliced from the chunk.
    cells[column] = this.cellType === CellType.Shared ? text : this.texts.intern(text);
    const kinds = this.kinds;
    if (kinds) {
      while (kinds.length < column) kinds.push('text');
      kinds[column] = KIND_OF_TYPE[this.cellType];
    }
  }
}

/** Spreadsheet letters of a 0-based column index: 0 -> A, 27 -> AB. */
export function columnName(index: number): string {
  let name = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    name = String.fromCharCode(65 + ((rest - 1) % 26)) + name;
  }
  return name;
}

/** Column index of a cell reference `AB12` in `data[start, end)` (-1 without letters). */
function columnOfReference(data: string, start: number, end: number): number {
  let index = 0;
  let letters = 0;
  for (let position = start; position < end; position++) {
    let code = data.charCodeAt(position);
    if (code >= 97 && code <= 122) code -= 32;
    if (code < 65 || code > 90) break;
    index = index * 26 + (code - 64);
    if (++letters > 3) return -1;
  }
  return letters === 0 ? -1 : index - 1;
}

/** Which element `data[start, end)` names, by local name. */
function elementOf(data: string, start: number, end: number): Element {
  let local = start;
  for (let index = start; index < end; index++) if (data.charCodeAt(index) === COLON) local = index + 1;
  const length = end - local;
  const first = data.charCodeAt(local);
  switch (length) {
    case 1:
      if (first === 99) return Element.Cell; // c
      if (first === 118) return Element.Value; // v
      if (first === 116) return Element.Text; // t
      return Element.Other;
    case 2:
      return first === 105 && data.charCodeAt(local + 1) === 115 ? Element.InlineString : Element.Other; // is
    case 3:
      if (data.startsWith('row', local)) return Element.Row;
      if (data.startsWith('rPh', local)) return Element.Phonetic;
      return Element.Other;
    case 9:
      return data.startsWith('sheetData', local) ? Element.SheetData : Element.Other;
    default:
      return Element.Other;
  }
}

function cellTypeOf(data: string, start: number, end: number): CellType {
  const length = end - start;
  if (length <= 0) return CellType.Number;
  const first = data.charCodeAt(start);
  if (length === 1) {
    if (first === 115) return CellType.Shared; // s
    if (first === 98) return CellType.Boolean; // b
    return CellType.Number; // n, e, d: the text as written
  }
  if (length === 3 && data.startsWith('str', start)) return CellType.FormulaString;
  if (length === 9 && data.startsWith('inlineStr', start)) return CellType.Inline;
  return CellType.Number;
}

/**
 * Bounds of the value of the one-letter attribute `name` (a char code) in `data[from, to)`,
 * prefix ignored; `[0, 0]` when absent.
 */
function attributeValue(data: string, from: number, to: number, name: number): [number, number] {
  let index = from;
  while (index < to) {
    const eq = data.indexOf('=', index);
    if (eq === -1 || eq >= to) return [0, 0];
    let nameEnd = eq;
    while (nameEnd > index && isSpace(data.charCodeAt(nameEnd - 1))) nameEnd--;
    let valueStart = eq + 1;
    while (valueStart < to && isSpace(data.charCodeAt(valueStart))) valueStart++;
    const quote = data.charCodeAt(valueStart);
    if (quote !== DQUOTE && quote !== SQUOTE) return [0, 0];
    const valueEnd = data.indexOf(quote === DQUOTE ? '"' : "'", valueStart + 1);
    if (valueEnd === -1 || valueEnd > to) return [0, 0];
    // A one-letter local name: the letter is preceded by a space or a prefix colon.
    const before = data.charCodeAt(nameEnd - 2);
    if (
      data.charCodeAt(nameEnd - 1) === name &&
      (nameEnd - 1 === index || isSpace(before) || before === COLON)
    ) {
      return [valueStart + 1, valueEnd];
    }
    index = valueEnd + 1;
  }
  return [0, 0];
}
