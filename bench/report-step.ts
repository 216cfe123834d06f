/** Child of report.bench.ts: writes one plan's report from PostgreSQL, measured on its own. */
import { ReportService } from '#libs/application';
import { openBenchCore } from './bench-core.js';
import { reportFromChild } from './bench-support.js';

const [databaseUrl, planId, out] = process.argv.slice(2);
if (!databaseUrl || !planId || !out) throw new Error('usage: report-step.js DATABASE_URL PLAN_ID OUT');
const core = await openBenchCore({ DATABASE_URL: databaseUrl, FLOTILLA_MIGRATIONS: 'verify' });
const started = performance.now();
const input = await core.get(ReportService).writeWorkbook(planId, { path: out });
const seconds = (performance.now() - started) / 1000;
await core.close();
reportFromChild({ seconds, vms: input.vms.length, waves: input.waves.length });
