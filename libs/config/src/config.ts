import { z } from 'zod';

const MIB = 1024 * 1024;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const positiveInt = (fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        context.addIssue({ code: 'custom', message: `must be a positive whole number, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const postgresUrl = optionalText.refine(
  (value) => value === undefined || /^postgres(ql)?:\/\//.test(value),
  'must be a postgres:// or postgresql:// URL',
);

const redisUrl = optionalText.refine(
  (value) => value === undefined || /^rediss?:\/\//.test(value),
  'must be a redis:// or rediss:// URL',
);

/** Every setting, its default and why it exists; read once at start, never from process.env elsewhere. */
const environmentSchema = z.object({
  DATABASE_URL: postgresUrl,
  FLOTILLA_DATA_DIR: z.string().trim().default('./.flotilla'),
  PORT: positiveInt(3000),
  HOST: z.string().trim().default('0.0.0.0'),
  FLOTILLA_UPLOAD_LIMIT_MB: positiveInt(512),
  FLOTILLA_MAX_INFLATED_MB: positiveInt(4096),
  REDIS_URL: redisUrl,
  FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: optionalText,
  REDIS_SENTINELS: optionalText.refine(
    (value) => value === undefined || /^[^,:\s]+(:\d+)?(,[^,:\s]+(:\d+)?)*$/.test(value),
    'must be host:port,host:port',
  ),
  REDIS_SENTINEL_NAME: optionalText,
  FLOTILLA_MIGRATIONS: z.enum(['run', 'verify']).default('run'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FLOTILLA_AUTH_DISABLED: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((value) => value === 'true'),
});

export interface FlotillaConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedDatabaseDir: string;
  port: number;
  host: string;
  uploadLimitBytes: number;
  maxInflatedBytes: number;
  redisUrl: string | undefined;
  /** `host:port,…` of Redis Sentinels and their master group; REDIS_URL's host is used without them. */
  redisSentinels: string | undefined;
  redisSentinelName: string | undefined;
  bootstrapAdminToken: string | undefined;
  authDisabled: boolean;
  /** `run`: apply pending migrations at start; `verify`: refuse to start when some are pending. */
  migrationMode: 'run' | 'verify';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** Validates the environment once; every bad setting is reported, each on its own line. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): FlotillaConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigurationError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  return {
    databaseUrl: env.DATABASE_URL,
    dataDir: env.FLOTILLA_DATA_DIR,
    embeddedDatabaseDir: `${env.FLOTILLA_DATA_DIR.replace(/\/+$/, '')}/pgdata`,
    port: env.PORT,
    host: env.HOST,
    uploadLimitBytes: env.FLOTILLA_UPLOAD_LIMIT_MB * MIB,
    maxInflatedBytes: env.FLOTILLA_MAX_INFLATED_MB * MIB,
    redisUrl: env.REDIS_URL,
    redisSentinels: env.REDIS_SENTINELS,
    redisSentinelName: env.REDIS_SENTINEL_NAME,
    bootstrapAdminToken: env.FLOTILLA_BOOTSTRAP_ADMIN_TOKEN,
    authDisabled: env.FLOTILLA_AUTH_DISABLED,
    migrationMode: env.FLOTILLA_MIGRATIONS,
    logLevel: env.LOG_LEVEL,
  };
}
