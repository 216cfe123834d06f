import { type FlotillaConfig, loadConfig } from '#libs/config';
import { type FlotillaDatabase, openDatabase } from '#libs/persistence';
import { flotillaMigrations } from '#migrations';

/** What every command needs: validated settings and an open, migrated database. */
export interface CliContext {
  config: FlotillaConfig;
  database: FlotillaDatabase;
}

export async function withCliContext<T>(run: (context: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDataDir: config.embeddedDatabaseDir,
    migrations: flotillaMigrations,
  });
  try {
    return await run({ config, database });
  } finally {
    await database.close();
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
