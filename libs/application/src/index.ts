export { notFound, type UserErrorKind, UserFacingError } from './errors.js';
export { type ImportOptions, type ImportResult, InventoryImportService } from './inventory-import.service.js';
