import { EntitySchema } from 'typeorm';

/**
 * Table mappings. Schema changes happen only in migrations/; these schemas describe the
 * tables for TypeORM's repositories and are never used to synchronize.
 */
export interface InventoryRow {
  id: string;
  name: string;
  fileName: string;
  format: string;
  rvtoolsVersion: string | null;
  exportedAt: Date | null;
  exportedAtBasis: string | null;
  source: unknown;
  summary: unknown;
  diagnostics: unknown;
  createdAt: Date;
}

export const InventoryEntity = new EntitySchema<InventoryRow>({
  name: 'Inventory',
  tableName: 'inventories',
  columns: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    fileName: { type: 'text', name: 'file_name' },
    format: { type: 'text' },
    rvtoolsVersion: { type: 'text', name: 'rvtools_version', nullable: true },
    exportedAt: { type: 'timestamptz', name: 'exported_at', nullable: true },
    exportedAtBasis: { type: 'text', name: 'exported_at_basis', nullable: true },
    source: { type: 'jsonb' },
    summary: { type: 'jsonb' },
    diagnostics: { type: 'jsonb' },
    createdAt: { type: 'timestamptz', name: 'created_at', createDate: true },
  },
});

/**
 * The stores speak SQL through the data source for bulk writes and filtered reads; an entity is
 * mapped where TypeORM's repository API is the simpler tool.
 */
export const flotillaEntities = [InventoryEntity];
