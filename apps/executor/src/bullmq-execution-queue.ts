import type { Queue } from 'bullmq';
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
