import { TextDecoder } from 'node:util';

/** Encoding named by a byte-order mark (or by UTF-16 `<?` without one); UTF-8 otherwise. */
function detectEncoding(head: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (head.length >= 2) {
    if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
    if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
    if (head[0] === 0x3c && head[1] === 0x00) return 'utf-16le';
    if (head[0] === 0x00 && head[1] === 0x3c) return 'utf-16be';
  }
  return 'utf-8';
}

/**
 * Streaming bytes-to-text for XML parts and CSV files. The encoding comes from the first chunk;
 * a byte-order mark is dropped (RVTools writes one in rels files and CSV exports).
 */
export class StreamingTextDecoder {
  private decoder: TextDecoder | null = null;

  decode(chunk: Uint8Array): string {
    if (!this.decoder) this.decoder = new TextDecoder(detectEncoding(chunk));
    return this.decoder.decode(chunk, { stream: true });
  }

  flush(): string {
    return this.decoder ? this.decoder.decode() : '';
  }
}

/** Whole-buffer decode with the same rules. */
export function decodeText(bytes: Uint8Array): string {
  const decoder = new StreamingTextDecoder();
  return decoder.decode(bytes) + decoder.flush();
}

/**
 * A copy of `text` that does not keep the chunk it was sliced from alive. V8 represents a
 * substring of 13+ characters as a view on its parent string, so one kept cell value would pin
 * its whole decoded XML chunk: for a 10,000-VM export that is the entire sheet text (~180 MB)
 * held by the inventory. Concatenating then slicing forces V8 to copy just the characters.
 */
export function detachString(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

const MAX_INTERNED_TEXTS = 50_000;
const MAX_INTERNED_LENGTH = 200;

/**
 * One copy of each repeated cell text (OS names, host, cluster and datastore names, `True`):
 * CSV files and workbooks written with inline strings instead of a shared-string table would
 * otherwise keep a copy per cell (half the inventory's memory on a generated 10,000-VM export).
 * Bounded, so columns of unique values (UUIDs, MACs) cannot grow it forever. Returned strings are
 * detached from the chunk they were read from.
 */
export class CellTextInterner {
  private readonly texts = new Map<string, string>();

  intern(text: string): string {
    if (text.length > MAX_INTERNED_LENGTH) return detachString(text);
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    const copy = detachString(text);
    if (this.texts.size < MAX_INTERNED_TEXTS) this.texts.set(copy, copy);
    return copy;
  }
}
