import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each export was written (read from the export: vMetaData, else its file name, else its
 * newest timestamp) and the instant each assessment counted ages to. An estate is described as it
 * was on its export's day: power-off and snapshot ages count to that day, not to the assessment's.
 * Inventories imported earlier keep a null date (their assessments count to their own time).
 */
export class ExportDates1796302563249 implements MigrationInterface {
  name = 'ExportDates1796302563249';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE inventories
        ADD COLUMN exported_at timestamptz,
        ADD COLUMN exported_at_basis text`);
    await db.query(`
      ALTER TABLE assessments
        ADD COLUMN counted_to timestamptz,
        ADD COLUMN counted_to_basis text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE assessments DROP COLUMN counted_to_basis, DROP COLUMN counted_to');
    await db.query('ALTER TABLE inventories DROP COLUMN exported_at_basis, DROP COLUMN exported_at');
  }
}
