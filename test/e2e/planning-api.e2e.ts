import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { generateRvtoolsFile } from '#libs/estate-generator';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADMIN = 'planning-e2e-admin';
const ROLES = ['viewer', 'planner', 'approver', 'operator', 'admin'] as const;
type Role = (typeof ROLES)[number];
const MISSING = '00000000-0000-4000-8000-000000000000';
/** A policy keeping every VM of any OS support level on vSphere: none is rehosted, none sized. */
const RETAIN_EVERY_OS = ['supported', 'legacy', 'unsupported', 'unknown'];

describe('assessment, planning, approval and audit through the API', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  const tokens = {} as Record<Role, string>;
  let inventoryId: string;
  let assessmentId: string;
  let planId: string;

  const as = (role: Role | 'bootstrap') => ({
    Authorization: `Bearer ${role === 'bootstrap' ? ADMIN : tokens[role]}`,
  });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-planning-'));
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({ DATABASE_URL: database.url, FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN }),
      {
        logger: false,
      },
    );
    await app.init();
    server = app.getHttpServer();
    for (const role of ROLES) {
      const created = await request(server)
        .post('/tokens')
        .set(as('bootstrap'))
        .send({ name: `${role}-token`, roles: [role] });
      expect(created.status).toBe(201);
      tokens[role] = created.body.token;
    }
    const file = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 80, seed: 11, out: file });
    const imported = await request(server).post('/inventories').set(as('planner')).attach('file', file);
    expect(imported.status).toBe(201);
    inventoryId = imported.body.inventoryId;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('assesses an inventory and explains every VM', async () => {
    const assessed = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({});
    expect(assessed.status).toBe(201);
    assessmentId = assessed.body.assessmentId;
    const summary = assessed.body.summary;
    expect(summary.rehost + summary.retain + summary.retire).toBe(summary.vms);
    expect(summary.rehost).toBeGreaterThan(0);

    const retained = await request(server)
      .get(`/assessments/${assessmentId}/vms?disposition=retain&limit=500`)
      .set(as('viewer'));
    expect(retained.body.items.every((vm: { disposition: string }) => vm.disposition === 'retain')).toBe(
      true,
    );
    for (const vm of retained.body.items) expect(vm.reasons.length).toBeGreaterThan(0);

    const detail = await request(server).get(`/assessments/${assessmentId}`).set(as('viewer'));
    expect(detail.body.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await request(server).get('/metrics').set(as('bootstrap'))).text).toMatch(
      /flotilla_assessments_total\{outcome="succeeded"[^}]*\} 1/,
    );
  });

  it('keeps an override across re-assessment', async () => {
    const page = await request(server)
      .get(`/assessments/${assessmentId}/vms?disposition=rehost&limit=1`)
      .set(as('viewer'));
    const vmKey: string = page.body.items[0].vmKey;
    const path = `/assessments/${assessmentId}/vms/${encodeURIComponent(vmKey)}/override`;
    expect((await request(server).put(path).set(as('planner')).send({ disposition: 'retire' })).status).toBe(
      422,
    );
    const overridden = await request(server)
      .put(path)
      .set(as('planner'))
      .send({ disposition: 'retire', comment: 'Decommissioned with the billing app' });
    expect(overridden.status).toBe(200);
    expect(overridden.body.disposition).toBe('retire');
    expect(overridden.body.override.comment).toBe('Decommissioned with the billing app');

    const again = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({});
    const vm = await request(server)
      .get(`/assessments/${again.body.assessmentId}/vms/${encodeURIComponent(vmKey)}`)
      .set(as('viewer'));
    expect(vm.body.disposition).toBe('retire');
    expect(vm.body.override.by).toBe('token:planner-token');
    assessmentId = again.body.assessmentId;
  });

  it('rejects an invalid policy with the field that is wrong', async () => {
    const response = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({ policy: { version: 1, thresholds: { poweredOffDays: 'ninety' } } });
    expect(response.status).toBe(422);
    expect(response.body.message).toMatch(/poweredOffDays/);
  });

  it('plans waves, approves one and sends it back to draft when it changes', async () => {
    const inventory = await request(server)
      .get(`/inventories/${inventoryId}/vms?limit=1000`)
      .set(as('viewer'));
    expect(inventory.body.total).toBe(80);
    const created = await request(server)
      .post('/plans')
      .set(as('planner'))
      .send({
        assessmentId,
        name: 'Wave plan',
        settings: { constraints: { maxVmsPerWave: 10, pilot: { vms: 3, maxDataGiB: 2000 } } },
      });
    expect(created.status).toBe(201);
    planId = created.body.id;
    expect(created.body.waves.length).toBeGreaterThanOrEqual(created.body.lowerBoundWaves);
    expect(created.body.waves[0].pilot).toBe(true);

    // Unmapped networks and datastores block approval: the approver sees why.
    const blocked = await request(server)
      .post(`/plans/${planId}/waves/1/approve`)
      .set(as('approver'))
      .send({ contentHash: created.body.waves[0].approval.contentHash });
    expect(blocked.status).toBe(422);
    expect(blocked.body.message).toMatch(/unmapped|map/i);

    const plan = created.body;
    const networks = new Set<string>();
    const datastores = new Set<string>();
    for (const wave of plan.waves) {
      for (const network of wave.networks) networks.add(network);
      for (const datastore of wave.datastores) datastores.add(datastore);
    }
    const mapped = await request(server)
      .put(`/plans/${planId}/maps`)
      .set(as('planner'))
      .send({
        networkMap: Object.fromEntries(
          [...networks].map((name, i) => [name, { type: 'multus', name: `apps/net-${i}` }]),
        ),
        storageMap: Object.fromEntries(
          [...datastores].map((name) => [name, { storageClass: 'fast', accessMode: 'ReadWriteMany' }]),
        ),
      });
    expect(mapped.status).toBe(200);
    const current = await request(server).get(`/plans/${planId}`).set(as('viewer'));
    const approvable = current.body.waves.find(
      (wave: { number: number; vmKeys: string[] }) =>
        wave.vmKeys.length > 0 &&
        !current.body.violations.some(
          (violation: { severity: string; wave: number | null; vmKeys: string[] }) =>
            violation.severity === 'error' &&
            (violation.wave === wave.number || violation.vmKeys.some((key) => wave.vmKeys.includes(key))),
        ),
    );
    expect(approvable, 'a wave without blocking violations').toBeDefined();
    const n: number = approvable.number;

    const reviewedHash: string = approvable.approval.contentHash;
    expect(
      (
        await request(server)
          .post(`/plans/${planId}/waves/${n}/approve`)
          .set(as('planner'))
          .send({ contentHash: reviewedHash })
      ).status,
    ).toBe(403);
    // Approval names what was reviewed: nothing to compare with is refused (428), not guessed.
    const unreviewed = await request(server).post(`/plans/${planId}/waves/${n}/approve`).set(as('approver'));
    expect(unreviewed.status).toBe(428);
    expect(unreviewed.body.message).toMatch(/contentHash.*If-Match/);
    const approved = await request(server)
      .post(`/plans/${planId}/waves/${n}/approve`)
      .set({ ...as('approver'), 'If-Match': String(current.body.version) })
      .send({ contentHash: reviewedHash });
    expect(approved.status).toBe(200);
    const approval = approved.body.waves.find((wave: { number: number }) => wave.number === n).approval;
    expect(approval.status).toBe('approved');
    expect(approval.approvedBy).toBe('token:approver-token');
    expect(approval.approvedHash).toBe(approval.contentHash);

    // Moving a VM out of the approved wave changes its content: approval is gone, and audited.
    const target = current.body.waves.find((wave: { number: number }) => wave.number !== n).number;
    const edited = await request(server)
      .post(`/plans/${planId}/edits`)
      .set(as('planner'))
      .send({ kind: 'move-vm', vmKey: approvable.vmKeys[0], toWave: target });
    expect(edited.status).toBe(201);
    expect(edited.body.invalidatedWaves).toContain(n);
    const after = edited.body.plan.waves.find((wave: { number: number }) => wave.number === n);
    expect(after.approval.status).toBe('draft');
    const moved = edited.body.plan.waves.find((wave: { number: number }) => wave.number === target);
    expect(moved.vmKeys).toContain(approvable.vmKeys[0]);

    // Approving what was reviewed before the move approves nothing: 409, and the attempt is audited.
    const outdated = await request(server)
      .post(`/plans/${planId}/waves/${n}/approve`)
      .set(as('approver'))
      .send({ contentHash: reviewedHash });
    expect(outdated.status).toBe(409);
    expect(outdated.body.message).toMatch(/changed since you reviewed it/);
    const outdatedVersion = await request(server)
      .post(`/plans/${planId}/waves/${n}/approve`)
      .set({ ...as('approver'), 'If-Match': String(current.body.version) });
    expect(outdatedVersion.status).toBe(409);
    expect(edited.body.plan.waves.find((wave: { number: number }) => wave.number === n).approval.status).toBe(
      'draft',
    );

    const unknownVm = await request(server)
      .post(`/plans/${planId}/edits`)
      .set(as('planner'))
      .send({ kind: 'move-vm', vmKey: 'no/such-vm', toWave: 1 });
    expect(unknownVm.status).toBe(422);

    const stale = await request(server)
      .post(`/plans/${planId}/edits`)
      .set({ ...as('planner'), 'If-Match': '1' })
      .send({ kind: 'add-wave' });
    expect(stale.status).toBe(409);

    const audit = await request(server)
      .get(`/audit?resourceType=wave&resourceId=${planId}/${n}`)
      .set(as('viewer'));
    expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual([
      'wave.approve',
      'wave.approval-invalidated',
      'wave.approve-refused',
      'wave.approve-refused',
    ]);
    expect(audit.body[2].after).toMatchObject({ reviewedContentHash: reviewedHash });
  });

  it('sorts and filters the assessed VMs on the server, refusing an unknown sort key', async () => {
    const sorted = await request(server)
      .get(`/assessments/${assessmentId}/vms?sort=-score&limit=500`)
      .set(as('viewer'));
    expect(sorted.status).toBe(200);
    const scores = sorted.body.items.map((vm: { score: number }) => vm.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    const family = sorted.body.items[0].os.family;
    const ofFamily = await request(server)
      .get(`/assessments/${assessmentId}/vms?os=${encodeURIComponent(family)}&limit=500`)
      .set(as('viewer'));
    expect(ofFamily.body.total).toBeGreaterThan(0);
    expect(ofFamily.body.items.every((vm: { os: { family: string } }) => vm.os.family === family)).toBe(true);
    const refused = await request(server).get(`/assessments/${assessmentId}/vms?sort=size`).set(as('viewer'));
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('sort');
  });

  it('answers the distinct values of every filter with counts that match the filtered table', async () => {
    const facets = await request(server).get(`/assessments/${assessmentId}/vms/facets`).set(as('viewer'));
    expect(facets.status).toBe(200);
    const everyVm = (
      await request(server).get(`/assessments/${assessmentId}/vms?limit=500`).set(as('viewer'))
    ).body as { total: number; items: Array<{ disposition: string; concerns: Array<{ id: string }> }> };
    type Counted = Array<{ value: string; count: number }>;
    const sum = (values: Counted) => values.reduce((total, value) => total + value.count, 0);
    // Every VM has one disposition, one cluster (or `(no cluster)`) and one OS family.
    for (const facet of ['disposition', 'cluster', 'os']) expect(sum(facets.body[facet])).toBe(everyVm.total);
    const concernIds = new Set(everyVm.items.flatMap((vm) => vm.concerns.map((concern) => concern.id)));
    expect(new Set(facets.body.concern.map((value: Counted[number]) => value.value))).toEqual(concernIds);
    // Each count is what the table lists filtered by that value.
    const filtered = (['disposition', 'effort', 'concern', 'cluster', 'os'] as const).flatMap((facet) =>
      (facets.body[facet] as Counted).map(async ({ value, count }) => {
        const listed = await request(server)
          .get(`/assessments/${assessmentId}/vms?${facet}=${encodeURIComponent(value)}&limit=1`)
          .set(as('viewer'));
        return { facet, value, count, listed: listed.body.total };
      }),
    );
    for (const { facet, value, count, listed } of await Promise.all(filtered))
      expect(listed, `${facet}=${value}`).toBe(count);
    // The summary sizes the clusters of rehosted VMs only: assessed with a policy that keeps every
    // VM on vSphere, it sizes none, while the facets still offer every cluster the VMs are in.
    const retainAll = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(as('planner'))
      .send({ policy: { version: 1, disposition: { retainOsSupport: RETAIN_EVERY_OS } } });
    expect(retainAll.status).toBe(201);
    expect(retainAll.body.summary.sizing.byCluster).toEqual({});
    const retained = await request(server)
      .get(`/assessments/${retainAll.body.assessmentId}/vms/facets`)
      .set(as('viewer'));
    expect(retained.body.cluster).toEqual(facets.body.cluster);
    const missing = await request(server).get(`/assessments/${MISSING}/vms/facets`).set(as('viewer'));
    expect(missing.status).toBe(404);
  });

  it("answers 503 naming the executor settings a wave's manifests need when they are not configured", async () => {
    const manifests = await request(server).get(`/plans/${planId}/waves/1/manifests`).set(as('viewer'));
    expect(manifests.status).toBe(503);
    expect(manifests.body.message).toMatch(/VSPHERE_URL.*VSPHERE_THUMBPRINT.*VDDK_INIT_IMAGE/);
  });

  it('writes the wave report and takes a planner’s moves back', async () => {
    const download = await request(server)
      .get(`/plans/${planId}/report.xlsx`)
      .set(as('viewer'))
      .buffer(true)
      .parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toMatch(/spreadsheetml/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(download.body as Parameters<typeof workbook.xlsx.load>[0]);
    const waves = workbook.getWorksheet('Waves');
    if (!waves) throw new Error('no Waves sheet');
    const plan = (await request(server).get(`/plans/${planId}`).set(as('viewer'))).body;
    const header = (waves.getRow(1).values as unknown[]).map(String);
    const waveColumn = header.findIndex((value) => /^wave$/i.test(value));
    const keyColumn = header.findIndex((value) => /vm key/i.test(value));
    expect(waveColumn).toBeGreaterThan(0);
    const row = waves.getRow(2);
    const vmKey = String(row.getCell(keyColumn).value);
    const from = Number(row.getCell(waveColumn).value);
    const to = plan.waves.find((wave: { number: number }) => wave.number !== from).number;
    row.getCell(waveColumn).value = to;
    const edited = join(scratch, 'edited.xlsx');
    await workbook.xlsx.writeFile(edited);

    const imported = await request(server)
      .post(`/plans/${planId}/import-edits`)
      .set(as('planner'))
      .attach('file', edited);
    expect(imported.status).toBe(201);
    expect(imported.body.rows).toEqual([
      expect.objectContaining({ vmKey, fromWave: from, toWave: to, outcome: 'applied' }),
    ]);
    const replanned = (await request(server).get(`/plans/${planId}`).set(as('viewer'))).body;
    expect(replanned.waves.find((wave: { number: number }) => wave.number === to).vmKeys).toContain(vmKey);

    // The same file again is for an older version of the plan: refused.
    const stale = await request(server)
      .post(`/plans/${planId}/import-edits`)
      .set(as('planner'))
      .attach('file', edited);
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/version/);

    const csv = await request(server).get(`/plans/${planId}/vms.csv`).set(as('viewer'));
    expect(csv.status).toBe(200);
    expect(csv.text.split('\n').length).toBeGreaterThan(80);
  });

  it('checks every role against every mutating endpoint', async () => {
    const vmKey = encodeURIComponent('vc/vm-1');
    const endpoints: Array<{ method: 'post' | 'put' | 'delete'; path: string; role: Role }> = [
      { method: 'post', path: '/inventories', role: 'planner' },
      { method: 'delete', path: `/inventories/${MISSING}`, role: 'planner' },
      { method: 'post', path: `/inventories/${MISSING}/assessments`, role: 'planner' },
      { method: 'put', path: `/assessments/${MISSING}/vms/${vmKey}/override`, role: 'planner' },
      { method: 'put', path: '/policies', role: 'planner' },
      { method: 'post', path: '/plans', role: 'planner' },
      { method: 'delete', path: `/plans/${MISSING}`, role: 'planner' },
      { method: 'put', path: `/plans/${MISSING}/settings`, role: 'planner' },
      { method: 'put', path: `/plans/${MISSING}/maps`, role: 'planner' },
      { method: 'post', path: `/plans/${MISSING}/waves`, role: 'planner' },
      { method: 'post', path: `/plans/${MISSING}/edits`, role: 'planner' },
      { method: 'post', path: `/plans/${MISSING}/replan`, role: 'planner' },
      { method: 'post', path: `/plans/${MISSING}/import-edits`, role: 'planner' },
      { method: 'post', path: `/plans/${MISSING}/waves/1/approve`, role: 'approver' },
      { method: 'post', path: `/plans/${MISSING}/waves/1/execute`, role: 'operator' },
      { method: 'post', path: `/executions/${MISSING}/cancel`, role: 'operator' },
      { method: 'post', path: `/executions/${MISSING}/retry`, role: 'operator' },
      { method: 'post', path: '/tokens', role: 'admin' },
      { method: 'delete', path: `/tokens/${MISSING}`, role: 'admin' },
    ];
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      for (const role of ROLES) {
        const response = await request(server)[endpoint.method](endpoint.path).set(as(role)).send({});
        const allowed = role === endpoint.role || role === 'admin';
        if (allowed && response.status === 403)
          failures.push(`${role} refused on ${endpoint.method} ${endpoint.path}`);
        if (!allowed && response.status !== 403) {
          failures.push(`${role} got ${response.status} on ${endpoint.method} ${endpoint.path}`);
        }
      }
      const anonymous = await request(server)[endpoint.method](endpoint.path).send({});
      if (anonymous.status !== 401)
        failures.push(`anonymous got ${anonymous.status} on ${endpoint.method} ${endpoint.path}`);
    }
    expect(failures).toEqual([]);
  });
});
