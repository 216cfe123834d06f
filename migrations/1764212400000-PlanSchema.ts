import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PlanSchema1764212400000 implements MigrationInterface {
  name = 'PlanSchema1764212400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE plans (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        inventory_id uuid NOT NULL REFERENCES inventories(id) ON DELETE CASCADE,
        assessment_id uuid NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'draft',
        settings jsonb NOT NULL,
        result jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per wave carries the approval: who, when, and the content hash that was approved.
    await db.query(`
      CREATE TABLE plan_waves (
        plan_id uuid NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        number integer NOT NULL,
        status text NOT NULL DEFAULT 'draft',
        content_hash text NOT NULL,
        approved_hash text,
        approved_by text,
        approved_at timestamptz,
        PRIMARY KEY (plan_id, number)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE plan_waves');
    await db.query('DROP TABLE plans');
  }
}
