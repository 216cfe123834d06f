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
    source: { type: 'jsonb' },
    summary: { type: 'jsonb' },
    diagnostics: { type: 'jsonb' },
    createdAt: { type: 'timestamptz', name: 'created_at', createDate: true },
  },
});

export interface PolicyRow {
  id: string;
  name: string;
  document: unknown;
  policyHash: string;
  updatedAt: Date;
  updatedBy: string | null;
}

export const PolicyEntity = new EntitySchema<PolicyRow>({
  name: 'Policy',
  tableName: 'policies',
  columns: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text', unique: true },
    document: { type: 'jsonb' },
    policyHash: { type: 'text', name: 'policy_hash' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
    updatedBy: { type: 'text', name: 'updated_by', nullable: true },
  },
});

export interface AssessmentRow {
  id: string;
  inventoryId: string;
  policy: unknown;
  policyHash: string;
  summary: unknown;
  assessedAt: Date;
  createdAt: Date;
}

export const AssessmentEntity = new EntitySchema<AssessmentRow>({
  name: 'Assessment',
  tableName: 'assessments',
  columns: {
    id: { type: 'uuid', primary: true },
    inventoryId: { type: 'uuid', name: 'inventory_id' },
    policy: { type: 'jsonb' },
    policyHash: { type: 'text', name: 'policy_hash' },
    summary: { type: 'jsonb' },
    assessedAt: { type: 'timestamptz', name: 'assessed_at' },
    createdAt: { type: 'timestamptz', name: 'created_at', createDate: true },
  },
});

export interface VmOverrideRow {
  inventoryId: string;
  vmKey: string;
  disposition: string;
  comment: string;
  setBy: string | null;
  setAt: Date;
}

export const VmOverrideEntity = new EntitySchema<VmOverrideRow>({
  name: 'VmOverride',
  tableName: 'vm_overrides',
  columns: {
    inventoryId: { type: 'uuid', name: 'inventory_id', primary: true },
    vmKey: { type: 'text', name: 'vm_key', primary: true },
    disposition: { type: 'text' },
    comment: { type: 'text' },
    setBy: { type: 'text', name: 'set_by', nullable: true },
    setAt: { type: 'timestamptz', name: 'set_at' },
  },
});

export const flotillaEntities = [InventoryEntity, PolicyEntity, AssessmentEntity, VmOverrideEntity];
