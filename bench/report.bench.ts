/**
 * npm run bench:report — the 10,000-VM wave report, written from PostgreSQL in its own process
 * (target: under 5 s with peak RSS under 500 MB).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssessmentService, InventoryImportService, PlanningService } from '#libs/application';
import {
  AccessStore,
  AssessmentStore,
  CascadeStore,
  InventoryStore,
  openDatabase,
  PlanStore,
  ROLES,
} from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { createTestDatabase } from '../test/support/database.js';
import { BENCH_DIR, benchWorkbook, measureInChild, table } from './bench-support.js';

const VMS = Number(process.env.BENCH_VMS ?? 10_000);
const principal = { actor: 'bench', roles: [...ROLES] };
const testDb = await createTestDatabase('flotilla_bench');
try {
  const database = await openDatabase({ databaseUrl: testDb.url, migrations: flotillaMigrations });
  const { dataSource } = database;
  const inventories = new InventoryStore(dataSource);
  const assessments = new AssessmentStore(dataSource);
  const access = new AccessStore(dataSource);
  const cascade = new CascadeStore(dataSource);
  const imported = await new InventoryImportService(inventories, access, {
    maxInflatedBytes: 4 * 1024 ** 3,
  }).importFile(await benchWorkbook(VMS));
  const assessment = await new AssessmentService(inventories, assessments, access, cascade).assess(
    imported.inventoryId,
    {},
    principal,
  );
  const plan = await new PlanningService(
    inventories,
    assessments,
    new PlanStore(dataSource),
    access,
    cascade,
  ).create(
    {
      assessmentId: assessment.assessmentId,
      settings: { grouping: { keys: ['rules', 'attribute', 'vapp'], attribute: 'Application' } },
    },
    principal,
  );
  await database.close();

  const out = join(BENCH_DIR, `report-${VMS}.xlsx`);
  const step = fileURLToPath(new URL('./report-step.js', import.meta.url));
  const measured = await measureInChild<{ seconds: number; vms: number; waves: number }>(step, [
    testDb.url,
    plan.id,
    out,
  ]);
  table([
    {
      'VM rows': measured.result.vms,
      waves: measured.result.waves,
      'write (s)': measured.result.seconds.toFixed(2),
      'peak RSS (MiB)': Math.round(measured.maxRssMiB),
      'file (MiB)': (statSync(out).size / 1024 ** 2).toFixed(1),
    },
  ]);
  const ok = measured.result.seconds < 5 && measured.maxRssMiB < 500;
  process.stdout.write(`\ntargets (10,000 VMs: < 5 s, < 500 MB peak RSS): ${ok ? 'met' : 'NOT met'}\n`);
} finally {
  await testDb.drop();
}
