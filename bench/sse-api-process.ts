/**
 * The API in a process of its own, so `sse.bench.ts` measures the API's CPU alone (not its 100
 * clients'). Configured by the environment like `npm run start:assessment`; answers `cpu`
 * (process.cpuUsage() in µs) and closes on `stop`.
 */

import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../apps/assessment/src/assessment-app.js';

const app = await createAssessmentApp(loadConfig(), { logger: false });
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address() as { port: number };
process.send?.({ type: 'ready', port: address.port });
process.on('message', async (message: { type: 'cpu' | 'stop' }) => {
  if (message.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
  if (message.type === 'stop') {
    await app.close();
    process.exit(0);
  }
});
