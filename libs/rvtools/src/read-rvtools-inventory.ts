import { basename } from 'node:path';
import type { Inventory } from '#libs/inventory';
import { RvtoolsInventoryBuilder, type RvtoolsProgress } from './rvtools-inventory-builder.js';
import { openRvtoolsSource } from './rvtools-source.js';
import { DEFAULT_ZIP_LIMITS } from './zip-archive.js';

export interface RvtoolsInput {
  /** Where the export is on disk: an .xlsx, a zip or folder of RVTools CSV files, or one CSV. */
  path: string;
  /** Name as uploaded, used in the inventory and in error messages (default: the path's base name). */
  fileName?: string;
}

export interface RvtoolsImportOptions {
  /** Cap on the bytes a zip (xlsx) may inflate to, declared and actual. Default 1 GiB. */
  maxInflatedBytes?: number;
  /** Cap on the number of entries of a zip (or files of a folder). Default 10,000. */
  maxEntries?: number;
  /** Called every few thousand rows and at the end of each sheet read. */
  onProgress?: (progress: RvtoolsProgress) => void;
}

/**
 * Reads an RVTools export into the normalized inventory. Throws RvtoolsImportError when the file
 * cannot be an RVTools export at all; everything else (unreadable values, rows of unknown VMs,
 * duplicate VM IDs, missing sheets) is reported in `inventory.diagnostics`.
 */
export async function readRvtoolsInventory(
  input: RvtoolsInput,
  options: RvtoolsImportOptions = {},
): Promise<Inventory> {
  const fileName = input.fileName ?? basename(input.path);
  const source = await openRvtoolsSource(input.path, fileName, {
    maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_ZIP_LIMITS.maxInflatedBytes,
    maxEntries: options.maxEntries ?? DEFAULT_ZIP_LIMITS.maxEntries,
  });
  try {
    return await new RvtoolsInventoryBuilder(source, fileName, options.onProgress).build();
  } finally {
    await source.close();
  }
}
