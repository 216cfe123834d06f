import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only trigger of AccessSchema covers UPDATE and DELETE, which fire per row; TRUNCATE
 * fires no row trigger, so `TRUNCATE audit_log` emptied the trail. A statement trigger refuses it.
 * Still able to bypass it: the table owner (it can drop or disable the triggers), a superuser,
 * and any session with `session_replication_role = replica` (which skips ordinary triggers).
 */
export class AuditLogNoTruncate1796298963249 implements MigrationInterface {
  name = 'AuditLogNoTruncate1796298963249';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER audit_log_no_truncate ON audit_log');
  }
}
