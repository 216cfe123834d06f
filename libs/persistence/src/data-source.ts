import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource, type MigrationInterface } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { PGliteInstance } from 'typeorm-pglite/dist/pglite-instance.js';
import { flotillaEntities } from './entities.js';

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, embedded Postgres (PGlite) is used. */
  databaseUrl?: string | undefined;
  /** Where embedded Postgres keeps its files; `memory://` keeps them in memory. */
  embeddedDataDir?: string | undefined;
  migrations: Array<new () => MigrationInterface>;
  /** Connections in the pool (Postgres only). */
  poolSize?: number;
}

export type DatabaseKind = 'postgres' | 'embedded';

export class SchemaBehindError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `The database schema is behind this version: ${pending.length} migration(s) pending (${pending.join(', ')}); run \`flotilla migrate\` first`,
    );
    this.name = 'SchemaBehindError';
  }
}

export interface FlotillaDatabase {
  dataSource: DataSource;
  kind: DatabaseKind;
  /** Where the data lives, without credentials: host/db or the embedded directory. */
  location: string;
  close(): Promise<void>;
}

export const DEFAULT_EMBEDDED_DIR = './.flotilla/pgdata';

/** Any key works as long as every replica uses the same one: it serializes migration runs. */
const MIGRATION_LOCK_KEY = 4_170_221_311;

export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'postgres (unparsable DATABASE_URL)';
  }
}

function buildDataSource(options: DatabaseOptions): {
  dataSource: DataSource;
  kind: DatabaseKind;
  location: string;
} {
  const common = {
    type: 'postgres' as const,
    entities: flotillaEntities,
    migrations: options.migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  };
  if (options.databaseUrl) {
    return {
      dataSource: new DataSource({
        ...common,
        url: options.databaseUrl,
        extra: { max: options.poolSize ?? 10 },
      }),
      kind: 'postgres',
      location: describeDatabaseUrl(options.databaseUrl),
    };
  }
  const dataDir = options.embeddedDataDir ?? DEFAULT_EMBEDDED_DIR;
  const isMemory = dataDir.startsWith('memory://');
  if (!isMemory) mkdirSync(resolve(dataDir), { recursive: true });
  return {
    dataSource: new DataSource({
      ...common,
      driver: new PGliteDriver(isMemory ? {} : { dataDir: resolve(dataDir) }).driver,
    }),
    kind: 'embedded',
    location: isMemory ? dataDir : resolve(dataDir),
  };
}

/**
 * Opens the database and brings its schema up to date. Migrations run under a Postgres
 * advisory lock so several replicas can start at once without racing each other.
 */
export async function openDatabase(
  options: DatabaseOptions & {
    /**
     * `run` (default) applies pending migrations; `verify` refuses to start on a schema that is
     * behind (production runs migrations once, from a Job, before rolling the apps); `none` skips both.
     */
    migrationMode?: 'run' | 'verify' | 'none';
  },
): Promise<FlotillaDatabase> {
  const { dataSource, kind, location } = buildDataSource(options);
  await dataSource.initialize();
  const mode = options.migrationMode ?? 'run';
  if (mode === 'run') await runMigrationsLocked(dataSource);
  if (mode === 'verify') {
    const pending = await pendingMigrations(dataSource);
    if (pending.length > 0) {
      await dataSource.destroy();
      throw new SchemaBehindError(pending);
    }
  }
  return {
    dataSource,
    kind,
    location,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      // PGlite writes its files on close; skipping this loses the last transactions.
      if (kind === 'embedded') await PGliteInstance.close();
    },
  };
}

export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Names of migrations the code knows but the database has not applied yet. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const known = dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name);
  const hasTable = await dataSource.query(`SELECT to_regclass('public.migrations') AS name`);
  if (!hasTable[0]?.name) return known;
  const rows: Array<{ name: string }> = await dataSource.query('SELECT name FROM migrations');
  const applied = new Set(rows.map((row) => row.name));
  return known.filter((name) => !applied.has(name));
}
