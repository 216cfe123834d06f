export { parseRvtoolsBoolean, parseRvtoolsDate, parseRvtoolsNumber } from './cell-values.js';
export {
  DEFAULT_READ_LIMITS,
  EXCEL_MAX_CELL_CHARS,
  EXCEL_MAX_ROWS,
  MAX_XML_TOKEN_CHARS,
  type RvtoolsReadLimits,
} from './read-limits.js';
export {
  type RvtoolsImportOptions,
  type RvtoolsInput,
  readRvtoolsInventory,
} from './read-rvtools-inventory.js';
export { RvtoolsImportError, type RvtoolsImportErrorCode } from './rvtools-import-error.js';
export type { RvtoolsProgress } from './rvtools-inventory-builder.js';
export type { CellKind, ReadSheetOptions, SheetRowVisitor } from './sheet-source.js';
export { openXlsxSheets, type XlsxSheets } from './xlsx-sheets.js';
