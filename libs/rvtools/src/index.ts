export { parseRvtoolsBoolean, parseRvtoolsDate, parseRvtoolsNumber } from './cell-values.js';
export {
  type RvtoolsImportOptions,
  type RvtoolsInput,
  readRvtoolsInventory,
} from './read-rvtools-inventory.js';
export { RvtoolsImportError, type RvtoolsImportErrorCode } from './rvtools-import-error.js';
export type { RvtoolsProgress } from './rvtools-inventory-builder.js';
