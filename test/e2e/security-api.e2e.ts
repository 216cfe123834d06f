import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { generateRvtoolsFile } from '#libs/estate-generator';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { uploadDirectory } from '../../apps/assessment/src/upload-files.js';
import { writeNumberedRowFloodWorkbook } from '../fixtures/hostile/hostile-workbooks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADMIN = 'security-e2e-admin';
const MISSING = '00000000-0000-4000-8000-000000000000';
/** pid_max is at most 2^22 on Linux: this process never exists, so its directory is abandoned. */
const ABANDONED_UPLOADS = join(tmpdir(), 'flotilla-uploads-999999999-1');

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('hostile input and security defaults through the API', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  let estate: string;
  let inventoryId: string;
  const tokens: Record<'viewer' | 'planner', string> = { viewer: '', planner: '' };
  const admin = { Authorization: `Bearer ${ADMIN}` };
  const as = (role: keyof typeof tokens) => ({ Authorization: `Bearer ${tokens[role]}` });

  beforeAll(async () => {
    // A crash mid-upload leaves its directory behind; the next start sweeps it.
    mkdirSync(ABANDONED_UPLOADS, { recursive: true });
    writeFileSync(join(ABANDONED_UPLOADS, 'half-an-upload'), 'PK');
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-security-'));
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: database.url,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
        // Lowered so that a small edited report breaks it; inventory uploads keep their own 4 GiB.
        FLOTILLA_MAX_REPORT_INFLATED_MB: '1',
      }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    for (const role of ['viewer', 'planner'] as const) {
      const created = await request(server)
        .post('/tokens')
        .set(admin)
        .send({ name: role, roles: [role] });
      expect(created.status).toBe(201);
      tokens[role] = created.body.token;
    }
    estate = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 30, seed: 5, out: estate });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(ABANDONED_UPLOADS, { recursive: true, force: true });
  });

  it('keeps UTF-8 file names, honours the multipart name field and leaves no upload behind', async () => {
    expect(readdirSync(tmpdir())).not.toContain('flotilla-uploads-999999999-1');
    const imported = await request(server)
      .post('/inventories')
      .set(as('planner'))
      .field('name', 'Zürich Q4')
      .attach('file', estate, { filename: 'RVTools-Zürich-東京.xlsx' });
    expect(imported.status).toBe(201);
    inventoryId = imported.body.inventoryId;
    const stored = await request(server).get(`/inventories/${inventoryId}`).set(as('viewer'));
    expect(stored.body.name).toBe('Zürich Q4');
    expect(stored.body.fileName).toBe('RVTools-Zürich-東京.xlsx');

    const refused = await request(server)
      .post('/inventories')
      .set(as('planner'))
      .attach('file', Buffer.from([0, 1, 2, 3]), { filename: 'binary.bin' });
    expect(refused.status).toBe(422);
    await waitFor(() => readdirSync(uploadDirectory()).length === 0, 'the upload directory to empty');
  });

  it('refuses NUL characters in names, comments, map keys, queries and form fields with a 422 naming the field', async () => {
    const cases = [
      {
        call: request(server)
          .post('/tokens')
          .set(admin)
          .send({ name: 'a\u0000b', roles: ['viewer'] }),
        field: 'body.name',
      },
      {
        call: request(server)
          .put(`/plans/${MISSING}/maps`)
          .set(as('planner'))
          .send({ networkMap: { 'VM Network\u0000': { type: 'pod' } } }),
        field: 'body.networkMap.VM Network\\u0000 (the key)',
      },
      {
        call: request(server)
          .put(`/assessments/${MISSING}/vms/x/override`)
          .set(as('planner'))
          .send({ disposition: 'retire', comment: ['ok', 'not\u0000ok'] }),
        field: 'body.comment.1',
      },
      {
        call: request(server).get(`/inventories/${inventoryId}/vms?search=a%00b`).set(as('viewer')),
        field: 'query.search',
      },
      {
        call: request(server).get(`/inventories/${inventoryId}/vms/web%0001`).set(as('viewer')),
        field: 'path',
      },
      {
        call: request(server)
          .post('/inventories')
          .set(as('planner'))
          .field('name', 'bad\u0000name')
          .attach('file', estate),
        field: 'name',
      },
    ];
    for (const { call, field } of cases) {
      const response = await call;
      expect(response.status, field).toBe(422);
      expect(response.body.message, field).toContain(field);
      expect(response.body.message, field).toMatch(/NUL/);
    }
  });

  it('escapes LIKE wildcards in searches', async () => {
    const all = await request(server).get(`/inventories/${inventoryId}/vms?limit=1000`).set(as('viewer'));
    expect(all.body.total).toBeGreaterThan(0);
    for (const wildcard of ['%', '_', '\\', '%%']) {
      const found = await request(server)
        .get(`/inventories/${inventoryId}/vms?search=${encodeURIComponent(wildcard)}`)
        .set(as('viewer'));
      expect(found.status).toBe(200);
      expect(found.body.total, wildcard).toBe(0);
      const os = await request(server)
        .get(`/inventories/${inventoryId}/vms?os=${encodeURIComponent(wildcard)}`)
        .set(as('viewer'));
      expect(os.body.total, wildcard).toBe(0);
    }
    const assessed = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({});
    expect(assessed.status).toBe(201);
    const assessmentVms = await request(server)
      .get(`/assessments/${assessed.body.assessmentId}/vms?search=%25`)
      .set(as('viewer'));
    expect(assessmentVms.status).toBe(200);
    expect(assessmentVms.body.total).toBe(0);
  });

  it('refuses patterns that need backtracking with a 422 naming the field and the reason', async () => {
    const policy = await request(server)
      .put('/policies')
      .set(as('planner'))
      .send({ version: 1, retire: { namePatterns: ['-old$', '(a+)\\1'] } });
    expect(policy.status).toBe(422);
    expect(policy.body.message).toMatch(/retire\.namePatterns\[1\]: backreferences/);

    const assessment = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({ policy: { version: 1, outOfScope: { clusterServiceVmPatterns: ['^(?!prod)'] } } });
    expect(assessment.status).toBe(422);
    expect(assessment.body.message).toMatch(/clusterServiceVmPatterns\[0\]: lookahead and lookbehind/);

    // The pattern that froze the API for minutes is accepted and answers at once.
    const started = Date.now();
    const hostile = await request(server)
      .put('/policies')
      .set(as('planner'))
      .send({ version: 1, retire: { namePatterns: ['((a+)+)+$'] } });
    expect(hostile.status).toBe(200);
    const reassessed = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({});
    expect(reassessed.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('holds a wave-report load-back to its configured limit: 413 naming the file and the limit', async () => {
    const report = join(scratch, 'edited-report.xlsx');
    await writeNumberedRowFloodWorkbook(report, 20_000);
    const refused = await request(server)
      .post(`/plans/${MISSING}/import-edits`)
      .set(as('planner'))
      .attach('file', report, { filename: 'edited.xlsx' });
    expect(refused.status).toBe(413);
    expect(refused.body.message).toBe('"edited.xlsx" would inflate to 3 MiB, over the limit of 1 MiB.');
  });

  it('answers 404 for a token that does not exist, without an audit row', async () => {
    const response = await request(server).delete(`/tokens/${MISSING}`).set(admin);
    expect(response.status).toBe(404);
    const audit = await request(server).get(`/audit?resourceType=token&resourceId=${MISSING}`).set(admin);
    expect(audit.body).toEqual([]);
  });

  it('answers 404 for an unknown execution stream, every time', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stream = await request(server).get(`/executions/${MISSING}/stream`).set(as('viewer'));
      expect(stream.status).toBe(404);
      expect(stream.headers['content-type']).toMatch(/json/);
      const events = await request(server).get(`/executions/${MISSING}/events`).set(as('viewer'));
      expect(events.status).toBe(404);
    }
  });

  it('serves /metrics to admins only', async () => {
    expect((await request(server).get('/metrics')).status).toBe(401);
    expect((await request(server).get('/metrics').set(as('viewer'))).status).toBe(403);
    const metrics = await request(server).get('/metrics').set(admin);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/flotilla_/);
  });

  it('refuses a JSON body over 1 MiB with 413 before looking at the token', async () => {
    const huge = { name: 'x'.repeat(1_100_000), roles: ['viewer'] };
    const anonymous = await request(server).post('/tokens').send(huge);
    expect(anonymous.status).toBe(413);
    expect(anonymous.body.message).toMatch(/larger than the 1048576 bytes/);
    const small = await request(server)
      .post('/tokens')
      .send({ name: 'x', roles: ['viewer'] });
    expect(small.status).toBe(401);
  });
});

describe('a database that refuses connections', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let proxy: net.Server;
  const sockets = new Set<net.Socket>();
  let viewerToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    // The API reaches Postgres through this forwarder; closing it is the database going away.
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address() as net.AddressInfo;
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${address.port}`;
    app = await createAssessmentApp(
      loadConfig({ DATABASE_URL: viaProxy.toString(), FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    const created = await request(server)
      .post('/tokens')
      .set({ Authorization: `Bearer ${ADMIN}` })
      .send({ name: 'viewer', roles: ['viewer'] });
    viewerToken = created.body.token;
    expect(
      (
        await request(server)
          .get('/inventories')
          .set({ Authorization: `Bearer ${viewerToken}` })
      ).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    proxy?.close();
    await database?.drop();
  });

  it('answers 503 with Retry-After on authenticated routes', async () => {
    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    for (const [who, token] of [
      ['a stored token', viewerToken],
      ['the bootstrap token', ADMIN],
    ] as const) {
      const response = await request(server)
        .get('/inventories')
        .set({ Authorization: `Bearer ${token}` });
      expect(response.status, who).toBe(503);
      expect(response.headers['retry-after'], who).toBe('5');
      expect(response.body.message, who).toMatch(/database is unavailable/);
    }
  });
});
