import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loadConfig } from '#libs/config';
import { generateRvtoolsFile } from '#libs/estate-generator';
import type { importJob } from '../../apps/assessment/src/api/inventories.schemas.js';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADMIN = 'import-progress-e2e-admin';
// Large enough for several progress reports (every 5,000 rows of a sheet, and per stored batch).
const VMS = 5_000;
/** As a console polls: often enough to see each stage, without crowding the import out. */
const POLL_MS = 100;
/** Generating and importing 10,000 VMs takes tens of seconds on 2 busy cores. */
const TEN_THOUSAND_TIMEOUT_MS = 300_000;

/** What GET /inventory-imports/{id} answers. */
type ImportJobBody = z.output<typeof importJob>;

describe('following an import: POST /inventory-imports, then GET /inventory-imports/{id}', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  const tokens: Record<'planner' | 'otherPlanner' | 'viewer', string> = {
    planner: '',
    otherPlanner: '',
    viewer: '',
  };
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-import-progress-'));
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({ DATABASE_URL: database.url, FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    for (const [name, role] of [
      ['planner', 'planner'],
      ['otherPlanner', 'planner'],
      ['viewer', 'viewer'],
    ] as const) {
      const created = await request(server)
        .post('/tokens')
        .set(as(ADMIN))
        .send({ name, roles: [role] });
      tokens[name] = created.body.token;
    }
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Every state of an import as polled (as fast as the API answers) until it is over. */
  async function follow(location: string): Promise<ImportJobBody[]> {
    const seen: ImportJobBody[] = [];
    for (;;) {
      const polled = await request(server).get(location).set(as(tokens.planner));
      expect(polled.status).toBe(200);
      seen.push(polled.body);
      if (polled.body.stage === 'succeeded' || polled.body.stage === 'failed') return seen;
      await setTimeout(POLL_MS);
    }
  }

  it(
    `reports rows read, VMs found and bytes inflated while a ${VMS}-VM workbook imports, then its inventory`,
    async () => {
      const file = join(scratch, 'estate.xlsx');
      await generateRvtoolsFile({ vms: VMS, seed: 5, out: file });
      const started = await request(server)
        .post('/inventory-imports')
        .set(as(tokens.planner))
        .attach('file', file)
        .field('name', 'Five thousand');
      expect(started.status).toBe(202);
      expect(started.headers.location).toBe(`/inventory-imports/${started.body.id}`);
      expect(started.body.stage).toBe('reading');

      const states = await follow(started.headers.location);
      const final = states.at(-1) as ImportJobBody;
      expect(final.stage, JSON.stringify(final.error)).toBe('succeeded');
      expect(final.progress.percent).toBe(100);
      expect(final.result?.summary.vms).toBe(VMS);
      const intermediate = states.slice(0, -1).filter((state) => state.progress.rowsRead > 0);
      expect(intermediate.length, 'a state with rows read before the end').toBeGreaterThan(0);
      const reading = states.filter((state) => state.stage === 'reading' && state.progress.rowsRead > 0);
      for (const state of reading) {
        expect(state.progress.inflatedBytes).toBeGreaterThan(0);
        expect(state.progress.inflatedBytes).toBeLessThanOrEqual(state.progress.totalInflatedBytes ?? 0);
      }
      const percents = states.map((state) => state.progress.percent ?? 0);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(final.progress).toMatchObject({ vmsFound: VMS, vmsStored: VMS });

      const stored = await request(server)
        .get(`/inventories/${final.result?.inventoryId}`)
        .set(as(tokens.planner));
      expect(stored.status).toBe(200);
      expect(stored.body.name).toBe('Five thousand');
      // Only its starter follows an import.
      expect((await request(server).get(started.headers.location).set(as(tokens.otherPlanner))).status).toBe(
        404,
      );
    },
    TEN_THOUSAND_TIMEOUT_MS,
  );

  it('ends a refused import with the body POST /inventories answers for the same file', async () => {
    const file = join(scratch, 'no-vm-column.csv');
    writeFileSync(file, 'Host,Cluster\nesx-01,prod\n');
    const started = await request(server)
      .post('/inventory-imports')
      .set(as(tokens.planner))
      .attach('file', file);
    expect(started.status).toBe(202);
    const final = (await follow(started.headers.location)).at(-1) as ImportJobBody;
    expect(final.stage).toBe('failed');
    const direct = await request(server).post('/inventories').set(as(tokens.planner)).attach('file', file);
    expect(direct.status).toBe(422);
    expect(final.error).toEqual(direct.body);
  });

  it('refuses before starting what is not an export, and a token without the planner role', async () => {
    const file = join(scratch, 'binary.xlsx');
    writeFileSync(file, Buffer.from([0, 1, 2, 3, 0, 5]));
    const refused = await request(server)
      .post('/inventory-imports')
      .set(as(tokens.planner))
      .attach('file', file);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('not-a-workbook');
    const viewer = await request(server)
      .post('/inventory-imports')
      .set(as(tokens.viewer))
      .attach('file', file);
    expect(viewer.status).toBe(403);
    const unknown = await request(server)
      .get('/inventory-imports/00000000-0000-4000-8000-000000000000')
      .set(as(tokens.planner));
    expect(unknown.status).toBe(404);
  });
});
