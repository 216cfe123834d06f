import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateRvtoolsFile } from '#libs/estate-generator';

/** Generated workbooks are cached by size and seed: generating 100k VMs takes longer than importing them. */
export const BENCH_DIR = process.env.FLOTILLA_BENCH_DIR ?? join(process.cwd(), '.flotilla', 'bench');

export async function benchWorkbook(vms: number, seed = 7): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `rvtools-${vms}-seed${seed}.xlsx`);
  if (!existsSync(path)) {
    const started = performance.now();
    await generateRvtoolsFile({ vms, seed, out: path, format: 'xlsx' });
    process.stderr.write(`generated ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  return path;
}

export interface ChildMeasurement<T> {
  result: T;
  maxRssMiB: number;
  wallSeconds: number;
}

/**
 * Runs one measured step in its own Node process, so its peak RSS is its own and not the
 * benchmark driver's. The child prints one JSON line with its result and `process.resourceUsage()`.
 */
export function measureInChild<T>(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildMeasurement<T>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      const line = output.trim().split('\n').pop() ?? '{}';
      const parsed = JSON.parse(line) as { result: T; maxRssKiB: number };
      resolve({
        result: parsed.result,
        maxRssMiB: parsed.maxRssKiB / 1024,
        wallSeconds: (performance.now() - started) / 1000,
      });
    });
  });
}

export function reportFromChild(result: unknown): void {
  process.stdout.write(`${JSON.stringify({ result, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
}

export function table(rows: Array<Record<string, string | number>>): void {
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((header) =>
    Math.max(header.length, ...rows.map((row) => String(row[header]).length)),
  );
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`${line(headers)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(headers.map((header) => String(row[header])))}\n`);
}
