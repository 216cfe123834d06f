/**
 * `npm run bench:execute`: a 500-VM wave across 8 ESXi hosts, executed by the real executor
 * (NestJS, BullMQ on the local Redis, Postgres, @kubernetes/client-node) against the Kubernetes
 * emulator (in a child process) with simulated copy speeds: 100 MiB/s per disk, 280 MiB/s per
 * host, at most 10 disks per host in flight. vCenter is an in-memory stand-in (power operations
 * are instant), so the figures are the executor's scheduling and bookkeeping, not vCenter's.
 *
 * Every guest is converted after its copy (a conversion pod whose run time is modelled, see
 * CONVERSION_BASE_SECONDS). Prints makespan / lower bound, where the lower bound is the largest of:
 * total data over the aggregate host throughput plus the shortest conversion (the last copy to end
 * still converts), the busiest host's data over its throughput plus its shortest conversion, and
 * any VM's largest disk at the per-disk rate plus its conversion. Goal: at most 1.05. Also
 * conversion's share of the makespan, executor CPU time per VM and Redis and Postgres round trips
 * per VM.
 *
 * Knobs (environment): BENCH_VMS (500), BENCH_HOSTS (8), BENCH_SECONDS (target real seconds of
 * copying, 45), BENCH_SEED, BENCH_CONCURRENCY (the executor's jobs in parallel, 32; the product's
 * default is 16).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildWaveExecutionSpecs, DEFAULT_EXECUTION_OPTIONS, newExecutionVm } from '#libs/application';
import type { AssessmentSummary } from '#libs/assessment';
import { type ExecutorAppConfig, loadConfig } from '#libs/config';
import { FlotillaCoreModule } from '#libs/core';
import { type InventoryVm, summarizeInventory } from '#libs/inventory';
import type {
  MigrationSource,
  SourceDiskChangeId,
  SourceSnapshot,
  SourceTaskState,
  SourceVm,
  VmExecutionSpec,
} from '#libs/itinerary';
import { nudgeJobId } from '#libs/jobs';
import { AssessmentStore, ExecutionStore, InventoryStore, PlanStore } from '#libs/persistence';
import { parsePlanSettings, type Wave } from '#libs/waves';
import { createExecutorApp } from '../apps/executor/src/executor-app.js';
import { makeDisk, makeInventory, makeNic, makeVm } from '../libs/assessment/src/testing/index.js';
import type { HostThroughput } from '../test/k8s-emulator/index.js';
import { createTestDatabase } from '../test/support/database.js';
import { type EventLoopStall, watchEventLoopStalls } from './event-loop-stalls.js';

/** Every guest is converted (the default): virt-v2v-in-place runs after each VM's copy. */
const BENCH_OPTIONS = { ...DEFAULT_EXECUTION_OPTIONS, convertGuest: 'always' as const };

const MIB = 2 ** 20;
const VMS = Number(process.env.BENCH_VMS ?? 500);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 8);
const TARGET_SECONDS = Number(process.env.BENCH_SECONDS ?? 45);
const PER_DISK_BPS = 100 * MIB;
const PER_HOST_BPS = 280 * MIB;
const DISKS_PER_HOST = 10;
const NAMESPACE = 'migrated';
/**
 * virt-v2v-in-place time per VM: inspection, driver injection and the initramfs rebuild cost
 * minutes whatever the size, plus a little per disk (each is opened and checked). Conversion reads
 * the PVCs, not vSphere, so it takes no copy slot and none of the host's throughput.
 */
const CONVERSION_BASE_SECONDS = 240;
const CONVERSION_SECONDS_PER_DISK = 30;
/**
 * Simulated ms per real ms during the warm run's cutover (see warmRun). Low enough that the
 * executor's own real latency per phase (tens of ms under this load) stays a few simulated
 * seconds, high enough that 500 cutovers end in well under a minute.
 */
const CUTOVER_SPEED = Number(process.env.BENCH_CUTOVER_SPEED ?? 50);
const THUMBPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01';

/** mulberry32: the same wave every run for a given seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateWave(): { vms: InventoryVm[]; hostOf: Map<string, string> } {
  const random = seeded(Number(process.env.BENCH_SEED ?? 7));
  const drafts = Array.from({ length: VMS }, (_, index) => {
    const count = random() < 0.5 ? 1 : random() < 0.6 ? 2 : 3;
    const sizes = Array.from({ length: count }, () => (16 + Math.floor(random() * 145)) * 1024);
    return { index, sizes, total: sizes.reduce((sum, size) => sum + size, 0) };
  });
  // Balanced hosts (largest VM to the least loaded host), as a planner would spread a wave.
  const load = Array.from({ length: HOSTS }, () => 0);
  const hostOf = new Map<string, string>();
  const vms: InventoryVm[] = [];
  for (const draft of [...drafts].sort((a, b) => b.total - a.total)) {
    const host = load.indexOf(Math.min(...load));
    load[host] = (load[host] ?? 0) + draft.total;
    const name = `bench-${String(draft.index).padStart(4, '0')}`;
    const key = `bench/vm-${draft.index}`;
    const hex = draft.index.toString(16).padStart(12, '0');
    const mac = `00:50:56:${hex.slice(6, 8)}:${hex.slice(8, 10)}:${hex.slice(10, 12)}`;
    vms.push(
      makeVm({
        key,
        name,
        moref: `vm-${draft.index}`,
        uuid: `42000000-0000-0000-0000-${hex}`,
        biosUuid: `43000000-0000-0000-0000-${hex}`,
        host: `esx-${host}`,
        disks: draft.sizes.map((sizeMiB, unit) =>
          makeDisk({
            label: `Hard disk ${unit + 1}`,
            key: 2000 + unit,
            unitNumber: unit,
            capacityMiB: sizeMiB,
            datastore: `ds-${host}`,
            path: `[ds-${host}] ${name}/${name}_${unit}.vmdk`,
          }),
        ),
        nics: [makeNic({ mac, directPathIo: false })],
      }),
    );
    hostOf.set(key, `esx-${host}`);
  }
  return { vms, hostOf };
}

/** vCenter stand-in: instant power operations and snapshots, CBT on, the disks the plan says. */
class InstantVcenter implements MigrationSource {
  private readonly snapshots = new Map<string, Map<string, SourceSnapshot>>();
  private nextSnapshot = 1;
  private readonly power = new Map<string, 'poweredOn' | 'poweredOff'>();
  private readonly byUuid: Map<string, InventoryVm>;

