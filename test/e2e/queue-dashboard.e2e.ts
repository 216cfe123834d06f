import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADMIN = 'dashboard-e2e-admin';

describe('the API with Redis configured', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('reports Redis in its readiness', async () => {
    const ready = await request(server).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', database: 'postgres', redis: 'ok' });
  });

  it('serves the queue dashboard to admins only', async () => {
    expect((await request(server).get('/admin/queues')).status).toBe(401);
    const viewer = await request(server)
      .post('/tokens')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({ name: 'dashboard-viewer', roles: ['viewer', 'operator'] });
    expect(
      (await request(server).get('/admin/queues').set('Authorization', `Bearer ${viewer.body.token}`)).status,
    ).toBe(403);
    const admin = await request(server).get('/admin/queues').auth('anyone', ADMIN);
    expect(admin.status).toBe(200);
    expect(admin.text).toMatch(/Flotilla queues|bull/i);
    const metrics = await request(server).get('/metrics').auth(ADMIN, { type: 'bearer' });
    expect(metrics.text).toMatch(/flotilla_queue_jobs\{[^}]*queue="flotilla-executor"/);
  });
});
