import { describe, expect, it } from 'vitest';
import { JobCatalogueError, JobDispatcher, type JobRegistration } from './job-dispatcher.js';

const noop = async () => undefined;

describe('JobDispatcher', () => {
  const all: JobRegistration[] = [
    { name: 'advance-vm', handle: noop },
    { name: 'start-execution', handle: noop },
    { name: 'reconcile', handle: noop },
  ];

  it('refuses to start when a job has no handler', () => {
    expect(() => new JobDispatcher(all.slice(1))).toThrow(/"advance-vm" has no handler/);
  });

  it('refuses to start when a job has two handlers', () => {
    expect(() => new JobDispatcher([...all, { name: 'reconcile', handle: noop }])).toThrow(JobCatalogueError);
    expect(() => new JobDispatcher([...all, { name: 'reconcile', handle: noop }])).toThrow(/two handlers/);
  });

  it('routes each job to its handler', async () => {
    const seen: string[] = [];
    const dispatcher = new JobDispatcher(
      all.map((registration) => ({
        name: registration.name,
        handle: async (payload: unknown) => {
          seen.push(`${registration.name}:${JSON.stringify(payload)}`);
        },
      })) as JobRegistration[],
    );
    await dispatcher.dispatch('start-execution', { executionId: 'e1' }, { id: 'x', attemptsMade: 0 });
    expect(seen).toEqual(['start-execution:{"executionId":"e1"}']);
    await expect(dispatcher.dispatch('nope', {}, { id: 'x', attemptsMade: 0 })).rejects.toThrow(/no handler/);
  });
});
