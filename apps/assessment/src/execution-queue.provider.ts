import type { OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { EnqueueOptions, ExecutionQueue } from '#libs/application';
import {
  DEFAULT_JOB_OPTIONS,
  EXECUTOR_QUEUE,
  type JobName,
  type JobPayloads,
  type RedisSentinelSettings,
  redisConnectionOptions,
} from '#libs/jobs';

/**
 * The API's side of the executor queue: it only adds jobs (ids, never credentials). Absent when
 * REDIS_URL is not set; the execution endpoints then answer 503.
 */
export class ApiExecutionQueue implements ExecutionQueue, OnApplicationShutdown {
  /** The BullMQ queue itself, for the operators' queue dashboard and its depth metric. */
  readonly queue: Queue;

  constructor(redisUrl: string, prefix?: string, sentinel?: RedisSentinelSettings) {
    this.queue = new Queue(EXECUTOR_QUEUE, {
      ...(prefix ? { prefix } : {}),
      // An API request must fail, not hang, while Redis is away.
      connection: { ...redisConnectionOptions(redisUrl, sentinel), maxRetriesPerRequest: 2 },
    });
    // An unreachable Redis must not crash the API; the add that needs it fails instead.
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
      ...(options.delayMs ? { delay: Math.round(options.delayMs) } : {}),
    });
  }

  /** For /readyz: answers when Redis does (BullMQ 6 keeps its client behind a backend: ask it a count). */
  async ping(): Promise<void> {
    await this.queue.getJobCounts('waiting');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
