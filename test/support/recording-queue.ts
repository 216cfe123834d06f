import type { EnqueueOptions, ExecutionQueue } from '#libs/application';

/** Records the jobs enqueued on the execution queue; no worker consumes them. */
export class RecordingQueue implements ExecutionQueue {
  readonly jobs: Array<{ name: string; payload: unknown; options?: EnqueueOptions }> = [];
  async enqueue(name: string, payload: unknown, options?: EnqueueOptions): Promise<void> {
    this.jobs.push({ name, payload, ...(options ? { options } : {}) });
  }
}
