/** Child of report.bench.ts: writes one plan's report from PostgreSQL, measured on its own. */
import { PlanningService, ReportService } from '#libs/application';
import {
  AccessStore,
  AssessmentStore,
  CascadeStore,
  InventoryStore,
  openDatabase,
  PlanStore,
} from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { reportFromChild } from './bench-support.js';

const [databaseUrl, planId, out] = process.argv.slice(2);
if (!databaseUrl || !planId || !out) throw new Error('usage: report-step.js DATABASE_URL PLAN_ID OUT');
const database = await openDatabase({ databaseUrl, migrations: flotillaMigrations, migrationMode: 'verify' });
const { dataSource } = database;
const inventories = new InventoryStore(dataSource);
const assessments = new AssessmentStore(dataSource);
const access = new AccessStore(dataSource);
const planning = new PlanningService(
  inventories,
  assessments,
  new PlanStore(dataSource),
  access,
  new CascadeStore(dataSource),
);
const started = performance.now();
const input = await new ReportService(inventories, assessments, planning, access).writeWorkbook(planId, {
  path: out,
});
const seconds = (performance.now() - started) / 1000;
await database.close();
reportFromChild({ seconds, vms: input.vms.length, waves: input.waves.length });
