/**
 * `npm run bench:sse`: 100 clients follow one 500-VM execution's server-sent events
 * (`GET /executions/:id/stream`) while a stand-in executor writes progress: every second it
 * updates 50 VMs' disk progress and appends 20 events. Prints the API process's CPU as a share of
 * one core over the measured window. Goal: under 5 %.
 *
 * Knobs (environment): BENCH_SUBSCRIBERS (100), BENCH_VMS (500), BENCH_SECONDS (30).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AssessmentSummary } from '#libs/assessment';
import { summarizeInventory } from '#libs/inventory';
import { AssessmentStore, ExecutionStore, InventoryStore, openDatabase, PlanStore } from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { makeDisk, makeInventory, makeVm } from '../libs/assessment/src/testing/index.js';
import { createTestDatabase } from '../test/support/database.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100);
const VMS = Number(process.env.BENCH_VMS ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARM_UP_MS = 3_000;

function startApi(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./sse-api-process.js', import.meta.url));
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { type: string; port: number }) =>
      resolve({ child, port: message.port }),
    );
    child.once('exit', (code) => reject(new Error(`the API process exited (${code}) before it listened`)));
  });
}

function apiCpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string; usage?: NodeJS.CpuUsage }) => {
      if (message.type !== 'cpu' || !message.usage) return;
      child.off('message', onMessage);
      resolve(message.usage.user + message.usage.system);
    };
    child.on('message', onMessage);
    child.send({ type: 'cpu' });
  });
}

/** One SSE client: counts the `data:` lines it receives. */
function subscribe(port: number, token: string, executionId: string, counts: number[], index: number) {
  const req = request({
    host: '127.0.0.1',
    port,
    path: `/executions/${executionId}/stream`,
    headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
  });
  req.on('response', (response) => {
    if (response.statusCode !== 200) throw new Error(`stream answered ${response.statusCode}`);
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      counts[index] = (counts[index] ?? 0) + (chunk.match(/^data:/gm)?.length ?? 0);
    });
  });
  req.on('error', () => undefined);
  req.end();
  return req;
}

async function main(): Promise<void> {
  const testDatabase = await createTestDatabase('flotilla_bench_sse');
  const database = await openDatabase({ databaseUrl: testDatabase.url, migrations: flotillaMigrations });
  const token = `bench-${randomBytes(12).toString('hex')}`;
  let api: { child: ChildProcess; port: number } | undefined;
  try {
    const { dataSource } = database;
    const vms = Array.from({ length: VMS }, (_, index) =>
      makeVm({
        key: `bench/vm-${index}`,
        name: `bench-${index}`,
        host: `esx-${index % 8}`,
        disks: [makeDisk({ label: 'Hard disk 1', capacityMiB: 40_960, datastore: `ds-${index % 8}` })],
      }),
    );
    const inventory = makeInventory(vms);
    const inventoryId = await new InventoryStore(dataSource).save(
      inventory,
      'bench',
      summarizeInventory(inventory),
    );
    const assessmentId = await new AssessmentStore(dataSource).save({
      inventoryId,
      policy: {},
      policyHash: 'bench',
      assessedAt: new Date(),
      summary: {} as AssessmentSummary,
      vms: [],
    });
    const planId = await new PlanStore(dataSource).create({
      name: 'bench',
      inventoryId,
      assessmentId,
      createdBy: 'bench',
      content: { settings: {}, result: { waves: [] }, waveHashes: [{ number: 1, hash: 'bench' }] },
    });
    const executions = new ExecutionStore(dataSource);
    // Each VM row carries its inventory VM in its spec, as a real execution's does.
    const executionId = await executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'bench',
      requestedBy: 'bench',
      spec: {},
      vms: vms.map((vm) => ({
        vmKey: vm.key,
        name: vm.name,
        targetName: vm.name,
        sourceHost: vm.host,
        spec: { vmKey: vm.key, vm, disks: [], targetNamespace: 'bench' },
        firstPhase: 'CopyDisks',
        disks: [{ index: 0, datastore: vm.disks[0]?.datastore ?? '', capacityBytes: 40 * 2 ** 30 }],
      })),
    });
    await dataSource.query(`UPDATE executions SET status = 'running' WHERE id = $1`, [executionId]);
    await dataSource.query(`UPDATE execution_vms SET status = 'running' WHERE execution_id = $1`, [
      executionId,
    ]);

    api = await startApi({
      DATABASE_URL: testDatabase.url,
      FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: token,
      REDIS_URL: '',
      LOG_LEVEL: 'silent',
    });
    const counts: number[] = [];
    const clients = Array.from({ length: SUBSCRIBERS }, (_, index) =>
      subscribe(api?.port ?? 0, token, executionId, counts, index),
    );

    // The stand-in executor: progress on 50 VMs and 20 events a second.
    let tick = 0;
    const writer = setInterval(() => {
      tick += 1;
      const first = (tick * 50) % VMS;
      void dataSource.query(
        `UPDATE execution_vms SET disks = jsonb_build_array(jsonb_build_object('index', 0, 'bytesCopied', $2::bigint)),
           updated_at = now(), revision = revision + 1
         WHERE execution_id = $1 AND vm_key = ANY($3::text[])`,
        [executionId, tick * 2 ** 28, vms.slice(first, first + 50).map((vm) => vm.key)],
      );
      void executions.appendEvents(
        Array.from({ length: 20 }, (_, index) => ({
          executionId,
          vmKey: vms[(first + index) % VMS]?.key ?? null,
          phase: 'CopyDisks',
          kind: 'progress',
          message: `copied ${tick * 256} MiB`,
        })),
      );
    }, 1_000);

    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const cpuBefore = await apiCpuMicros(api.child);
    const wallBefore = performance.now();
    const eventsBefore = counts.reduce((sum, n) => sum + n, 0);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1_000));
    const cpu = (await apiCpuMicros(api.child)) - cpuBefore;
    const wall = (performance.now() - wallBefore) * 1_000;
    const delivered = counts.reduce((sum, n) => sum + n, 0) - eventsBefore;
    clearInterval(writer);
    for (const client of clients) client.destroy();

    const share = (cpu / wall) * 100;
    const connected = counts.filter((n) => n > 0).length;
    const lines = [
      `sse benchmark: ${SUBSCRIBERS} subscribers on a ${VMS}-VM execution, ${SECONDS} s measured (20 events/s written)`,
      `  subscribers receiving:        ${connected}/${SUBSCRIBERS}`,
      `  events delivered:             ${delivered} (${(delivered / SUBSCRIBERS / SECONDS).toFixed(1)} per subscriber per second)`,
      `  API CPU:                      ${share.toFixed(2)} % of one core (goal < 5 %)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = share < 5 && connected === SUBSCRIBERS ? 0 : 1;
  } finally {
    api?.child.send({ type: 'stop' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    api?.child.kill();
    await database.close();
    await testDatabase.drop();
  }
}

await main();
