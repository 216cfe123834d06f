import { type FileHandle, open } from 'node:fs/promises';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal streaming zip writer: deflated entries, CRC-32, no zip64 (so under 4 GiB and
 * 65,535 entries), UTF-8 names. Entry data arrives in chunks and is compressed chunk by chunk,
 * so an entry never has to fit in memory; sizes and CRC are patched into the local header once
 * the entry is complete.
 */

/** An empty final block with fixed Huffman codes: ends a stream built from sync-flushed pieces. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);
const UTF8_NAMES = 0x0800;
const DEFLATE = 8;
const ZIP_LIMIT = 0xffffffff;

interface CentralEntry {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/** MS-DOS date and time, the only timestamp a plain zip header has (2-second resolution). */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

export class ZipFileWriter {
  private readonly entries: CentralEntry[] = [];
  private position = 0;
  private current: (CentralEntry & { headerOffset: number }) | null = null;
  private readonly stamp: { time: number; date: number };

  private constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    modified: Date,
  ) {
    this.stamp = dosDateTime(modified);
  }

  /** `modified` is stamped on every entry, so equal content gives an identical archive. */
  static async create(path: string, modified: Date): Promise<ZipFileWriter> {
    return new ZipFileWriter(await open(path, 'w'), path, modified);
  }

  async startEntry(name: string): Promise<void> {
    if (this.current)
      throw new Error(`zip ${this.path}: entry ${this.current.name.toString('utf8')} is still open`);
    if (this.entries.length >= 0xffff) throw new Error(`zip ${this.path}: more than 65,535 entries`);
    const encoded = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30 + encoded.length);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    // CRC and sizes (offsets 14, 18, 22) are patched in endEntry.
    header.writeUInt16LE(encoded.length, 26);
    header.writeUInt16LE(0, 28);
    encoded.copy(header, 30);
    this.current = {
      name: encoded,
      crc: 0,
      compressedSize: 0,
      size: 0,
      offset: this.position,
      headerOffset: this.position,
    };
    await this.write(header);
  }

  /** Compresses and appends a piece of the open entry. Pieces of about 1 MiB compress well. */
  async writeChunk(data: Buffer): Promise<void> {
    const entry = this.current;
    if (!entry) throw new Error(`zip ${this.path}: no entry is open`);
    if (data.length === 0) return;
    entry.crc = crc32(data, entry.crc);
    entry.size += data.length;
    // A sync flush ends the piece on a byte boundary without a final block, so pieces concatenate.
    const compressed = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
    entry.compressedSize += compressed.length;
    await this.write(compressed);
  }

  async endEntry(): Promise<void> {
    const entry = this.current;
    if (!entry) throw new Error(`zip ${this.path}: no entry is open`);
    entry.compressedSize += FINAL_EMPTY_BLOCK.length;
    await this.write(FINAL_EMPTY_BLOCK);
    if (entry.size > ZIP_LIMIT || entry.compressedSize > ZIP_LIMIT) {
      throw new Error(
        `zip ${this.path}: entry ${entry.name.toString('utf8')} exceeds 4 GiB (zip64 is not supported)`,
      );
    }
    const patch = Buffer.alloc(12);
    patch.writeUInt32LE(entry.crc, 0);
    patch.writeUInt32LE(entry.compressedSize, 4);
    patch.writeUInt32LE(entry.size, 8);
    await this.file.write(patch, 0, patch.length, entry.headerOffset + 14);
    this.entries.push(entry);
    this.current = null;
  }

  async close(): Promise<void> {
    try {
      if (this.current)
        throw new Error(`zip ${this.path}: entry ${this.current.name.toString('utf8')} is still open`);
      const directoryOffset = this.position;
      for (const entry of this.entries) {
        const record = Buffer.alloc(46 + entry.name.length);
        record.writeUInt32LE(0x02014b50, 0);
        record.writeUInt16LE(20, 4);
        record.writeUInt16LE(20, 6);
        record.writeUInt16LE(UTF8_NAMES, 8);
        record.writeUInt16LE(DEFLATE, 10);
        record.writeUInt16LE(this.stamp.time, 12);
        record.writeUInt16LE(this.stamp.date, 14);
        record.writeUInt32LE(entry.crc, 16);
        record.writeUInt32LE(entry.compressedSize, 20);
        record.writeUInt32LE(entry.size, 24);
        record.writeUInt16LE(entry.name.length, 28);
        record.writeUInt32LE(entry.offset, 42);
        entry.name.copy(record, 46);
        await this.write(record);
      }
      const directorySize = this.position - directoryOffset;
      if (this.position > ZIP_LIMIT)
        throw new Error(`zip ${this.path}: archive exceeds 4 GiB (zip64 is not supported)`);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(this.entries.length, 8);
      end.writeUInt16LE(this.entries.length, 10);
      end.writeUInt32LE(directorySize, 12);
      end.writeUInt32LE(directoryOffset, 16);
      await this.write(end);
    } finally {
      await this.file.close();
    }
  }

  /** Gives up on the archive (after a failure elsewhere): closes the file without a directory. */
  async abort(): Promise<void> {
    await this.file.close();
  }

  private async write(data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += data.length;
  }
}
