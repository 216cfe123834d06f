const LT = 60;

/**
 * The chunk bookkeeping shared by the XML scanners. Text arrives in chunks cut anywhere, so a
 * token (tag, text run) may straddle two chunks. Gluing the leftover to the next chunk would copy
 * every byte of a part once more (and a glued string is a cons string, slower to index); instead
 * the cut token is completed with just enough of the new chunk, and the rest of the chunk is
 * scanned in place.
 */
export abstract class ChunkedXmlScanner {
  /** Set to stop tokenizing; the rest of the input is ignored. */
  stopped = false;
  private pending = '';

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
      // A cut tag ends at the next `>`, cut text at the next `<`.
      const reach = pending.charCodeAt(0) === LT ? chunk.indexOf('>') : chunk.indexOf('<');
      if (reach === -1) {
        this.pending = pending + chunk;
        return;
      }
      const head = pending + chunk.slice(0, reach + 1);
      const consumed = this.scan(head, 0, false);
      if (consumed < pending.length) {
        // The token needs more than that (a `>` inside quotes, a comment): glue and rescan.
        const data = [pending.slice(consumed), chunk].join('');
        const used = this.stopped ? data.length : this.scan(data, 0, false);
        this.pending = used < data.length ? data.slice(used) : '';
        return;
      }
      start = consumed - pending.length;
      this.pending = '';
    }
    if (this.stopped) return;
    const consumed = this.scan(chunk, start, false);
    this.pending = consumed < chunk.length ? chunk.slice(consumed) : '';
  }

  end(): void {
    if (this.stopped) return;
    const data = this.pending;
    this.pending = '';
    this.scan(data, 0, true);
  }
}
