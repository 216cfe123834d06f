import type { CellStyle, SheetCell } from './streaming-workbook.js';

const MIN_WIDTH = 6;
const MAX_WIDTH = 60;

function numberLength(value: number, decimals: number): number {
  const abs = Math.abs(value);
  const digits = abs < 1 ? 1 : Math.floor(Math.log10(abs)) + 1;
  return digits + Math.floor((digits - 1) / 3) + (decimals > 0 ? decimals + 1 : 0) + (value < 0 ? 1 : 0);
}

function displayLength(value: SheetCell, style: CellStyle | undefined): number {
  if (value === null) return 0;
  if (typeof value === 'number') {
    const format = style?.numFmt ?? '';
    return numberLength(value, format.includes('.0') ? 1 : format === '' ? 2 : 0);
  }
  if (typeof value === 'boolean') return 5;
  if (value instanceof Date) return 16;
  const text = typeof value === 'string' ? value : value.text;
  if (!text.includes('\n')) return text.length;
  return Math.max(...text.split('\n').map((line) => line.length));
}

/** Column widths from the longest content seen, with room for the autofilter button. */
export class ColumnWidths {
  private readonly lengths: number[] = [];

  see(values: readonly SheetCell[], styles?: readonly (CellStyle | undefined)[], extra = 0): void {
    for (let i = 0; i < values.length; i++) {
      const length = displayLength(values[i], styles?.[i]) + extra;
      if (length > (this.lengths[i] ?? 0)) this.lengths[i] = length;
    }
  }

  widths(count = this.lengths.length): number[] {
    return Array.from({ length: count }, (_, i) => {
      const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, (this.lengths[i] ?? 0) + 2));
      // exceljs drops a column whose width is exactly its default of 9, and Excel's is 8.43.
      return width === 9 ? 10 : width;
    });
  }
}
