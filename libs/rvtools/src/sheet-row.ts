import {
  excelSerialToIso,
  parseRvtoolsBoolean,
  parseRvtoolsDate,
  parseRvtoolsNumber,
} from './cell-values.js';
import type { DiagnosticLog } from './diagnostic-log.js';
import { columnLetters, type SheetLayout } from './sheet-layout.js';

/** RVTools writes the text `VM` in some non-name columns where there is nothing to say. */
const PLACEHOLDER = 'VM';
const SERIAL_NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * The current row of a sheet with typed accessors. One instance per sheet is reused for every row
 * (no per-cell objects); unreadable values become diagnostics naming sheet, row, column and value.
 */
export class SheetRow {
  cells: readonly string[] = [];
  rowNumber = 0;

  constructor(
    /** Sheet name as the file spells it, for diagnostics. */
    readonly sheet: string,
    readonly layout: SheetLayout,
    private readonly log: DiagnosticLog,
    private readonly date1904: boolean,
    /** Whether `VM` in a non-name column means empty (per-VM sheets) or is a real value. */
    private readonly vmPlaceholder: boolean,
  ) {}

  /** Cell text exactly as written ('' when absent). */
  raw(column: number): string {
    return column < 0 ? '' : (this.cells[column] ?? '');
  }

  /** Cell text as written, or null when blank: for names and free text, kept exactly. */
  verbatim(column: number): string | null {
    const value = this.raw(column);
    return value.trim() === '' ? null : value;
  }

  /** Trimmed text, null when blank or (in per-VM sheets) the `VM` placeholder. */
  text(column: number): string | null {
    const value = this.raw(column).trim();
    return value === '' || (this.vmPlaceholder && value === PLACEHOLDER) ? null : value;
  }

  /** Trimmed text, null when blank; `VM` stays `VM` (a switch can be named so). */
  name(column: number): string | null {
    const value = this.raw(column).trim();
    return value === '' ? null : value;
  }

  number(column: number): number | null {
    const text = this.text(column);
    if (text === null) return null;
    const value = parseRvtoolsNumber(text);
    if (value === undefined) {
      this.problem('number', column, `${this.header(column)} "${text}" is not a number`);
      return null;
    }
    return value;
  }

  integer(column: number): number | null {
    const value = this.number(column);
    if (value === null || Number.isInteger(value)) return value;
    this.problem(
      'integer',
      column,
      `${this.header(column)} "${this.raw(column).trim()}" is not a whole number`,
    );
    return null;
  }

  boolean(column: number): boolean | null {
    const text = this.text(column);
    if (text === null) return null;
    const value = parseRvtoolsBoolean(text);
    if (value === undefined) {
      this.problem('boolean', column, `${this.header(column)} "${text}" is neither true nor false`);
      return null;
    }
    return value;
  }

  date(column: number): string | null {
    const text = this.text(column);
    if (text === null) return null;
    const value = parseRvtoolsDate(text, this.date1904);
    if (value === undefined) {
      this.problem('date', column, `${this.header(column)} "${text}" is not a date we can read`);
      return null;
    }
    return value;
  }

  /** True when no cell of the row holds anything but spaces. */
  isBlank(): boolean {
    for (const cell of this.cells) if (cell !== undefined && cell.trim() !== '') return false;
    return true;
  }

  /** The row as header -> text, empty cells left out (see SourceRecordBuilder). */
  record(builder: SourceRecordBuilder): Record<string, string> {
    return builder.build(this.cells);
  }

  header(column: number): string {
    return this.layout.headers[column] ?? `Column ${columnLetters(column)}`;
  }

  warn(message: string, column: number | null, kind: string, value?: string): void {
    this.log.add(
      'warning',
      message,
      { sheet: this.sheet, row: this.rowNumber, column: column === null ? null : this.header(column), value },
      kind,
    );
  }

  private problem(kind: string, column: number, message: string): void {
    this.warn(message, column, kind, this.raw(column));
  }
}

type RecordFactory = (
  cells: readonly (string | undefined)[],
  present: (value: string | undefined) => value is string,
  asDate: (value: string) => string,
) => Record<string, string>;

const isPresent = (value: string | undefined): value is string =>
  value !== undefined && value !== '' && value.trim() !== '';

/**
 * Turns rows of one sheet into `vm.source` records (header -> text, empty cells left out).
 * Numeric cells of the date columns (Excel serial days) are given as ISO strings, since a serial
 * means nothing to a reader of the record.
 *
 * The record objects are built by a function generated once per sheet from its header. V8 keeps
 * an object filled through `record[header] = value` with dozens of keys in dictionary mode, about
 * four times the memory and three times the time of an object whose keys are written as literals
 * (140 MB more for a 10,000-VM export). Header names enter the generated code only as
 * JSON.stringify'd string literals, column numbers as integers: file content is never code.
 */
export class SourceRecordBuilder {
  private readonly factory: RecordFactory;
  private readonly asDate: (value: string) => string;

  constructor(
    private readonly headers: readonly string[],
    dateColumns: ReadonlySet<number>,
    date1904: boolean,
  ) {
    const statements = headers.map((header, column) => {
      const key = JSON.stringify(header);
      const value = dateColumns.has(column) ? `asDate(cells[${column}])` : `cells[${column}]`;
      return `if (present(cells[${column}])) record[${key}] = ${value};`;
    });
    this.factory = new Function(
      'cells',
      'present',
      'asDate',
      `const record = {};\n${statements.join('\n')}\nreturn record;`,
    ) as RecordFactory;
    this.asDate = (value) =>
      SERIAL_NUMBER.test(value) ? (excelSerialToIso(Number(value), date1904) ?? value) : value;
  }

  build(cells: readonly string[]): Record<string, string> {
    const record = this.factory(cells, isPresent, this.asDate);
    // Cells past the header (no column name) are rare; they keep their column letter.
    for (let column = this.headers.length; column < cells.length; column++) {
      const value = cells[column];
      if (isPresent(value)) record[`Column ${columnLetters(column)}`] = value;
    }
    return record;
  }
}
