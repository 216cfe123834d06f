import type { RedisOptions } from 'bullmq';
import { Queue } from 'bullmq';
import type { EnqueueOptions, ExecutionQueue } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { DEFAULT_JOB_OPTIONS, type JobName, type JobPayloads, redisConnectionOptions } from '#libs/jobs';

type QueueSettings = Pick<FlotillaConfig, 'redisUrl' | 'redisSentinels' | 'redisSentinelName' | 'queue'>;

/** ioredis options for the executor queue from the one config (URL, credentials, TLS, Sentinels). */
export function executorQueueConnection(config: QueueSettings & { redisUrl: string }): RedisOptions {
  return redisConnectionOptions(config.redisUrl, {
    sentinels: config.redisSentinels,
    name: config.redisSentinelName,
  });
}

/**
 * The executor queue over BullMQ, the one adapter every process uses: the API adds
 * `start-execution`, the executor adds its own steps and nudges. Name and prefix come from the one
 * config, so both sides meet on the same Redis keys. Job data is ids only (BullMQ stores it in
 * clear text); the options carry dedup ids and delays.
 */
export class BullmqExecutionQueue implements ExecutionQueue {
  /** The BullMQ queue itself, for the queue dashboard, the depth metric and the reconcile schedule. */
  readonly queue: Queue;

  constructor(
    config: QueueSettings & { redisUrl: string },
    options: {
      /**
       * How long a command waits for Redis: `wait` (BullMQ's default, the executor pauses through a
       * Redis restart) or `fail` (an API request fails fast instead of hanging).
       */
      whileRedisIsAway: 'wait' | 'fail';
    },
  ) {
    const connection = executorQueueConnection(config);
    this.queue = new Queue(config.queue.name, {
      ...(config.queue.prefix ? { prefix: config.queue.prefix } : {}),
      connection:
        options.whileRedisIsAway === 'fail' ? { ...connection, maxRetriesPerRequest: 2 } : connection,
    });
    // An unreachable Redis must not crash the process; the add that needs it fails instead.
    this.queue.on('error', () => undefined);
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: EnqueueOptions = {},
  ): Promise<void> {
    await this.queue.add(name, payload, {
      ...DEFAULT_JOB_OPTIONS,
      ...(options.jobId ? { jobId: options.jobId } : {}),
      ...(options.delayMs ? { delay: Math.max(0, Math.round(options.delayMs)) } : {}),
    });
  }

  /** For /readyz: answers when Redis does (BullMQ 6 keeps its client behind a backend: ask it a count). */
  async ping(): Promise<void> {
    await this.queue.getJobCounts('waiting');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