  constructor(vms: InventoryVm[]) {
    this.byUuid = new Map(vms.map((vm) => [vm.uuid ?? '', vm]));
  }
  async findVmByInstanceUuid(uuid: string): Promise<SourceVm | null> {
    const vm = this.byUuid.get(uuid);
    if (!vm) return null;
    return {
      ref: vm.moref ?? '',
      name: vm.name,
      powerState: this.power.get(vm.moref ?? '') ?? 'poweredOn',
      toolsRunning: true,
      biosUuid: vm.biosUuid,
      disks: vm.disks.map((disk) => ({
        key: disk.key ?? 0,
        label: disk.label,
        backingFile: disk.path ?? '',
        capacityBytes: disk.capacityMiB * MIB,
      })),
    };
  }
  async state(ref: string) {
    return { powerState: this.power.get(ref) ?? ('poweredOn' as const), toolsRunning: true };
  }
  async shutdownGuest(ref: string) {
    this.power.set(ref, 'poweredOff');
  }
  async powerOff(ref: string) {
    this.power.set(ref, 'poweredOff');
  }
  async powerOn(ref: string) {
    this.power.set(ref, 'poweredOn');
  }
  async thumbprint() {
    return THUMBPRINT;
  }
  private snapshotsOf(ref: string): Map<string, SourceSnapshot> {
    let of = this.snapshots.get(ref);
    if (!of) {
      of = new Map();
      this.snapshots.set(ref, of);
    }
    return of;
  }
  async snapshotVm(ref: string, name: string): Promise<SourceTaskState> {
    const of = this.snapshotsOf(ref);
    const found = [...of.values()].find((snapshot) => snapshot.name === name);
    if (found) return { state: 'done', snapshotRef: found.ref };
    const snapshot = { ref: `snapshot-${this.nextSnapshot++}`, name, createdAt: new Date().toISOString() };
    of.set(snapshot.ref, snapshot);
    return { state: 'done', snapshotRef: snapshot.ref };
  }
  async removeSnapshot(ref: string, snapshotRef: string): Promise<SourceTaskState> {
    this.snapshotsOf(ref).delete(snapshotRef);
    return { state: 'done' };
  }
  async listSnapshots(ref: string): Promise<SourceSnapshot[]> {
    return [...this.snapshotsOf(ref).values()];
  }
  private changeIds(ref: string, at: string): SourceDiskChangeId[] {
    const vm = [...this.byUuid.values()].find((candidate) => candidate.moref === ref);
    return (vm?.disks ?? []).map((disk) => ({
      key: disk.key ?? 0,
      backingFile: disk.path ?? '',
      changeId: `52 de c0 d9 b9 43 9d 10-61 d5 4c 1b e9 7b 65 63/${at}`,
    }));
  }
  async snapshotChangeIds(ref: string, snapshotRef: string): Promise<SourceDiskChangeId[]> {
    return this.changeIds(ref, snapshotRef);
  }
  async changeTracking(ref: string) {
    return { enabled: true, disks: this.changeIds(ref, '0') };
  }
  /** Snapshots left on any VM (a warm run must leave none). */
  leftSnapshots(): number {
    return [...this.snapshots.values()].reduce((sum, of) => sum + of.size, 0);
  }
}

/** Per succeeded VM: simulated seconds from the source's power-off request to its VirtualMachine. */
async function downtimesOf(
  query: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>,
  executionId: string,
  speed: number,
): Promise<Map<string, number>> {
  const rows = await query(
    `SELECT vm_key, runtime->>'vmCreatedAt' AS created,
            COALESCE(runtime->>'shutdownRequestedAt', runtime->>'hardPowerOffAt', runtime->>'sourceOffAt') AS off
     FROM execution_vms WHERE execution_id = $1 AND status = 'succeeded'`,
    [executionId],
  );
  const downtimes = new Map<string, number>();
  for (const row of rows.rows as Array<{ vm_key: string; created: string | null; off: string | null }>) {
    if (!row.created || !row.off) continue;
    downtimes.set(row.vm_key, ((Date.parse(row.created) - Date.parse(row.off)) / 1000) * speed);
  }
  return downtimes;
}

/**
 * Where each VM's time went: per phase, the simulated seconds from entering it to entering the
 * next one (median, 90th percentile, sum over VMs), so latency the model does not have shows up.
 */
