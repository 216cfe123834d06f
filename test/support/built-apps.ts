import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let built: Promise<string> | undefined;

/**
 * Compiles the apps as `npm run build` does, into a directory of this test run's own (so parallel
 * test files and a developer's dist/ never race), with the package's import map and node_modules,
 * and returns that directory. Once per test process.
 */
export function buildApps(): Promise<string> {
  built ??= new Promise<string>((resolve, reject) => {
    const directory = mkdtempSync(join(tmpdir(), 'flotilla-build-'));
    writeFileSync(join(directory, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(directory, 'node_modules'), 'dir');
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(directory, 'dist'),
      ],
      { cwd: ROOT, maxBuffer: 16 * 2 ** 20 },
      (error, stdout) => (error ? reject(new Error(`the build failed: ${stdout}`)) : resolve(directory)),
    );
  });
  return built;
}

export interface AppProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

/** Starts `node <build>/dist/<entry>` with exactly the given environment (plus PATH). */
export async function startAppProcess(
  entry: string,
  args: string[],
  environment: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<AppProcess> {
  const directory = await buildApps();
  const child = spawn(process.execPath, [join(directory, 'dist', entry), ...args], {
    env: { PATH: process.env.PATH ?? '', ...environment },
    cwd: options.cwd ?? directory,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => text,
    exited,
    async stop(graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },
  };
}

/** Runs a command of the built CLI to its end. */
export async function runCli(
  args: string[],
  environment: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<{ code: number | string; output: string }> {
  const cli = await startAppProcess('apps/cli/src/main.js', args, environment, options);
  const code = await cli.exited;
  return { code, output: cli.output() };
}
