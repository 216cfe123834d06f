import { Queue } from 'bullmq';
import express from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { mountQueueDashboard, type QueueDashboardAccess } from './queue-dashboard.js';

const ADMIN = 'flt_admin_token';
const VIEWER = 'flt_viewer_token';

describe('mountQueueDashboard', () => {
  const queue = new Queue(`flotilla-board-test-${process.pid}-${Date.now()}`, {
    connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 },
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  const presented: Array<string | undefined> = [];
  const app = express();
  mountQueueDashboard(app, {
    basePath: '/admin/queues/',
    queues: [queue],
    authorize: async (token): Promise<QueueDashboardAccess> => {
      presented.push(token);
      if (token === undefined) return 'unauthenticated';
      return token === ADMIN ? 'allowed' : token === VIEWER ? 'forbidden' : 'unauthenticated';
    },
  });

  it('asks for credentials when none are sent, in a way a browser can answer', async () => {
    const response = await request(app).get('/admin/queues').expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Basic realm="Flotilla queue dashboard"/);
  });

  it('refuses a token without the admin role', async () => {
    await request(app).get('/admin/queues').set('Authorization', `Bearer ${VIEWER}`).expect(403);
    await request(app).get('/admin/queues/api/queues').set('Authorization', `Bearer ${VIEWER}`).expect(403);
  });

  it('serves the board and its API to an admin token, as Bearer or as the Basic password', async () => {
    await queue.add('advance-vm', { executionId: 'e', vmKey: 'v' });
    const page = await request(app).get('/admin/queues').set('Authorization', `Bearer ${ADMIN}`).expect(200);
    expect(page.text).toContain('<html');
    const basic = Buffer.from(`operator:${ADMIN}`).toString('base64');
    const api = await request(app)
      .get('/admin/queues/api/queues')
      .set('Authorization', `Basic ${basic}`)
      .expect(200);
    expect(JSON.stringify(api.body)).toContain(queue.name);
    expect(presented).toContain(ADMIN);
  });

  it('leaves the rest of the app alone', async () => {
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    await request(app).get('/healthz').expect(200);
  });
});
