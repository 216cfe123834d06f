import { afterEach, describe, expect, it } from 'vitest';
import { createFlotillaMetrics } from './metrics.js';
import { type ProbeServer, startProbeServer } from './probe-server.js';
import { runReadinessChecks } from './readiness.js';

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const get = async (path: string) => {
  const response = await fetch(`http://127.0.0.1:${server?.port}${path}`);
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
};

describe('startProbeServer', () => {
  it('answers liveness, readiness with per-check status, and metrics', async () => {
    let redisUp = true;
    server = await startProbeServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createFlotillaMetrics({ component: 'executor', defaultMetrics: false }),
      ready: () =>
        runReadinessChecks({
          database: async () => undefined,
          redis: async () => {
            if (!redisUp) throw new Error('connect ECONNREFUSED redis://:pw@redis:6379');
          },
        }),
    });
    expect((await get('/healthz')).status).toBe(200);
    expect(JSON.parse((await get('/readyz')).text)).toEqual({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok' },
    });
    redisUp = false;
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text)).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', redis: 'failed' },
    });
    expect(notReady.text).not.toContain('pw');
    const metrics = await get('/metrics');
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.text).toContain('flotilla_queue_jobs');
    expect((await get('/nope')).status).toBe(404);
  });

  it('reports not ready once draining, while staying alive', async () => {
    server = await startProbeServer({ port: 0, host: '127.0.0.1', ready: () => runReadinessChecks({}) });
    expect((await get('/readyz')).status).toBe(200);
    server.drain();
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/healthz')).status).toBe(200);
  });
});

describe('runReadinessChecks', () => {
  it('bounds a hung check by the timeout and scrubs failure details', async () => {
    const report = await runReadinessChecks(
      {
        cluster: () => new Promise(() => undefined),
        database: () =>
          Promise.reject(new Error('password authentication failed: postgres://app:hunter2@db/x')),
      },
      50,
    );
    expect(report).toMatchObject({ ready: false, checks: { cluster: 'timeout', database: 'failed' } });
    expect(report.problems.database).not.toContain('hunter2');
  });
});
