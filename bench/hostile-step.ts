/**
 * The assessment API on PostgreSQL for one hostile upload, run in a child process by
 * hostile.bench.ts so that its peak RSS (API and parsing worker together) is its own: prints
 * `{"url": …}` once listening, and its `process.resourceUsage()` once its stdin closes.
 *   hostile-step.js DATABASE_URL TOKEN
 */
import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../apps/assessment/src/assessment-app.js';
import { reportFromChild } from './bench-support.js';

const [databaseUrl, token] = process.argv.slice(2);
if (!databaseUrl || !token) throw new Error('usage: hostile-step.js DATABASE_URL TOKEN');

const config = loadConfig({
  DATABASE_URL: databaseUrl,
  FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: token,
  FLOTILLA_UPLOAD_LIMIT_MB: '512',
  LOG_LEVEL: 'silent',
});
const app = await createAssessmentApp(config, { logger: false });
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void app.close().then(() => reportFromChild({}));
});
