import type { RedisOptions } from 'bullmq';

export interface RedisSentinelSettings {
  sentinels: Array<{ host: string; port: number }>;
  /** The master group name the Sentinels watch. */
  name: string | undefined;
}

/**
 * ioredis options for BullMQ from REDIS_URL (user, password, db, TLS) and, when given, Sentinels. `maxRetriesPerRequest: null` as BullMQ requires: a command
 * waits for Redis to come back instead of failing, so a Redis restart pauses the executor rather
 * than failing its steps; reconnection is ioredis's own, with a bounded back-off.
 */
export function redisConnectionOptions(redisUrl: string, sentinel?: RedisSentinelSettings): RedisOptions {
  const url = new URL(redisUrl);
  const options: RedisOptions = {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  };
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '') options.db = Number(db);
  if (url.protocol === 'rediss:') options.tls = {};
  if (sentinel && sentinel.sentinels.length > 0 && sentinel.name) {
    // ioredis asks the Sentinels for the current master and follows a failover.
    options.sentinels = sentinel.sentinels;
    options.name = sentinel.name;
  }
  return options;
}
