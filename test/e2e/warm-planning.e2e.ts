import { randomBytes } from 'node:crypto';
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

const ADMIN = 'warm-planning-e2e-admin';
const ROLES = ['viewer', 'planner', 'approver', 'operator'] as const;
type Role = (typeof ROLES)[number];
const REDIS_URL = process.env.FLOTILLA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface ViewVm {
  key: string;
  name: string;
  migrationType: string;
  downtimeMinutes: { warm: number; cold: number };
}
interface ViewWave {
  number: number;
  vmKeys: string[];
  vms: ViewVm[];
  migration: {
    warmVms: number;
    coldVms: number;
    cutoverAt: string | null;
    hoursToCutoverReady: number | null;
    downtimeMinutes: { warm: number; cold: number; planned: number };
  };
  approval: { contentHash: string; status: string };
}
interface ViewViolation {
  code: string;
  severity: string;
  wave: number | null;
  message: string;
  vmKeys: string[];
}

describe('warm migration planning through the API', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  const tokens = {} as Record<Role, string>;
  let assessmentId: string;
  const warmReady = new Map<string, boolean>();

  const as = (role: Role | 'bootstrap') => ({
    Authorization: `Bearer ${role === 'bootstrap' ? ADMIN : tokens[role]}`,
  });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-warm-planning-'));
    database = await createTestDatabase();
    // Redis for the execute endpoint; no VDDK_INIT_IMAGE: warm waves cannot start here.
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL,
        FLOTILLA_QUEUE_PREFIX: `flotilla-warm-${randomBytes(4).toString('hex')}`,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    for (const role of ROLES) {
      const created = await request(server)
        .post('/tokens')
        .set(as('bootstrap'))
        .send({ name: `${role}-token`, roles: [role] });
      tokens[role] = created.body.token;
    }
    const file = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 60, seed: 14, out: file });
    const imported = await request(server).post('/inventories').set(as('planner')).attach('file', file);
    expect(imported.status).toBe(201);
    const assessed = await request(server)
      .post(`/inventories/${imported.body.inventoryId}/assessments`)
      .set(as('planner'))
      .send({});
    expect(assessed.status).toBe(201);
    assessmentId = assessed.body.assessmentId;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows each VM warm-ready or why not, counts the ready ones and filters on it', async () => {
    const all = await request(server).get(`/assessments/${assessmentId}/vms?limit=500`).set(as('viewer'));
    for (const vm of all.body.items) {
      expect(vm.warm.ready).toBe(vm.warm.reasons.length === 0);
      warmReady.set(vm.vmKey, vm.warm.ready);
    }
    const reasons: string[] = all.body.items.flatMap(
      (vm: { warm: { reasons: string[] } }) => vm.warm.reasons,
    );
    expect(reasons.some((reason) => reason.startsWith('Changed Block Tracking is not known to be on'))).toBe(
      true,
    );
    const ready = await request(server)
      .get(`/assessments/${assessmentId}/vms?warmReady=true&disposition=rehost&limit=500`)
      .set(as('viewer'));
    const detail = await request(server).get(`/assessments/${assessmentId}`).set(as('viewer'));
    expect(detail.body.summary.warmReady).toBe(ready.body.total);
    expect(ready.body.total).toBeGreaterThan(0);
    expect(detail.body.summary.warmReady).toBeLessThan(detail.body.summary.rehost);
    const notReady = await request(server)
      .get(`/assessments/${assessmentId}/vms?warmReady=false&limit=500`)
      .set(as('viewer'));
    expect(notReady.body.total + (await countAll(true))).toBe(all.body.total);
    for (const vm of notReady.body.items) expect(vm.warm.reasons.length).toBeGreaterThan(0);
  });

  async function countAll(ready: boolean): Promise<number> {
    const page = await request(server)
      .get(`/assessments/${assessmentId}/vms?warmReady=${ready}&limit=1`)
      .set(as('viewer'));
    return page.body.total;
  }

  it('moves a wave warm, refuses its unready VMs by name, books its cutover and re-approves', async () => {
    const created = await request(server)
      .post('/plans')
      .set(as('planner'))
      .send({ assessmentId, settings: { constraints: { maxVmsPerWave: 12, pilot: null } } });
    expect(created.status).toBe(201);
    const planId: string = created.body.id;
    const networks = new Set<string>();
    const datastores = new Set<string>();
    for (const wave of created.body.waves) {
      for (const network of wave.networks) networks.add(network);
      for (const datastore of wave.datastores) datastores.add(datastore);
    }
    const mapped = await request(server)
      .put(`/plans/${planId}/maps`)
      .set(as('planner'))
      .send({
        networkMap: Object.fromEntries(
          [...networks].map((name, i) => [name, { type: 'multus', name: `apps/n-${i}` }]),
        ),
        storageMap: Object.fromEntries(
          [...datastores].map((name) => [name, { storageClass: 'fast', accessMode: 'ReadWriteMany' }]),
        ),
      });
    expect(mapped.status).toBe(200);
    const cold: ViewViolation[] = mapped.body.plan.violations;
    const blocked = (wave: ViewWave, violations: ViewViolation[]) =>
      violations.some(
        (violation) =>
          violation.severity === 'error' &&
          (violation.wave === wave.number || violation.vmKeys.some((key) => wave.vmKeys.includes(key))),
      );
    // A wave approvable cold, holding warm-ready VMs and at least one that is not.
    const target = (mapped.body.plan.waves as ViewWave[]).find(
      (wave) =>
        !blocked(wave, cold) &&
        wave.vmKeys.some((key) => warmReady.get(key) === true) &&
        wave.vmKeys.some((key) => warmReady.get(key) === false),
    );
    expect(target, 'a wave mixing warm-ready and unready VMs').toBeDefined();
    const wave = target as ViewWave;
    expect(wave.migration).toMatchObject({
      warmVms: 0,
      coldVms: wave.vmKeys.length,
      hoursToCutoverReady: null,
    });
    const approve = (hash: string) =>
      request(server)
        .post(`/plans/${planId}/waves/${wave.number}/approve`)
        .set(as('approver'))
        .send({ contentHash: hash });
    expect((await approve(wave.approval.contentHash)).status).toBe(200);

    const warmed = await request(server)
      .put(`/plans/${planId}/migration`)
      .set(as('planner'))
      .send({ byWave: { [wave.number]: 'warm' } });
    expect(warmed.status).toBe(200);
    expect(warmed.body.invalidatedWaves).toEqual([wave.number]);
    const unready = wave.vms.filter((vm) => warmReady.get(vm.key) === false);
    const refusals = (warmed.body.violations as ViewViolation[]).filter(
      (violation) => violation.code === 'warm-not-ready',
    );
    expect(refusals.map((violation) => violation.vmKeys[0]).sort()).toEqual(
      unready.map((vm) => vm.key).sort(),
    );
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ severity: 'error', wave: wave.number });
      const name = unready.find((vm) => vm.key === refusal.vmKeys[0])?.name;
      expect(refusal.message).toMatch(new RegExp(`^VM ${name} cannot move warm: .+`));
    }
    const warmWave = (warmed.body.plan.waves as ViewWave[]).find(
      (candidate) => candidate.number === wave.number,
    ) as ViewWave;
    expect(warmWave.vmKeys).toEqual(wave.vmKeys);
    const refused = await approve(warmWave.approval.contentHash);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/cannot move warm/);

    // The unready VMs stay cold; the rest of the wave moves warm, cut over at a booked time.
    const cutoverAt = '2026-03-07T22:00:00Z';
    const split = await request(server)
      .put(`/plans/${planId}/migration`)
      .set(as('planner'))
      .send({
        coldVms: unready.map((vm) => vm.name),
        cutoverAt: { [wave.number]: cutoverAt },
        precopyIntervalMinutes: 30,
      });
    expect(split.status).toBe(200);
    expect(
      (split.body.violations as ViewViolation[]).filter((violation) => violation.code === 'warm-not-ready'),
    ).toEqual([]);
    const splitWave = (split.body.plan.waves as ViewWave[]).find(
      (candidate) => candidate.number === wave.number,
    ) as ViewWave;
    expect(splitWave.migration).toMatchObject({
      warmVms: wave.vmKeys.length - unready.length,
      coldVms: unready.length,
      cutoverAt,
      hoursToCutoverReady: splitWave.migration.hoursToCutoverReady,
    });
    expect(splitWave.migration.hoursToCutoverReady).toBeGreaterThan(0);
    expect(splitWave.migration.downtimeMinutes.warm).toBeLessThan(splitWave.migration.downtimeMinutes.cold);
    for (const vm of splitWave.vms) {
      expect(vm.migrationType).toBe(warmReady.get(vm.key) ? 'warm' : 'cold');
      expect(vm.downtimeMinutes.warm).toBeLessThanOrEqual(vm.downtimeMinutes.cold);
    }
    expect((await approve(splitWave.approval.contentHash)).status).toBe(200);

    // Moving the cutover is a change to the approved wave: back to draft, audited.
    const moved = await request(server)
      .put(`/plans/${planId}/migration`)
      .set(as('planner'))
      .send({ cutoverAt: { [wave.number]: '2026-03-08T22:00:00Z' } });
    expect(moved.body.invalidatedWaves).toEqual([wave.number]);
    // Settings of other waves leave this one approved.
    const other = (split.body.plan.waves as ViewWave[]).find(
      (candidate) => candidate.number !== wave.number,
    ) as ViewWave;
    const reapproved = await approve(
      (
        (moved.body.plan.waves as ViewWave[]).find(
          (candidate) => candidate.number === wave.number,
        ) as ViewWave
      ).approval.contentHash,
    );
    expect(reapproved.status).toBe(200);
    const elsewhere = await request(server)
      .put(`/plans/${planId}/migration`)
      .set(as('planner'))
      .send({ cutoverAt: { [other.number]: '2026-03-09T22:00:00Z' } });
    expect(elsewhere.body.invalidatedWaves).toEqual([]);

    const audit = await request(server)
      .get(`/audit?resourceType=wave&resourceId=${planId}/${wave.number}`)
      .set(as('viewer'));
    expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual([
      'wave.approve',
      'wave.approval-invalidated',
      'wave.approve',
      'wave.approval-invalidated',
      'wave.approve',
    ]);
    expect(audit.body[1].after).toMatchObject({ status: 'draft', reason: 'plan.migration' });

    // A warm wave does not start without the executor's VDDK image, and says which VMs need it.
    const started = await request(server)
      .post(`/plans/${planId}/waves/${wave.number}/execute`)
      .set(as('operator'))
      .send({});
    expect(started.status).toBe(422);
    const warmName = splitWave.vms.find((vm) => vm.migrationType === 'warm')?.name as string;
    expect(started.body.message).toContain('VDDK_INIT_IMAGE');
    expect(started.body.message).toContain(warmName);

    // Bad input names the field.
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ precopyIntervalMinutes: 1 }, /migration\.precopyIntervalMinutes must be at least 5 minutes/],
      [
        { cutoverAt: { [wave.number]: 'tomorrow' } },
        new RegExp(`migration\\.cutoverAt\\.${wave.number} must be an ISO 8601 time`),
      ],
      [{ cutoverAt: { '999': cutoverAt } }, /migration\.cutoverAt\.999: plan .* has no wave 999/],
      [{ byWave: { [wave.number]: 'tepid' } }, new RegExp(`byWave\\.${wave.number}: must be cold or warm`)],
      [{ warmVms: ['/([/'] }, /migration\.warmVms\.0 is refused/],
    ];
    for (const [patch, message] of cases) {
      const response = await request(server).put(`/plans/${planId}/migration`).set(as('planner')).send(patch);
      expect(response.status, JSON.stringify(patch)).toBe(422);
      expect(response.body.message).toMatch(message);
    }
    expect(
      (await request(server).put(`/plans/${planId}/migration`).set(as('viewer')).send({ type: 'warm' }))
        .status,
    ).toBe(403);
  });
});
