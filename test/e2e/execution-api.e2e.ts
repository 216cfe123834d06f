import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Command } from 'commander';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '#libs/config';
import { PLACEHOLDER_VCENTER_PASSWORD } from '#libs/kubevirt';
import { AccessStore, type Role } from '#libs/persistence';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { registerRenderCommand } from '../../apps/cli/src/render.command.js';
import { type ManifestKind, validateManifest } from '../k8s-emulator/index.js';
import { buildApps } from '../support/built-apps.js';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type ExecutionEnvironment, startExecutionEnvironment, V2V_IMAGE } from './execution-fixture.js';

const ADMIN = 'execution-api-admin';

const emulatorSuite = upstreamSchemasSuite('the execution API');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let env: ExecutionEnvironment;
  let app: INestApplication;
  let withoutRedis: INestApplication;
  let server: Parameters<typeof request>[0];
  const tokens = {} as Record<Role, string>;
  const as = (role: Role) => ({ Authorization: `Bearer ${tokens[role]}` });

  beforeAll(async () => {
    // The executor runs as its own process from a build of this tree; build while the rest starts.
    [env] = await Promise.all([startExecutionEnvironment(), buildApps()]);
    // The API runs on the same settings as the executor process: its own queue, the real one.
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: env.testDatabase.url,
        REDIS_URL: env.environment.REDIS_URL,
        FLOTILLA_QUEUE_PREFIX: env.prefix,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    withoutRedis = await createAssessmentApp(
      loadConfig({ DATABASE_URL: env.testDatabase.url, FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN }),
      { logger: false },
    );
    await withoutRedis.init();
    const access = env.core.get(AccessStore);
    for (const role of ['viewer', 'operator'] as const) {
      tokens[role] = (await access.createToken(`${role}-token`, [role], 'test')).token;
    }
  });

  afterAll(async () => {
    await app?.close();
    await withoutRedis?.close();
    await env?.close();
  });

  it('answers 503 with a clear message when Redis is not configured', async () => {
    const { planId, waveNumber } = await env.approvedWave({ name: 'no redis' });
    const response = await request(withoutRedis.getHttpServer())
      .post(`/plans/${planId}/waves/${waveNumber}/execute`)
      .set(as('operator'))
      .send({});
    expect(response.status).toBe(503);
    expect(response.body.message).toBe('execution needs Redis: set REDIS_URL');
  });

  it('starts, shows, streams, refuses a second start, and ends a wave through HTTP', {
    timeout: 180_000,
  }, async () => {
    const { planId, waveNumber } = await env.approvedWave({ name: 'http' });
    const path = `/plans/${planId}/waves/${waveNumber}/execute`;
    expect((await request(server).post(path).set(as('viewer')).send({})).status).toBe(403);
    expect(
      (await request(server).post(path).set(as('operator')).send({ convertGuest: 'sometimes' })).status,
    ).toBe(422);

    const started = await request(server).post(path).set(as('operator')).send({ startVms: true });
    expect(started.status).toBe(202);
    const executionId: string = started.body.id;
    expect(started.body.vms).toHaveLength(20);
    expect(started.body.vms[0]).toMatchObject({ status: 'queued', phase: 'Preflight' });
    expect(JSON.stringify(started.body)).not.toContain(env.vcsim.password);

    const again = await request(server).post(path).set(as('operator')).send({});
    expect(again.status).toBe(409);

    // The API put its job under FLOTILLA_QUEUE_PREFIX, where the executor with the same settings looks.
    const waiting = await env.queue.queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(waiting.map((job) => [job.name, job.data])).toContainEqual(['start-execution', { executionId }]);
    const executor = await env.startExecutorProcess();
    const stream = await request(server)
      .get(`/executions/${executionId}/stream`)
      .set(as('viewer'))
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => done(null, text));
      });
    expect(stream.status).toBe(200);
    const body = String(stream.body);
    expect(body).toContain('event: end');
    expect(body).toContain('"status":"completed"');
    expect(body).toContain('CopyDisks done');

    const shown = await request(server).get(`/executions/${executionId}`).set(as('viewer'));
    expect(shown.status).toBe(200);
    expect(shown.body.status).toBe('completed');
    // SIGTERM: the executor finishes its steps and exits cleanly.
    expect(await executor.stop(), executor.output()).toBe(0);
    expect(shown.body.vms.every((vm: { phase: string }) => vm.phase === 'Completed')).toBe(true);
    expect(shown.body.vms[0].disks[0]).toMatchObject({ percent: 100, phase: 'Succeeded' });

    const events = await request(server)
      .get(`/executions/${executionId}/events?after=0&limit=5`)
      .set(as('viewer'));
    expect(events.status).toBe(200);
    expect(events.body).toHaveLength(5);
    const next = await request(server)
      .get(`/executions/${executionId}/events?after=${events.body[4].id}`)
      .set(as('viewer'));
    expect(next.body[0].id).toBeGreaterThan(events.body[4].id);

    const retry = await request(server).post(`/executions/${executionId}/retry`).set(as('operator'));
    expect(retry.status).toBe(409);
    const cancel = await request(server)
      .post(`/executions/${executionId}/cancel`)
      .set(as('operator'))
      .send({ vmKeys: ['no-such-vm'] });
    expect(cancel.status).toBe(404);
  });

  it('renders a wave with `flotilla render` as the executor would apply it, secrets as placeholders', {
    timeout: 60_000,
  }, async () => {
    const { planId, waveNumber } = await env.approvedWave({ name: 'render' });
    const out = mkdtempSync(join(tmpdir(), 'flotilla-render-'));
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        DATABASE_URL: env.testDatabase.url,
        VSPHERE_URL: env.vcsim.url,
        VSPHERE_THUMBPRINT: env.vcsim.thumbprint,
        VDDK_INIT_IMAGE: env.config.executor.vddkInitImage,
        VIRT_V2V_IMAGE: V2V_IMAGE,
      });
      const render = async (dir: string, ...flags: string[]) => {
        const program = new Command().exitOverride();
        registerRenderCommand(program);
        await program.parseAsync(['render', planId, '--wave', String(waveNumber), '--out', dir, ...flags], {
          from: 'user',
        });
        return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) =>
          file.endsWith('.yaml'),
        );
      };
      const files = await render(out);
      // A Secret, a DataVolume, the conversion pod and a VirtualMachine per VM: every guest is converted.
      expect(files).toHaveLength(80);
      expect(files.filter((file) => file.includes('-pod-'))).toHaveLength(20);
      // A raw copy, when asked for, has no conversion pod.
      expect(await render(join(out, 'raw'), '--convert-guest', 'never')).toHaveLength(60);
      for (const file of files) {
        const text = readFileSync(join(out, file), 'utf8');
        expect(text).not.toContain(env.vcsim.password);
        const manifest = parseYaml(text) as { kind: ManifestKind };
        expect(validateManifest(manifest.kind, manifest), file).toEqual([]);
      }
      const secret = files.find((file) => file.includes('secret'));
      expect(readFileSync(join(out, secret ?? ''), 'utf8')).toContain(PLACEHOLDER_VCENTER_PASSWORD);
    } finally {
      process.env = saved;
      rmSync(out, { recursive: true, force: true });
    }
  });
});
