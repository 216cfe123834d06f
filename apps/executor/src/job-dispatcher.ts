import { JOB_NAMES, type JobName, type JobPayloads } from '#libs/jobs';

export interface JobContext {
  /** BullMQ's job id (tells a VM's own step timer from a nudge). */
  id: string | undefined;
  attemptsMade: number;
}

export interface JobRegistration<N extends JobName = JobName> {
  name: N;
  handle(payload: JobPayloads[N], context: JobContext): Promise<void>;
}

export class JobCatalogueError extends Error {
  constructor(problems: string[]) {
    super(`Executor job catalogue is inconsistent: ${problems.join('; ')}`);
    this.name = 'JobCatalogueError';
  }
}

/**
 * Routes each job name of the catalogue to its one handler. Built at start-up, it refuses to exist
 * when a job name has no handler, two handlers, or a handler names a job the catalogue does not
 * know: a missing handler would otherwise surface only when that job first arrives.
 */
export class JobDispatcher {
  private readonly handlers = new Map<JobName, JobRegistration>();

  constructor(registrations: readonly JobRegistration[], catalogue: readonly JobName[] = JOB_NAMES) {
    const problems: string[] = [];
    const known = new Set<string>(catalogue);
    for (const registration of registrations) {
      if (!known.has(registration.name)) problems.push(`handler for unknown job "${registration.name}"`);
      else if (this.handlers.has(registration.name))
        problems.push(`job "${registration.name}" has two handlers`);
      else this.handlers.set(registration.name, registration);
    }
    for (const name of catalogue) if (!this.handlers.has(name)) problems.push(`job "${name}" has no handler`);
    if (problems.length > 0) throw new JobCatalogueError(problems);
  }

  async dispatch(name: string, payload: unknown, context: JobContext): Promise<void> {
    const registration = this.handlers.get(name as JobName);
    if (!registration) throw new Error(`no handler for job "${name}"`);
    await (registration as JobRegistration<JobName>).handle(payload as JobPayloads[JobName], context);
  }
}
