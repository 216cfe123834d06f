import type { ApiMachinery } from './api-machinery.js';
import { type KubeObject, metaName, metaNamespace, metaUid } from './json.js';
import { apiVersionOf, EVENTS, type ResourceType } from './resource-types.js';
import type { SimulationClock } from './simulation-clock.js';

/**
 * A controller's work queue: keys are collected from store notifications and reconciled
 * asynchronously (a macrotask later), the way informer-driven controllers lag their writes.
 */
export abstract class Reconciler {
  private readonly queue = new Set<string>();
  private scheduled = false;
  protected stopped = false;

  protected enqueue(namespace: string, name: string): void {
    if (this.stopped) return;
    this.queue.add(`${namespace}/${name}`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Reconciles queued keys now (tests and the clock use it to observe a settled state). */
  flush(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const keys = [...this.queue];
    this.queue.clear();
    for (const key of keys) {
      const slash = key.indexOf('/');
      this.reconcile(key.slice(0, slash), key.slice(slash + 1));
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.clear();
  }

  protected abstract reconcile(namespace: string, name: string): void;
}

let eventSequence = 0n;

/** Writes a core/v1 Event about `involved`, like a controller's EventRecorder (named `<object>.<hex nanos>`). */
export function recordEvent(
  machinery: ApiMachinery,
  clock: SimulationClock,
  involved: { resource: ResourceType; object: KubeObject },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
): void {
  const namespace = metaNamespace(involved.object) || 'default';
  const timestamp = clock.timestamp();
  machinery.createInternal(EVENTS, {
    metadata: {
      name: `${metaName(involved.object)}.${(BigInt(Math.floor(clock.now())) * 1_000_000n + (eventSequence++ % 1_000_000n)).toString(16)}`,
      namespace,
    },
    involvedObject: {
      apiVersion: apiVersionOf(involved.resource),
      kind: involved.resource.kind,
      name: metaName(involved.object),
      namespace,
      uid: metaUid(involved.object),
      resourceVersion: String(involved.object.metadata.resourceVersion ?? ''),
    },
    reason,
    message,
    type,
    source: { component },
    reportingComponent: component,
    reportingInstance: `${component}-0`,
    firstTimestamp: timestamp,
    lastTimestamp: timestamp,
    count: 1,
  });
}
