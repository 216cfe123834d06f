import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { rvtoolsSample, sharedSuite } from '../../../test/support/shared-files.js';
import { DEFAULT_READ_LIMITS, ReadLimitContext } from './read-limits.js';
import { WorksheetRowScanner } from './worksheet-row-scanner.js';
import { findWorkbookPart, readPartText, XlsxWorkbookReader } from './xlsx-workbook-reader.js';
import { ZipArchive } from './zip-archive.js';

const context = new ReadLimitContext(DEFAULT_READ_LIMITS, 'test.xlsx', 'vInfo');

type Row = [number, string[]];

function scan(xml: string, sharedStrings: string[] = [], chunkSize = xml.length): Row[] {
  const rows: Row[] = [];
  const scanner = new WorksheetRowScanner(
    sharedStrings,
    {
      row: (cells, rowNumber) => rows.push([rowNumber, [...cells]]),
      issue: () => {},
    },
    context,
  );
  for (let offset = 0; offset < xml.length; offset += chunkSize)
    scanner.write(xml.slice(offset, offset + chunkSize));
  scanner.end();
  return rows;
}

const sheet = (body: string, prefix = ''): string => {
  const p = prefix ? `${prefix}:` : '';
  const ns = prefix ? `xmlns:${prefix}` : 'xmlns';
  return `<?xml version="1.0" encoding="utf-8"?><${p}worksheet ${ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><${p}sheetData>${body}</${p}sheetData><${p}mergeCells count="1"><${p}mergeCell ref="A1:B1"/></${p}mergeCells></${p}worksheet>`;
};