async function phaseDurations(
  query: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>,
  executionId: string,
  simulated: (fromMs: number, toMs: number) => number,
): Promise<string[]> {
  const rows = await query(
    `SELECT phase, at, lead(at) OVER (PARTITION BY vm_key ORDER BY at, id) AS until
     FROM execution_events WHERE execution_id = $1 AND kind = 'phase'`,
    [executionId],
  );
  const byPhase = new Map<string, number[]>();
  for (const row of rows.rows as Array<{ phase: string; at: Date; until: Date | null }>) {
    if (row.until === null) continue;
    const list = byPhase.get(row.phase) ?? [];
    list.push(simulated(row.at.getTime(), row.until.getTime()));
    byPhase.set(row.phase, list);
  }
  const lines = ['  time per phase (simulated s: median / p90 / sum over VMs):'];
  for (const [phase, values] of byPhase) {
    const sorted = [...values].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] ?? 0;
    const sum = values.reduce((total, value) => total + value, 0);
    lines.push(
      `    ${phase.padEnd(28)} ${median(values).toFixed(0).padStart(7)} / ${p90.toFixed(0).padStart(7)} / ${sum.toFixed(0).padStart(10)}`,
    );
  }
  return lines;
}

/**
 * Where the copy lost time against its bound, per host from the emulator's exact accounting
 * (simulated s): before the host's first import ran, while it had too few imports to fill its
 * throughput at the start, and after that (hand-offs between copies, the thin end).
 */
function copyLosses(
  throughput: Record<string, HostThroughput>,
  bytesByHost: Map<string, number>,
  simulatedStart: number,
): string[] {
  const rows = [...bytesByHost.keys()].sort().map((host) => {
    const use = throughput[host];
    if (!use)
      return {
        host,
        ideal: 0,
        end: Number.NaN,
        first: Number.NaN,
        ramp: Number.NaN,
        after: Number.NaN,
        thin: Number.NaN,
        gap: 'none',
      };
    const ideal = use.bytes / PER_HOST_BPS;
    const end = (use.lastAt - simulatedStart) / 1000;
    const first = (use.firstAt - simulatedStart) / 1000;
    const saturated = use.saturatedAt === null ? end : (use.saturatedAt - simulatedStart) / 1000;
    // At the start: the time to saturation beyond what the bytes copied meanwhile were worth.
    const ramp = saturated - first - use.bytesBeforeSaturated / PER_HOST_BPS;
    const after = end - saturated - (use.bytes - use.bytesBeforeSaturated) / PER_HOST_BPS;
    // Of that, the thin end: after the host was last saturated.
    const until = use.saturatedUntil === null ? end : (use.saturatedUntil - simulatedStart) / 1000;
    const thin = end - until - (use.bytes - use.bytesUntilSaturatedEnd) / PER_HOST_BPS;
    const gap = use.worstGap
      ? `${(use.worstGap.lostMs / 1000).toFixed(0)} s lost from ${((use.worstGap.from - simulatedStart) / 1000).toFixed(0)} s to ${((use.worstGap.to - simulatedStart) / 1000).toFixed(0)} s, DataVolumes then ${JSON.stringify(use.worstGap.phases)}`
      : 'none';
    return { host, ideal, end, first, ramp, after, thin, gap };
  });
  const last = rows.reduce((latest, row) => (row.end > latest.end ? row : latest));
  if (process.env.BENCH_DEBUG)
    for (const row of rows)
      process.stderr.write(
        `    ${row.host}: end ${row.end.toFixed(0)} s, bytes ${row.ideal.toFixed(0)} s, first ${row.first.toFixed(0)} s, ramp ${row.ramp.toFixed(0)} s, after ${row.after.toFixed(0)} s (thin end ${row.thin.toFixed(0)} s; worst gap: ${row.gap})\n`,
      );
  const format = (values: number[]) =>
    `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} s`;
  return [
    `  copy time lost per host (simulated; last host ${last.host}: ${last.end.toFixed(0)} s for ${last.ideal.toFixed(0)} s of bytes):`,
    `    before its first import ${format(rows.map((row) => row.first))}, filling it at the start ${format(rows.map((row) => row.ramp))}, short of imports after ${format(rows.map((row) => row.after))} (of which the thin end ${format(rows.map((row) => row.thin))})`,
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

class EmulatorProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; value: unknown }) => {
      this.pending.get(message.id)?.(message.value);
      this.pending.delete(message.id);
    });
  }

  static start(options: Record<string, unknown>): Promise<{ emulator: EmulatorProcess; url: string }> {
    const script = fileURLToPath(new URL('./kube-emulator-process.js', import.meta.url));
    const child = fork(script, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const emulator = new EmulatorProcess(child);
    return new Promise((resolve, reject) => {
      emulator.pending.set(0, (url) => resolve({ emulator, url: String(url) }));
      child.once('exit', (code) =>
        reject(new Error(`the emulator process exited (${code}) before it was ready`)),
      );
    });
  }

  ask<T>(type: 'now' | 'imports' | 'throughput' | 'lags' | 'stop' | 'speed', value?: number): Promise<T> {
    // Stopped already (the warm run starts a cluster of its own after the cold one).
    if (!this.child.connected) return Promise.resolve(undefined as T);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (answer) => resolve(answer as T));
      this.child.send({ id, type, value });
    });
  }
}

