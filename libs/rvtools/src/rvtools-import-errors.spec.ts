import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildZip,
  csv,
  minimalXlsxEntries,
  ScratchDir,
  writeXlsx,
} from '../../../test/fixtures/rvtools/rvtools-test-files.js';
import { RvtoolsImportError, type RvtoolsImportErrorCode, readRvtoolsInventory } from './index.js';

const scratch = new ScratchDir();
afterAll(() => scratch.cleanup());

async function importError(
  path: string,
  options: Parameters<typeof readRvtoolsInventory>[1] = {},
  fileName = 'upload.xlsx',
): Promise<RvtoolsImportError> {
  try {
    await readRvtoolsInventory({ path, fileName }, options);
  } catch (error) {
    expect(error).toBeInstanceOf(RvtoolsImportError);
    return error as RvtoolsImportError;
  }
  throw new Error(`expected ${path} to be rejected`);
}

async function expectImportError(
  path: string,
  code: RvtoolsImportErrorCode,
  message: RegExp,
  options: Parameters<typeof readRvtoolsInventory>[1] = {},
): Promise<RvtoolsImportError> {
  const error = await importError(path, options);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  // Messages name the upload, never the server-side path, and carry no stack trace.
  expect(error.message).toContain('"upload.xlsx"');
  expect(error.message).not.toContain(scratch.path);
  expect(error.message).not.toMatch(/\n\s+at /);
  expect(error.fileName).toBe('upload.xlsx');
  return error;
}

const VINFO_HEADER = ['VM', 'Powerstate', 'CPUs', 'Memory', 'VM ID', 'VI SDK Server'];
const VINFO_ROW = ['web-01', 'poweredOn', '2', '4096', 'vm-1', 'vc1'];

describe('readRvtoolsInventory rejects what is not an RVTools export', () => {
  it('rejects a missing file', async () => {
    await expectImportError(join(scratch.path, 'nope.xlsx'), 'unreadable', /cannot be opened/);
  });

  it('rejects an empty file', async () => {
    await expectImportError(scratch.file('empty.xlsx', ''), 'not-a-workbook', /is empty/);
  });

  it('rejects binary data and prose, whatever the extension', async () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    await expectImportError(scratch.file('image.xlsx', png), 'not-a-workbook', /not an RVTools export/);
    await expectImportError(
      scratch.file('notes.xlsx', 'Dear team\nplease find attached\n'),
      'not-a-workbook',
      /not an RVTools export/,
    );
  });

  it('rejects a legacy .xls (OLE2) file', async () => {
    const ole = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
    ]);
    await expectImportError(scratch.file('legacy.xls', ole), 'unsupported-format', /legacy Excel \(\.xls\)/);
  });

  it('rejects a zip without a workbook or RVTools CSV files', async () => {
    const zip = buildZip([
      { name: 'readme.txt', data: 'hello' },
      { name: 'data/report.pdf', data: '%PDF-1.4' },
    ]);
    await expectImportError(scratch.file('other.zip', zip), 'not-a-workbook', /without an Excel workbook/);
  });

  it('rejects an .xlsb (binary workbook)', async () => {
    const zip = buildZip([{ name: 'xl/workbook.bin', data: Buffer.alloc(64) }]);
    await expectImportError(scratch.file('book.xlsb', zip), 'unsupported-format', /\.xlsb/);
  });

  it('rejects a truncated zip (no central directory)', async () => {
    const whole = readFileSync(
      await writeXlsx(join(scratch.path, 'whole.xlsx'), { vInfo: [VINFO_HEADER, VINFO_ROW] }),
    );
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    await expectImportError(scratch.file('cut.xlsx', cut), 'corrupt-zip', /damaged zip/);
  });

  it('rejects a zip whose compressed data is damaged', async () => {
    const entries = minimalXlsxEntries({ vInfo: [VINFO_HEADER, VINFO_ROW] });
    const zip = buildZip(entries);
    // Flip bytes in the middle of the first entry's deflate stream ([Content_Types].xml is read last,
    // so damage the workbook part instead: it follows the content types entry).
    const workbookAt = zip.indexOf(Buffer.from('xl/workbook.xml')) + 'xl/workbook.xml'.length;
    for (let offset = workbookAt + 5; offset < workbookAt + 25; offset++) zip[offset] ^= 0x5a;
    await expectImportError(scratch.file('damaged.xlsx', zip), 'corrupt-zip', /damaged zip|not valid XML/);
  });

  it('rejects an entry whose CRC does not match', async () => {
    const entries = minimalXlsxEntries({ vInfo: [VINFO_HEADER, VINFO_ROW] });
    const zip = buildZip(
      entries.map((entry) => (entry.name.endsWith('sheet1.xml') ? { ...entry, crc: 12345 } : entry)),
    );
    await expectImportError(scratch.file('crc.xlsx', zip), 'corrupt-zip', /CRC/);
  });

  it('rejects an unsupported compression method and encrypted entries', async () => {
    const entries = minimalXlsxEntries({ vInfo: [VINFO_HEADER, VINFO_ROW] });
    const lzma = buildZip(
      entries.map((entry) => (entry.name.endsWith('sheet1.xml') ? { ...entry, method: 14 } : entry)),
    );
    await expectImportError(scratch.file('lzma.xlsx', lzma), 'unsupported-format', /compression method 14/);
    const locked = buildZip(
      entries.map((entry) => (entry.name.endsWith('sheet1.xml') ? { ...entry, flags: 1 } : entry)),
    );
    await expectImportError(scratch.file('locked.xlsx', locked), 'unsupported-format', /encrypted/);
  });
});

