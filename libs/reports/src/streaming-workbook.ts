import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { spreadsheetCellText } from './cell-text.js';

/**
 * A thin layer over exceljs's streaming `WorkbookWriter` that adds what the report needs and
 * exceljs 4.4's streaming writer lacks, touching its internals in one place:
 *
 * - Backpressure. A worksheet's XML is piped into a PassThrough that archiver drains only when
 *   it reaches that zip entry, and exceljs never waits on it: a synchronous loop over 100,000
 *   rows would buffer the whole sheet. `addRow` waits for that PassThrough to drain.
 * - Internal hyperlinks. The streaming writer turns every hyperlink into an external
 *   relationship; links to another sheet are written the way Excel writes them, as a
 *   `location` with no relationship.
 * - Charts. exceljs writes no charts at all; `addCharts` appends the chart parts, the DrawingML
 *   part that places them, their relationships, the sheet's `<drawing>` element and the content
 *   types, as zip entries written between the sheets: nothing written is ever read back.
 * - Printing. Landscape, fit to the page width, and manual page breaks between sections.
 */

export type CellStyle = Partial<ExcelJS.Style>;
/** A link to a cell in this workbook, e.g. `'Wave 3'!A1`. */
export interface InternalLink {
  text: string;
  location: string;
}
export type SheetCell = string | number | boolean | Date | InternalLink | null;

export interface SheetOptions {
  /** Rows frozen at the top (the header). */
  frozenRows?: number;
  /** Columns frozen at the left. */
  frozenColumns?: number;
  state?: 'visible' | 'hidden' | 'veryHidden';
  /**
   * Printed pages are landscape. By default the columns are fitted to the page width and rows run
   * on; a fixed `printScale` (percent) is for sheets with manual page breaks, which Excel ignores
   * under fit-to-page.
   */
  printScale?: number;
}

export interface ChartAnchor {
  /** Zero-based column and row of the top-left corner, and an offset into that column. */
  col: number;
  row: number;
  colOffsetPx?: number;
  widthPx: number;
  heightPx: number;
  description: string;
}

/** A chart part's XML (`chart-parts.ts`) and where the chart sits on the sheet. */
export interface SheetChart {
  xml: string;
  anchor: ChartAnchor;
}

/** A manual page break after a row, as exceljs's `Row.addPageBreak` records it. */
interface RowBreak {
  id: number;
  max: number;
  man: 1;
}

interface HyperlinkModel {
  address: string;
  target?: string;
  rId?: string;
}

interface SheetRelsWriterInternals {
  addHyperlink(hyperlink: { address: string; target: string }): void;
  addRelationship(relationship: { Target: string; Type: string }): string;
  _hyperlinks: HyperlinkModel[];
}

interface StreamBufInternals {
  /**
   * Empty until archiver reaches this zip entry and pipes it into the zip, through a
   * `readable-stream` v2 PassThrough (no `writableNeedDrain`; its `_writableState` has the flag).
   */
  pipes: (Writable & { _writableState?: { needDrain?: boolean; length?: number } })[];
  /** Chunks held while there is no pipe. */
  buffers: unknown[];
  write(data: string): unknown;
}

interface RowInternals {
  getCell(column: number): { style: CellStyle; value: unknown };
  commit(): void;
}

interface WorksheetWriterInternals {
  columns: Partial<ExcelJS.Column>[];
  rowBreaks: RowBreak[];
  autoFilter: string | null;
  stream: StreamBufInternals;
  committed: boolean;
  addRow(values: unknown[]): RowInternals;
  commit(): void;
  _sheetRelsWriter: SheetRelsWriterInternals;
  _writeLegacyData(): void;
}

interface ZipInternals {
  append(source: string | Buffer, data: { name: string }): unknown;
  abort(): void;
}

interface WorkbookWriterInternals {
  addWorksheet(name: string, options: unknown): WorksheetWriterInternals;
  addContentTypes(): Promise<void>;
  commit(): Promise<void>;
  zip: ZipInternals;
  stream: Writable;
}

