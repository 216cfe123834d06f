import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The assessment table filters by cluster and OS family and sorts by OS: both become columns of
 * assessment_vms (filled at insert) so the database filters and orders them instead of reading each
 * row's JSON. Rows of earlier assessments are backfilled from their verdict and their inventory VM.
 */
export class AssessmentVmFacets1796305000000 implements MigrationInterface {
  name = 'AssessmentVmFacets1796305000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE assessment_vms ADD COLUMN cluster text, ADD COLUMN os_family text');
    await db.query(`UPDATE assessment_vms SET os_family = data->'os'->>'family'`);
    await db.query(`
      UPDATE assessment_vms av SET cluster = iv.cluster
      FROM assessments a, inventory_vms iv
      WHERE a.id = av.assessment_id AND iv.inventory_id = a.inventory_id AND iv.vm_key = av.vm_key`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE assessment_vms DROP COLUMN os_family, DROP COLUMN cluster');
  }
}
