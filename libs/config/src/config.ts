import { z } from 'zod';
import { EXECUTOR_QUEUE } from '#libs/jobs';

const MIB = 1024 * 1024;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

function wholeNumber<F extends number | null>(fallback: F, options: { allowZero?: boolean } = {}) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, context): number | F => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0 || (parsed === 0 && !options.allowZero)) {
        context.addIssue({
          code: 'custom',
          message: `must be a ${options.allowZero ? 'non-negative' : 'positive'} whole number, got "${value}"`,
        });
        return z.NEVER;
      }
      return parsed;
    });
}

const flag = z
  .enum(['true', 'false', ''], { error: 'must be true or false' })
  .optional()
  .transform((value) => value === 'true');

const postgresUrl = optionalText.refine(
  (value) => value === undefined || /^postgres(ql)?:\/\//.test(value),
  'must be a postgres:// or postgresql:// URL',
);

const redisUrl = optionalText.refine(
  (value) => value === undefined || /^rediss?:\/\//.test(value),
  'must be a redis:// or rediss:// URL',
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting of every app, its default and why it exists; read once at start, never from
 * process.env elsewhere. Settings of an app that is not starting are checked for form only.
 */
const environmentSchema = z.object({
  // shared
  NODE_ENV: optionalText,
  FLOTILLA_ENV: optionalText,
  DATABASE_URL: postgresUrl,
  FLOTILLA_DATA_DIR: z.string().trim().default('./.flotilla'),
  REDIS_URL: redisUrl,
  REDIS_SENTINELS: optionalText.refine(
    (value) =>
      value === undefined ||
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
        .every((entry) => /^[^:\s]+(:\d+)?$/.test(entry)),
    'must be host:port,host:port',
  ),
  REDIS_SENTINEL_NAME: optionalText,
  FLOTILLA_QUEUE_PREFIX: optionalText,
  FLOTILLA_MIGRATIONS: z.enum(['run', 'verify']).default('run'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  FLOTILLA_MAX_INFLATED_MB: wholeNumber(4096),
  // Upload reading (README "Limits and security" gives each default's derivation).
  FLOTILLA_MAX_SHEET_MB: wholeNumber(1024),
  FLOTILLA_MAX_COMPRESSION_RATIO: wholeNumber(100),
  FLOTILLA_MAX_ROWS_PER_SHEET: wholeNumber(570_000),
  FLOTILLA_MAX_VMS: wholeNumber(250_000),
  FLOTILLA_MAX_CELL_CHARS: wholeNumber(32_767),
  FLOTILLA_MAX_CELL_READ_CHARS: wholeNumber(1_048_576),
  FLOTILLA_MAX_SHARED_STRINGS: wholeNumber(4_000_000),
  FLOTILLA_MAX_SHARED_STRING_MB: wholeNumber(128),
  FLOTILLA_MAX_CSV_LINE_KB: wholeNumber(1024),
  FLOTILLA_PARSE_HEAP_MB: wholeNumber(3072),
  FLOTILLA_PARSE_TIMEOUT_S: wholeNumber(300),
  // Wave-report load-back (an edited report uploaded back): one row per VM of a plan, tens of MB
  // inflated for 100,000 VMs, so tighter than an export; the other read limits are the import's.
  FLOTILLA_MAX_REPORT_INFLATED_MB: wholeNumber(1024),
  FLOTILLA_REPORT_PARSE_HEAP_MB: wholeNumber(1024),
  FLOTILLA_REPORT_PARSE_TIMEOUT_S: wholeNumber(120),
  // api
  PORT: wholeNumber(3000),
  HOST: z.string().trim().default('0.0.0.0'),
  FLOTILLA_UPLOAD_LIMIT_MB: wholeNumber(512),
  FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: optionalText,
  FLOTILLA_AUTH_DISABLED: flag,
  // executor
  VSPHERE_URL: optionalText.refine(
    (value) => value === undefined || /^https:\/\//.test(value),
    'must be an https:// URL (VDDK and the executor only talk TLS to vCenter)',
  ),
  VSPHERE_USERNAME: optionalText,
  VSPHERE_PASSWORD: z.string().optional(),
  VSPHERE_THUMBPRINT: optionalText.refine(
    (value) => value === undefined || /^([0-9A-Fa-f]{2}:?){19}[0-9A-Fa-f]{2}$/.test(value),
    'must be a SHA-1 thumbprint, AB:CD:... (20 bytes)',
  ),
  FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE: flag,
  VDDK_INIT_IMAGE: optionalText,
  VIRT_V2V_IMAGE: optionalText,
  KUBECONFIG: optionalText,
  FLOTILLA_COPY_STALL_TIMEOUT_S: wholeNumber(900),
  FLOTILLA_LIMIT_DISKS_PER_HOST: wholeNumber(10),
  FLOTILLA_LIMIT_DISKS_PER_DATASTORE: wholeNumber(null),
  FLOTILLA_LIMIT_DISKS_PER_EXECUTION: wholeNumber(null),
  FLOTILLA_LIMIT_DISKS_GLOBAL: wholeNumber(null),
  FLOTILLA_SHUTDOWN_TIMEOUT_S: wholeNumber(300),
  FLOTILLA_EXECUTOR_CONCURRENCY: wholeNumber(16),
  FLOTILLA_EXECUTOR_PROBE_PORT: wholeNumber(9090, { allowZero: true }),
  FLOTILLA_POLL_MS: wholeNumber(2_000),
  FLOTILLA_COPY_POLL_MS: wholeNumber(10_000),
  FLOTILLA_LEASE_MS: wholeNumber(60_000),
  FLOTILLA_RECONCILE_INTERVAL_MS: wholeNumber(30_000),
  // cli
  FLOTILLA_DEBUG: optionalText,
});

type Environment = z.infer<typeof environmentSchema>;

export interface CopyLimitsConfig {
  perHost: number;
  perDatastore: number | null;
  perExecution: number | null;
  global: number | null;
}

export interface ApiSettings {
  port: number;
  host: string;
  uploadLimitBytes: number;
  bootstrapAdminToken: string | undefined;
  /** Development only (refused elsewhere): every caller is an admin. */
  authDisabled: boolean;
}

/**
 * The executor's settings. The password lives here and in the vSphere client only: it is never
 * logged (see `describeConfig`), never put in a job payload and never stored.
 */
export interface ExecutorSettings {
  vsphere: {
    url: string;
    username: string;
    password: string;
    /** Undefined only with FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE in development: fetched at start. */
    thumbprint: string | undefined;
  };
  vddkInitImage: string;
  virtV2vImage: string | undefined;
  kubeconfig: string | undefined;
  copyStallTimeoutMs: number;
  shutdownTimeoutMs: number;
  limits: CopyLimitsConfig;
  concurrency: number;
  /** `/healthz`, `/readyz`, `/metrics`; 0 turns the probe server off. */
  probePort: number;
  /** How often a step polls vCenter or the cluster, and a copy its DataVolume. */
  pollMs: number;
  copyPollMs: number;
  /** A VM step's lease: a worker that dies holds its VMs this long at most. */
  leaseMs: number;
  reconcileIntervalMs: number;
}

/**
 * What the executor writes into its manifests, read by every process so the API can show a wave's
 * manifests for review (`GET /plans/:id/waves/:n/manifests`); no credentials. Unset = undefined.
 */
export interface ManifestTargetSettings {
  vsphereUrl: string | undefined;
  vsphereThumbprint: string | undefined;
  vddkInitImage: string | undefined;
  virtV2vImage: string | undefined;
}

export interface CliSettings {
  /** FLOTILLA_DEBUG: stack traces with errors. */
  debug: boolean;
}

export interface FlotillaConfig {
  /** `development` (NODE_ENV or FLOTILLA_ENV) unlocks the unsafe conveniences; anything else is production. */
  environment: 'development' | 'production';
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedDatabaseDir: string;
  redisUrl: string | undefined;
  /** Redis Sentinels and their master group; REDIS_URL's host is used without them. */
  redisSentinels: Array<{ host: string; port: number }>;
  redisSentinelName: string | undefined;
  /** The one executor queue: the API adds to it, the executor consumes it. */
  queue: { name: string; prefix: string | undefined };
  maxInflatedBytes: number;
  /** What one upload may cost to read: the reader's limits and the parsing worker's heap and deadline. */
  importLimits: {
    maxInflatedBytes: number;
    maxSheetBytes: number;
    maxCompressionRatio: number;
    maxRowsPerSheet: number;
    maxVms: number;
    maxCellChars: number;
    maxCellReadChars: number;
    maxSharedStrings: number;
    maxSharedStringChars: number;
    maxCsvLineBytes: number;
    maxHeapMiB: number;
    timeoutMs: number;
  };
  /**
   * What reading an edited wave report back may cost: the import's read limits with the report's
   * own inflate cap, and the parsing worker's heap and deadline.
   */
  reportLoadBackLimits: FlotillaConfig['importLimits'];
  /** `run`: apply pending migrations at start; `verify`: refuse to start when some are pending. */
  migrationMode: 'run' | 'verify';
  logLevel: LogLevel;
  api: ApiSettings;
  /** Present when loaded for the executor (`loadConfig(env, 'executor')`). */
  executor: ExecutorSettings | undefined;
  manifestTarget: ManifestTargetSettings;
  cli: CliSettings;
}

/** What the executor runs on: Postgres and Redis are required, its section is filled. */
export type ExecutorAppConfig = FlotillaConfig & {
  databaseUrl: string;
  redisUrl: string;
  executor: ExecutorSettings;
};

export type FlotillaApp = 'api' | 'executor' | 'cli';

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** `host:port,host:port` (port 26379 when omitted) as ioredis expects it. */
export function parseSentinels(value: string | undefined): Array<{ host: string; port: number }> {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [host, port] = entry.split(':');
      return { host: host as string, port: port ? Number(port) : 26379 };
    });
}

