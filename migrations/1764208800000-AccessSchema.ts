import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessSchema1764208800000 implements MigrationInterface {
  name = 'AccessSchema1764208800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        roles text[] NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text,
        before jsonb,
        after jsonb
      )`);
    await db.query('CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, id)');
    // Append-only: the audit trail is evidence, so the database itself refuses edits and deletes.
    await db.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER audit_log_no_change ON audit_log');
    await db.query('DROP FUNCTION audit_log_append_only()');
    await db.query('DROP TABLE audit_log');
    await db.query('DROP TABLE api_tokens');
  }
}
