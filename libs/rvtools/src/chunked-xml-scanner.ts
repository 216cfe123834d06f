import { formatCount, MAX_XML_TOKEN_CHARS, type ReadLimitContext } from './read-limits.js';

const LT = 60;
const AMP = 38;
const SEMICOLON = 59;
const CR = 13;
/** `&#x10FFFF;` is the longest reference that can be decoded; a longer run after `&` is plain text. */
const LONGEST_REFERENCE = 10;

/**
 * The chunk bookkeeping shared by the XML scanners. Text arrives in chunks cut anywhere, so a
 * token (tag, text run) may straddle two chunks. Gluing the leftover to the next chunk would copy
 * every byte of a part once more (and a glued string is a cons string, slower to index); instead
 * the cut token is completed with just enough of the new chunk, and the rest of the chunk is
 * scanned in place.
 *
 * Only an unfinished tag or markup construct is ever held back (text is handed on as it comes,
 * minus a cut entity reference), and never more than MAX_XML_TOKEN_CHARS of it: a file whose tag
 * or comment does not end is refused instead of glued chunk after chunk until memory runs out.
 */
export abstract class ChunkedXmlScanner {
  /** Set to stop tokenizing; the rest of the input is ignored. */
  stopped = false;
  private pending = '';

  constructor(protected readonly context: ReadLimitContext) {}

  /**
   * Tokenizes `data` from `start`; returns the index up to which it consumed complete tokens.
   * With `final`, everything is consumed.
   */
  protected abstract scan(data: string, start: number, final: boolean): number;

  write(chunk: string): void {
    if (this.stopped || chunk.length === 0) return;
    let start = 0;
    const pending = this.pending;
    if (pending.length > 0) {
      this.pending = '';
      if (pending.charCodeAt(0) !== LT) {
        // A held text tail (a cut entity reference, a CR before its LF): a few characters.
        this.consume(pending + chunk);
        return;
      }
      // A cut tag ends at the next `>`.
      const reach = chunk.indexOf('>');
      if (reach === -1) {
        this.hold(pending + chunk);
        return;
      }
      const head = pending + chunk.slice(0, reach + 1);
      const consumed = this.scan(head, 0, false);
      if (consumed < pending.length) {
        // The token needs more than that (a `>` inside quotes, a comment): glue and rescan.
        if (!this.stopped) this.consume(pending.slice(consumed) + chunk);
        return;
      }
      start = consumed - pending.length;
    }
    if (this.stopped) return;
    const consumed = this.scan(chunk, start, false);
    this.hold(consumed < chunk.length ? chunk.slice(consumed) : '');
  }

  end(): void {
    if (this.stopped) return;
    const data = this.pending;
    this.pending = '';
    this.scan(data, 0, true);
  }

  private consume(data: string): void {
    const used = this.scan(data, 0, false);
    this.hold(used < data.length ? data.slice(used) : '');
  }

  private hold(rest: string): void {
    if (this.stopped) {
      this.pending = '';
      return;
    }
    if (rest.length > MAX_XML_TOKEN_CHARS) {
      throw this.context.exceeded(
        `a tag, comment or markup section runs past ${formatCount(MAX_XML_TOKEN_CHARS)} characters without ending`,
      );
    }
    this.pending = rest;
  }
}

/**
 * End of the text in `data[start, end)` that can be decoded now: a trailing `&...` that may be an
 * entity reference cut by the chunk boundary, or a CR whose LF may follow, waits for the next chunk.
 */
export function decodableTextEnd(data: string, start: number, end: number): number {
  let safe = end;
  if (safe > start && data.charCodeAt(safe - 1) === CR) safe--;
  const floor = Math.max(start, safe - LONGEST_REFERENCE);
  for (let index = safe - 1; index >= floor; index--) {
    const code = data.charCodeAt(index);
    if (code === SEMICOLON) break;
    if (code === AMP) return index;
  }
  return safe;
}
