import type { CellStyle } from './streaming-workbook.js';

/**
 * Shared style objects. exceljs caches a style id per style object, so every cell of a kind
 * points at the same object rather than a copy.
 */

export const NUMBER_FORMATS = {
  integer: '#,##0',
  gib: '#,##0.0',
  hours: '0.0',
  percent: '0.0%',
  date: 'yyyy-mm-dd hh:mm',
} as const;

const solid = (argb: string) => ({ type: 'pattern' as const, pattern: 'solid' as const, fgColor: { argb } });

export const STYLES = {
  header: {
    font: { bold: true, color: { argb: 'FFFFFFFF' } },
    fill: solid('FF305496'),
    alignment: { vertical: 'middle' },
  },
  title: { font: { bold: true, size: 14 } },
  section: { font: { bold: true, size: 12, color: { argb: 'FF305496' } } },
  label: { font: { bold: true } },
  integer: { numFmt: NUMBER_FORMATS.integer },
  gib: { numFmt: NUMBER_FORMATS.gib },
  hours: { numFmt: NUMBER_FORMATS.hours },
  percent: { numFmt: NUMBER_FORMATS.percent },
  date: { numFmt: NUMBER_FORMATS.date },
  link: { font: { color: { argb: 'FF0563C1' }, underline: true } },
} satisfies Record<string, CellStyle>;

/** Fills that match Excel's built-in good / neutral / bad cell styles. */
export const DISPOSITION_STYLES: Readonly<Record<string, CellStyle>> = {
  rehost: { fill: solid('FFC6EFCE'), font: { color: { argb: 'FF006100' } } },
  retain: { fill: solid('FFFFEB9C'), font: { color: { argb: 'FF9C5700' } } },
  retire: { fill: solid('FFD9D9D9'), font: { color: { argb: 'FF404040' } } },
};

export const SEVERITY_STYLES: Readonly<Record<string, CellStyle>> = {
  critical: { fill: solid('FFFFC7CE'), font: { color: { argb: 'FF9C0006' } } },
  warning: { fill: solid('FFFFEB9C'), font: { color: { argb: 'FF9C5700' } } },
  info: { fill: solid('FFDDEBF7'), font: { color: { argb: 'FF1F4E78' } } },
};