describe('WorksheetRowScanner', () => {
  it('reads prefixed (OpenXML SDK) and unprefixed SpreadsheetML alike', () => {
    const body = (p: string) =>
      `<${p}row r="1"><${p}c r="A1" t="s"><${p}v>0</${p}v></${p}c><${p}c r="B1" t="s"><${p}v>1</${p}v></${p}c></${p}row>` +
      `<${p}row r="2"><${p}c r="A2" t="s"><${p}v>2</${p}v></${p}c><${p}c r="B2"><${p}v>12288</${p}v></${p}c></${p}row>`;
    const strings = ['VM', 'Memory', 'web-01'];
    const expected: Row[] = [
      [1, ['VM', 'Memory']],
      [2, ['web-01', '12288']],
    ];
    expect(scan(sheet(body('x:'), 'x'), strings)).toEqual(expected);
    expect(scan(sheet(body('')), strings)).toEqual(expected);
  });

  it('places sparse cells by reference and numbers rows without references', () => {
    const xml = sheet(
      '<row r="3"><c r="C3"><v>3</v></c><c r="AA3"><v>27</v></c></row>' +
        '<row><c><v>a</v></c><c/><c><v>c</v></c></row>' +
        '<row r="7" spans="1:3"><c r="B7" s="2"/></row>' +
        '<row r="9"><c r="b9" t="str"><v>lower-case ref</v></c></row>',
    );
    const rows = scan(xml);
    expect(rows[0]).toEqual([3, ['', '', '3', ...Array(23).fill(''), '27']]);
    expect(rows[1]).toEqual([4, ['a', '', 'c']]);
    // Row 7 holds only a styled empty cell: no row.
    expect(rows[2]).toEqual([9, ['', 'lower-case ref']]);
    expect(rows).toHaveLength(3);
  });

  it('reads every cell type and text encoding', () => {
    const xml = sheet(
      '<row r="1">' +
        '<c r="A1" t="inlineStr"><is><r><t>Rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text </t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></is></c>' +
        '<c r="B1" t="b"><v>1</v></c><c r="C1" t="b"><v>0</v></c>' +
        '<c r="D1" t="e"><v>#N/A</v></c>' +
        '<c r="E1" t="str"><f>A1&amp;"x"</f><v>line_x000D_break</v></c>' +
        '<c r="F1" t="inlineStr"><is><t>&lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42; &unknown;</t></is></c>' +
        '<c r="G1" t="inlineStr"><is><t><![CDATA[<raw> & stays]]></t></is></c>' +
        '<c r="H1" t="d"><v>2025-04-15T05:14:12</v></c>' +
        "<c r = 'I1'  t = 's' ><v> 1 </v></c>" +
        '<c r="J1" t="s" foo="a>b"><v>0</v></c>' +
        '<!-- comment <c r="K1"><v>no</v></c> -->' +
        '</row>',
    );
    expect(scan(xml, ['zero', 'one'])).toEqual([
      [
        1,
        [
          'Rich text ',
          'TRUE',
          'FALSE',
          '#N/A',
          'line\rbreak',
          '<tag> & "q" AB &unknown;',
          '<raw> & stays',
          '2025-04-15T05:14:12',
          'one',
          'zero',
        ],
      ],
    ]);
  });

  it('gives the same rows whatever the chunk boundaries', () => {
    const xml = sheet(
      '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>caf&#233; &amp; crème</x:t></x:is></x:c><x:c r="B1"><x:v>1.5</x:v></x:c></x:row>' +
        '<x:row r="2"><x:c r="A2" t="s"><x:v>1</x:v></x:c><x:c r="C2" t="inlineStr"><x:is><x:t><![CDATA[a<b]]></x:t></x:is></x:c></x:row>',
      'x',
    );
    const whole = scan(xml, ['s0', 's1']);
    expect(whole).toEqual([
      [1, ['café & crème', '1.5']],
      [2, ['s1', '', 'a<b']],
    ]);
    for (let size = 1; size <= 40; size++)
      expect(scan(xml, ['s0', 's1'], size), `chunk ${size}`).toEqual(whole);
  });

  it('decodes references and line ends cut by a chunk boundary, text being handed on as it comes', () => {
    const xml = sheet(
      '<row r="1"><c r="A1" t="inlineStr"><is><t>a&#x10FFFF;b&amp;c\r\nd&#13;e</t></is></c><c r="B1" t="b"><v>1</v></c></row>',
    );
    const expected: Row[] = [[1, ['a\u{10FFFF}b&c\nd\re', 'TRUE']]];
    for (let size = 1; size <= 30; size++) expect(scan(xml, [], size), `chunk ${size}`).toEqual(expected);
  });

  it('reports cell kinds when asked', () => {
    const rows: [string[], string[]][] = [];
    const scanner = new WorksheetRowScanner(
      ['text'],
      { row: (cells, _row, kinds) => rows.push([[...cells], [...(kinds ?? [])]]), issue: () => {} },
      context,
      true,
    );
    scanner.write(
      sheet(
        '<row r="1"><c t="s"><v>0</v></c><c r="C1"><v>2</v></c><c t="b"><v>0</v></c><c t="str"><v>f</v></c></row>',
      ),
    );
    expect(rows).toEqual([
      [
        ['text', '', '2', 'FALSE', 'f'],
        ['text', 'text', 'number', 'boolean', 'text'],
      ],
    ]);
  });

  it('stops at </sheetData>', () => {
    const scanner = new WorksheetRowScanner([], { row: () => {}, issue: () => {} }, context);
    scanner.write(sheet('<row r="1"><c><v>1</v></c></row>'));
    expect(scanner.stopped).toBe(true);
  });
});

/**
 * The fast scanner against a plain saxes reading (namespaces on, local names) of every sheet of
 * the real exports: same rows, same cells.
 */
