import type { Inventory, InventoryVm } from '#libs/inventory';
import type {
  AccessStore,
  CascadeStore,
  InventoryDetail,
  InventoryRecord,
  InventoryStore,
  Page,
  Principal,
  VmListFilter,
  VmListItem,
} from '#libs/persistence';
import { deleteAudited } from './cascading-delete.js';
import { notFound } from './errors.js';

/** Reading and deleting imported inventories (importing is `InventoryImportService`). */
export class InventoryService {
  constructor(
    private readonly inventories: InventoryStore,
    private readonly cascade: CascadeStore,
    private readonly access: AccessStore,
  ) {}

  list(): Promise<InventoryRecord[]> {
    return this.inventories.list();
  }

  async get(id: string): Promise<InventoryDetail> {
    const inventory = await this.inventories.get(id);
    if (!inventory) throw notFound('Inventory', id);
    return inventory;
  }

  /** The normalized model (without the file's raw rows), for planning and rendering. */
  async loadModel(id: string): Promise<Inventory> {
    const inventory = await this.inventories.load(id, { withSource: false });
    if (!inventory) throw notFound('Inventory', id);
    return inventory;
  }

  async listVms(id: string, filter: VmListFilter, offset: number, limit: number): Promise<Page<VmListItem>> {
    await this.get(id);
    return this.inventories.listVms(id, filter, offset, limit);
  }

  async getVm(id: string, vmRef: string): Promise<InventoryVm & { id: number }> {
    const vm = await this.inventories.getVm(id, vmRef);
    if (!vm) throw notFound(`VM ${vmRef} in inventory`, id);
    return vm;
  }

  /** Refused while an execution beneath it is unfinished; the audit entry counts what went with it. */
  async delete(id: string, principal: Principal): Promise<void> {
    const existing = await this.get(id);
    await deleteAudited(this.cascade, this.access, principal, {
      root: 'inventory',
      id,
      before: { name: existing.name, vms: existing.summary.vms },
    });
  }
}
