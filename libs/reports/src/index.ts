export { MAX_CELL_TEXT_LENGTH, neutraliseCellText, restoreCellText } from './cell-text.js';
export type { ChartImage } from './charts.js';
export { renderDataPerWaveChart, renderDispositionChart } from './charts.js';
export type * from './model.js';
export { RasterCanvas } from './png-canvas.js';
export { VM_COLUMNS, WAVE_VM_COLUMNS } from './report-tables.js';
export type { CsvOptions } from './table-export.js';
export { writeVmsCsv, writeVmsJson, writeWavesCsv, writeWavesJson } from './table-export.js';
export type { ReadWaveEditsOptions, WaveEditMove, WaveEditProblem, WaveEdits } from './wave-edits-reader.js';
export { readWaveEdits, WaveReportReadError } from './wave-edits-reader.js';
export type { WaveReportOptions } from './wave-report-writer.js';
export {
  MAX_WAVE_SHEETS,
  PLAN_SHEET,
  SHEET_NAMES,
  WAVE_REPORT_FORMAT,
  WaveReportInputError,
  waveSheetName,
  writeWaveReport,
} from './wave-report-writer.js';
export type { ZipLimits } from './xlsx-table-reader.js';
