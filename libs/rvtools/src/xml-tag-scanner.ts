import { ChunkedXmlScanner, decodableTextEnd } from './chunked-xml-scanner.js';
import type { ReadLimitContext } from './read-limits.js';

/**
 * Receives the tokens of an XML document. Names are local names: the namespace prefix is dropped,
 * because SpreadsheetML arrives both unprefixed (Excel, LibreOffice) and as `x:row` (OpenXML SDK,
 * which is what RVTools uses).
 */
export interface XmlTokenHandler {
  /** `attributes` is the raw attribute source of the tag. */
  open(name: string, attributes: string, selfClosing: boolean): void;
  close(name: string): void;
  /**
   * `encoded` is true for character data that may hold entity references, false for CDATA. A run
   * of text may arrive in several calls (it is never held whole); a call never cuts a reference.
   */
  text(value: string, encoded: boolean): void;
}

const GT = 62; // >
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const DQUOTE = 34;
const SQUOTE = 39;

const isNameEnd = (code: number): boolean =>
  code === 32 || code === 9 || code === 10 || code === 13 || code === SLASH || code === GT;

const localName = (qualified: string): string => {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
};

/**
 * A forward-only XML tokenizer for large xlsx parts read as a token stream (the shared strings;
 * worksheets have their own, leaner WorksheetRowScanner). It exists for speed: a generic SAX
 * parser walks every character through a state machine, while these parts are mostly tags and
 * short texts that `indexOf` can skip over, several times faster. It does not validate, never
 * expands DTD entities (only the five predefined ones and character references), and can be
 * stopped early.
 */
export class XmlTagScanner extends ChunkedXmlScanner {
  constructor(
    private readonly handler: XmlTokenHandler,
    context: ReadLimitContext,
  ) {
    super(context);
  }

  protected scan(data: string, start: number, final: boolean): number {
    const handler = this.handler;
    const length = data.length;
    let index = start;
    while (index < length && !this.stopped) {
      const lt = data.indexOf('<', index);
      if (lt === -1) {
        const end = final ? length : decodableTextEnd(data, index, length);
        if (end > index) handler.text(data.slice(index, end), true);
        return end;
      }
      if (lt > index) handler.text(data.slice(index, lt), true);
      index = lt;
      if (lt + 1 >= length) return final ? length : lt;
      const next = data.charCodeAt(lt + 1);
      if (next === BANG) {
        const end = this.scanMarkup(data, lt, final);
        if (end === -1) return final ? length : lt;
        index = end;
        continue;
      }
      if (next === QUESTION) {
        const end = data.indexOf('?>', lt + 2);
        if (end === -1) return final ? length : lt;
        index = end + 2;
        continue;
      }
      const gt = findTagEnd(data, lt + 1);
      if (gt === -1) return final ? length : lt;
      if (next === SLASH) {
        handler.close(localName(data.slice(lt + 2, gt).trim()));
      } else {
        let nameEnd = lt + 1;
        while (nameEnd < gt && !isNameEnd(data.charCodeAt(nameEnd))) nameEnd++;
        const name = localName(data.slice(lt + 1, nameEnd));
        const selfClosing = data.charCodeAt(gt - 1) === SLASH;
        const attributes = data.slice(nameEnd, selfClosing ? gt - 1 : gt);
        handler.open(name, attributes, selfClosing);
        if (selfClosing && !this.stopped) handler.close(name);
      }
      index = gt + 1;
    }
    return this.stopped ? length : index;
  }

  /** Comments, CDATA and DOCTYPE. Returns the index after the construct, or -1 if incomplete. */
  private scanMarkup(data: string, lt: number, final: boolean): number {
    if (data.startsWith('<!--', lt)) {
      const end = data.indexOf('-->', lt + 4);
      return end === -1 ? -1 : end + 3;
    }
    if (data.startsWith('<![CDATA[', lt)) {
      const end = data.indexOf(']]>', lt + 9);
      if (end === -1) return -1;
      this.handler.text(data.slice(lt + 9, end), false);
      return end + 3;
    }
    if (!final && data.length - lt < 9) return -1;
    // DOCTYPE (possibly with an internal subset in brackets): skipped, its entities never expanded.
    const bracket = data.indexOf('[', lt);
    const gt = data.indexOf('>', lt);
    if (gt === -1) return -1;
    if (bracket !== -1 && bracket < gt) {
      const end = data.indexOf(']>', bracket);
      return end === -1 ? -1 : end + 2;
    }
    return gt + 1;
  }
}

/** Index of the `>` closing a tag that starts before `from`, skipping quoted attribute values. */
export function findTagEnd(data: string, from: number): number {
  const length = data.length;
  let quote = 0;
  for (let index = from; index < length; index++) {
    const code = data.charCodeAt(index);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === GT) {
      return index;
    } else if (code === DQUOTE || code === SQUOTE) {
      quote = code;
    }
  }
  return -1;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const fromCodePointSafe = (code: number): string | null =>
  Number.isInteger(code) && code >= 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
    ? String.fromCodePoint(code)
    : null;

/**
 * Decodes character data as an XML parser delivers it: literal line ends normalized to `\n`
 * (XML 1.0 section 2.11), then the predefined entities and character references (so `&#13;`
 * stays a carriage return); unknown references stay as written.
 */
export function decodeXmlText(raw: string): string {
  const value = normalizeLineEnds(raw);
  if (!value.includes('&')) return value;
  return value.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.charCodeAt(0) === 35) {
      const hex = body[1] === 'x' || body[1] === 'X';
      const code = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
      return fromCodePointSafe(code) ?? whole;
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

/** Literal CR LF and lone CR become LF, as an XML parser reads them (CDATA included). */
export function normalizeLineEnds(value: string): string {
  return value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value;
}

/**
 * SpreadsheetML escapes characters XML cannot carry as `_xHHHH_` (ECMA-376 ST_Xstring): Excel
 * writes a carriage return inside a cell as `_x000D_`, and a literal `_x` as `_x005F_x`.
 */
export function decodeOoxmlEscapes(value: string): string {
  if (!value.includes('_x')) return value;
  return value.replace(/_x([0-9a-fA-F]{4})_/g, (_whole, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
