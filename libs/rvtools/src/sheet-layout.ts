import { type FieldAliases, normalizeHeader } from './header-normalization.js';
import { INTERNAL_HEADER_ALIASES } from './rvtools-columns.js';

/** Some CSV exports name custom attribute columns `vInfo_tags_<attribute>`. */
const TAGGED_ATTRIBUTE = /^[a-z]+_tags_(.+)$/i;

/**
 * The header row of one sheet: display names for the source records, normalized keys for
 * matching fields by name (never by position), and custom-attribute names where the export spells
 * them out. RVTools CSV exports may prefix every header with the tab name (`vInfoVMName`,
 * `vDiskCapacityMiB`); such headers are mapped back to the workbook spellings.
 */
export class SheetLayout {
  /** Header text as written (trimmed); blank headers become `Column CB`; repeats get ` (2)`. */
  readonly headers: string[];
  /** Normalized key per column ('' for a blank header). */
  readonly keys: string[];
  /** Custom attribute name per column when the header itself says it is one (`vInfo_tags_X`). */
  readonly taggedAttributes: (string | null)[];
  private readonly firstIndexByKey = new Map<string, number>();

  constructor(sheet: string, headerCells: readonly string[]) {
    const prefix = normalizeHeader(sheet);
    const raw = headerCells.map((cell) => cell.trim());
    const normalized = raw.map(normalizeHeader);
    const nonBlank = normalized.filter((key) => key !== '');
    const prefixed = nonBlank.filter((key) => key.length > prefix.length && key.startsWith(prefix)).length;
    const internalNames = prefix.length > 0 && nonBlank.length > 0 && prefixed * 2 >= nonBlank.length;
    const internalAliases = INTERNAL_HEADER_ALIASES.get(prefix);

    this.headers = [];
    this.keys = [];
    this.taggedAttributes = [];
    const seenHeaders = new Map<string, number>();
    raw.forEach((header, index) => {
      let display = header === '' ? `Column ${columnLetters(index)}` : header;
      const repeat = seenHeaders.get(display) ?? 0;
      seenHeaders.set(display, repeat + 1);
      if (repeat > 0) display = `${display} (${repeat + 1})`;
      this.headers.push(display);

      const tagged = TAGGED_ATTRIBUTE.exec(header);
      this.taggedAttributes.push(tagged ? tagged[1] : null);
      let key = normalized[index];
      if (internalNames && !tagged && key.startsWith(prefix) && key.length > prefix.length) {
        const rest = key.slice(prefix.length);
        key = internalAliases?.get(rest) ?? INTERNAL_HEADER_ALIASES.get('*')?.get(rest) ?? rest;
      }
      this.keys.push(key);
      if (key !== '' && !this.firstIndexByKey.has(key)) this.firstIndexByKey.set(key, index);
    });
  }

  /** Column index of a field, or -1 when the sheet does not have it. */
  column(aliases: FieldAliases): number {
    for (const alias of aliases) {
      const index = this.firstIndexByKey.get(alias);
      if (index !== undefined) return index;
    }
    return -1;
  }

  /** Column indexes of every field of a table, -1 for the absent ones. */
  columns<T extends Record<string, FieldAliases>>(fields: T): Record<keyof T, number> {
    const result = {} as Record<keyof T, number>;
    for (const name of Object.keys(fields) as (keyof T)[]) result[name] = this.column(fields[name]);
    return result;
  }

  /** Index of the first column whose key is one of `keys`, at or after `from`; -1 if none. */
  indexOfAny(keys: ReadonlySet<string>, from = 0): number {
    for (let index = from; index < this.keys.length; index++) if (keys.has(this.keys[index])) return index;
    return -1;
  }
}

/** 0 -> `A`, 27 -> `AB`. */
export function columnLetters(index: number): string {
  let letters = '';
  let rest = index + 1;
  while (rest > 0) {
    const digit = (rest - 1) % 26;
    letters = String.fromCharCode(65 + digit) + letters;
    rest = Math.floor((rest - 1) / 26);
  }
  return letters;
}
