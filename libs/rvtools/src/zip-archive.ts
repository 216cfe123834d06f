import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { formatBytes, formatCount, type ReadLimitContext, type RvtoolsReadLimits } from './read-limits.js';
import { RvtoolsImportError } from './rvtools-import-error.js';

export type ZipLimits = Pick<RvtoolsReadLimits, 'maxInflatedBytes' | 'maxEntries' | 'maxCompressionRatio'>;

/** What one entry read may inflate to, beyond the archive-wide caps. */
export interface EntryReadBounds {
  /** Cap on this entry's inflated bytes (a sheet's byte limit). */
  maxBytes: number;
  /** The cap as the refusal names it: `the limit per sheet`. */
  limitName: string;
  /** Names the file and sheet in the refusal. */
  context: ReadLimitContext;
}

const STORED = 0;
const DEFLATED = 8;
const INFLATE_CHUNK_BYTES = 256 * 1024;
/** Small parts may compress at any ratio (an empty sheet is mostly one repeated tag); only size matters. */
const RATIO_CHECK_FLOOR_BYTES = 1024 * 1024;

/** Zip entry names compared the way Office resolves part names: case-insensitive, no leading slash. */
export const normalizeZipPath = (name: string): string =>
  name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();

/**
 * A zip file read with random access (yauzl), with decompression-bomb guards: the entry count and
 * the sum of declared sizes are checked when the archive opens, and the bytes actually inflated
 * are counted while streaming, since the declared sizes are written by whoever made the file.
 */
export class ZipArchive {
  private inflatedBytes = 0;
  private closed = false;

  private constructor(
    private readonly zip: ZipFile,
    private readonly byName: ReadonlyMap<string, Entry>,
    private readonly limits: ZipLimits,
    private readonly fileName: string,
  ) {}

  static async open(path: string, fileName: string, limits: ZipLimits): Promise<ZipArchive> {
    let zip: ZipFile;
    try {
      zip = await openZip(path);
    } catch (error) {
      throw zipError(error, fileName);
    }
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new RvtoolsImportError(
          'too-large',
          `"${fileName}" holds ${formatCount(zip.entryCount)} zip entries, over the limit of ${formatCount(limits.maxEntries)}.`,
          fileName,
        );
      }
      const entries = await readEntries(zip);
      let declared = 0;
      const byName = new Map<string, Entry>();
      for (const entry of entries) {
        declared += entry.uncompressedSize;
        const key = normalizeZipPath(entry.fileName);
        if (!byName.has(key)) byName.set(key, entry);
      }
      if (declared > limits.maxInflatedBytes) {
        throw new RvtoolsImportError(
          'too-large',
          `"${fileName}" would inflate to ${formatBytes(declared)}, over the limit of ${formatBytes(limits.maxInflatedBytes)}.`,
          fileName,
        );
      }
      return new ZipArchive(zip, byName, limits, fileName);
    } catch (error) {
      zip.close();
      throw error instanceof RvtoolsImportError ? error : zipError(error, fileName);
    }
  }

  /** Bytes inflated so far, every entry read counted (structure parts, shared strings, sheets). */
  get bytesInflated(): number {
    return this.inflatedBytes;
  }

  /** The inflated size an entry declares (checked while it is read), or 0 when absent. */
  declaredSize(name: string): number {
    return this.byName.get(normalizeZipPath(name))?.uncompressedSize ?? 0;
  }

  /** Entry names as stored (original case), in central-directory order. */
  get entryNames(): string[] {
    return [...this.byName.values()].map((entry) => entry.fileName);
  }

  has(name: string): boolean {
    return this.byName.has(normalizeZipPath(name));
  }

  /**
   * An entry's inflated bytes. The stream fails with a `too-large` RvtoolsImportError when the
   * archive's running total passes the cap, and with `corrupt-zip` when the data is damaged or
   * does not inflate to the size the central directory declares. The declared size is held to
   * `bounds.maxBytes` and to the compression-ratio cap before a byte is inflated; since an entry
   * may never inflate past what it declares, that bounds what is actually read.
   */
  async openEntry(name: string, bounds?: EntryReadBounds): Promise<Readable> {
    const entry = this.byName.get(normalizeZipPath(name));
    if (!entry)
      throw new RvtoolsImportError('corrupt-zip', `"${this.fileName}" has no entry ${name}.`, this.fileName);
    if (entry.isEncrypted()) {
      throw new RvtoolsImportError(
        'unsupported-format',
        `"${this.fileName}" is encrypted (entry ${entry.fileName}); export it again without a password.`,
        this.fileName,
      );
    }
    if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
      throw new RvtoolsImportError(
        'unsupported-format',
        `"${this.fileName}" uses zip compression method ${entry.compressionMethod} (entry ${entry.fileName}); only deflate is supported.`,
        this.fileName,
      );
    }
    this.checkDeclaredSize(entry, bounds);
    let raw: Readable;
    try {
      // Raw bytes, inflated here: yauzl's inflater works in 16 KiB chunks, and a sheet of 40 MB
      // in 16 KiB callbacks costs more than the inflating itself.
      raw = await this.zip.openReadStreamPromise(entry, { decodeFileData: false });
    } catch (error) {
      throw zipError(error, this.fileName, entry.fileName);
    }
    const counter = new InflatedByteCounter(this, entry);
    let data: Readable = raw;
    if (entry.compressionMethod === DEFLATED) {
      const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
      raw.on('error', (error: unknown) =>
        inflate.destroy(error instanceof Error ? error : new Error(String(error))),
      );
      raw.pipe(inflate);
      data = inflate;
    }
    data.on('error', (error: unknown) => counter.destroy(zipError(error, this.fileName, entry.fileName)));
    data.pipe(counter);
    counter.on('close', () => {
      // An early stop (a sheet is read only up to </sheetData>) must not leave the inflater running.
      raw.destroy();
      data.destroy();
    });
    return counter;
  }

  private checkDeclaredSize(entry: Entry, bounds: EntryReadBounds | undefined): void {
    const declared = entry.uncompressedSize;
    if (bounds && declared > bounds.maxBytes) {
      throw bounds.context.exceeded(
        `its part ${entry.fileName} inflates to ${formatBytes(declared)}, over ${bounds.limitName} of ${formatBytes(bounds.maxBytes)}`,
      );
    }
    const ratio = declared / Math.max(entry.compressedSize, 1);
    if (declared > RATIO_CHECK_FLOOR_BYTES && ratio > this.limits.maxCompressionRatio) {
      const detail = `entry ${entry.fileName} inflates ${Math.round(ratio)} times its compressed size (${formatBytes(entry.compressedSize)} to ${formatBytes(declared)}), over the limit of ${this.limits.maxCompressionRatio} times`;
      throw bounds ? bounds.context.exceeded(detail) : this.tooLarge(detail);
    }
  }

  /** Called by the byte counter of each entry stream. */
  addInflated(bytes: number, entryName: string): RvtoolsImportError | null {
    this.inflatedBytes += bytes;
    if (this.inflatedBytes <= this.limits.maxInflatedBytes) return null;
    return new RvtoolsImportError(
      'too-large',
      `"${this.fileName}" inflates past the limit of ${formatBytes(this.limits.maxInflatedBytes)} (while reading ${entryName}).`,
      this.fileName,
    );
  }

  tooLarge(detail: string): RvtoolsImportError {
    return new RvtoolsImportError(
      'too-large',
      `"${this.fileName}" is not safe to inflate: ${detail}.`,
      this.fileName,
    );
  }

  corrupt(detail: string): RvtoolsImportError {
    return new RvtoolsImportError(
      'corrupt-zip',
      `"${this.fileName}" is a damaged zip archive: ${detail}.`,
      this.fileName,
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.zip.close();
  }
}

