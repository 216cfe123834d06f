import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How the API knows whether an executor is running: each executor's reconcile pass (every 30 s
 * by default, and whenever it starts an execution) writes its row here. Without a recent row, a
 * cancel cannot wait for an executor to clean up, so the API cancels at once what never touched
 * vCenter or the cluster and says the rest waits for an executor.
 */
export class ExecutorHeartbeat1796302600000 implements MigrationInterface {
  name = 'ExecutorHeartbeat1796302600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE executor_heartbeats (
        worker_id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE executor_heartbeats');
  }
}
