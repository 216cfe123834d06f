import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InventorySchema1764201600000 implements MigrationInterface {
  name = 'InventorySchema1764201600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE inventories (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        file_name text NOT NULL,
        format text NOT NULL,
        rvtools_version text,
        source jsonb NOT NULL,
        summary jsonb NOT NULL,
        diagnostics jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE inventory_vms (
        id bigserial PRIMARY KEY,
        inventory_id uuid NOT NULL REFERENCES inventories(id) ON DELETE CASCADE,
        vm_key text NOT NULL,
        ordinal integer NOT NULL,
        name text NOT NULL,
        moref text,
        uuid text,
        datacenter text,
        cluster text,
        host text,
        power_state text NOT NULL,
        guest_os text,
        template boolean NOT NULL,
        cpus integer NOT NULL,
        memory_mib bigint NOT NULL,
        provisioned_mib bigint,
        data jsonb NOT NULL,
        -- The raw RVTools rows, kept for rules not modelled yet; plain json is much cheaper to write than jsonb.
        source json NOT NULL,
        UNIQUE (inventory_id, vm_key)
      )`);
    // lz4 compresses the large per-VM documents several times faster than the default pglz; servers
    // built without lz4 (embedded PGlite) keep the default.
    await db.query(`
      DO $$ BEGIN
        ALTER TABLE inventory_vms ALTER COLUMN source SET COMPRESSION lz4, ALTER COLUMN data SET COMPRESSION lz4;
      EXCEPTION WHEN others THEN NULL;
      END $$`);
    await db.query('CREATE INDEX inventory_vms_inventory_ordinal ON inventory_vms (inventory_id, ordinal)');
    await db.query(`
      CREATE TABLE inventory_objects (
        inventory_id uuid NOT NULL REFERENCES inventories(id) ON DELETE CASCADE,
        kind text NOT NULL,
        ordinal integer NOT NULL,
        name text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (inventory_id, kind, ordinal)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE inventory_objects');
    await db.query('DROP TABLE inventory_vms');
    await db.query('DROP TABLE inventories');
  }
}
