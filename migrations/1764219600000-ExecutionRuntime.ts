import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the executor keeps per VM besides its phase: the phase handlers' own state (the source
 * VM's moref, when a guest shutdown was asked for...), when the VM wants its next step, the disks
 * the copy scheduler counts (one slot each) and the sizes it orders VMs by (largest disks first).
 */
export class ExecutionRuntime1764219600000 implements MigrationInterface {
  name = 'ExecutionRuntime1764219600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE execution_vms
        ADD COLUMN runtime jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN wake_at timestamptz,
        ADD COLUMN admitted_at timestamptz,
        ADD COLUMN copy_disks jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN largest_disk_bytes bigint NOT NULL DEFAULT 0,
        ADD COLUMN total_bytes bigint NOT NULL DEFAULT 0`);
    await db.query(`
      CREATE INDEX execution_vms_queued ON execution_vms (largest_disk_bytes DESC, total_bytes DESC)
      WHERE status = 'queued'`);
    await db.query('ALTER TABLE copy_slots ADD COLUMN bytes bigint NOT NULL DEFAULT 0');
    await db.query('CREATE INDEX copy_slots_vm ON copy_slots (execution_id, vm_key)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX copy_slots_vm');
    await db.query('ALTER TABLE copy_slots DROP COLUMN bytes');
    await db.query('DROP INDEX execution_vms_queued');
    await db.query(`
      ALTER TABLE execution_vms
        DROP COLUMN total_bytes,
        DROP COLUMN largest_disk_bytes,
        DROP COLUMN copy_disks,
        DROP COLUMN admitted_at,
        DROP COLUMN wake_at,
        DROP COLUMN runtime`);
  }
}
