import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { currentLogContext } from './log-context.js';
import { createLogger } from './logger.js';
import { createFlotillaMetrics, METRIC_NAMES } from './metrics.js';
import { createRequestObservability, REQUEST_ID_HEADER } from './request-observability.js';

/** Histogram samples carry the series name (`_sum`, `_count`, `_bucket`); prom-client's type omits it. */
const nameOf = (value: object) => (value as { metricName?: string }).metricName;

function observedApp() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ service: 'assessment', level: 'debug', destination });
  const metrics = createFlotillaMetrics({ component: 'assessment', defaultMetrics: false });
  const app = express();
  app.use(createRequestObservability({ logger, metrics, newRequestId: () => 'generated-id' }));
  app.get('/plans/:planId', async (req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    logger.info({ planId: req.params.planId }, 'reading plan');
    res.json({ seenRequestId: currentLogContext().requestId });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return { app, lines, metrics };
}

describe('createRequestObservability', () => {
  it('makes a request id, returns it, and puts it on every log line inside the request', async () => {
    const { app, lines } = observedApp();
    const response = await request(app).get('/plans/p-1').expect(200);
    expect(response.headers[REQUEST_ID_HEADER]).toBe('generated-id');
    expect(response.body).toEqual({ seenRequestId: 'generated-id' });
    const inside = lines.find((line) => line.msg === 'reading plan');
    expect(inside).toMatchObject({ requestId: 'generated-id', planId: 'p-1' });
  });

  it("keeps the caller's x-request-id through the request and into the response", async () => {
    const { app, lines } = observedApp();
    const response = await request(app).get('/plans/p-2').set('X-Request-Id', 'lb-7f3a.42').expect(200);
    expect(response.headers[REQUEST_ID_HEADER]).toBe('lb-7f3a.42');
    expect(response.body).toEqual({ seenRequestId: 'lb-7f3a.42' });
    expect(lines.filter((line) => line.requestId === 'lb-7f3a.42')).toHaveLength(2);
  });

  it('replaces a request id that could forge log lines', async () => {
    const { app } = observedApp();
    const response = await request(app)
      .get('/plans/p-3')
      .set('X-Request-Id', 'x"} {"level":"fatal')
      .expect(200);
    expect(response.headers[REQUEST_ID_HEADER]).toBe('generated-id');
  });

  it('logs method, path, status and duration, without the query string or the credentials', async () => {
    const { app, lines } = observedApp();
    await request(app)
      .get('/plans/p-4?token=leaky')
      .set('Authorization', 'Bearer flt_secret_value')
      .expect(200);
    await request(app).get('/nowhere').expect(404);
    const done = lines.filter((line) => line.res !== undefined);
    expect(done[0]).toMatchObject({
      level: 'info',
      msg: 'GET /plans/p-4 200',
      req: { method: 'GET', path: '/plans/p-4', route: '/plans/:planId' },
      res: { statusCode: 200 },
    });
    expect(typeof done[0]?.durationMs).toBe('number');
    expect(done[1]).toMatchObject({ msg: 'GET /nowhere 404', req: { route: 'unmatched' } });
    expect(JSON.stringify(lines)).not.toMatch(/leaky|flt_secret_value/);
  });

  it('logs probes at debug only', async () => {
    const { app, lines } = observedApp();
    await request(app).get('/healthz').expect(200);
    expect(lines.find((line) => line.msg === 'GET /healthz 200')).toMatchObject({ level: 'debug' });
  });

  it('observes latency by route template, not by raw path', async () => {
    const { app, metrics } = observedApp();
    await request(app).get('/plans/a').expect(200);
    await request(app).get('/plans/b').expect(200);
    const histogram =
      (await metrics.registry.getSingleMetric(METRIC_NAMES.httpRequestDuration)?.get())?.values ?? [];
    const count = histogram.find(
      (value) =>
        nameOf(value) === `${METRIC_NAMES.httpRequestDuration}_count` &&
        value.labels.route === '/plans/:planId' &&
        value.labels.status_code === '200' &&
        value.labels.method === 'GET',
    );
    expect(count?.value).toBe(2);
    expect(histogram.some((value) => String(value.labels.route).includes('/plans/a'))).toBe(false);
  });
});
