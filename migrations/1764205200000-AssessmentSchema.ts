import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AssessmentSchema1764205200000 implements MigrationInterface {
  name = 'AssessmentSchema1764205200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE policies (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        document jsonb NOT NULL,
        policy_hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
    await db.query(`
      CREATE TABLE assessments (
        id uuid PRIMARY KEY,
        inventory_id uuid NOT NULL REFERENCES inventories(id) ON DELETE CASCADE,
        policy jsonb NOT NULL,
        policy_hash text NOT NULL,
        summary jsonb NOT NULL,
        assessed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX assessments_inventory ON assessments (inventory_id, created_at)');
    await db.query(`
      CREATE TABLE assessment_vms (
        assessment_id uuid NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
        vm_key text NOT NULL,
        ordinal integer NOT NULL,
        name text NOT NULL,
        disposition text NOT NULL,
        out_of_scope text,
        effort text NOT NULL,
        score integer NOT NULL,
        concern_ids text[] NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (assessment_id, vm_key)
      )`);
    await db.query('CREATE INDEX assessment_vms_ordinal ON assessment_vms (assessment_id, ordinal)');
    // Overrides belong to the inventory's VM, not to one assessment, so they survive re-assessment.
    await db.query(`
      CREATE TABLE vm_overrides (
        inventory_id uuid NOT NULL REFERENCES inventories(id) ON DELETE CASCADE,
        vm_key text NOT NULL,
        disposition text NOT NULL,
        comment text NOT NULL,
        set_by text,
        set_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (inventory_id, vm_key)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE vm_overrides');
    await db.query('DROP TABLE assessment_vms');
    await db.query('DROP TABLE assessments');
    await db.query('DROP TABLE policies');
  }
}
