import { basename } from 'node:path';
import { type ImportDiagnostic, type InventorySummary, summarizeInventory } from '#libs/inventory';
import type { AccessStore, InventoryStore, Principal } from '#libs/persistence';
import type { RvtoolsProgress, RvtoolsReadLimits } from '#libs/rvtools';
import {
  DEFAULT_PARSE_BUDGET,
  type ParseBudget,
  type ParseLimits,
  parseInventoryInSandbox,
  splitParseLimits,
} from './upload-parse-sandbox.js';

export interface ImportOptions {
  /** Display name; defaults to the file name. */
  name?: string | undefined;
  /** The name the user gave the file (uploads arrive under a temporary path). */
  fileName?: string | undefined;
  /** Hears the reading: sheet, rows, VMs found, bytes inflated (every few thousand rows and per sheet). */
  onProgress?: ((progress: RvtoolsProgress) => void) | undefined;
  /** Hears the storing, once read: VMs written so far out of all, after each batch. */
  onVmsStored?: ((stored: number, total: number) => void) | undefined;
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

/**
 * What one import may cost: the reader's limits (unset ones keep the rvtools defaults) and the
 * parsing worker's heap and deadline (unset ones keep DEFAULT_PARSE_BUDGET).
 */
export type ImportLimits = ParseLimits;

/**
 * Reads an RVTools export and stores it; a failure stores nothing. The file is parsed in a worker
 * thread with its own heap and deadline (a hostile upload fails its own import with 413/422, the
 * API keeps serving); the inventory it returns is stored in one transaction.
 */
export class InventoryImportService {
  private readonly readLimits: Partial<RvtoolsReadLimits>;
  private readonly budget: ParseBudget;

  constructor(
    private readonly store: InventoryStore,
    private readonly access: AccessStore,
    limits: ImportLimits = {},
  ) {
    ({ readLimits: this.readLimits, budget: this.budget } = splitParseLimits(limits, DEFAULT_PARSE_BUDGET));
  }

  async importFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
    const fileName = options.fileName ?? basename(path);
    const inventory = await parseInventoryInSandbox(
      { path, fileName, limits: this.readLimits },
      this.budget,
      options.onProgress,
    );
    const summary = summarizeInventory(inventory);
    const name = options.name?.trim() || fileName;
    const onVmsStored = options.onVmsStored;
    onVmsStored?.(0, inventory.vms.length);
    const inventoryId = await this.store.save(
      inventory,
      name,
      summary,
      onVmsStored && ((stored) => onVmsStored(stored, inventory.vms.length)),
    );
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
