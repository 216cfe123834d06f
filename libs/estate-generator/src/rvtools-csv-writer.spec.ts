import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { generateEstate } from './estate-generator.js';
import type { GeneratedEstate } from './model.js';
import { csvCell, writeRvtoolsCsv } from './rvtools-csv-writer.js';
import { RVTOOLS_SHEETS, sheetColumns } from './rvtools-sheets.js';
import { ZipFileWriter } from './zip-file-writer.js';

/**
 * Reads every entry of a zip with yauzl (which checks sizes, not CRCs) and checks each CRC
 * against zlib.crc32 (the writer uses the same function; this catches a CRC of the wrong bytes).
 */
function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError);
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            const data = Buffer.concat(chunks);
            if (zlibCrc32(data) !== entry.crc32)
              return reject(new Error(`${entry.fileName}: CRC-32 mismatch`));
            entries.set(entry.fileName, data);
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function parseCsv(text: string): string[][] {
  return parse(text, { bom: true, relax_column_count: false });
}

let dir: string;
let estate: GeneratedEstate;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'estate-csv-'));
  estate = generateEstate({ vms: 120, seed: 5 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csvCell', () => {
  it('writes booleans, US dates, numbers, and quotes only when it must', () => {
    expect(csvCell(true)).toBe('True');
    expect(csvCell(false)).toBe('False');
    expect(csvCell(null)).toBe('');
    expect(csvCell(16384)).toBe('16384');
    expect(csvCell(new Date('2025-06-30T08:05:09Z'))).toBe('6/30/2025 8:05:09 AM');
    expect(csvCell(new Date('2024-01-02T00:00:00Z'))).toBe('1/2/2024 12:00:00 AM');
    expect(csvCell(new Date('2024-12-31T23:59:59Z'))).toBe('12/31/2024 11:59:59 PM');
    expect(csvCell('vm-12')).toBe('vm-12');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line 1\nline 2')).toBe('"line 1\nline 2"');
  });
});

describe('writeRvtoolsCsv to a folder', () => {
  it('writes one RVTools_tab<sheet>.csv per sheet with the xlsx headers and one row per record', async () => {
    const target = join(dir, 'csv');
    const names = await writeRvtoolsCsv(estate, { dir: target });
    expect(names).toEqual(RVTOOLS_SHEETS.map((sheet) => `RVTools_tab${sheet}.csv`));
    expect((await readdir(target)).sort()).toEqual([...names].sort());
    const vInfoBytes = await readFile(join(target, 'RVTools_tabvInfo.csv'));
    expect([...vInfoBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const vInfo = parseCsv(vInfoBytes.toString('utf8'));
    expect(vInfo[0]).toEqual(sheetColumns(estate, 'vInfo', '4.x').map((column) => column.header));
    expect(vInfo).toHaveLength(estate.vms.length + 1);
    const header = vInfo[0];
    const at = (row: string[], name: string) => row[header.indexOf(name)];
    const byId = new Map(estate.vms.map((vm) => [vm.moref, vm]));
    for (const row of vInfo.slice(1)) {
      const vm = byId.get(at(row, 'VM ID'));
      expect(at(row, 'VM')).toBe(vm?.name);
      expect(at(row, 'Annotation')).toBe(vm?.annotation ?? '');
      expect(at(row, 'Creation date')).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
      expect(at(row, 'Template')).toMatch(/^(True|False)$/);
    }
    const vDisk = parseCsv(await readFile(join(target, 'RVTools_tabvDisk.csv'), 'utf8'));
    expect(vDisk).toHaveLength(estate.vms.reduce((n, vm) => n + vm.disks.length, 0) + 1);
  });

  it('writes the 3.x headers without a byte order mark when asked', async () => {
    const target = join(dir, 'csv-3x');
    await writeRvtoolsCsv(estate, { dir: target }, { variant: '3.x', bom: false, sheets: ['vInfo'] });
    const text = await readFile(join(target, 'RVTools_tabvInfo.csv'), 'utf8');
    expect(text.startsWith('VM,Powerstate,Template,')).toBe(true);
    const header = parseCsv(text)[0];
    expect(header).toContain('Provisioned MB');
    expect(header.at(-1)).toBe('vCenter UUID');
  });
});

describe('writeRvtoolsCsv to a zip', () => {
  it('holds the same files as the folder export, byte for byte, with valid CRCs', async () => {
    const zipFile = join(dir, 'rvtools.zip');
    const names = await writeRvtoolsCsv(estate, { zip: zipFile });
    const entries = await unzip(zipFile);
    expect([...entries.keys()]).toEqual(names);
    for (const name of names) {
      expect(entries.get(name)?.equals(await readFile(join(dir, 'csv', name)))).toBe(true);
    }
  });

  it('is identical when written twice (fixed timestamps)', async () => {
    await writeRvtoolsCsv(estate, { zip: join(dir, 'again.zip') });
    expect((await readFile(join(dir, 'again.zip'))).equals(await readFile(join(dir, 'rvtools.zip')))).toBe(
      true,
    );
  });
});

describe('ZipFileWriter', () => {
  it('stores UTF-8 names, empty entries and entries written in many pieces', async () => {
    const file = join(dir, 'pieces.zip');
    const zip = await ZipFileWriter.create(file, new Date('2025-06-30T08:00:00Z'));
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    await zip.startEntry('данные/数据.bin');
    for (let offset = 0; offset < big.length; offset += 1 << 20)
      await zip.writeChunk(big.subarray(offset, offset + (1 << 20)));
    await zip.endEntry();
    await zip.startEntry('empty.txt');
    await zip.endEntry();
    await zip.close();
    const entries = await unzip(file);
    expect(entries.get('данные/数据.bin')?.equals(big)).toBe(true);
    expect(entries.get('empty.txt')?.length).toBe(0);
  });

  it('refuses to write outside an entry', async () => {
    const file = join(dir, 'misuse.zip');
    const zip = await ZipFileWriter.create(file, new Date('2025-06-30T08:00:00Z'));
    await expect(zip.writeChunk(Buffer.from('x'))).rejects.toThrow(/no entry is open/);
    await zip.abort();
  });
});