const isDevelopment = (env: Pick<Environment, 'NODE_ENV' | 'FLOTILLA_ENV'>) =>
  env.NODE_ENV === 'development' || env.FLOTILLA_ENV === 'development';

/** Rules across settings, checked once every setting has its form. */
function crossSettingProblems(env: Environment, app: FlotillaApp): string[] {
  const problems: string[] = [];
  const development = isDevelopment(env);
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME)
    problems.push('REDIS_SENTINEL_NAME: is required when REDIS_SENTINELS is set (the master group name)');
  if (env.FLOTILLA_AUTH_DISABLED && !development)
    problems.push(
      'FLOTILLA_AUTH_DISABLED: true makes every caller an admin and is refused outside development (set NODE_ENV=development or FLOTILLA_ENV=development)',
    );
  if (env.FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE && !development)
    problems.push(
      'FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE: trusting the first vCenter certificate is refused outside development; set VSPHERE_THUMBPRINT',
    );
  if (app !== 'executor') return problems;
  const required: Array<[keyof Environment, string]> = [
    ['VSPHERE_URL', 'the vCenter SDK URL, https://vcenter.example.com/sdk'],
    ['VSPHERE_USERNAME', 'the vCenter user the executor and the importer log in as'],
    ['VSPHERE_PASSWORD', 'the vCenter password'],
    ['VDDK_INIT_IMAGE', 'the image holding the VDDK library, built by you (VMware licence)'],
    ['REDIS_URL', 'Redis for the job queue, redis://host:6379'],
    ['DATABASE_URL', 'PostgreSQL, postgres://user@host/db'],
  ];
  for (const [name, what] of required) if (!env[name]) problems.push(`${name}: is required (${what})`);
  if (!env.VSPHERE_THUMBPRINT && !env.FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE)
    problems.push(
      'VSPHERE_THUMBPRINT: is required (the SHA-1 of the vCenter certificate, AB:CD:...): the executor sends the vCenter password only to a server it has pinned; in development FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE=true trusts the first certificate instead',
    );
  return problems;
}

