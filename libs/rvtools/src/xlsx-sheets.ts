import { type RvtoolsReadLimits, resolveReadLimits } from './read-limits.js';
import { RvtoolsImportError } from './rvtools-import-error.js';
import type { ReadSheetOptions, SheetRowVisitor } from './sheet-source.js';
import { findWorkbookPart, XlsxWorkbookReader } from './xlsx-workbook-reader.js';
import { ZipArchive } from './zip-archive.js';

/** Any xlsx workbook, sheet by sheet, read with the same bounds as an RVTools import. */
export interface XlsxSheets {
  readonly sheetNames: readonly string[];
  /** Streams a sheet's rows to `visitor`; the sheet must be one of `sheetNames`. */
  readSheet(sheetName: string, visitor: SheetRowVisitor, options?: ReadSheetOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens an xlsx workbook (whoever wrote it: Excel, LibreOffice, exceljs) with the bounded reader
 * of the RVTools import, for other uploads such as the wave-report load-back. Failures are
 * RvtoolsImportError: `corrupt-zip` (not a zip, damaged), `not-a-workbook`, `unsupported-format`,
 * `too-large` (a limit, naming the file, sheet and limit).
 */
export async function openXlsxSheets(
  path: string,
  fileName: string,
  limits: Partial<RvtoolsReadLimits> = {},
): Promise<XlsxSheets> {
  const resolved = resolveReadLimits(limits);
  const archive = await ZipArchive.open(path, fileName, resolved);
  try {
    const workbookPart = await findWorkbookPart(archive, fileName);
    if (!workbookPart) {
      throw new RvtoolsImportError(
        'not-a-workbook',
        `"${fileName}" is not an xlsx workbook: it has no workbook part (xl/workbook.xml).`,
        fileName,
      );
    }
    return await XlsxWorkbookReader.open(archive, workbookPart, fileName, resolved);
  } catch (error) {
    archive.close();
    throw error;
  }
}