async function main(): Promise<void> {
  const { vms, hostOf } = generateWave();
  const disks = vms.flatMap((vm) => vm.disks.map((disk) => disk.capacityMiB * MIB));
  const totalBytes = disks.reduce((sum, bytes) => sum + bytes, 0);
  const perHost = new Map<string, number>();
  for (const vm of vms) {
    const bytes = vm.disks.reduce((sum, disk) => sum + disk.capacityMiB * MIB, 0);
    perHost.set(vm.host ?? '', (perHost.get(vm.host ?? '') ?? 0) + bytes);
  }
  const conversionSeconds = (vm: InventoryVm) =>
    CONVERSION_BASE_SECONDS + CONVERSION_SECONDS_PER_DISK * vm.disks.length;
  const shortestConversion = (of: InventoryVm[]) => Math.min(...of.map(conversionSeconds));
  const boundAggregate = totalBytes / (HOSTS * PER_HOST_BPS) + shortestConversion(vms);
  const boundBusiestHost = Math.max(
    ...[...perHost].map(
      ([host, bytes]) => bytes / PER_HOST_BPS + shortestConversion(vms.filter((vm) => vm.host === host)),
    ),
  );
  const boundLargestDisk = Math.max(
    ...vms.map(
      (vm) =>
        Math.max(...vm.disks.map((disk) => disk.capacityMiB * MIB)) / PER_DISK_BPS + conversionSeconds(vm),
    ),
  );
  const lowerBound = Math.max(boundAggregate, boundBusiestHost, boundLargestDisk);
  const totalConversionSeconds = vms.reduce((sum, vm) => sum + conversionSeconds(vm), 0);
  const speed = Math.max(1, Math.round(lowerBound / TARGET_SECONDS));

  const { emulator, url } = await EmulatorProcess.start({
    speed,
    namespace: NAMESPACE,
    bytesPerSecond: PER_DISK_BPS,
    hostBytesPerSecond: PER_HOST_BPS,
    progressIntervalMs: 300_000,
    hostOfVm: Object.fromEntries(hostOf),
    conversionMsByPod: Object.fromEntries(vms.map((vm) => [`${vm.name}-v2v`, conversionSeconds(vm) * 1000])),
  });
  const testDatabase = await createTestDatabase('flotilla_bench');
  const prefix = `flotilla-bench-${randomUUID().slice(0, 8)}`;
  const config = loadConfig(
    {
      DATABASE_URL: testDatabase.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      FLOTILLA_QUEUE_PREFIX: prefix,
      VSPHERE_URL: 'https://vcenter.bench.invalid/sdk',
      VSPHERE_USERNAME: 'svc-bench',
      VSPHERE_PASSWORD: 'bench-password',
      VSPHERE_THUMBPRINT: THUMBPRINT,
      VDDK_INIT_IMAGE: 'registry.example.com/vddk:8.0.3',
      VIRT_V2V_IMAGE: 'registry.example.com/forklift-virt-v2v:2.9',
      FLOTILLA_COPY_STALL_TIMEOUT_S: '3600',
      FLOTILLA_SHUTDOWN_TIMEOUT_S: '60',
      FLOTILLA_LIMIT_DISKS_PER_HOST: String(DISKS_PER_HOST),
      FLOTILLA_EXECUTOR_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '32',
      FLOTILLA_EXECUTOR_PROBE_PORT: '0',
      LOG_LEVEL: 'silent',
    },
    'executor',
  );
  // The wave is written through the application core, as the API would.
  const core = await NestFactory.createApplicationContext(
    FlotillaCoreModule.forRoot(config, { process: 'cli', poolSize: 20 }),
    { logger: false },
  );
  let failed = false;
  try {
    // The wave, frozen as `execute` would: plan rows for the foreign keys, specs from the same builder.
    const inventory = makeInventory(vms);
    const inventoryId = await core
      .get(InventoryStore)
      .save(inventory, 'bench', summarizeInventory(inventory));
    const assessmentId = await core.get(AssessmentStore).save({
      inventoryId,
      policy: {},
      policyHash: 'bench',
      assessedAt: new Date(),
      summary: {} as AssessmentSummary,
      vms: [],
    });
    const settings = parsePlanSettings({
      networkMap: { 'VM Network': { type: 'pod' } },
      storageMap: Object.fromEntries(
        [...Array(HOSTS).keys()].map((host) => [`ds-${host}`, { storageClass: 'fast' }]),
      ),
      targetNamespace: { default: NAMESPACE },
    });
    const wave = {
      number: 1,
      vms: vms.map((vm) => ({
        key: vm.key,
        name: vm.name,
        group: vm.name,
        targetName: vm.name,
        targetNamespace: NAMESPACE,
        effort: 'low',
        dataMiB: vm.disks.reduce((sum, disk) => sum + disk.capacityMiB, 0),
        host: vm.host,
        pinned: false,
      })),
    } as Wave;
    const planId = await core.get(PlanStore).create({
      name: 'bench',
      inventoryId,
      assessmentId,
      createdBy: 'bench',
      content: { settings, result: { waves: [wave] }, waveHashes: [{ number: 1, hash: 'bench' }] },
    });
    const specs = buildWaveExecutionSpecs({
      planId,
      wave,
      settings,
      inventoryVms: vms,
      assessments: [],
      options: BENCH_OPTIONS,
      executionId: 'bench',
    });
    const executions = core.get(ExecutionStore);
    const executionId = await executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'bench',
      requestedBy: 'bench',
      spec: { options: BENCH_OPTIONS },
      vms: specs.map(newExecutionVm),
    });

    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'emulator', server: url, skipTLSVerify: true }],
      users: [{ name: 'bench' }],
      contexts: [{ name: 'emulator', cluster: 'emulator', user: 'bench' }],
      currentContext: 'emulator',
    });
    const executor = await createExecutorApp(config, {
      source: new InstantVcenter(vms),
      kubeConfig,
      timings: { pollMs: 100, copyPollMs: 5_000, vmReadyTimeoutMs: 3_600_000 },
      leaseMs: 60_000,
      reconcileIntervalMs: 10_000,
      logger: false,
    });

    // Count what the executor sends: every pg query and every Redis command of this process
    // from now on, except the monitor's own (a client of its own, queried around the counter).
    const monitor = new pg.Client({ connectionString: testDatabase.url });
    // Dropping the database at the end (or after a failure) ends this connection: not an error.
    monitor.on('error', () => undefined);
    await monitor.connect();
    const originalQuery = pg.Client.prototype.query;
    const monitorQuery = (sql: string, params?: unknown[]) =>
      (originalQuery as (this: pg.Client, text: string, values?: unknown[]) => Promise<pg.QueryResult>).call(
        monitor,
        sql,
        params,
      );
    let postgresQueries = 0;
    let redisCommands = 0;
    const queriesByStatement = new Map<string, number>();
    pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
      postgresQueries += 1;
      if (process.env.BENCH_DEBUG) {
        const first = args[0];
        const text =
          typeof first === 'string' ? first : String((first as { text?: unknown } | undefined)?.text ?? '?');
        const statement = text.replace(/\s+/g, ' ').trim().slice(0, 70);
        queriesByStatement.set(statement, (queriesByStatement.get(statement) ?? 0) + 1);
      }
      return (originalQuery as (...values: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
    const originalSend = Redis.prototype.sendCommand;
    Redis.prototype.sendCommand = function counted(this: Redis, ...args: Parameters<Redis['sendCommand']>) {
      redisCommands += 1;
      return originalSend.apply(this, args);
    };

    const executorLags = watchEventLoopStalls();
    const cpuBefore = process.cpuUsage();
    const realStart = Date.now();
    const simulatedStart = await emulator.ask<number>('now');
    await executor.queue.enqueue('start-execution', { executionId });
    let peakPerHost = 0;
    /** Per sample, per host: the share of its throughput the imports running then can use. */
    const hostUse: number[][] = [];
    let lastReport = 0;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const imports = await emulator.ask<Record<string, number>>('imports');
      peakPerHost = Math.max(peakPerHost, ...Object.values(imports), 0);
      hostUse.push(
        Array.from({ length: HOSTS }, (_, host) =>
          Math.min(1, ((imports[`esx-${host}`] ?? 0) * PER_DISK_BPS) / PER_HOST_BPS),
        ),
      );
      const counts = await monitorQuery(
        `SELECT status, count(*)::int AS n FROM execution_vms WHERE execution_id = $1 GROUP BY status`,
        [executionId],
      );
      const by = Object.fromEntries(
        counts.rows.map((row: { status: string; n: number }) => [row.status, row.n]),
      );
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        process.stderr.write(`  ${Math.round((Date.now() - realStart) / 1000)} s: ${JSON.stringify(by)}\n`);
      }
      if ((by.queued ?? 0) + (by.running ?? 0) === 0) break;
      if (Date.now() - realStart > 10 * TARGET_SECONDS * 1000)
        throw new Error(`the wave did not finish: ${JSON.stringify(by)}`);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const throughput = await emulator.ask<Record<string, HostThroughput>>('throughput');
    if (process.env.BENCH_DEBUG) {
      const emulatorLags = await emulator.ask<EventLoopStall[]>('lags');
      const show = (who: string, list: EventLoopStall[]) =>
        process.stderr.write(
          `    ${who} event-loop stalls > 100 ms: ${list.map((lag) => `${(((lag.at - lag.ms - realStart) / 1000) * speed).toFixed(0)} s +${lag.ms} ms`).join(', ') || 'none'}\n`,
        );
      show('emulator', emulatorLags);
      show('executor', executorLags);
    }
    pg.Client.prototype.query = originalQuery;
    Redis.prototype.sendCommand = originalSend;
    const times = await monitorQuery(
      `SELECT min(started_at) AS first, max(finished_at) AS last,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded
       FROM execution_vms WHERE execution_id = $1`,
      [executionId],
    );
    const created = await monitorQuery('SELECT created_at FROM executions WHERE id = $1', [executionId]);
    // A VM enters ConvertGuest when its copy ended and leaves it for CreateVM when virt-v2v ended.
    const conversions = await monitorQuery(
      `SELECT max(copied.at) AS last_copy_end,
              sum(extract(epoch FROM converted.at - copied.at)) AS converting_seconds
       FROM execution_events copied
       LEFT JOIN LATERAL (
         SELECT at FROM execution_events
         WHERE execution_id = copied.execution_id AND vm_key = copied.vm_key AND kind = 'phase' AND phase = 'CreateVM'
         LIMIT 1) converted ON true
       WHERE copied.execution_id = $1 AND copied.kind = 'phase' AND copied.phase = 'ConvertGuest'`,
      [executionId],
    );
    const coldDowntimes = await downtimesOf(monitorQuery, executionId, speed);
    const phaseTimes = await phaseDurations(
      monitorQuery,
      executionId,
      (from, to) => ((to - from) / 1000) * speed,
    );
    if (process.env.BENCH_DEBUG) {
      // The first VM to start copying: what the executor did before, in real ms since the start.
      const events = await monitorQuery(
        `SELECT at, phase, kind, message FROM execution_events
         WHERE execution_id = $1 AND vm_key = (
           SELECT vm_key FROM execution_events WHERE execution_id = $1 AND kind = 'phase' AND phase = 'CopyDisks'
           ORDER BY at LIMIT 1)
         ORDER BY id LIMIT 12`,
        [executionId],
      );
      for (const event of events.rows as Array<{ at: Date; phase: string; kind: string; message: string }>)
        process.stderr.write(
          `    +${event.at.getTime() - realStart} ms ${event.phase} ${event.kind}: ${event.message}\n`,
        );
      process.stderr.write(`  Postgres statements per VM (the executor's, most frequent first):\n`);
      for (const [statement, count] of [...queriesByStatement].sort((a, b) => b[1] - a[1]).slice(0, 20))
        process.stderr.write(`    ${(count / VMS).toFixed(1).padStart(6)}  ${statement}\n`);
    }
    await monitor.end();
    const row = times.rows[0] as { first: Date; last: Date; succeeded: number };
    const startedAt = (created.rows[0] as { created_at: Date }).created_at;
    const makespanReal = (row.last.getTime() - Math.min(startedAt.getTime(), realStart)) / 1000;
    const makespan = makespanReal * speed;
    const ratio = makespan / lowerBound;
    const conversionRow = conversions.rows[0] as {
      last_copy_end: Date | null;
      converting_seconds: number | null;
    };
    const afterLastCopy =
      conversionRow.last_copy_end === null
        ? 0
        : (row.last.getTime() - conversionRow.last_copy_end.getTime()) / 1000;
    const convertingSimulated = Number(conversionRow.converting_seconds ?? 0) * speed;
    failed = row.succeeded !== VMS || ratio > 1.05 || peakPerHost > DISKS_PER_HOST;
    const lines = [
      `execute benchmark: ${VMS} VMs, ${disks.length} disks, ${(totalBytes / 2 ** 40).toFixed(1)} TiB across ${HOSTS} hosts`,
      `  rates: ${PER_DISK_BPS / MIB} MiB/s per disk, ${PER_HOST_BPS / MIB} MiB/s per host, ${DISKS_PER_HOST} disks per host in flight; simulated clock x${speed}`,
      `  VMs completed:                ${row.succeeded}/${VMS}`,
      `  lower bound:                  ${lowerBound.toFixed(0)} s (aggregate ${boundAggregate.toFixed(0)} s, busiest host ${boundBusiestHost.toFixed(0)} s, largest disk ${boundLargestDisk.toFixed(0)} s)`,
      `  makespan:                     ${makespan.toFixed(0)} s simulated (${makespanReal.toFixed(1)} s real)`,
      `  makespan / lower bound:       ${ratio.toFixed(3)} (goal <= 1.05)`,
      `  conversion:                   ${totalConversionSeconds} s modelled over all VMs (${CONVERSION_BASE_SECONDS} s + ${CONVERSION_SECONDS_PER_DISK} s per disk each), ${convertingSimulated.toFixed(0)} s measured`,
      `  conversion's share of makespan: ${((100 * afterLastCopy) / makespanReal).toFixed(1)} % (the tail after the last copy ended, ${(afterLastCopy * speed).toFixed(0)} s simulated, only conversions and VM starts)`,
      `  peak disks in flight per host: ${peakPerHost} (limit ${DISKS_PER_HOST})`,
      `  executor CPU per VM:          ${((cpu.user + cpu.system) / 1000 / VMS).toFixed(1)} ms (user ${(cpu.user / 1000 / VMS).toFixed(1)} ms, system ${(cpu.system / 1000 / VMS).toFixed(1)} ms)`,
      `  Postgres round trips per VM:  ${(postgresQueries / VMS).toFixed(1)}`,
      `  Redis commands per VM:        ${(redisCommands / VMS).toFixed(1)}`,
    ];
    // Until the last copy ends: how much of the hosts' throughput the running imports could use.
    const lastBusy = hostUse.findLastIndex((sample) => sample.some((use) => use > 0));
    const copying = hostUse.slice(0, lastBusy + 1).flat();
    const used = copying.reduce((sum, use) => sum + use, 0) / Math.max(1, copying.length);
    const starved = copying.filter((use) => use < 1).length / Math.max(1, copying.length);
    // The ramp: samples (every 500 ms real) before every host first had enough imports running.
    const rampSamples = hostUse.findIndex((sample) => sample.every((use) => use >= 1));
    const starvedAfterRamp =
      copying.slice(Math.max(0, rampSamples) * HOSTS).filter((use) => use < 1).length /
      Math.max(1, copying.length - Math.max(0, rampSamples) * HOSTS);
    lines.push(
      `  host throughput usable:       ${(100 * used).toFixed(1)} % while copying (host-samples with too few imports to fill it: ${(100 * starved).toFixed(1)} %; ${rampSamples < 0 ? 'never all saturated' : `${((rampSamples * 0.5 + 0.5) * speed).toFixed(0)} s simulated before every host was, ${(100 * starvedAfterRamp).toFixed(1)} % after`})`,
    );
    lines.push(...copyLosses(throughput, perHost, simulatedStart));
    process.stdout.write(`${[...lines, ...phaseTimes].join('\n')}\n`);
    await executor.close();
    if (process.env.BENCH_WARM !== '0') {
      // The same estate, warm, on a fresh cluster (the cold run's VMs hold the names and MACs).
      await emulator.ask('stop').catch(() => undefined);
      const warm = await warmRun({
        vms,
        hostOf,
        speed,
        core,
        config,
        databaseUrl: testDatabase.url,
        planOf: async () =>
          core.get(PlanStore).create({
            name: 'bench warm',
            inventoryId,
            assessmentId,
            createdBy: 'bench',
            content: { settings, result: { waves: [wave] }, waveHashes: [{ number: 1, hash: 'bench' }] },
          }),
        specsOf: (warmPlanId) =>
          buildWaveExecutionSpecs({
            planId: warmPlanId,
            wave,
            settings,
            inventoryVms: vms,
            assessments: [],
            options: BENCH_OPTIONS,
            executionId: 'bench',
          }),
        coldDowntimes,
      });
      failed ||= warm.failed;
    }
    // A bench run leaves nothing in the shared Redis.
    const cleanup = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
    for (let cursor = '0'; ; ) {
      const [next, keys] = await cleanup.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await cleanup.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    cleanup.disconnect();
  } finally {
    await emulator.ask('stop').catch(() => undefined);
    await core.close();
    await testDatabase.drop();
  }
  process.exitCode = failed ? 1 : 0;
}

