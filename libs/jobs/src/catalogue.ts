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
 * Deterministic job ids: while a job for this VM step is waiting, enqueuing it again is a no-op.
 * `step` separates successive nudges of the same VM (the VM's revision in the database).
 */
export function advanceVmJobId(executionId: string, vmKey: string, step: number): string {
  return `advance:${executionId}:${Buffer.from(vmKey).toString('base64url')}:${step}`;
}

export function startExecutionJobId(executionId: string): string {
  return `start:${executionId}`;
}
