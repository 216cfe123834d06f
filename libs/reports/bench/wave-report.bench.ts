/**
 * Ad-hoc benchmark of the wave report: `node dist/libs/reports/bench/wave-report.bench.js [vms]
 * [waves] [--shared-strings]` after a build. Prints write time, peak RSS (sampled every 20 ms)
 * and file size; the bar is 10,000 VMs in under 5 s with peak RSS under 500 MB.
 */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticReportInput } from '../src/testing/synthetic-report-input.js';
import { writeWaveReport } from '../src/wave-report-writer.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const vms = Number(args[0] ?? 10_000);
const waves = Number(args[1] ?? 40);
const useSharedStrings = process.argv.includes('--shared-strings');

let peakRss = process.memoryUsage().rss;
let peakHeapUsed = 0;
let peakExternal = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
  peakExternal = Math.max(peakExternal, usage.external);
}, 20);

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const generateStart = performance.now();
const input = syntheticReportInput({ vms, waves });
const generateMs = performance.now() - generateStart;
const rssBefore = process.memoryUsage().rss;
const path = join(tmpdir(), `flotilla-wave-report-bench-${process.pid}.xlsx`);
const start = performance.now();
await writeWaveReport(input, { path }, { useSharedStrings });
const writeMs = performance.now() - start;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const size = (await stat(path)).size;
console.log(
  JSON.stringify({
    vms,
    waves,
    useSharedStrings,
    generateInputMs: Math.round(generateMs),
    writeMs: Math.round(writeMs),
    rssAfterInput: mib(rssBefore),
    peakRss: mib(peakRss),
    peakHeapUsed: mib(peakHeapUsed),
    peakExternal: mib(peakExternal),
    fileSize: mib(size),
    path,
  }),
);