function executorSettings(env: Environment): ExecutorSettings {
  return {
    vsphere: {
      url: env.VSPHERE_URL as string,
      username: env.VSPHERE_USERNAME as string,
      password: env.VSPHERE_PASSWORD as string,
      thumbprint: env.VSPHERE_THUMBPRINT,
    },
    vddkInitImage: env.VDDK_INIT_IMAGE as string,
    virtV2vImage: env.VIRT_V2V_IMAGE,
    kubeconfig: env.KUBECONFIG,
    copyStallTimeoutMs: env.FLOTILLA_COPY_STALL_TIMEOUT_S * 1000,
    shutdownTimeoutMs: env.FLOTILLA_SHUTDOWN_TIMEOUT_S * 1000,
    limits: {
      perHost: env.FLOTILLA_LIMIT_DISKS_PER_HOST,
      perDatastore: env.FLOTILLA_LIMIT_DISKS_PER_DATASTORE,
      perExecution: env.FLOTILLA_LIMIT_DISKS_PER_EXECUTION,
      global: env.FLOTILLA_LIMIT_DISKS_GLOBAL,
    },
    concurrency: env.FLOTILLA_EXECUTOR_CONCURRENCY,
    probePort: env.FLOTILLA_EXECUTOR_PROBE_PORT,
    pollMs: env.FLOTILLA_POLL_MS,
    copyPollMs: env.FLOTILLA_COPY_POLL_MS,
    leaseMs: env.FLOTILLA_LEASE_MS,
    reconcileIntervalMs: env.FLOTILLA_RECONCILE_INTERVAL_MS,
  };
}

/**
 * Validates the environment once for the app that starts; every bad setting is reported, each on
 * its own line. Pure: no Nest, no I/O.
 */
