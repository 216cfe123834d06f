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

/**
 * Job ids. BullMQ 6 refuses a custom id holding ':' unless it splits into exactly three parts (its
 * legacy repeatable-job form), so these use '.' (never in a UUID or in base64url).
 *
 * A VM's own next step is scheduled by the step before it and runs only when the VM is due: a
 * nudge may have advanced it since, leaving this timer stale. Any other `advance-vm` job (a copy
 * slot granted, a DataVolume finished, a cancel, the reconciler) is a nudge and runs whenever the
 * VM is free.
 */
export const STEP_JOB_PREFIX = 'step.';

const vmPart = (vmKey: string) => Buffer.from(vmKey).toString('base64url');

export function stepJobId(executionId: string, vmKey: string, revision: number): string {
  return `${STEP_JOB_PREFIX}${executionId}.${vmPart(vmKey)}.${revision}`;
}

export function nudgeJobId(
  reason: string,
  executionId: string,
  vmKey: string,
  detail: string | number,
): string {
  return `nudge.${reason}.${executionId}.${vmPart(vmKey)}.${detail}`;
}

export function startJobId(executionId: string, round: number | string): string {
  return `start.${executionId}.${round}`;
}

export function isStepJob(jobId: string | undefined): boolean {
  return jobId?.startsWith(STEP_JOB_PREFIX) ?? false;
}
