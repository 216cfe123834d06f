import type { Queue, RedisOptions } from 'bullmq';
import { type EnqueueOptions, type ExecutionQueue } from '#libs/application';
import { DEFAULT_JOB_OPTIONS, type JobName, type JobPayloads } from '#libs/jobs';

/** The executor queue over BullMQ: job data is ids only, the options carry dedup ids and delays. */
export class BullmqExecutionQueue implements ExecutionQueue {
  #adds = 0;

  constructor(private readonly queue: Queue) {}

  get adds(): number {
    return this.#adds;
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: EnqueueOptions = {},
  ): Promise<void> {
    this.#adds += 1;
    await this.queue.add(name, payload, {
      ...DEFAULT_JOB_OPTIONS,
      ...(options.jobId ? { jobId: options.jobId } : {}),
      ...(options.delayMs ? { delay: Math.max(0, Math.round(options.delayMs)) } : {}),
    });
  }
}

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
