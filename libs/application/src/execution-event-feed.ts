import type { ExecutionEventRecord, ExecutionStatus, ExecutionStore } from '#libs/persistence';
import { notFound } from './errors.js';

export interface ExecutionFeedListener {
  event(event: ExecutionEventRecord): void;
  /** The execution ended and every event up to `cursor` was delivered. */
  end(status: ExecutionStatus, cursor: number): void;
  error(error: unknown): void;
}

const ACTIVE: ReadonlySet<ExecutionStatus> = new Set(['queued', 'running', 'cancelling']);

interface Subscriber {
  cursor: number;
  listener: ExecutionFeedListener;
}

/** One execution's poll loop, shared by every subscriber of that execution. */
class SharedFeed {
  readonly subscribers = new Set<Subscriber>();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  /** A wake asked while the loop was reading: its next pause is skipped. */
  private wakeRequested = false;

  constructor(
    private readonly executionId: string,
    private readonly executions: ExecutionStore,
    private readonly pollMs: number,
    private readonly batchSize: number,
    private readonly onIdle: () => void,
  ) {}

  start(): void {
    this.run().catch((error: unknown) => {
      for (const subscriber of this.subscribers) subscriber.listener.error(error);
      this.close();
    });
  }

  /** A new subscriber gets its backlog now rather than at the next poll. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakeRequested = true;
  }

  close(): void {
    this.stopped = true;
    this.subscribers.clear();
    this.wake();
    this.onIdle();
  }

  private async deliverNewEvents(): Promise<void> {
    for (;;) {
      if (this.subscribers.size === 0) return;
      const from = Math.min(...[...this.subscribers].map((subscriber) => subscriber.cursor));
      const batch = await this.executions.events(this.executionId, from, this.batchSize);
      for (const event of batch) {
        for (const subscriber of this.subscribers) {
          if (event.id <= subscriber.cursor) continue;
          subscriber.cursor = event.id;
          subscriber.listener.event(event);
        }
      }
      if (batch.length < this.batchSize) return;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.subscribers.size > 0) {
      await this.deliverNewEvents();
      const status = await this.executions.statusOf(this.executionId);
      if (status === null) throw notFound('Execution', this.executionId);
      if (!ACTIVE.has(status)) {
        // Events written just before the status changed are delivered before the end.
        await this.deliverNewEvents();
        for (const subscriber of this.subscribers) subscriber.listener.end(status, subscriber.cursor);
        this.close();
        return;
      }
      if (this.wakeRequested) {
        this.wakeRequested = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, this.pollMs);
        this.timer.unref();
      });
      clearTimeout(this.timer);
      this.wakeUp = undefined;
    }
  }
}

/**
 * Execution events for server-sent-event subscribers: one poll loop per execution, however many
 * subscribers it has, reading only new events and the execution's status (never the VM rows).
 */
export class ExecutionEventFeed {
  private readonly feeds = new Map<string, SharedFeed>();

  constructor(
    private readonly executions: ExecutionStore,
    private readonly pollMs = 1_000,
    private readonly batchSize = 500,
  ) {}

  /** Events after `afterId`, then `end`; call the returned function to stop listening. */
  subscribe(executionId: string, afterId: number, listener: ExecutionFeedListener): () => void {
    let feed = this.feeds.get(executionId);
    const subscriber: Subscriber = { cursor: afterId, listener };
    if (!feed) {
      const created = new SharedFeed(executionId, this.executions, this.pollMs, this.batchSize, () => {
        if (this.feeds.get(executionId) === created) this.feeds.delete(executionId);
      });
      this.feeds.set(executionId, created);
      created.subscribers.add(subscriber);
      created.start();
      feed = created;
    } else {
      feed.subscribers.add(subscriber);
      feed.wake();
    }
    const joined = feed;
    return () => {
      joined.subscribers.delete(subscriber);
      if (joined.subscribers.size === 0) joined.close();
    };
  }
}
