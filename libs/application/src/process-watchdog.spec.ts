import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { typescriptWorkerBootstrap } from './typescript-worker-loader.js';

const FATAL_PROCESS = new URL('../../../test/fixtures/hostile/fatal-process.ts', import.meta.url);

function run(
  mode: string,
): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', typescriptWorkerBootstrap(FATAL_PROCESS)], {
      env: { ...process.env, FATAL_MODE: mode },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, ms: performance.now() - started }));
  });
}

describe('exitOnFatalErrors', () => {
  it('kills a process whose main thread is stuck, so its supervisor restarts it', async () => {
    const outcome = await run('stuck');
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.stderr).toContain('fatal-process: the main thread has not run for');
    expect(outcome.ms).toBeLessThan(30_000);
  });

  it('exits with 70 on an uncaught exception instead of lingering', async () => {
    const outcome = await run('throw');
    expect(outcome.code).toBe(70);
    expect(outcome.stderr).toContain('fatal-process: uncaught exception, exiting: Error: boom');
  });
});
