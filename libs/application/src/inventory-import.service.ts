import { basename } from 'node:path';
import { type ImportDiagnostic, type InventorySummary, summarizeInventory } from '#libs/inventory';
import type { AccessStore, InventoryStore, Principal } from '#libs/persistence';
import { RvtoolsImportError, readRvtoolsInventory } from '#libs/rvtools';
import { UserFacingError } from './errors.js';

export interface ImportOptions {
  /** Display name; defaults to the file name. */
  name?: string | undefined;
  /** The name the user gave the file (uploads arrive under a temporary path). */
  fileName?: string | undefined;
  onProgress?: ((progress: { sheet: string; rows: number }) => void) | undefined;
  /** Who imports: the audit log records the import under their name. */
  principal?: Principal | undefined;
}

export interface ImportResult {
  inventoryId: string;
  name: string;
  fileName: string;
  format: string;
  rvtoolsVersion: string | null;
  summary: InventorySummary;
  diagnostics: ImportDiagnostic[];
}

const TOO_LARGE_CODES = new Set(['too-large']);

/** Reads an RVTools export and stores it; a failure stores nothing. */
export class InventoryImportService {
  constructor(
    private readonly store: InventoryStore,
    private readonly access: AccessStore,
    private readonly limits: { maxInflatedBytes: number },
  ) {}

  async importFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
    const fileName = options.fileName ?? basename(path);
    let inventory: Awaited<ReturnType<typeof readRvtoolsInventory>>;
    try {
      inventory = await readRvtoolsInventory(
        { path, fileName },
        { maxInflatedBytes: this.limits.maxInflatedBytes, onProgress: options.onProgress },
      );
    } catch (error) {
      if (error instanceof RvtoolsImportError) {
        throw new UserFacingError(
          TOO_LARGE_CODES.has(error.code) ? 'too-large' : 'invalid-input',
          error.message,
          error.code,
        );
      }
      throw error;
    }
    const summary = summarizeInventory(inventory);
    const name = options.name?.trim() || fileName;
    const inventoryId = await this.store.save(inventory, name, summary);
    if (options.principal) {
      await this.access.appendAudit({
        actor: options.principal.actor,
        action: 'inventory.import',
        resourceType: 'inventory',
        resourceId: inventoryId,
        after: { name, fileName, vms: summary.vms },
      });
    }
    return {
      inventoryId,
      name,
      fileName,
      format: inventory.source.format,
      rvtoolsVersion: inventory.source.rvtoolsVersion,
      summary,
      diagnostics: inventory.diagnostics,
    };
  }
}