const REAL_EXPORTS = [
  'kylow-reference-RVTOOLEX.xlsx',
  'migration-planner-example1.xlsx',
  'ibm-rvtools-small-complete.xlsx',
  'ibm-SizingWorkshop-RVTools.xlsx',
];
const realExports = sharedSuite(
  'WorksheetRowScanner against a saxes reference on the real exports',
  ...REAL_EXPORTS.map(rvtoolsSample),
);
describe.skipIf(realExports.skip)(realExports.title, () => {
  const files = REAL_EXPORTS;

  it.each(files)('%s', async (file) => {
    const archive = await ZipArchive.open(rvtoolsSample(file), file, DEFAULT_READ_LIMITS);
    try {
      const workbookPart = await findWorkbookPart(archive, file);
      if (!workbookPart) throw new Error('no workbook');
      const reader = await XlsxWorkbookReader.open(archive, workbookPart, file, DEFAULT_READ_LIMITS);
      const sstPart = archive.has('xl/sharedStrings.xml') ? 'xl/sharedStrings.xml' : null;
      const sharedStrings = sstPart ? referenceSharedStrings(await readPartText(archive, sstPart, file)) : [];
      for (const name of reader.sheetNames) {
        const part = reader.sheetPart(name);
        if (!part) throw new Error(`no part for ${name}`);
        const expected = referenceRows(await readPartText(archive, part, file), sharedStrings);
        const actual: Row[] = [];
        await reader.readSheet(name, {
          row: (cells, rowNumber) => actual.push([rowNumber, [...cells]]),
          issue: () => {},
        });
        expect(actual, `${file} ${name}`).toEqual(expected);
      }
    } finally {
      archive.close();
    }
  });
});

function referenceSharedStrings(xml: string): string[] {
  const strings: string[] = [];
  let current: string | null = null;
  let inText = false;
  let phonetic = 0;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    if (tag.local === 'si') current = '';
    else if (tag.local === 'rPh') phonetic++;
    else if (tag.local === 't') inText = phonetic === 0;
  });
  parser.on('closetag', (tag) => {
    if (tag.local === 'si' && current !== null)
      strings.push(
        current.replace(/_x([0-9a-fA-F]{4})_/g, (_m, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        ),
      );
    else if (tag.local === 'rPh') phonetic--;
    else if (tag.local === 't') inText = false;
  });
  parser.on('text', (text) => {
    if (inText && current !== null) current += text;
  });
  parser.on('cdata', (text) => {
    if (inText && current !== null) current += text;
  });
  parser.write(xml.replace(/^\uFEFF/, '')).close();
  return strings;
}

function referenceRows(xml: string, sharedStrings: string[]): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let rowNumber = 0;
  let column = 0;
  let next = 0;
  let type = 'n';
  let value = '';
  let inline = '';
  let capture: 'v' | 't' | null = null;
  let inSheetData = false;
  const parser = new SaxesParser({ xmlns: true });
  const letters = (ref: string) => {
    const match = /^([A-Za-z]+)/.exec(ref);
    if (!match) return -1;
    return (
      [...match[1].toUpperCase()].reduce((index, letter) => index * 26 + letter.charCodeAt(0) - 64, 0) - 1
    );
  };
  parser.on('opentag', (tag) => {
    const attribute = (local: string) =>
      Object.values(tag.attributes).find((each) => each.local === local)?.value;
    if (tag.local === 'sheetData') inSheetData = true;
    else if (tag.local === 'row' && inSheetData) {
      const r = Number(attribute('r'));
      rowNumber = r > 0 ? r : rowNumber + 1;
      cells = [];
      next = 0;
    } else if (tag.local === 'c') {
      const ref = attribute('r');
      column = ref && letters(ref) >= 0 ? letters(ref) : next;
      type = attribute('t') ?? 'n';
      value = '';
      inline = '';
    } else if (tag.local === 'v') capture = 'v';
    else if (tag.local === 't') capture = 't';
  });
  parser.on('closetag', (tag) => {
    if (tag.local === 'v' || tag.local === 't') capture = null;
    else if (tag.local === 'c') {
      next = column + 1;
      const text =
        type === 's'
          ? value.trim() === ''
            ? ''
            : (sharedStrings[Number(value)] ?? '')
          : type === 'inlineStr'
            ? inline
            : type === 'b'
              ? value === '1'
                ? 'TRUE'
                : 'FALSE'
              : value;
      if (text !== '') {
        while (cells.length < column) cells.push('');
        cells[column] = text;
      }
    } else if (tag.local === 'row' && inSheetData) {
      if (cells.length > 0) rows.push([rowNumber, cells]);
      cells = [];
    } else if (tag.local === 'sheetData') inSheetData = false;
  });
  parser.on('text', (text) => {
    if (capture === 'v') value += text;
    else if (capture === 't') inline += text;
  });
  parser.write(xml.replace(/^\uFEFF/, '')).close();
  return rows;
}
