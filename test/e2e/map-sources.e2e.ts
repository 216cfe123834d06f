import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { toDns1123Label } from '#libs/kubevirt';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rvtoolsSample, sharedFilesMissing } from '../support/shared-files.js';

/**
 * NICs without a network and disks on no named datastore are map sources of their own, so that
 * after mapping every wave can be approved: on the 805-VM IBM export (no vDisk sheet: no VM has
 * a named datastore) and on the bundled demo sample. The IBM export is third-party and read in
 * place from ../shared (or FLOTILLA_SHARED_DIR); without it that case reports itself skipped and
 * says why.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IBM_EXPORT = rvtoolsSample('ibm-SizingWorkshop-RVTools.xlsx');
const DEMO_SAMPLE = join(ROOT, 'samples', 'rvtools-sample-200.xlsx');
const ADMIN = 'map-sources-e2e-admin';

interface SourceEntry {
  source: string;
  unnamed: boolean;
  vms: number;
  waves: number[];
  target: unknown;
}

interface Violation {
  code: string;
  severity: string;
  wave: number | null;
  message: string;
}

describe('map sources for unnamed networks and datastores, through the API', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  const auth = { Authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-map-sources-'));
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({ DATABASE_URL: database.url, FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function planFor(file: string, settings: Record<string, unknown> = {}) {
    const imported = await request(server).post('/inventories').set(auth).attach('file', file);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const assessed = await request(server)
      .post(`/inventories/${imported.body.inventoryId}/assessments`)
      .set(auth)
      .send({});
    expect(assessed.status).toBe(201);
    const plan = await request(server)
      .post('/plans')
      .set(auth)
      .send({ assessmentId: assessed.body.assessmentId, settings });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    return { planId: plan.body.id as string, vms: imported.body.summary.vms as number, plan: plan.body };
  }

  async function downloadReport(planId: string): Promise<ExcelJS.Workbook> {
    const report = await request(server)
      .get(`/plans/${planId}/report.xlsx`)
      .set(auth)
      .buffer(true)
      .parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(report.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(report.body as ArrayBuffer);
    return workbook;
  }

  /** Rows of a sheet as header -> value records. */
  function records(workbook: ExcelJS.Workbook, name: string): Record<string, unknown>[] {
    const sheet = workbook.getWorksheet(name);
    if (!sheet) throw new Error(`the report has no ${name} sheet`);
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const rows: Record<string, unknown>[] = [];
    sheet.eachRow((row, number) => {
      if (number === 1) return;
      const values = (row.values as unknown[]).slice(1);
      rows.push(Object.fromEntries(headers.map((header, i) => [header, values[i] ?? null])));
    });
    return rows;
  }

  /** Every source mapped: named networks to Multus, named datastores to a class, the unnamed as given. */
  async function mapEverything(
    planId: string,
    unnamed: { network: unknown; datastore: unknown },
  ): Promise<{ networks: SourceEntry[]; datastores: SourceEntry[] }> {
    const maps = await request(server).get(`/plans/${planId}/maps`).set(auth);
    expect(maps.status).toBe(200);
    const { networks, datastores } = maps.body.sources as {
      networks: SourceEntry[];
      datastores: SourceEntry[];
    };
    const networkMap = Object.fromEntries(
      networks.map((entry) => [
        entry.source,
        entry.unnamed
          ? unnamed.network
          : { type: 'multus', name: `migrated/${toDns1123Label(entry.source, 'net')}` },
      ]),
    );
    const storageMap = Object.fromEntries(
      datastores.map((entry) => [
        entry.source,
        entry.unnamed ? unnamed.datastore : { storageClass: 'standard' },
      ]),
    );
    const updated = await request(server)
      .put(`/plans/${planId}/maps`)
      .set(auth)
      .send({ networkMap, storageMap });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    return { networks, datastores };
  }

  /**
   * A wave whose copy outlasts the plan's cutover window gets a longer change window booked, as a
   * planner would; then every wave is approved.
   */
  async function approveEveryWave(planId: string): Promise<number> {
    let plan = await request(server).get(`/plans/${planId}`).set(auth);
    const overlong = [
      ...new Set(
        (plan.body.violations as Violation[])
          .filter((violation) => violation.code === 'wave-over-window')
          .map((violation) => violation.wave as number),
      ),
    ];
    for (const number of overlong) {
      const wave = plan.body.waves.find((candidate: { number: number }) => candidate.number === number);
      const start = Date.UTC(2026, 0, 10 + number, 20);
      const end = start + Math.ceil(wave.estimatedHours + 1) * 3_600_000;
      const booked = await request(server)
        .put(`/plans/${planId}/waves/${number}/window`)
        .set(auth)
        .send({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), zone: 'UTC' });
      expect(booked.status, JSON.stringify(booked.body)).toBe(200);
    }
    plan = await request(server).get(`/plans/${planId}`).set(auth);
    const mapErrors = (plan.body.violations as Violation[]).filter((violation) =>
      ['unmapped-network', 'unmapped-datastore'].includes(violation.code),
    );
    expect(mapErrors).toEqual([]);
    const waves = plan.body.waves as Array<{ number: number; approval: { contentHash: string } }>;
    for (const wave of waves) {
      const approved = await request(server)
        .post(`/plans/${planId}/waves/${wave.number}/approve`)
        .set(auth)
        .send({ contentHash: wave.approval.contentHash });
      expect(approved.status, `wave ${wave.number}: ${approved.body.message}`).toBe(200);
    }
    return waves.length;
  }

  it('makes every wave of the 805-VM IBM export approvable once its unnamed sources are mapped', async (context) => {
    const missing = sharedFilesMissing(IBM_EXPORT);
    if (missing !== null) {
      context.skip(missing);
      return;
    }
    // One VM holds 10.5 TiB, over the default 10 TiB a wave: a capacity decision, not a mapping one.
    const { planId, vms, plan } = await planFor(IBM_EXPORT, { constraints: { maxDataGiBPerWave: 16_384 } });
    expect(vms).toBe(805);
    // Before: every wave is blocked by what its VMs use and the maps do not cover.
    const blocked = new Set(
      (plan.violations as Violation[])
        .filter(
          (violation) => violation.code === 'unmapped-datastore' || violation.code === 'unmapped-network',
        )
        .map((violation) => violation.wave),
    );
    expect(blocked.size).toBe(plan.waves.length);

    // The report says "unmapped" where the plan has no storage class (not the policy's default),
    // and the sizing's storage adds up to the VMs sheet although the export has no vDisk sheet.
    const before = await downloadReport(planId);
    const vmRows = records(before, 'VMs');
    expect(vmRows).toHaveLength(805);
    const sized = vmRows.filter((row) => Number(row['Target storage (GiB)']) > 0);
    expect(sized.length).toBeGreaterThan(700);
    for (const row of sized) expect(row['Storage class']).toBe('unmapped');
    const rehostStorage = vmRows
      .filter((row) => row.Disposition === 'rehost')
      .reduce((sum, row) => sum + Number(row['Target storage (GiB)']), 0);
    const allClusters = records(before, 'Sizing').find((row) => String(row.Scope).startsWith('All clusters'));
    expect(Number(allClusters?.['Storage (GiB)'])).toBeCloseTo(rehostStorage, 0);
    expect(Number(allClusters?.['unmapped (GiB)'])).toBeCloseTo(rehostStorage, 0);

    // The export has no vDisk sheet: what its VMs copy sits on no datastore it names (unless the
    // import derives one from vInfo's path), and some NICs name no network.
    const sources = await mapEverything(planId, {
      network: { type: 'ignored', reason: 'the export names no port group for these NICs' },
      datastore: { storageClass: 'standard' },
    });
    const unnamed = [...sources.networks, ...sources.datastores].filter((entry) => entry.unnamed);
    expect(unnamed.length).toBeGreaterThan(0);
    for (const entry of unnamed) expect(entry.target).toBeNull();

    const after = await request(server).get(`/plans/${planId}/maps`).set(auth);
    const mapped = [
      ...(after.body.sources.networks as SourceEntry[]),
      ...(after.body.sources.datastores as SourceEntry[]),
    ].filter((entry) => entry.unnamed);
    expect(mapped.map((entry) => entry.source).sort()).toEqual(unnamed.map((entry) => entry.source).sort());
    for (const entry of mapped) expect(entry.target).not.toBeNull();
    expect(await approveEveryWave(planId)).toBeGreaterThan(1);
  });

  it('makes every wave of the demo sample approvable, ignoring NICs without a network with a reason', async () => {
    const { planId, plan } = await planFor(DEMO_SAMPLE);
    const noNetwork = (plan.violations as Violation[]).filter((violation) =>
      violation.message.includes('(no network)'),
    );
    expect(noNetwork.length).toBeGreaterThan(0);

    const { networks } = await mapEverything(planId, {
      network: { type: 'ignored', reason: 'disconnected adapters, not needed on the target' },
      datastore: { excluded: true, reason: 'not in the export' },
    });
    expect(networks.find((entry) => entry.unnamed)).toMatchObject({ source: '(no network)', target: null });
    expect(await approveEveryWave(planId)).toBeGreaterThan(1);

    // The report shows the decision and its reason, and the Violations sheet is empty of map errors.
    const workbook = await downloadReport(planId);
    const networkSheet = workbook.getWorksheet('Network map');
    const rows: unknown[][] = [];
    networkSheet?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows).toContainEqual([
      '(no network)',
      'ignored',
      'ignored',
      'disconnected adapters, not needed on the target',
      expect.any(Number),
    ]);
  });

  it('books a change window through the API, shows it in the report and loads an edited one back', async () => {
    const { planId, plan } = await planFor(DEMO_SAMPLE);
    const wave = plan.waves[1] as { number: number; estimatedHours: number };
    const tooShort = {
      start: '2026-01-10T21:00:00Z',
      end: new Date(Date.parse('2026-01-10T21:00:00Z') + (wave.estimatedHours / 2) * 3_600_000).toISOString(),
      zone: 'Europe/Amsterdam',
    };
    const bad = await request(server)
      .put(`/plans/${planId}/waves/${wave.number}/window`)
      .set(auth)
      .send({ start: 'tonight', end: '2026-01-10T06:00:00Z' });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/start:? must be an ISO 8601 time/);

    const booked = await request(server)
      .put(`/plans/${planId}/waves/${wave.number}/window`)
      .set(auth)
      .send(tooShort);
    expect(booked.status, JSON.stringify(booked.body)).toBe(200);
    expect(booked.body.plan.settings.changeWindows[String(wave.number)]).toEqual(tooShort);
    // Half the estimate in the booked window: the wave no longer fits it.
    expect(
      (booked.body.violations as Violation[]).some(
        (violation) =>
          violation.wave === wave.number &&
          violation.code === 'wave-over-window' &&
          violation.message.includes('booked change window'),
      ),
    ).toBe(true);

    const path = join(scratch, 'windows.xlsx');
    const workbook = await downloadReport(planId);
    const schedule = workbook.getWorksheet('Wave schedule');
    if (!schedule) throw new Error('the report has no Wave schedule sheet');
    const row = schedule.getRow(wave.number + 1);
    expect(row.getCell(1).value).toBe(wave.number);
    expect((row.getCell(3).value as Date).toISOString()).toBe('2026-01-10T21:00:00.000Z');
    expect(row.getCell(5).value).toBe('Europe/Amsterdam');
    expect(row.getCell(6).value).toMatch(/^2026-01-10 22:00 → .* Europe\/Amsterdam$/);

    // The planner widens the window in the workbook and uploads it.
    row.getCell(4).value = new Date(Date.UTC(2026, 0, 11, 21, 0));
    await workbook.xlsx.writeFile(path);
    const imported = await request(server)
      .post(`/plans/${planId}/import-edits`)
      .set(auth)
      .attach('file', path);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body.windows).toContainEqual(
      expect.objectContaining({ wave: wave.number, outcome: 'applied' }),
    );
    const after = await request(server).get(`/plans/${planId}`).set(auth);
    expect(after.body.settings.changeWindows[String(wave.number)]).toEqual({
      start: '2026-01-10T21:00:00.000Z',
      end: '2026-01-11T21:00:00.000Z',
      zone: 'Europe/Amsterdam',
    });

    const cleared = await request(server).delete(`/plans/${planId}/waves/${wave.number}/window`).set(auth);
    expect(cleared.status).toBe(200);
    expect(cleared.body.plan.settings.changeWindows).toEqual({});
  });
});