export function loadConfig(environment: NodeJS.ProcessEnv | undefined, app: 'executor'): ExecutorAppConfig;
export function loadConfig(environment?: NodeJS.ProcessEnv, app?: 'api' | 'cli'): FlotillaConfig;
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  app: FlotillaApp = 'api',
): FlotillaConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigurationError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const problems = crossSettingProblems(env, app);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    environment: isDevelopment(env) ? 'development' : 'production',
    databaseUrl: env.DATABASE_URL,
    dataDir: env.FLOTILLA_DATA_DIR,
    // `memory://` keeps the embedded database in memory (tests, benchmarks).
    embeddedDatabaseDir: env.FLOTILLA_DATA_DIR.startsWith('memory://')
      ? 'memory://'
      : `${env.FLOTILLA_DATA_DIR.replace(/\/+$/, '')}/pgdata`,
    redisUrl: env.REDIS_URL,
    redisSentinels: parseSentinels(env.REDIS_SENTINELS),
    redisSentinelName: env.REDIS_SENTINEL_NAME,
    queue: { name: EXECUTOR_QUEUE, prefix: env.FLOTILLA_QUEUE_PREFIX },
    maxInflatedBytes: env.FLOTILLA_MAX_INFLATED_MB * MIB,
    importLimits: importLimits(env),
    reportLoadBackLimits: {
      ...importLimits(env),
      maxInflatedBytes: env.FLOTILLA_MAX_REPORT_INFLATED_MB * MIB,
      maxHeapMiB: env.FLOTILLA_REPORT_PARSE_HEAP_MB,
      timeoutMs: env.FLOTILLA_REPORT_PARSE_TIMEOUT_S * 1000,
    },
    migrationMode: env.FLOTILLA_MIGRATIONS,
    logLevel: env.LOG_LEVEL,
    api: {
      port: env.PORT,
      host: env.HOST,
      uploadLimitBytes: env.FLOTILLA_UPLOAD_LIMIT_MB * MIB,
      bootstrapAdminToken: env.FLOTILLA_BOOTSTRAP_ADMIN_TOKEN,
      authDisabled: env.FLOTILLA_AUTH_DISABLED,
    },
    executor: app === 'executor' ? executorSettings(env) : undefined,
    manifestTarget: {
      vsphereUrl: env.VSPHERE_URL,
      vsphereThumbprint: env.VSPHERE_THUMBPRINT,
      vddkInitImage: env.VDDK_INIT_IMAGE,
      virtV2vImage: env.VIRT_V2V_IMAGE,
    },
    cli: { debug: Boolean(env.FLOTILLA_DEBUG) },
  };
}

function withoutCredentials(url: string | undefined): string {
  if (url === undefined) return '(not set)';
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** What may be logged at start-up: no password, no token, no credentials inside URLs. */
export function describeConfig(config: FlotillaConfig): Record<string, unknown> {
  const executor = config.executor;
  return {
    environment: config.environment,
    database: config.databaseUrl ? withoutCredentials(config.databaseUrl) : config.embeddedDatabaseDir,
    redis: withoutCredentials(config.redisUrl),
    queue: config.queue,
    ...(executor
      ? {
          vsphere: {
            url: withoutCredentials(executor.vsphere.url),
            username: executor.vsphere.username,
            thumbprint: executor.vsphere.thumbprint ?? '(trusted on first use: development only)',
          },
          vddkInitImage: executor.vddkInitImage,
          virtV2vImage: executor.virtV2vImage ?? '(none: guests are not converted)',
          kubeconfig: executor.kubeconfig ?? '(default / in-cluster)',
          limits: executor.limits,
          concurrency: executor.concurrency,
        }
      : {}),
  };
}

/** The read limits and parse budget of an RVTools upload (README "Limits and security"). */
function importLimits(env: Environment): FlotillaConfig['importLimits'] {
  return {
    maxInflatedBytes: env.FLOTILLA_MAX_INFLATED_MB * MIB,
    maxSheetBytes: env.FLOTILLA_MAX_SHEET_MB * MIB,
    maxCompressionRatio: env.FLOTILLA_MAX_COMPRESSION_RATIO,
    maxRowsPerSheet: env.FLOTILLA_MAX_ROWS_PER_SHEET,
    maxVms: env.FLOTILLA_MAX_VMS,
    maxCellChars: env.FLOTILLA_MAX_CELL_CHARS,
    maxCellReadChars: env.FLOTILLA_MAX_CELL_READ_CHARS,
    maxSharedStrings: env.FLOTILLA_MAX_SHARED_STRINGS,
    maxSharedStringChars: env.FLOTILLA_MAX_SHARED_STRING_MB * MIB,
    maxCsvLineBytes: env.FLOTILLA_MAX_CSV_LINE_KB * 1024,
    maxHeapMiB: env.FLOTILLA_PARSE_HEAP_MB,
    timeoutMs: env.FLOTILLA_PARSE_TIMEOUT_S * 1000,
  };
}
