import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ExecutionSchema1764216000000 implements MigrationInterface {
  name = 'ExecutionSchema1764216000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE executions (
        id uuid PRIMARY KEY,
        plan_id uuid NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        wave_number integer NOT NULL,
        wave_hash text NOT NULL,
        status text NOT NULL,
        spec jsonb NOT NULL,
        requested_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    // A wave runs at most once at a time; a second start is refused by the database itself.
    await db.query(`
      CREATE UNIQUE INDEX executions_one_active_per_wave ON executions (plan_id, wave_number)
      WHERE status IN ('queued', 'running', 'cancelling')`);
    // The database, not the queue, is the truth about each VM: a job only asks "advance this VM".
    await db.query(`
      CREATE TABLE execution_vms (
        execution_id uuid NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
        vm_key text NOT NULL,
        name text NOT NULL,
        target_name text NOT NULL,
        source_host text,
        spec jsonb NOT NULL,
        phase text NOT NULL,
        phase_state text NOT NULL,
        status text NOT NULL,
        attempt integer NOT NULL DEFAULT 0,
        power_state_before text,
        disks jsonb NOT NULL DEFAULT '[]'::jsonb,
        error jsonb,
        cancel_requested boolean NOT NULL DEFAULT false,
        lease_owner text,
        lease_expires_at timestamptz,
        phase_started_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        revision integer NOT NULL DEFAULT 0,
        PRIMARY KEY (execution_id, vm_key)
      )`);
    await db.query('CREATE INDEX execution_vms_status ON execution_vms (status, lease_expires_at)');
    await db.query(`
      CREATE TABLE execution_events (
        id bigserial PRIMARY KEY,
        execution_id uuid NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
        vm_key text,
        at timestamptz NOT NULL DEFAULT now(),
        phase text,
        kind text NOT NULL,
        message text NOT NULL
      )`);
    await db.query('CREATE INDEX execution_events_execution ON execution_events (execution_id, id)');
    // In-flight disk copies: the per-host, per-datastore, per-execution and global limits are
    // counted here, so they hold across every executor replica.
    await db.query(`
      CREATE TABLE copy_slots (
        execution_id uuid NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
        vm_key text NOT NULL,
        disk_index integer NOT NULL,
        source_host text NOT NULL,
        datastore text NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (execution_id, vm_key, disk_index)
      )`);
    await db.query('CREATE INDEX copy_slots_host ON copy_slots (source_host)');
    await db.query('CREATE INDEX copy_slots_datastore ON copy_slots (datastore)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE copy_slots');
    await db.query('DROP TABLE execution_events');
    await db.query('DROP TABLE execution_vms');
    await db.query('DROP TABLE executions');
  }
}
