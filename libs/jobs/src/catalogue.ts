/**
 * The typed job catalogue: every job name maps to one payload type. Payloads carry ids only,
 * never entities or credentials (BullMQ stores job data in clear text in Redis), and the
 * database decides what a job does, so a lost, duplicated or replayed job changes nothing.
 */
export const EXECUTOR_QUEUE = 'flotilla-executor';

export interface JobPayloads {
  /** Take the VM's next step, if it is this worker's to take. */
  'advance-vm': { executionId: string; vmKey: string };
  /** Start an execution's VMs (after `POST .../execute`), respecting the concurrency limits. */
  'start-execution': { executionId: string };
  /** Periodic sweep: re-enqueue VMs whose lease expired (a worker died) or whose job was lost. */
  reconcile: Record<string, never>;
}

export type JobName = keyof JobPayloads;
export const JOB_NAMES: readonly JobName[] = ['advance-vm', 'start-execution', 'reconcile'];

/** Kept small: Redis holds receipts, not history; the database keeps the history. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential' as const, delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 24 * 3_600, count: 5_000 },
};

/**
 * Job ids. BullMQ 6 refuses a custom id holding ':' unless it splits into exactly three parts (its
 * legacy repeatable-job form), so these use '.' (never in a UUID or in base64url). While a job
 * with an id exists, enqueuing the same id again changes nothing.
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
