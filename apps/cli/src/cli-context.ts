import type { INestApplicationContext } from '@nestjs/common';
import type { FlotillaConfig } from '#libs/config';
import type { InjectionKey } from '#libs/core';
import type { FlotillaDatabase } from '#libs/persistence';

/** What every command needs: validated settings, the open database and the core's services. */
export interface CliContext {
  config: FlotillaConfig;
  database: FlotillaDatabase;
  /** A store or service of the application core. */
  get<T>(token: (abstract new (...args: never[]) => T) | InjectionKey<T>): T;
}

/**
 * Runs a command on the application core (NestFactory's application context, logger off): the
 * same database opening, locking and services as the API. Loaded only when a command runs, so
 * `flotilla --help` does not pay for Nest, TypeORM and the domain libraries.
 */
export async function withCliContext<T>(
  run: (context: CliContext) => Promise<T>,
  options: { migrationMode?: 'run' | 'none' } = {},
): Promise<T> {
  const [{ NestFactory }, { loadConfig }, { FlotillaCoreModule, FLOTILLA_DATABASE }] = await Promise.all([
    import('@nestjs/core'),
    import('#libs/config'),
    import('#libs/core'),
  ]);
  const config = loadConfig(process.env, 'cli');
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    FlotillaCoreModule.forRoot(config, { process: 'cli', migrationMode: options.migrationMode ?? 'run' }),
    { logger: false, abortOnError: false },
  );
  try {
    return await run({
      config,
      database: app.get(FLOTILLA_DATABASE),
      get: (token) => app.get(token),
    });
  } finally {
    await app.close();
  }
}

/** Progress goes to stderr and only on a terminal, so `--json` output and pipes stay clean. */
export function terminalProgress(): ((text: string) => void) & { done(): void } {
  const enabled = Boolean(process.stderr.isTTY);
  let last = 0;
  const report = ((text: string) => {
    if (!enabled) return;
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    process.stderr.write(`\r\x1b[2K${text}`);
  }) as ((text: string) => void) & { done(): void };
  report.done = () => {
    if (enabled) process.stderr.write('\r\x1b[2K');
  };
  return report;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
