import type { JobName, JobPayloads } from '#libs/jobs';

export interface EnqueueOptions {
  /** Same id while the job exists: enqueuing it again changes nothing. */
  jobId?: string;
  delayMs?: number;
}

/** The executor's queue as the services see it; BullMQ behind it in the apps, a fake in unit tests. */
export interface ExecutionQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions): Promise<void>;
}

export { isStepJob, nudgeJobId, STEP_JOB_PREFIX, startJobId, stepJobId } from '#libs/jobs';
