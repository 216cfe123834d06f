import { basename } from 'node:path';
import type { Inventory } from '#libs/inventory';
import { type RvtoolsReadLimits, resolveReadLimits } from './read-limits.js';
import { RvtoolsInventoryBuilder, type RvtoolsProgress } from './rvtools-inventory-builder.js';
import { openRvtoolsSource } from './rvtools-source.js';

export interface RvtoolsInput {
  /** Where the export is on disk: an .xlsx, a zip or folder of RVTools CSV files, or one CSV. */
  path: string;
  /** Name as uploaded, used in the inventory and in error messages (default: the path's base name). */
  fileName?: string;
}

/** Read limits (see RvtoolsReadLimits; unset ones keep DEFAULT_READ_LIMITS) and a progress callback. */
export interface RvtoolsImportOptions extends Partial<RvtoolsReadLimits> {
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
  const { onProgress, ...limits } = options;
  const source = await openRvtoolsSource(input.path, fileName, resolveReadLimits(limits));
  try {
    return await new RvtoolsInventoryBuilder(source, fileName, onProgress).build();
  } finally {
    await source.close();
  }
}
