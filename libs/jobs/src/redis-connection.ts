import type { RedisOptions } from 'bullmq';

export interface RedisSentinelSettings {
  sentinels: Array<{ host: string; port: number }>;
  /** The master group name the Sentinels watch. */
  name: string | undefined;
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

/**
 * ioredis options for BullMQ from REDIS_URL (user, password, db, TLS) and, when given, Sentinels.
 * Both apps use this; BullMQ workers need `maxRetriesPerRequest: null` (the API overrides it so a
 * request fails instead of hanging while Redis is away).
 */
/**
 * ioredis options from REDIS_URL. `maxRetriesPerRequest: null` as BullMQ requires: a command
 * waits for Redis to come back instead of failing, so a Redis restart pauses the executor rather
 * than failing its steps; reconnection is ioredis's own, with a bounded back-off.
 */
export function redisConnectionOptions(
  redisUrl: string,
  sentinel?: { sentinels: Array<{ host: string; port: number }>; name: string | undefined },
): RedisOptions {
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
