import { describe, expect, it } from 'vitest';
import { ConfigurationError, describeConfig, loadConfig } from './config.js';

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  return expect.unreachable('loadConfig accepted bad settings');
}

describe('loadConfig', () => {
  it('defaults to the embedded database and sane limits', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.embeddedDatabaseDir).toBe('./.flotilla/pgdata');
    expect(config.api.port).toBe(3000);
    expect(config.api.uploadLimitBytes).toBe(512 * 1024 * 1024);
    expect(config.queue).toEqual({ name: 'flotilla-executor', prefix: undefined });
    expect(config.executor).toBeUndefined();
    expect(config.environment).toBe('production');
  });

  it('gives the API and the executor the same queue name and prefix', () => {
    const api = loadConfig({ FLOTILLA_QUEUE_PREFIX: 'site-a' });
    expect(api.queue).toEqual({ name: 'flotilla-executor', prefix: 'site-a' });
  });

  it('reports every bad setting at once, naming each', () => {
    const problems = problemsOf(() =>
      loadConfig({
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        REDIS_URL: 'http://nope',
        REDIS_SENTINELS: 'a b',
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/REDIS_SENTINELS: must be host:port,host:port/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL: must be a postgres/);
    expect(problems.join('\n')).toMatch(/PORT: must be a positive whole number, got "eighty"/);
    expect(problems.join('\n')).toMatch(/REDIS_URL: must be a redis/);
  });

  it('asks for the Sentinel master group name when Sentinels are given', () => {
    expect(problemsOf(() => loadConfig({ REDIS_SENTINELS: 's1:26379, s2' }))).toEqual([
      'REDIS_SENTINEL_NAME: is required when REDIS_SENTINELS is set (the master group name)',
    ]);
    const config = loadConfig({ REDIS_SENTINELS: 's1:26380, s2 ,', REDIS_SENTINEL_NAME: 'mymaster' });
    expect(config.redisSentinels).toEqual([
      { host: 's1', port: 26380 },
      { host: 's2', port: 26379 },
    ]);
  });

  it('refuses FLOTILLA_AUTH_DISABLED outside development', () => {
    for (const environment of [{}, { NODE_ENV: 'production' }, { NODE_ENV: 'test' }]) {
      const problems = problemsOf(() => loadConfig({ ...environment, FLOTILLA_AUTH_DISABLED: 'true' }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^FLOTILLA_AUTH_DISABLED: true makes every caller an admin/);
    }
    expect(loadConfig({ NODE_ENV: 'development', FLOTILLA_AUTH_DISABLED: 'true' }).api.authDisabled).toBe(
      true,
    );
    const explicit = loadConfig({
      NODE_ENV: 'production',
      FLOTILLA_ENV: 'development',
      FLOTILLA_AUTH_DISABLED: 'true',
    });
    expect(explicit.api.authDisabled).toBe(true);
    expect(explicit.environment).toBe('development');
    expect(loadConfig({ FLOTILLA_AUTH_DISABLED: 'false' }).api.authDisabled).toBe(false);
    expect(problemsOf(() => loadConfig({ FLOTILLA_AUTH_DISABLED: 'yes' }))[0]).toMatch(
      /^FLOTILLA_AUTH_DISABLED: must be true or false/,
    );
  });

  it('gives the wave-report load-back its own inflate cap, heap and deadline, and the other read limits of the import', () => {
    const defaults = loadConfig({});
    expect(defaults.reportLoadBackLimits).toEqual({
      ...defaults.importLimits,
      maxInflatedBytes: 1024 * 1024 * 1024,
      maxHeapMiB: 1024,
      timeoutMs: 120_000,
    });
    const lowered = loadConfig({
      FLOTILLA_MAX_REPORT_INFLATED_MB: '64',
      FLOTILLA_REPORT_PARSE_HEAP_MB: '256',
      FLOTILLA_REPORT_PARSE_TIMEOUT_S: '30',
      FLOTILLA_MAX_CELL_READ_CHARS: '100000',
    });
    expect(lowered.reportLoadBackLimits).toMatchObject({
      maxInflatedBytes: 64 * 1024 * 1024,
      maxHeapMiB: 256,
      timeoutMs: 30_000,
      maxCellReadChars: 100_000,
    });
    expect(lowered.importLimits).toMatchObject({ maxInflatedBytes: 4096 * 1024 * 1024, maxHeapMiB: 3072 });
    expect(
      problemsOf(() =>
        loadConfig({ FLOTILLA_MAX_REPORT_INFLATED_MB: '0', FLOTILLA_REPORT_PARSE_TIMEOUT_S: '2.5' }),
      ),
    ).toEqual([
      'FLOTILLA_MAX_REPORT_INFLATED_MB: must be a positive whole number, got "0"',
      'FLOTILLA_REPORT_PARSE_TIMEOUT_S: must be a positive whole number, got "2.5"',
    ]);
  });

  it('never shows a credential in its description', () => {
    const description = JSON.stringify(
      describeConfig(
        loadConfig({
          DATABASE_URL: 'postgres://flotilla:db-pass@db/flotilla',
          REDIS_URL: 'redis://:redis-pass@redis:6379/0',
          FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: 'admin-token-value',
        }),
      ),
    );
    for (const secret of ['db-pass', 'redis-pass', 'admin-token-value'])
      expect(description).not.toContain(secret);
  });
});
