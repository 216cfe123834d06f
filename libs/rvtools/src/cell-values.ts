/**
 * Parsing of RVTools cell text. Each parser returns the value, `null` when the cell is empty, or
 * `undefined` when the text is present but cannot be read (the caller records a diagnostic).
 */

const PLAIN_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const COMMA_THOUSANDS = /^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const DOT_THOUSANDS = /^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;
const SPACE_THOUSANDS = /^[-+]?\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d+)?$/;
const DECIMAL_COMMA = /^[-+]?\d+,\d+$/;

/**
 * Numbers as xlsx stores them (`12288`, `5.2669506072998`, `1E-3`) and as CSV exports write them:
 * `"16,384"` (thousands separators, which legacy RVTools CSV has), `16.384,5` and `16 384` from
 * other locales, `1,5` with a decimal comma.
 */
export function parseRvtoolsNumber(raw: string): number | null | undefined {
  const text = raw.trim();
  if (text === '') return null;
  let normalized: string;
  if (PLAIN_NUMBER.test(text)) normalized = text;
  else if (COMMA_THOUSANDS.test(text)) normalized = text.replace(/,/g, '');
  else if (DOT_THOUSANDS.test(text)) normalized = text.replace(/\./g, '').replace(',', '.');
  else if (SPACE_THOUSANDS.test(text)) normalized = text.replace(/[ \u00a0\u202f']/g, '').replace(',', '.');
  else if (DECIMAL_COMMA.test(text)) normalized = text.replace(',', '.');
  else return undefined;
  const value = Number(normalized);
  return Number.isFinite(value) ? value : undefined;
}

const TRUE_WORDS = new Set(['true', 'yes', '1', 'on', 'enabled']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'off', 'disabled']);

/** `True` / `False` / `TRUE` (and yes/no, 1/0); empty is null (the export did not say). */
export function parseRvtoolsBoolean(raw: string): boolean | null | undefined {
  const text = raw.trim().toLowerCase();
  if (text === '') return null;
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}

const MS_PER_DAY = 86_400_000;
/** Days from 1899-12-30 (Excel's day 0, after its 1900 leap-year bug) to 1970-01-01. */
const EXCEL_EPOCH_OFFSET_DAYS = 25_569;
/** The 1904 date system (old Mac Excel) starts 1462 days later. */
const EXCEL_1904_OFFSET_DAYS = 1_462;
/** Serial of 9999-12-31, the last date Excel can show. */
const EXCEL_MAX_SERIAL = 2_958_465;

/** An Excel serial day number (`45762.218`) as an ISO UTC string. */
export function excelSerialToIso(serial: number, date1904 = false): string | undefined {
  // Serial 60 and below fall before Excel's phantom 1900-02-29; RVTools never writes such dates.
  if (!Number.isFinite(serial) || serial <= 60 || serial > EXCEL_MAX_SERIAL) return undefined;
  const days = serial - EXCEL_EPOCH_OFFSET_DAYS + (date1904 ? EXCEL_1904_OFFSET_DAYS : 0);
  return new Date(Math.round(days * MS_PER_DAY)).toISOString();
}

const ISO_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const YMD_SLASH = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const DMY_OR_MDY =
  /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?$/;

function utcIso(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  millisecond = 0,
): string | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const time = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const date = new Date(time);
  // Date.UTC rolls 31 April over into May; a date that rolled over was not a date.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  return date.toISOString();
}

const toInt = (value: string | undefined): number => (value === undefined ? 0 : Number.parseInt(value, 10));

/**
 * Dates as RVTools exports them, read as UTC because RVTools writes the exporting machine's local
 * time without a zone: xlsx serial numbers, ISO strings (`2017-11-28T19:32:21.560802Z`, honouring
 * an explicit offset), `2017/11/28 16:14:28`, US `4/15/2025 5:14:12 AM` and European
 * `15.04.2025 05:14:12` / `15/04/2025 05:14`. A day-month order that is ambiguous (both parts up
 * to 12) is read month-first with AM/PM (the US format) and day-first without.
 */
export function parseRvtoolsDate(raw: string, date1904 = false): string | null | undefined {
  const text = raw.trim();
  if (text === '') return null;
  if (PLAIN_NUMBER.test(text)) return excelSerialToIso(Number(text), date1904);

  let match = ISO_DATE.exec(text);
  if (match) {
    const fraction = match[7] ? Math.round(Number(`0.${match[7]}`) * 1000) : 0;
    const local = utcIso(
      toInt(match[1]),
      toInt(match[2]),
      toInt(match[3]),
      toInt(match[4]),
      toInt(match[5]),
      toInt(match[6]),
      Math.min(fraction, 999),
    );
    if (local === undefined) return undefined;
    const zone = match[8];
    if (!zone || zone.toUpperCase() === 'Z') return local;
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = sign * (toInt(digits.slice(0, 2)) * 60 + toInt(digits.slice(2, 4)));
    return new Date(Date.parse(local) - offsetMinutes * 60_000).toISOString();
  }

  match = YMD_SLASH.exec(text);
  if (match) {
    return utcIso(
      toInt(match[1]),
      toInt(match[2]),
      toInt(match[3]),
      toInt(match[4]),
      toInt(match[5]),
      toInt(match[6]),
    );
  }

  match = DMY_OR_MDY.exec(text);
  if (match) {
    const first = toInt(match[1]);
    const second = toInt(match[3]);
    const meridiem = match[8]?.replace(/\./g, '').toLowerCase();
    let monthFirst: boolean;
    if (first > 12) monthFirst = false;
    else if (second > 12) monthFirst = true;
    else monthFirst = meridiem !== undefined;
    let hour = toInt(match[5]);
    if (meridiem !== undefined) {
      if (hour < 1 || hour > 12) return undefined;
      if (meridiem === 'pm' && hour < 12) hour += 12;
      if (meridiem === 'am' && hour === 12) hour = 0;
    }
    return utcIso(
      toInt(match[4]),
      monthFirst ? first : second,
      monthFirst ? second : first,
      hour,
      toInt(match[6]),
      toInt(match[7]),
    );
  }
  return undefined;
}
