import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database and sane limits', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.embeddedDatabaseDir).toBe('./.flotilla/pgdata');
    expect(config.port).toBe(3000);
    expect(config.uploadLimitBytes).toBe(512 * 1024 * 1024);
  });

  it('reports every bad setting at once, naming each', () => {
    try {
      loadConfig({
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        REDIS_URL: 'http://nope',
        REDIS_SENTINELS: 'a b',
      });
      expect.unreachable('loadConfig accepted bad settings');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const problems = (error as ConfigurationError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/REDIS_SENTINELS: must be host:port,host:port/);
      expect(problems.join('\n')).toMatch(/DATABASE_URL: must be a postgres/);
      expect(problems.join('\n')).toMatch(/PORT: must be a positive whole number, got "eighty"/);
      expect(problems.join('\n')).toMatch(/REDIS_URL: must be a redis/);
    }
  });
});