/**
 * Counts (and CRC-checks) an entry's inflated bytes. More bytes than the central directory
 * declares is how a decompression bomb slips past the up-front check, so it is `too-large`, not
 * merely corrupt; fewer bytes or a wrong CRC is damage.
 */
class InflatedByteCounter extends Transform {
  private bytes = 0;
  private crc = 0;

  constructor(
    private readonly archive: ZipArchive,
    private readonly entry: Entry,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const error = this.archive.addInflated(chunk.length, this.entry.fileName) ?? this.overDeclaredSize();
    if (error) {
      callback(error);
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.entry.uncompressedSize) {
      callback(
        this.archive.corrupt(
          `entry ${this.entry.fileName} inflates to ${this.bytes} bytes, not the ${this.entry.uncompressedSize} it declares`,
        ),
      );
    } else if (this.crc !== this.entry.crc32) {
      callback(this.archive.corrupt(`entry ${this.entry.fileName} fails its CRC check`));
    } else {
      callback();
    }
  }

  private overDeclaredSize(): RvtoolsImportError | null {
    if (this.bytes <= this.entry.uncompressedSize) return null;
    return this.archive.tooLarge(
      `entry ${this.entry.fileName} inflates past the ${this.entry.uncompressedSize} bytes it declares`,
    );
  }
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (error, zip) => (error ? reject(error) : resolve(zip)),
    );
  });
}

function readEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function zipError(error: unknown, fileName: string, entryName?: string): RvtoolsImportError {
  if (error instanceof RvtoolsImportError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const where = entryName ? ` (entry ${entryName})` : '';
  if (/encrypt/i.test(detail)) {
    return new RvtoolsImportError(
      'unsupported-format',
      `"${fileName}" is encrypted${where}; export it again without a password.`,
      fileName,
    );
  }
  if (/compression method/i.test(detail)) {
    return new RvtoolsImportError(
      'unsupported-format',
      `"${fileName}" uses a zip compression method we cannot read${where}: ${detail}.`,
      fileName,
    );
  }
  return new RvtoolsImportError(
    'corrupt-zip',
    `"${fileName}" is a damaged zip archive${where}: ${detail}.`,
    fileName,
  );
}
