import { z } from 'zod';
import { ConfigurationError } from '#libs/config';
import { parseSentinels } from '#libs/jobs';

const text = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const required = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, `is required (${what})`);

function wholeNumber(fallback: number | null, options: { allowZero?: boolean } = {}) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, context): number | null => {
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

const environmentSchema = z.object({
  VSPHERE_URL: required('the vCenter SDK URL, https://vcenter.example.com/sdk').refine(
    (value) => /^https:\/\//.test(value),
    'must be an https:// URL (VDDK and the executor only talk TLS to vCenter)',
  ),
  VSPHERE_USERNAME: required('the vCenter user the executor and the importer log in as'),
  VSPHERE_PASSWORD: z
    .string({ error: 'is required (the vCenter password)' })
    .min(1, 'is required (the vCenter password)'),
  VSPHERE_THUMBPRINT: text.refine(
    (value) => value === undefined || /^([0-9A-Fa-f]{2}:?){19}[0-9A-Fa-f]{2}$/.test(value),
    'must be a SHA-1 thumbprint, AB:CD:... (20 bytes)',
  ),
  VDDK_INIT_IMAGE: required('the image holding the VDDK library, built by you (VMware licence)'),
  VIRT_V2V_IMAGE: text,
  KUBECONFIG: text,
  FLOTILLA_COPY_STALL_TIMEOUT_S: wholeNumber(900),
  FLOTILLA_LIMIT_DISKS_PER_HOST: wholeNumber(10),
  FLOTILLA_LIMIT_DISKS_PER_DATASTORE: wholeNumber(null),
  FLOTILLA_LIMIT_DISKS_PER_EXECUTION: wholeNumber(null),
  FLOTILLA_LIMIT_DISKS_GLOBAL: wholeNumber(null),
  FLOTILLA_SHUTDOWN_TIMEOUT_S: wholeNumber(300),
  FLOTILLA_EXECUTOR_CONCURRENCY: wholeNumber(16),
  REDIS_URL: required('Redis for the job queue, redis://host:6379').refine(
    (value) => /^rediss?:\/\//.test(value),
    'must be a redis:// or rediss:// URL',
  ),
  DATABASE_URL: required('PostgreSQL, postgres://user@host/db').refine(
    (value) => /^postgres(ql)?:\/\//.test(value),
    'must be a postgres:// or postgresql:// URL',
  ),
  FLOTILLA_QUEUE_PREFIX: text,
  REDIS_SENTINELS: text.refine(
    (value) => value === undefined || value.split(',').every((entry) => /^[^:,\s]+:\d+$/.test(entry.trim())),
    'must be host:port,host:port',
  ),
  REDIS_SENTINEL_NAME: text,
  FLOTILLA_EXECUTOR_PROBE_PORT: wholeNumber(9090, { allowZero: true }),
  FLOTILLA_MIGRATIONS: z.enum(['run', 'verify']).default('run'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface CopyLimitsConfig {
  perHost: number;
  perDatastore: number | null;
  perExecution: number | null;
  global: number | null;
}

/**
 * The executor's settings. The password lives here and in the vSphere client only: it is never
 * logged (see `describeExecutorConfig`), never put in a job payload and never stored.
 */
export interface ExecutorConfig {
  vsphere: { url: string; username: string; password: string; thumbprint: string | undefined };
  vddkInitImage: string;
  virtV2vImage: string | undefined;
  kubeconfig: string | undefined;
  copyStallTimeoutMs: number;
  shutdownTimeoutMs: number;
  limits: CopyLimitsConfig;
  concurrency: number;
  redisUrl: string;
  databaseUrl: string;
  queuePrefix: string | undefined;
  /** Redis Sentinels (`host:port`) and their master group; REDIS_URL's host is used without them. */
  redisSentinels: Array<{ host: string; port: number }>;
  redisSentinelName: string | undefined;
  /** `/healthz`, `/readyz`, `/metrics`; 0 turns the probe server off. */
  probePort: number;
  /** `verify` when a migration Job runs the schema changes before the executor starts. */
  migrationMode: 'run' | 'verify';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Validates the executor's environment once; every bad setting is reported on its own line. */
export function loadExecutorConfig(environment: NodeJS.ProcessEnv = process.env): ExecutorConfig {
  const parsed = environmentSchema.safeParse(environment);
  const problems: string[] = [];
  if (parsed.success && parsed.data.REDIS_SENTINELS && !parsed.data.REDIS_SENTINEL_NAME) {
    problems.push('REDIS_SENTINEL_NAME: is required when REDIS_SENTINELS is set (the master group name)');
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  if (!parsed.success) {
    throw new ConfigurationError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  return {
    vsphere: {
      url: env.VSPHERE_URL,
      username: env.VSPHERE_USERNAME,
      password: env.VSPHERE_PASSWORD,
      thumbprint: env.VSPHERE_THUMBPRINT,
    },
    vddkInitImage: env.VDDK_INIT_IMAGE,
    virtV2vImage: env.VIRT_V2V_IMAGE,
    kubeconfig: env.KUBECONFIG,
    copyStallTimeoutMs: (env.FLOTILLA_COPY_STALL_TIMEOUT_S as number) * 1000,
    shutdownTimeoutMs: (env.FLOTILLA_SHUTDOWN_TIMEOUT_S as number) * 1000,
    limits: {
      perHost: env.FLOTILLA_LIMIT_DISKS_PER_HOST as number,
      perDatastore: env.FLOTILLA_LIMIT_DISKS_PER_DATASTORE,
      perExecution: env.FLOTILLA_LIMIT_DISKS_PER_EXECUTION,
      global: env.FLOTILLA_LIMIT_DISKS_GLOBAL,
    },
    concurrency: env.FLOTILLA_EXECUTOR_CONCURRENCY as number,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    queuePrefix: env.FLOTILLA_QUEUE_PREFIX,
    redisSentinels: parseSentinels(env.REDIS_SENTINELS),
    redisSentinelName: env.REDIS_SENTINEL_NAME,
    probePort: env.FLOTILLA_EXECUTOR_PROBE_PORT as number,
    migrationMode: env.FLOTILLA_MIGRATIONS,
    logLevel: env.LOG_LEVEL,
  };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** What may be logged at start-up: no password, no credentials inside URLs. */
export function describeExecutorConfig(config: ExecutorConfig): Record<string, unknown> {
  return {
    vsphere: {
      url: withoutCredentials(config.vsphere.url),
      username: config.vsphere.username,
      thumbprint: config.vsphere.thumbprint ?? '(fetched)',
    },
    vddkInitImage: config.vddkInitImage,
    virtV2vImage: config.virtV2vImage ?? '(none: guests are not converted)',
    kubeconfig: config.kubeconfig ?? '(default / in-cluster)',
    limits: config.limits,
    concurrency: config.concurrency,
    redis: withoutCredentials(config.redisUrl),
    database: withoutCredentials(config.databaseUrl),
  };
}
