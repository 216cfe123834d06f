import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line says about the work it belongs to; every field is an id, never a payload. */
export interface LogContext {
  requestId?: string;
  executionId?: string;
  vmKey?: string;
  jobId?: string;
  jobName?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` with these fields added to the context of every log line written inside it, however
 * deep the awaits go; fields already in force (a request's id around a job it enqueues) are kept.
 */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...definedFields(fields) }, work);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

/** The ids a BullMQ job carries (payloads hold ids only: executionId, vmKey). */
export function jobLogContext(job: { id?: string | undefined; name: string; data: unknown }): LogContext {
  const data = job.data !== null && typeof job.data === 'object' ? (job.data as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return definedFields({
    jobId: job.id,
    jobName: job.name,
    executionId: text(data.executionId),
    vmKey: text(data.vmKey),
  });
}

function definedFields(fields: LogContext): LogContext {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as LogContext;
}