const DRAWING_REL_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing';
const CHART_REL_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart';
const DRAWING_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.drawing+xml';
const CHART_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.drawingml.chart+xml';
/** exceljs's default column range for a row break (its `16838`): the whole row. */
const WHOLE_ROW = 16_383;
/** A4; Letter users get the same layout scaled. */
const PAPER_A4 = 9;
const MARGINS = { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 };
/** Printable area of a landscape A4 page inside {@link MARGINS}, in pixels at 96 dpi. */
export const LANDSCAPE_PRINTABLE_PX = {
  width: Math.floor((11.69 - 0.8) * 96),
  height: Math.floor((8.27 - 1.0) * 96),
};
const EMU_PER_PIXEL = 9525;
/** exceljs's worksheet StreamBuf holds 64 KiB chunks; past this many the writer waits. */
const MAX_HELD_CHUNKS = 16;
/** Bytes queued into the zip before the writer waits; waiting per 64 KiB chunk costs time. */
const MAX_PIPED_BYTES = 1024 * 1024;
/** Shared empty style so unstyled cells hit exceljs's per-object style cache. */
const PLAIN: CellStyle = {};

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A sheet name quoted for a reference, e.g. `'Wave 3'` (quotes inside doubled). */
export function quoteSheetName(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

/** `A`, `B`, … `Z`, `AA`, … for a 1-based column number. */
export function columnLetter(column: number): string {
  let n = column;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

export type WorkbookOutput = { path: string } | { stream: Writable };

export class StreamingWorkbook {
  private readonly writer: WorkbookWriterInternals;
  private readonly drawings: string[] = [];
  private chartCount = 0;
  private current: StreamingSheet | null = null;

  constructor(output: WorkbookOutput, options: { useSharedStrings: boolean; created: Date }) {
    const writerOptions: Partial<ExcelJS.stream.xlsx.WorkbookStreamWriterOptions> & {
      created: Date;
      creator: string;
    } = {
      useStyles: true,
      useSharedStrings: options.useSharedStrings,
      created: options.created,
      creator: 'Flotilla',
    };
    if ('path' in output) writerOptions.filename = output.path;
    else writerOptions.stream = output.stream;
    this.writer = new ExcelJS.stream.xlsx.WorkbookWriter(writerOptions) as unknown as WorkbookWriterInternals;
    const addContentTypes = this.writer.addContentTypes.bind(this.writer);
    const zip = this.writer.zip;
    // exceljs renders [Content_Types].xml without drawings; add their overrides as it is appended.
    this.writer.addContentTypes = async () => {
      const append = zip.append;
      zip.append = (source, data) => {
        if (data.name === '[Content_Types].xml' && typeof source === 'string' && this.drawings.length > 0) {
          const overrides =
            this.drawings
              .map(
                (name) =>
                  `<Override PartName="/xl/drawings/${name}.xml" ContentType="${DRAWING_CONTENT_TYPE}"/>`,
              )
              .join('') +
            Array.from(
              { length: this.chartCount },
              (_, i) =>
                `<Override PartName="/xl/charts/chart${i + 1}.xml" ContentType="${CHART_CONTENT_TYPE}"/>`,
            ).join('');
          return append.call(zip, source.replace('</Types>', `${overrides}</Types>`), data);
        }
        return append.call(zip, source, data);
      };
      try {
        await addContentTypes();
      } finally {
        zip.append = append;
      }
    };
  }

  /**
   * Starts a sheet. The previous sheet is committed first: archiver writes zip entries one after
   * another, so rows for a second open sheet would sit in memory until the first one ends.
   */
  addSheet(name: string, options: SheetOptions = {}): StreamingSheet {
    this.current?.commit();
    const frozenRows = options.frozenRows ?? 0;
    const frozenColumns = options.frozenColumns ?? 0;
    const views =
      frozenRows > 0 || frozenColumns > 0
        ? [
            {
              state: 'frozen',
              xSplit: frozenColumns,
              ySplit: frozenRows,
              topLeftCell: `${columnLetter(frozenColumns + 1)}${frozenRows + 1}`,
            },
          ]
        : [];
    const pageSetup =
      options.printScale === undefined
        ? // fitToHeight 0: as many pages down as the rows need.
          { fitToPage: true, fitToWidth: 1, fitToHeight: 0 }
        : { fitToPage: false, scale: Math.max(10, Math.min(400, Math.round(options.printScale))) };
    const worksheet = this.writer.addWorksheet(name, {
      views,
      state: options.state ?? 'visible',
      pageSetup: { orientation: 'landscape', paperSize: PAPER_A4, margins: MARGINS, ...pageSetup },
    });
    this.current = new StreamingSheet(name, worksheet, this);
    return this.current;
  }

  /** Writes the chart parts and the drawing placing them; returns the drawing part's name. */
  addDrawing(charts: readonly SheetChart[]): string {
    const name = `drawing${this.drawings.length + 1}`;
    this.drawings.push(name);
    const chartNumbers = charts.map(() => ++this.chartCount);
    const anchors = charts
      .map(({ anchor }, i) => {
        const cx = Math.round(anchor.widthPx * EMU_PER_PIXEL);
        const cy = Math.round(anchor.heightPx * EMU_PER_PIXEL);
        const colOff = Math.round((anchor.colOffsetPx ?? 0) * EMU_PER_PIXEL);
        return (
          '<xdr:oneCellAnchor>' +
          `<xdr:from><xdr:col>${anchor.col}</xdr:col><xdr:colOff>${colOff}</xdr:colOff><xdr:row>${anchor.row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>` +
          `<xdr:ext cx="${cx}" cy="${cy}"/>` +
          '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>' +
          `<xdr:cNvPr id="${i + 2}" name="Chart ${i + 1}" descr="${escapeXml(anchor.description)}"/>` +
          '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>' +
          '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>' +
          '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">' +
          `<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" r:id="rId${i + 1}"/>` +
          '</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>'
        );
      })
      .join('');
    const drawingXml =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"' +
      ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"' +
      ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      `${anchors}</xdr:wsDr>`;
    const relsXml =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      chartNumbers
        .map(
          (number, i) =>
            `<Relationship Id="rId${i + 1}" Type="${CHART_REL_TYPE}" Target="../charts/chart${number}.xml"/>`,
        )
        .join('') +
      '</Relationships>';
    charts.forEach((chart, i) => {
      this.writer.zip.append(chart.xml, { name: `xl/charts/chart${chartNumbers[i]}.xml` });
    });
    this.writer.zip.append(drawingXml, { name: `xl/drawings/${name}.xml` });
    this.writer.zip.append(relsXml, { name: `xl/drawings/_rels/${name}.xml.rels` });
    return name;
  }

  async commit(): Promise<void> {
    this.current?.commit();
    this.current = null;
    await this.writer.commit();
  }

  /** Stops the zip and fails the output, so nobody takes a truncated file for a report. */
  abort(error: unknown): void {
    this.writer.zip.abort();
    const stream = this.writer.stream;
    if (stream.destroyed) return;
    stream.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

export class StreamingSheet {
  private rowCount = 0;
  private columnCount = 0;
  private committed = false;

  constructor(
    readonly name: string,
    private readonly worksheet: WorksheetWriterInternals,
    private readonly workbook: StreamingWorkbook,
  ) {
    const rels = worksheet._sheetRelsWriter;
    const addHyperlink = rels.addHyperlink.bind(rels);
    rels.addHyperlink = (hyperlink) => {
      if (hyperlink.target.startsWith('#')) {
        rels._hyperlinks.push({ address: hyperlink.address, target: hyperlink.target.slice(1) });
      } else {
        addHyperlink(hyperlink);
      }
    };
  }

  /** Number of rows written so far; the next row is `rowCount + 1`. */
  get rows(): number {
    return this.rowCount;
  }

  /** Column widths in characters; must come before the first row. */
  setColumnWidths(widths: readonly number[]): void {
    if (this.rowCount > 0) throw new Error(`columns of sheet "${this.name}" must be set before its rows`);
    this.worksheet.columns = widths.map((width) => ({ width }));
  }

  /**
   * Writes one row and commits it. Strings are neutralised against formula injection and cut to
   * the cell limit; numbers, booleans and dates stay typed.
   */
  async addRow(values: readonly SheetCell[], styles?: readonly (CellStyle | undefined)[]): Promise<void> {
    const cells: unknown[] = values.map((value) => {
      if (typeof value === 'string') return spreadsheetCellText(value);
      if (typeof value === 'number') return Number.isFinite(value) ? value : null;
      if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
        return { text: spreadsheetCellText(value.text), hyperlink: `#${value.location}` };
      }
      return value;
    });
    const row = this.worksheet.addRow(cells);
    for (let i = 0; i < cells.length; i++) {
      if (cells[i] === null || cells[i] === undefined) continue;
      row.getCell(i + 1).style = styles?.[i] ?? PLAIN;
    }
    row.commit();
    this.rowCount++;
    this.columnCount = Math.max(this.columnCount, values.length);
    await this.drain();
  }

  /**
   * Waits while the sheet's XML is not getting into the zip: before archiver reaches this entry
   * the chunks pile up in exceljs's StreamBuf, afterwards in the PassThrough archiver reads.
   */
  private async drain(): Promise<void> {
    const stream = this.worksheet.stream;
    for (;;) {
      const sink = stream.pipes[0];
      if (sink) {
        const state = sink._writableState;
        if (!state?.needDrain || (state.length ?? 0) < MAX_PIPED_BYTES) return;
        await once(sink, 'drain');
      } else {
        if (stream.buffers.length <= MAX_HELD_CHUNKS) return;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  }

  /** Autofilter over the header row `headerRow` and the rows below it. */
  setAutoFilter(headerRow: number, columns: number): void {
    const last = Math.max(headerRow, this.rowCount);
    this.worksheet.autoFilter = `A${headerRow}:${columnLetter(columns)}${last}`;
  }

  /** A manual page break after the last row written: the next row starts a printed page. */
  addPageBreak(): void {
    if (this.rowCount > 0) this.worksheet.rowBreaks.push({ id: this.rowCount, max: WHOLE_ROW, man: 1 });
  }

  /** Places charts on this sheet; call once per sheet, before it is committed. */
  addCharts(charts: readonly SheetChart[]): void {
    if (charts.length === 0) return;
    const drawing = this.workbook.addDrawing(charts);
    const relId = this.worksheet._sheetRelsWriter.addRelationship({
      Target: `../drawings/${drawing}.xml`,
      Type: DRAWING_REL_TYPE,
    });
    const writeLegacyData = this.worksheet._writeLegacyData.bind(this.worksheet);
    // `<drawing>` goes after the page setup and before `<legacyDrawing>` in CT_Worksheet's order,
    // which is exactly where exceljs writes the legacy drawing.
    this.worksheet._writeLegacyData = () => {
      this.worksheet.stream.write(`<drawing r:id="${relId}"/>`);
      writeLegacyData();
    };
  }

  commit(): void {
    if (this.committed) return;
    this.committed = true;
    this.worksheet.commit();
  }
}
