/**
 * Seeded generator of realistic vSphere estates and the RVTools exports that describe them,
 * for tests, benchmarks and the demo.
 */
export { DEFAULT_AS_OF, DEFAULT_DOMAIN, generateEstate } from './estate-generator.js';
export {
  countTraps,
  type GeneratedRvtoolsFile,
  type GenerateRvtoolsFileOptions,
  generateRvtoolsFile,
  type RvtoolsFileFormat,
} from './generate-rvtools-file.js';
export type * from './model.js';
export {
  csvFileName,
  type RvtoolsCsvOptions,
  type RvtoolsCsvTarget,
  writeRvtoolsCsv,
} from './rvtools-csv-writer.js';
export { RVTOOLS_4X_HEADERS, type RvtoolsSheetName } from './rvtools-headers.js';
export { RVTOOLS_SHEETS, type RvtoolsVariant, sheetColumns } from './rvtools-sheets.js';
export { type RvtoolsWriteOptions, writeRvtoolsXlsx } from './rvtools-xlsx-writer.js';