describe('readRvtoolsInventory guards against decompression bombs', () => {
  // 8 MiB of zeros deflates to ~8 KiB.
  const zeros = Buffer.alloc(8 * 1024 * 1024);

  it('rejects by declared size before inflating anything', async () => {
    const zip = buildZip([
      ...minimalXlsxEntries({ vInfo: [VINFO_HEADER, VINFO_ROW] }),
      { name: 'xl/media/pad.bin', data: zeros },
    ]);
    expect(zip.length).toBeLessThan(64 * 1024);
    await expectImportError(
      scratch.file('declared.xlsx', zip),
      'too-large',
      /would inflate to 8 MiB, over the limit of 1 MiB/,
      {
        maxInflatedBytes: 1024 * 1024,
      },
    );
  });

  it('rejects an entry that inflates past the size it declares', async () => {
    const entries = minimalXlsxEntries({ vInfo: [VINFO_HEADER, VINFO_ROW] });
    const sheet = entries.find((entry) => entry.name.endsWith('sheet1.xml'));
    if (!sheet) throw new Error('no sheet entry');
    // The sheet part declares 100 bytes and inflates to 8 MiB (its XML, then zeros).
    const bomb = Buffer.concat([Buffer.from(String(sheet.data)), zeros]);
    const zip = buildZip(
      entries.map((entry) => (entry === sheet ? { ...entry, data: bomb, declaredSize: 100 } : entry)),
    );
    await expectImportError(
      scratch.file('liar.xlsx', zip),
      'too-large',
      /inflates past the 100 bytes it declares/,
    );
  });

  it('rejects too many zip entries', async () => {
    const entries = [
      ...minimalXlsxEntries({ vInfo: [VINFO_HEADER, VINFO_ROW] }),
      ...Array.from({ length: 30 }, (_, index) => ({ name: `xl/media/image${index}.png`, data: 'x' })),
    ];
    await expectImportError(
      scratch.file('many.xlsx', buildZip(entries)),
      'too-large',
      /34 zip entries, over the limit of 20/,
      {
        maxEntries: 20,
      },
    );
  });
});

describe('readRvtoolsInventory rejects exports without VMs', () => {
  it('rejects a workbook without a vInfo sheet, listing the sheets it has', async () => {
    const path = await writeXlsx(join(scratch.path, 'novinfo.xlsx'), {
      vHost: [['Host'], ['esx-01']],
      vDisk: [
        ['VM', 'Disk'],
        ['web-01', 'Hard disk 1'],
      ],
    });
    await expectImportError(path, 'no-vinfo', /no vInfo sheet.*sheets found: vHost, vDisk/);
  });

  it('rejects a vInfo sheet without a VM column', async () => {
    const path = await writeXlsx(join(scratch.path, 'novmcolumn.xlsx'), {
      vInfo: [
        ['Name', 'Powerstate', 'CPUs'],
        ['web-01', 'poweredOn', 2],
      ],
    });
    const error = await expectImportError(
      path,
      'no-vm-column',
      /sheet vInfo has no VM column.*Name, Powerstate, CPUs/,
    );
    expect(error.sheet).toBe('vInfo');
  });

  it('rejects a vInfo sheet whose rows have no VM name', async () => {
    const path = await writeXlsx(join(scratch.path, 'novms.xlsx'), {
      vInfo: [
        ['VM', 'Powerstate', 'CPUs'],
        [null, 'poweredOn', 2],
        [null, null, null],
      ],
    });
    await expectImportError(path, 'empty-inventory', /lists no VM/);
  });

  it('rejects an empty vInfo sheet', async () => {
    const zip = buildZip(minimalXlsxEntries({ vInfo: [] }));
    await expectImportError(scratch.file('blank.xlsx', zip), 'empty-inventory', /vInfo sheet is empty/);
  });

  it('rejects a zip of CSV files without RVTools_tabvInfo.csv', async () => {
    const zip = buildZip([
      {
        name: 'RVTools_tabvDisk.csv',
        data: csv([
          ['VM', 'Disk'],
          ['web-01', 'Hard disk 1'],
        ]),
      },
    ]);
    await expectImportError(scratch.file('disks.zip', zip), 'no-vinfo', /no vInfo sheet.*vDisk/);
  });

  it('rejects a folder without RVTools CSV files', async () => {
    const folder = join(scratch.path, 'empty-folder');
    mkdirSync(folder);
    const error = await importError(folder, {}, 'upload.xlsx');
    expect(error.code).toBe('not-a-workbook');
    expect(error.message).toMatch(/folder without RVTools CSV files/);
  });

  it('rejects a CSV whose header has no VM column', async () => {
    const path = scratch.file(
      'hosts.csv',
      csv([
        ['Host', 'CPU Model'],
        ['esx-01', 'Xeon'],
      ]),
    );
    const error = await importError(path, {}, 'upload.xlsx');
    expect(error.code).toBe('no-vm-column');
  });
});
