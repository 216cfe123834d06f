import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rvtoolsSample, sharedSuite } from '../support/shared-files.js';

const ADMIN = 'test-bootstrap-admin-token';

const fixture = rvtoolsSample;
const suite = sharedSuite(
  'inventory API on PostgreSQL',
  ...[
    'kylow-reference-RVTOOLEX.xlsx',
    'migration-planner-example1.xlsx',
    'ibm-rvtools-small-complete.xlsx',
  ].map(rvtoolsSample),
);

// Only the tests that upload a genuine export need ../shared: the rest run everywhere.
const withExports = suite.skip ? ` [skipped: ${suite.title.split('[skipped: ')[1]?.slice(0, -1)}]` : '';

describe('inventory API on PostgreSQL', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let viewerToken: string;
  let plannerToken: string;

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      FLOTILLA_UPLOAD_LIMIT_MB: '2',
    });
    app = await createAssessmentApp(config, { logger: false });
    await app.init();
    server = app.getHttpServer();
    const viewer = await request(server)
      .post('/tokens')
      .set(as(ADMIN))
      .send({ name: 'viewer', roles: ['viewer'] });
    const planner = await request(server)
      .post('/tokens')
      .set(as(ADMIN))
      .send({ name: 'planner', roles: ['planner'] });
    viewerToken = viewer.body.token;
    plannerToken = planner.body.token;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it.skipIf(suite.skip).each([
    ['kylow-reference-RVTOOLEX.xlsx', 133, 0],
    ['migration-planner-example1.xlsx', 9, 0],
    ['ibm-rvtools-small-complete.xlsx', 3, 0],
  ])('imports the genuine export %s with its %i VMs', async (file, vms, templates) => {
    const response = await request(server)
      .post('/inventories')
      .set(as(plannerToken))
      .attach('file', fixture(file));
    expect(response.status).toBe(201);
    expect(response.body.summary.vms).toBe(vms);
    expect(response.body.summary.templates).toBe(templates);
    expect(response.body.inventoryId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.skipIf(suite.skip)(
    `shows the export's date and counts an assessment's ages to it, or to asOf${withExports}`,
    async () => {
      const created = await request(server)
        .post('/inventories')
        .set(as(plannerToken))
        .attach('file', fixture('kylow-reference-RVTOOLEX.xlsx'));
      const id = created.body.inventoryId as string;
      // vMetaData: xlsx creation datetime 46008.6913 = 2025-12-17 16:35:29.
      expect(created.body.summary).toMatchObject({
        exportedAt: '2025-12-17T16:35:29.000Z',
        exportedAtBasis: 'vMetaData',
      });
      const shown = await request(server).get(`/inventories/${id}`).set(as(viewerToken));
      expect(shown.body).toMatchObject({
        exportedAt: '2025-12-17T16:35:29.000Z',
        exportedAtBasis: 'vMetaData',
      });

      const byExport = await request(server)
        .post(`/inventories/${id}/assessments`)
        .set(as(plannerToken))
        .send({});
      expect(byExport.status).toBe(201);
      expect(byExport.body).toMatchObject({
        countedTo: '2025-12-17T16:35:29.000Z',
        countedToBasis: 'export',
      });
      const stored = await request(server)
        .get(`/assessments/${byExport.body.assessmentId}`)
        .set(as(viewerToken));
      expect(stored.body).toMatchObject({ countedTo: '2025-12-17T16:35:29.000Z', countedToBasis: 'export' });

      const later = await request(server)
        .post(`/inventories/${id}/assessments`)
        .set(as(plannerToken))
        .send({ asOf: '2027-06-01' });
      expect(later.body).toMatchObject({ countedTo: '2027-06-01T00:00:00.000Z', countedToBasis: 'as-of' });
      // Counted to 2027, VMs off since 2025 look unused: more retire than counted to the export.
      expect(later.body.summary.retire).toBeGreaterThan(byExport.body.summary.retire);

      const bad = await request(server)
        .post(`/inventories/${id}/assessments`)
        .set(as(plannerToken))
        .send({ asOf: 'last tuesday' });
      // invalid-input answers 422 (the request is well-formed, its content is not), like a bad policy.
      expect(bad.status).toBe(422);
      expect(bad.body.message).toMatch(/asOf "last tuesday" is not a date/);
    },
  );

  it.skipIf(suite.skip)(`lists, pages, filters, shows and deletes an inventory${withExports}`, async () => {
    const created = await request(server)
      .post('/inventories?name=Kylow%20estate')
      .set(as(plannerToken))
      .attach('file', fixture('kylow-reference-RVTOOLEX.xlsx'));
    const id = created.body.inventoryId as string;
    expect(created.body.name).toBe('Kylow estate');

    const list = await request(server).get('/inventories').set(as(viewerToken));
    expect(list.status).toBe(200);
    expect(list.body.some((entry: { id: string }) => entry.id === id)).toBe(true);

    const detail = await request(server).get(`/inventories/${id}`).set(as(viewerToken));
    expect(detail.body.summary.vms).toBe(133);
    expect(Array.isArray(detail.body.diagnostics)).toBe(true);

    const page = await request(server).get(`/inventories/${id}/vms?limit=20&offset=10`).set(as(viewerToken));
    expect(page.body.total).toBe(133);
    expect(page.body.items).toHaveLength(20);

    const poweredOn = await request(server)
      .get(`/inventories/${id}/vms?powerState=poweredOn&limit=1000`)
      .set(as(viewerToken));
    expect(poweredOn.body.items.every((vm: { powerState: string }) => vm.powerState === 'poweredOn')).toBe(
      true,
    );
    expect(poweredOn.body.total).toBeLessThan(133);

    const first = page.body.items[0];
    const search = await request(server)
      .get(`/inventories/${id}/vms?search=${encodeURIComponent(first.name)}`)
      .set(as(viewerToken));
    expect(search.body.items.map((vm: { name: string }) => vm.name)).toContain(first.name);

    const vm = await request(server).get(`/inventories/${id}/vms/${first.id}`).set(as(viewerToken));
    expect(vm.status).toBe(200);
    expect(vm.body.name).toBe(first.name);
    expect(vm.body.source.vInfo).toBeDefined();

    const badFilter = await request(server)
      .get(`/inventories/${id}/vms?powerState=sleeping`)
      .set(as(viewerToken));
    expect(badFilter.status).toBe(422);
    expect(badFilter.body.message).toMatch(/powerState/);

    expect((await request(server).delete(`/inventories/${id}`).set(as(viewerToken))).status).toBe(403);
    expect((await request(server).delete(`/inventories/${id}`).set(as(plannerToken))).status).toBe(204);
    expect((await request(server).get(`/inventories/${id}`).set(as(viewerToken))).status).toBe(404);

    const audit = await request(server)
      .get(`/audit?resourceType=inventory&resourceId=${id}`)
      .set(as(viewerToken));
    expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual([
      'inventory.import',
      'inventory.delete',
    ]);
    expect(audit.body[0].actor).toBe('token:planner');
  });

  it('refuses bad files with a clear message and stores nothing', async () => {
    const before = (await request(server).get('/inventories').set(as(viewerToken))).body.length;
    const notAWorkbook = join(tmpdir(), 'flotilla-not-a-workbook.bin');
    writeFileSync(notAWorkbook, Buffer.from([0, 1, 2, 3, 0, 255, 0, 9]));
    const binary = await request(server)
      .post('/inventories')
      .set(as(plannerToken))
      .attach('file', notAWorkbook, 'estate.xlsx');
    expect(binary.status).toBe(422);
    expect(binary.body.message).toMatch(/estate\.xlsx/);

    const corrupt = join(tmpdir(), 'flotilla-corrupt.xlsx');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]));
    const corruptResponse = await request(server)
      .post('/inventories')
      .set(as(plannerToken))
      .attach('file', corrupt);
    expect(corruptResponse.status).toBe(422);
    expect(corruptResponse.body.message).toMatch(/flotilla-corrupt\.xlsx/);

    const tooLarge = join(tmpdir(), 'flotilla-too-large.xlsx');
    writeFileSync(tooLarge, Buffer.alloc(3 * 1024 * 1024, 65));
    const large = await request(server).post('/inventories').set(as(plannerToken)).attach('file', tooLarge);
    expect(large.status).toBe(413);

    const noFile = await request(server).post('/inventories').set(as(plannerToken)).field('name', 'x');
    expect(noFile.status).toBe(422);
    expect(noFile.body.message).toMatch(/multipart field "file"/);

    expect((await request(server).get('/inventories').set(as(viewerToken))).body.length).toBe(before);
  });

  it.skipIf(suite.skip)(`checks tokens and roles on every route${withExports}`, async () => {
    expect((await request(server).get('/inventories')).status).toBe(401);
    expect((await request(server).get('/inventories').set(as('flt_not-a-token'))).status).toBe(401);
    const viewerUpload = await request(server)
      .post('/inventories')
      .set(as(viewerToken))
      .attach('file', fixture('ibm-rvtools-small-complete.xlsx'));
    expect(viewerUpload.status).toBe(403);
    expect(viewerUpload.body.message).toMatch(/planner/);
    expect(
      (
        await request(server)
          .post('/tokens')
          .set(as(plannerToken))
          .send({ name: 'x', roles: ['admin'] })
      ).status,
    ).toBe(403);
    expect((await request(server).get('/healthz')).status).toBe(200);
    expect((await request(server).get('/readyz')).body.database).toBe('postgres');
  });

  it('tags requests with ids and exposes Prometheus metrics', async () => {
    const response = await request(server)
      .get('/inventories')
      .set(as(viewerToken))
      .set('x-request-id', 'trace-42');
    expect(response.headers['x-request-id']).toBe('trace-42');
    const metrics = await request(server).get('/metrics').set(as(ADMIN));
    expect(metrics.status).toBe(200);
    // Without ../shared only the refused uploads of this file were counted.
    expect(metrics.text).toMatch(
      suite.skip
        ? /flotilla_inventory_imports_total\{format="[^"]*",outcome="rejected"[^}]*\} [1-9]/
        : /flotilla_inventory_imports_total\{format="xlsx",outcome="succeeded"[^}]*\} [1-9]/,
    );
    expect(metrics.text).toMatch(/flotilla_http_request_duration_seconds_bucket/);
    const ready = await request(server).get('/readyz');
    expect(ready.body).toMatchObject({ status: 'ok', redis: 'not configured' });
  });

  it('serves its OpenAPI document', async () => {
    const response = await request(server).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/inventories',
        '/inventories/{id}',
        '/inventories/{id}/vms',
        '/inventories/{id}/vms/{vmId}',
      ]),
    );
  });
});
