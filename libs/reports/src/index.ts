export { MAX_CELL_TEXT_LENGTH, neutraliseCellText, restoreCellText } from './cell-text.js';
export { type CellRange, type ChartDefinition, rangeReference } from './chart-parts.js';
export type * from './model.js';
export { VM_COLUMNS, WAVE_VM_COLUMNS } from './report-tables.js';
export { OUT_OF_SCOPE, type ScopeTotals, scopeTotals, vmCounts } from './summary-sheet.js';
export type { CsvOptions } from './table-export.js';
export { writeVmsCsv, writeVmsJson, writeWavesCsv, writeWavesJson } from './table-export.js';
export type {
  CutoverEdit,
  MigrationEdit,
  ReadWaveEditsOptions,
  WaveEditMove,
  WaveEditProblem,
  WaveEdits,
  WaveWindowEdit,
} from './wave-edits-reader.js';
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
export { WAVE_SCHEDULE_SHEET } from './wave-schedule.js';
export type { ZipLimits } from './xlsx-table-reader.js';
