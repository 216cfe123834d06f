import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Warm migration's cutover time per execution: set from the wave's booked cutover when it starts,
 * moved (or brought to "now") by an operator. Warm VMs pre-copy until it passes, then cut over.
 */
export class ExecutionCutover1796310000000 implements MigrationInterface {
  name = 'ExecutionCutover1796310000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE executions ADD COLUMN cutover_at timestamptz');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE executions DROP COLUMN cutover_at');
  }
}
