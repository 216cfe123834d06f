import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A nudge (a DataVolume finished, a slot granted, a cancel) that finds its VM leased by a step in
 * progress is recorded instead of dropped: that step may have read the cluster before the change,
 * so its commit wakes the VM at once instead of at its own timer (a lost wake-up cost a whole poll
 * interval, minutes in production).
 */
export class ExecutionNudges1796320000000 implements MigrationInterface {
  name = 'ExecutionNudges1796320000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE execution_vms ADD COLUMN nudged_at timestamptz');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE execution_vms DROP COLUMN nudged_at');
  }
}