interface WarmRunInput {
  vms: InventoryVm[];
  hostOf: Map<string, string>;
  speed: number;
  core: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
  config: ExecutorAppConfig;
  databaseUrl: string;
  planOf: () => Promise<string>;
  specsOf: (planId: string) => VmExecutionSpec[];
  coldDowntimes: Map<string, number>;
}

/**
 * The warm run: every VM pre-copies (a full copy, then hourly deltas at the emulator's 2 %/h
 * change rate) until the whole wave is cutover-ready, then cuts over at once. Reports the makespan
 * to cutover-ready against the copy-only lower bound, and each VM's downtime against its cold one.
 */
async function warmRun(input: WarmRunInput): Promise<{ failed: boolean }> {
  const { vms, speed } = input;
  const disks = vms.flatMap((vm) => vm.disks.map((disk) => disk.capacityMiB * MIB));
  const totalBytes = disks.reduce((sum, bytes) => sum + bytes, 0);
  const perHost = new Map<string, number>();
  for (const vm of vms) {
    const bytes = vm.disks.reduce((sum, disk) => sum + disk.capacityMiB * MIB, 0);
    perHost.set(vm.host ?? '', (perHost.get(vm.host ?? '') ?? 0) + bytes);
  }
  const copyBound = Math.max(
    totalBytes / (HOSTS * PER_HOST_BPS),
    Math.max(...perHost.values()) / PER_HOST_BPS,
    Math.max(...disks) / PER_DISK_BPS,
  );
  const conversionMsByPod = Object.fromEntries(
    vms.map((vm) => [
      `${vm.name}-v2v`,
      (CONVERSION_BASE_SECONDS + CONVERSION_SECONDS_PER_DISK * vm.disks.length) * 1000,
    ]),
  );
  const { emulator, url } = await EmulatorProcess.start({
    speed,
    namespace: NAMESPACE,
    bytesPerSecond: PER_DISK_BPS,
    hostBytesPerSecond: PER_HOST_BPS,
    progressIntervalMs: 300_000,
    hostOfVm: Object.fromEntries(input.hostOf),
    conversionMsByPod,
  });
  const monitor = new pg.Client({ connectionString: input.databaseUrl });
  monitor.on('error', () => undefined);
  await monitor.connect();
  const query = (sql: string, params?: unknown[]) => monitor.query(sql, params);
  const source = new InstantVcenter(vms);
  let executor: Awaited<ReturnType<typeof createExecutorApp>> | undefined;
  try {
    const planId = await input.planOf();
    // One simulated hour between pre-copies, in the executor's (real) time.
    const precopyIntervalMs = Math.round(3_600_000 / speed);
    const specs = input.specsOf(planId).map(
      (spec): VmExecutionSpec => ({
        ...spec,
        migrationType: 'warm',
        warm: { precopyIntervalMs, cutoverAt: null },
      }),
    );
    const executions = input.core.get(ExecutionStore);
    const executionId = await executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'bench-warm',
      requestedBy: 'bench',
      spec: { options: BENCH_OPTIONS },
      vms: specs.map(newExecutionVm),
      cutoverAt: null,
    });
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'emulator', server: url, skipTLSVerify: true }],
      users: [{ name: 'bench' }],
      contexts: [{ name: 'emulator', cluster: 'emulator', user: 'bench' }],
      currentContext: 'emulator',
    });
    executor = await createExecutorApp(input.config, {
      source,
      kubeConfig,
      timings: { pollMs: 100, copyPollMs: 5_000, vmReadyTimeoutMs: 3_600_000 },
      leaseMs: 60_000,
      reconcileIntervalMs: 10_000,
      logger: false,
    });
    const realStart = Date.now();
    await executor.queue.enqueue('start-execution', { executionId });
    const tally = async () => {
      const counts = await query(
        `SELECT count(*) FILTER (WHERE runtime->'warm'->'precopies'->0->>'copiedAt' IS NOT NULL)::int AS ready,
                count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS active,
                count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM execution_vms WHERE execution_id = $1`,
        [executionId],
      );
      return counts.rows[0] as { ready: number; active: number; failed: number };
    };
    let lastReport = 0;
    const waitFor = async (what: string, done: (counts: Awaited<ReturnType<typeof tally>>) => boolean) => {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const counts = await tally();
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          process.stderr.write(
            `  warm ${Math.round((Date.now() - realStart) / 1000)} s: ${JSON.stringify(counts)}\n`,
          );
        }
        if (done(counts)) return counts;
        if (Date.now() - realStart > 12 * TARGET_SECONDS * 1000)
          throw new Error(`the warm wave did not ${what}: ${JSON.stringify(counts)}`);
      }
    };
    await waitFor('get cutover-ready', (counts) => counts.ready + counts.failed >= vms.length);
    const readiness = await query(
      `SELECT max((runtime->'warm'->'precopies'->0->>'copiedAt')::timestamptz) AS ready, e.created_at
       FROM execution_vms v JOIN executions e ON e.id = v.execution_id WHERE v.execution_id = $1 GROUP BY e.created_at`,
      [executionId],
    );
    const readyRow = readiness.rows[0] as { ready: Date; created_at: Date };
    const toReady =
      ((readyRow.ready.getTime() - Math.min(readyRow.created_at.getTime(), realStart)) / 1000) * speed;
    // The cutover runs on a slower simulated clock: at x${speed} every real millisecond the
    // executor spends between two phases (a commit, a queue hop) would count as ${speed} ms of
    // downtime, which no real cutover has. Copies, snapshots and conversions stay modelled.
    await emulator.ask('speed', CUTOVER_SPEED);
    const cutoverClockAt = Date.now();
    // Cut over now ("flotilla execution cutover"): the VMs sleeping between pre-copies are woken.
    const cutover = await executions.setCutover(executionId, new Date());
    for (const vm of cutover?.waiting ?? []) {
      await executor.queue.enqueue(
        'advance-vm',
        { executionId, vmKey: vm.vmKey },
        { jobId: nudgeJobId('cutover', executionId, vm.vmKey, 'bench') },
      );
    }
    await waitFor('finish', (counts) => counts.active === 0);
    // Every warm VM powers off after the switch: its downtime is on the cutover clock.
    const warmDowntimes = await downtimesOf(query, executionId, CUTOVER_SPEED);
    // Real ms to simulated s, piecewise: x speed before the cutover's clock change, then x CUTOVER_SPEED.
    const switchedAt = cutoverClockAt;
    const warmPhaseTimes = await phaseDurations(
      query,
      executionId,
      (from, to) =>
        (Math.max(0, Math.min(to, switchedAt) - from) * speed +
          Math.max(0, to - Math.max(from, switchedAt)) * CUTOVER_SPEED) /
        1000,
    );
    if (process.env.BENCH_DEBUG) {
      const events = await query(
        `SELECT at, phase, kind, message FROM execution_events
         WHERE execution_id = $1 AND vm_key = (
           -- The VM that got cutover-ready last: what held the wave back.
           SELECT vm_key FROM execution_vms WHERE execution_id = $1
           ORDER BY (runtime->'warm'->'precopies'->0->>'copiedAt')::timestamptz DESC NULLS LAST LIMIT 1)
         ORDER BY id`,
        [executionId],
      );
      for (const event of events.rows as Array<{ at: Date; phase: string; kind: string; message: string }>)
        process.stderr.write(
          `    +${(((event.at.getTime() - realStart) / 1000) * speed).toFixed(0)} s ${event.phase} ${event.kind}: ${event.message}\n`,
        );
    }
    const stats = await query(
      `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              avg(jsonb_array_length(runtime->'warm'->'precopies') - 1)::float8 AS precopies,
              avg((runtime->'warm'->'precopies'->-1->>'bytes')::float8)::float8 AS final_delta_bytes
       FROM execution_vms WHERE execution_id = $1`,
      [executionId],
    );
    const statsRow = stats.rows[0] as {
      succeeded: number;
      precopies: number;
      final_delta_bytes: number | null;
    };
    const ratios = (of: InventoryVm[]) =>
      of
        .map((vm) => {
          const warm = warmDowntimes.get(vm.key);
          const cold = input.coldDowntimes.get(vm.key);
          return warm !== undefined && cold ? warm / cold : null;
        })
        .filter((ratio): ratio is number => ratio !== null);
    const large = vms.filter((vm) => vm.disks.reduce((sum, disk) => sum + disk.capacityMiB, 0) > 100 * 1024);
    const largeRatio = median(ratios(large));
    const allRatio = median(ratios(vms));
    const readyRatio = toReady / copyBound;
    const left = source.leftSnapshots();
    const failed = statsRow.succeeded !== vms.length || largeRatio > 0.1 || readyRatio > 1.05 || left > 0;
    const lines = [
      `warm run: the same ${vms.length} VMs, pre-copies every simulated hour at a 2 %/h change rate, cutover once all are cutover-ready (cutover on a x${CUTOVER_SPEED} clock)`,
      `  VMs completed:                ${statsRow.succeeded}/${vms.length}; pre-copies after the first copy: ${statsRow.precopies.toFixed(1)} per VM on average`,
      `  to cutover-ready:             ${toReady.toFixed(0)} s simulated; copy-only lower bound ${copyBound.toFixed(0)} s; ratio ${readyRatio.toFixed(3)} (goal <= 1.05)`,
      `  final delta:                  ${statsRow.final_delta_bytes === null ? 'unknown: no final delta lasted until a CDI progress report (every 300 simulated s here)' : `${(statsRow.final_delta_bytes / 2 ** 30).toFixed(2)} GiB per VM on average (from CDI's progress)`}`,
      `  downtime, median (power-off to VM created): cold ${median([...input.coldDowntimes.values()]).toFixed(0)} s, warm ${median([...warmDowntimes.values()]).toFixed(0)} s`,
      `  warm / cold downtime, median: ${allRatio.toFixed(3)} all VMs; ${largeRatio.toFixed(3)} for the ${large.length} VMs over 100 GiB (goal <= 0.10)`,
      `  snapshots left in vCenter:    ${left}`,
      ...warmPhaseTimes,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return { failed };
  } finally {
    await executor?.close().catch(() => undefined);
    await monitor.end().catch(() => undefined);
    await emulator.ask('stop').catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `execute benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
