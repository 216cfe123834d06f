import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each VM's verdict gains its warm readiness and each summary the count of warm-ready VMs.
 * Verdicts stored before this were made without looking at CBT, snapshots and disk modes for warm
 * migration: they are marked not ready with a reason saying to re-run the assessment, never
 * guessed ready. `warm_ready` is a column so the VM table filters on it in the database.
 */
export class AssessmentWarmReadiness1796306400000 implements MigrationInterface {
  name = 'AssessmentWarmReadiness1796306400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      UPDATE assessment_vms SET data = jsonb_set(data, '{warm}', jsonb_build_object(
        'ready', false,
        'reasons', jsonb_build_array('assessed before warm readiness was checked: run the assessment again')))
      WHERE NOT data ? 'warm'`);
    await db.query(
      `UPDATE assessments SET summary = jsonb_set(summary, '{warmReady}', '0') WHERE NOT summary ? 'warmReady'`,
    );
    await db.query('ALTER TABLE assessment_vms ADD COLUMN warm_ready boolean');
    await db.query(`UPDATE assessment_vms SET warm_ready = (data->'warm'->>'ready')::boolean`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE assessment_vms DROP COLUMN warm_ready');
    await db.query(`UPDATE assessments SET summary = summary - 'warmReady'`);
    await db.query(`UPDATE assessment_vms SET data = data - 'warm'`);
  }
}
