import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { generateRvtoolsFile } from '#libs/estate-generator';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Map entries removed through PUT /plans/:id/maps (null unmaps a source), and the waves board of a
 * plan, which is kept per plan version, answering every change at once: both against the real API
 * on PostgreSQL.
 */

const ADMIN = 'plan-maps-board-e2e-admin';

interface SourceEntry {
  source: string;
  unnamed: boolean;
  vms: number;
  target: unknown;
}

interface Violation {
  code: string;
  wave: number | null;
  message: string;
}

interface BoardWave {
  number: number;
  vmCount: number;
  approval: { status: string; contentHash: string } | null;
  vms: Array<{ key: string; name: string }>;
}

describe('plan maps and waves board through the API', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  let assessmentId: string;
  const auth = { Authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-plan-maps-board-'));
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({ DATABASE_URL: database.url, FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    const file = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 40, seed: 7, out: file });
    const imported = await request(server).post('/inventories').set(auth).attach('file', file);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const assessed = await request(server)
      .post(`/inventories/${imported.body.inventoryId}/assessments`)
      .set(auth)
      .send({});
    expect(assessed.status).toBe(201);
    assessmentId = assessed.body.assessmentId;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function createPlan(): Promise<{ id: string; waves: Array<{ number: number }> }> {
    const plan = await request(server)
      .post('/plans')
      .set(auth)
      .send({ assessmentId, settings: { constraints: { maxVmsPerWave: 10 } } });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    expect(plan.body.waves.length).toBeGreaterThanOrEqual(2);
    return plan.body;
  }

  async function readMaps(planId: string) {
    const maps = await request(server).get(`/plans/${planId}/maps`).set(auth);
    expect(maps.status).toBe(200);
    return maps.body as {
      networkMap: Record<string, unknown>;
      storageMap: Record<string, unknown>;
      sources: { networks: SourceEntry[]; datastores: SourceEntry[] };
    };
  }

  async function putMaps(planId: string, body: Record<string, unknown>) {
    const updated = await request(server).put(`/plans/${planId}/maps`).set(auth).send(body);
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    return updated.body as { plan: { version: number; violations: Violation[] }; violations: Violation[] };
  }

  /** The violations naming a source as unmapped. */
  const unmapped = (violations: Violation[], code: string, source: string) =>
    violations.filter(
      (violation) => violation.code === code && violation.message.includes(`${source} has no`),
    );

  it('removes a network and a storage map entry sent as null: the sources are unmapped again', async () => {
    const plan = await createPlan();
    const { sources } = await readMaps(plan.id);
    const network = sources.networks.find((entry) => !entry.unnamed && entry.vms > 0);
    const datastore = sources.datastores.find((entry) => !entry.unnamed && entry.vms > 0);
    if (!network || !datastore) throw new Error('the generated estate names no network or datastore');

    const mapped = await putMaps(plan.id, {
      networkMap: { [network.source]: { type: 'pod' } },
      storageMap: { [datastore.source]: { storageClass: 'fast', accessMode: 'ReadWriteMany' } },
    });
    expect(unmapped(mapped.violations, 'unmapped-network', network.source)).toEqual([]);
    expect(unmapped(mapped.violations, 'unmapped-datastore', datastore.source)).toEqual([]);
    let maps = await readMaps(plan.id);
    expect(maps.networkMap[network.source]).toEqual({ type: 'pod' });
    expect(maps.sources.datastores.find((entry) => entry.source === datastore.source)?.target).toEqual({
      storageClass: 'fast',
      accessMode: 'ReadWriteMany',
    });

    // An entry replaces the stored one as a whole: a datastore mapped to a class can be excluded.
    await putMaps(plan.id, {
      storageMap: { [datastore.source]: { excluded: true, reason: 'archive, left behind' } },
    });
    maps = await readMaps(plan.id);
    expect(maps.storageMap[datastore.source]).toEqual({ excluded: true, reason: 'archive, left behind' });

    const cleared = await putMaps(plan.id, {
      networkMap: { [network.source]: null },
      storageMap: { [datastore.source]: null },
    });
    maps = await readMaps(plan.id);
    expect(maps.networkMap).not.toHaveProperty(network.source);
    expect(maps.storageMap).not.toHaveProperty(datastore.source);
    expect(maps.sources.networks.find((entry) => entry.source === network.source)?.target).toBeNull();
    expect(maps.sources.datastores.find((entry) => entry.source === datastore.source)?.target).toBeNull();

    // The stored settings carry no null, and the plan is blocked by the two sources again.
    const settings = await request(server).get(`/plans/${plan.id}/settings`).set(auth);
    expect(settings.status).toBe(200);
    expect(Object.values(settings.body.networkMap)).not.toContain(null);
    expect(Object.values(settings.body.storageMap)).not.toContain(null);
    expect(JSON.stringify(settings.body)).not.toContain(network.source);
    for (const violations of [cleared.violations, cleared.plan.violations]) {
      expect(unmapped(violations, 'unmapped-network', network.source).length).toBeGreaterThan(0);
      expect(unmapped(violations, 'unmapped-datastore', datastore.source).length).toBeGreaterThan(0);
    }
    const current = await request(server).get(`/plans/${plan.id}`).set(auth);
    expect(unmapped(current.body.violations, 'unmapped-network', network.source).length).toBeGreaterThan(0);

    // Audited as every map edit is: the change as sent, nulls included.
    const audit = await request(server).get(`/audit?resourceType=plan&resourceId=${plan.id}`).set(auth);
    expect(audit.status).toBe(200);
    const settingsEdits = (audit.body as Array<{ action: string; after: { change: unknown } }>).filter(
      (entry) => entry.action === 'plan.settings',
    );
    expect(settingsEdits.map((entry) => entry.after.change)).toContainEqual({
      networkMap: { [network.source]: null },
      storageMap: { [datastore.source]: null },
    });

    // A removal of a source that is not mapped changes nothing and is no error; a wrong target is refused.
    await putMaps(plan.id, { networkMap: { [network.source]: null } });
    const refused = await request(server)
      .put(`/plans/${plan.id}/maps`)
      .set(auth)
      .send({ networkMap: { [network.source]: { type: 'bridge' } } });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain(`networkMap.${network.source}`);
  });

  it('answers the board of the current plan after a move and after an approval', async () => {
    const plan = await createPlan();
    const first = await request(server).get(`/plans/${plan.id}/board`).set(auth);
    expect(first.status).toBe(200);
    const again = await request(server).get(`/plans/${plan.id}/board`).set(auth);
    expect(again.body).toEqual(first.body);

    const [from, to] = first.body.waves as BoardWave[];
    const moved = from.vms[0];
    const edit = await request(server)
      .post(`/plans/${plan.id}/edits`)
      .set({ ...auth, 'If-Match': String(first.body.version) })
      .send({ kind: 'move-vm', vmKey: moved.key, toWave: to.number });
    expect(edit.status, JSON.stringify(edit.body)).toBe(201);
    const afterMove = await request(server).get(`/plans/${plan.id}/board`).set(auth);
    expect(afterMove.body.version).toBe(first.body.version + 1);
    const waveOf = (board: { waves: BoardWave[] }, number: number) =>
      board.waves.find((wave) => wave.number === number);
    expect(waveOf(afterMove.body, to.number)?.vms.map((vm) => vm.key)).toContain(moved.key);
    expect(waveOf(afterMove.body, from.number)?.vms.map((vm) => vm.key)).not.toContain(moved.key);
    expect(waveOf(afterMove.body, from.number)?.vmCount).toBe(from.vmCount - 1);

    // Every source mapped, a wave approved: approving leaves the plan version as it is, and the
    // board shows the approval all the same.
    const { sources } = await readMaps(plan.id);
    await putMaps(plan.id, {
      networkMap: Object.fromEntries(sources.networks.map((entry) => [entry.source, { type: 'pod' }])),
      storageMap: Object.fromEntries(
        sources.datastores.map((entry) => [entry.source, { storageClass: 'standard' }]),
      ),
    });
    const mapped = await request(server).get(`/plans/${plan.id}/board`).set(auth);
    const current = await request(server).get(`/plans/${plan.id}`).set(auth);
    const blocked = new Set(
      (current.body.violations as Array<Violation & { severity: string }>)
        .filter((violation) => violation.severity === 'error')
        .map((violation) => violation.wave),
    );
    const candidate = (mapped.body.waves as BoardWave[]).find(
      (wave) => wave.vmCount > 0 && !blocked.has(wave.number),
    );
    if (!candidate) throw new Error('no wave without blocking violations to approve');
    const approved = await request(server)
      .post(`/plans/${plan.id}/waves/${candidate.number}/approve`)
      .set(auth)
      .send({ contentHash: candidate.approval?.contentHash });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const afterApproval = await request(server).get(`/plans/${plan.id}/board`).set(auth);
    expect(afterApproval.body.version).toBe(mapped.body.version);
    expect(waveOf(afterApproval.body, candidate.number)?.approval?.status).toBe('approved');
  });
});
