/**
 * npm run bench:hostile [-- <name filter>] — the hostile uploads of issue 11, each generated at
 * full size and uploaded through the real API (POST /inventories on PostgreSQL). The API runs in its own
 * process per case (its peak RSS, parsing worker included, is measured there); this process is
 * the client, which uploads and probes /healthz every 50 ms while the upload is handled.
 * Targets: every one refused with 413/422 in under 10 s and 600 MB peak RSS of the API process,
 * /healthz answering in under 100 ms throughout.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openAsBlob, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  floodVdisk,
  floodVhealth,
  floodVhost,
  floodVnetwork,
  writeHighRatioWorkbook,
  writeHugeCellWorkbook,
  writeLongLineCsv,
  writeRowFloodExport,
  writeRowFloodWorkbook,
  writeSharedStringFloodWorkbook,
  writeWhitespaceWorkbook,
} from '../test/fixtures/hostile/hostile-workbooks.js';
import { createTestDatabase } from '../test/support/database.js';
import { BENCH_DIR, table } from './bench-support.js';

const MIB = 1024 * 1024;
const TOKEN = 'hostile-bench-admin-token';
const step = fileURLToPath(new URL('./hostile-step.js', import.meta.url));
const dir = join(BENCH_DIR, 'hostile');
mkdirSync(dir, { recursive: true });

const cases: Array<{ name: string; file: string; write: (path: string) => Promise<void> }> = [
  {
    name: 'one 100 MiB cell',
    file: 'huge-cell.xlsx',
    write: (path) => writeHugeCellWorkbook(path, 100 * MIB),
  },
  {
    name: '2 GiB of whitespace between rows',
    file: 'whitespace.xlsx',
    write: (path) => writeWhitespaceWorkbook(path, 2048 * MIB),
  },
  {
    name: '150 M tiny shared strings',
    file: 'shared-strings.xlsx',
    write: (path) => writeSharedStringFloodWorkbook(path, 150_000_000),
  },
  {
    name: '2.7 GB of empty rows',
    file: 'empty-rows.xlsx',
    write: (path) => writeRowFloodWorkbook(path, 450_000_000),
  },
  {
    name: 'CSV with one 300 MiB line',
    file: 'long-line.csv',
    write: (path) => writeLongLineCsv(path, 300 * MIB),
  },
  {
    name: 'high-ratio deflate (2.7 GB)',
    file: 'high-ratio.xlsx',
    write: (path) => writeHighRatioWorkbook(path, 2700 * MIB),
  },
  // Floods of real-looking rows: every cell, tag and ratio ordinary, only the row bounds stop them.
  {
    name: '1 M vDisk rows for 10 VMs',
    file: 'vdisk-flood.xlsx',
    write: (path) => writeRowFloodExport(path, { vms: 10, flood: floodVdisk(10), rows: 1_000_000 }),
  },
  {
    name: '1 M vNetwork rows for 10 VMs',
    file: 'vnetwork-flood.xlsx',
    write: (path) => writeRowFloodExport(path, { vms: 10, flood: floodVnetwork(10), rows: 1_000_000 }),
  },
  {
    name: '700,000 hosts (vHost) for 10 VMs',
    file: 'vhost-flood.xlsx',
    write: (path) => writeRowFloodExport(path, { vms: 10, flood: floodVhost(), rows: 700_000 }),
  },
  {
    name: '1 M rows of a sheet not read (vHealth)',
    file: 'vhealth-flood.xlsx',
    write: (path) => writeRowFloodExport(path, { vms: 10, flood: floodVhealth(), rows: 1_000_000 }),
  },
  {
    name: '1 M vDisk rows for 10 VMs, CSV zip',
    file: 'vdisk-flood.zip',
    write: (path) =>
      writeRowFloodExport(path, { vms: 10, flood: floodVdisk(10), rows: 1_000_000, format: 'csv-zip' }),
  },
];

interface ApiProcess {
  url: string;
  /** Closes the API and resolves with its peak RSS in MiB. */
  stop(): Promise<number>;
}

async function startApi(databaseUrl: string): Promise<ApiProcess> {
  const child = spawn(process.execPath, [step, databaseUrl, TOKEN], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('the API process ended before listening');
  const { url } = JSON.parse(first.value) as { url: string };
  return {
    url,
    async stop() {
      child.stdin.end();
      const last = await lines.next();
      if (last.done) throw new Error('the API process ended without its report');
      return (JSON.parse(last.value) as { maxRssKiB: number }).maxRssKiB / 1024;
    },
  };
}

async function probeHealth(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/healthz`);
  await response.arrayBuffer();
  return performance.now() - started;
}

const rows: Array<Record<string, string | number>> = [];
let allMet = true;
// `npm run bench:hostile -- flood` runs the cases whose name or file name holds that text.
const only = process.argv[2]?.toLowerCase();
for (const hostile of cases.filter(
  (candidate) => !only || `${candidate.name} ${candidate.file}`.toLowerCase().includes(only),
)) {
  const path = join(dir, hostile.file);
  await hostile.write(path);
  const database = await createTestDatabase('flotilla_bench_hostile');
  try {
    const api = await startApi(database.url);
    // Warm-up: the first requests of a fresh process compile their code paths.
    for (let index = 0; index < 5; index++) await probeHealth(api.url);
    // The machine's own noise floor: the same probes for 2 s with no upload.
    let idleMax = 0;
    for (const until = performance.now() + 2_000; performance.now() < until; await sleep(50)) {
      idleMax = Math.max(idleMax, await probeHealth(api.url));
    }
    const latencies: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        latencies.push(await probeHealth(api.url));
        await sleep(50);
      }
    })();
    const started = performance.now();
    const form = new FormData();
    form.append('file', await openAsBlob(path), basename(path));
    const response = await fetch(`${api.url}/inventories`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = (await response.json()) as { message?: string };
    const seconds = (performance.now() - started) / 1000;
    await sleep(200); // the API must still answer after the refusal
    probing = false;
    await prober;
    const peakRssMiB = await api.stop();
    latencies.sort((a, b) => a - b);
    const healthMax = latencies[latencies.length - 1] ?? Number.NaN;
    const met =
      (response.status === 413 || response.status === 422) &&
      seconds < 10 &&
      peakRssMiB * 1.048576 < 600 &&
      healthMax < 100;
    allMet &&= met;
    rows.push({
      case: hostile.name,
      'upload (MB)': (statSync(path).size / 1e6).toFixed(1),
      status: response.status,
      'answer (s)': seconds.toFixed(2),
      'API peak RSS (MiB)': Math.round(peakRssMiB),
      '/healthz max (ms)': healthMax.toFixed(1),
      '/healthz p50 (ms)': (latencies[Math.floor(latencies.length / 2)] ?? Number.NaN).toFixed(1),
      'idle /healthz max (ms)': idleMax.toFixed(1),
      probes: latencies.length,
      met: met ? 'yes' : 'NO',
    });
    process.stderr.write(`${hostile.name}: ${response.status} ${body.message ?? ''}\n`);
  } finally {
    await database.drop();
  }
}
table(rows);
process.stdout.write(
  `\ntargets (413/422, < 10 s, < 600 MB, /healthz < 100 ms): ${allMet ? 'met' : 'NOT met'}\n`,
);
if (!allMet) process.exitCode = 1;
