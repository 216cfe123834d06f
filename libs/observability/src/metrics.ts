import type { JobState, JobType } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every Flotilla metric name; the Grafana dashboard uses exactly these. */
export const METRIC_NAMES = {
  httpRequestDuration: 'flotilla_http_request_duration_seconds',
  inventoryImports: 'flotilla_inventory_imports_total',
  inventoryImportDuration: 'flotilla_inventory_import_duration_seconds',
  assessments: 'flotilla_assessments_total',
  executionsByPhase: 'flotilla_executions',
  executionsFinished: 'flotilla_executions_finished_total',
  vmsByPhase: 'flotilla_vm_migrations',
  vmPhaseSteps: 'flotilla_vm_phase_steps_total',
  bytesCopied: 'flotilla_copied_bytes_total',
  copyThroughput: 'flotilla_copy_throughput_bytes_per_second',
  queueJobs: 'flotilla_queue_jobs',
  jobWait: 'flotilla_job_wait_seconds',
  jobDuration: 'flotilla_job_duration_seconds',
  collectionFailures: 'flotilla_metric_collection_failures_total',
} as const;

/** The BullMQ job states counted for the queue-depth gauge. */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'failed',
  'completed',
] as const satisfies readonly JobState[];
export type QueueState = (typeof QUEUE_STATES)[number];

/** What the queue-depth collector needs of a BullMQ `Queue`. */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
}

/** What the job-latency histograms need of a BullMQ `Job`. */
export interface TimedJob {
  name: string;
  /** Enqueued at (ms since the epoch). */
  timestamp: number;
  /** Delay asked for at enqueue (ms): the wait starts once it has passed. */
  delay?: number;
  processedOn?: number;
  finishedOn?: number;
}

/** Counts of rows per phase, read from the database (the truth, shared by every replica). */
export type PhaseCounts = Record<string, number>;

export interface PhaseCountSources {
  executions?: () => Promise<PhaseCounts>;
  vms?: () => Promise<PhaseCounts>;
}

export interface MetricsOptions {
  /** `assessment` or `executor`: added as the `component` label on every series. */
  component: string;
  /** Node.js process metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
  /** Window over which the per-host copy throughput is averaged (default 60 s). */
  throughputWindowMs?: number;
  /** Injected clock for the throughput window. */
  now?: () => number;
}

const SECONDS_BUCKETS_HTTP = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const SECONDS_BUCKETS_IMPORT = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const SECONDS_BUCKETS_JOB = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export type FlotillaMetrics = ReturnType<typeof createFlotillaMetrics>;

/**
 * A registry of its own (never prom-client's global one, so tests and two apps in one process do
 * not collide) holding Flotilla's metrics. Gauges of shared state (phases, queue depth) are read
 * at scrape time from Postgres and Redis, so every replica reports the same number: dashboards
 * take `max`, not `sum`, of them. Counters and histograms are per replica and are summed.
 */
export function createFlotillaMetrics(options: MetricsOptions) {
  const registry = new Registry();
  registry.setDefaultLabels({ component: options.component });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const now = options.now ?? Date.now;
  const windowMs = options.throughputWindowMs ?? 60_000;

  const collectionFailures = new Counter({
    name: METRIC_NAMES.collectionFailures,
    help: 'Scrape-time collectors that failed (the gauge kept its previous values)',
    labelNames: ['collector'] as const,
    registers,
  });

  const queues: CountableQueue[] = [];
  const phaseSources: PhaseCountSources = {};
  const copiedSamples: Array<{ at: number; host: string; bytes: number }> = [];

  async function setPhaseGauge(
    gauge: Gauge<'phase'>,
    collector: string,
    source?: () => Promise<PhaseCounts>,
  ) {
    if (!source) return;
    try {
      const counts = await source();
      gauge.reset();
      for (const [phase, count] of Object.entries(counts)) gauge.set({ phase }, count);
    } catch {
      collectionFailures.inc({ collector });
    }
  }

  const metrics = {
    registry,
    httpRequestDuration: new Histogram({
      name: METRIC_NAMES.httpRequestDuration,
      help: 'HTTP request latency by method, matched route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: SECONDS_BUCKETS_HTTP,
      registers,
    }),
    inventoryImports: new Counter({
      name: METRIC_NAMES.inventoryImports,
      help: 'RVTools inventory imports by file format and outcome (succeeded, rejected, failed)',
      labelNames: ['format', 'outcome'] as const,
      registers,
    }),
    inventoryImportDuration: new Histogram({
      name: METRIC_NAMES.inventoryImportDuration,
      help: 'Time to read and store one inventory import',
      labelNames: ['format', 'outcome'] as const,
      buckets: SECONDS_BUCKETS_IMPORT,
      registers,
    }),
    assessments: new Counter({
      name: METRIC_NAMES.assessments,
      help: 'Assessments run, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    executionsByPhase: new Gauge({
      name: METRIC_NAMES.executionsByPhase,
      help: 'Executions in each phase now (read from the database at scrape time)',
      labelNames: ['phase'] as const,
      registers,
      async collect() {
        await setPhaseGauge(this, 'executions', phaseSources.executions);
      },
    }),
    executionsFinished: new Counter({
      name: METRIC_NAMES.executionsFinished,
      help: 'Executions that reached an end, by outcome (succeeded, failed, cancelled)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    vmsByPhase: new Gauge({
      name: METRIC_NAMES.vmsByPhase,
      help: 'VM migrations in each phase now (read from the database at scrape time)',
      labelNames: ['phase'] as const,
      registers,
      async collect() {
        await setPhaseGauge(this, 'vms', phaseSources.vms);
      },
    }),
    vmPhaseSteps: new Counter({
      name: METRIC_NAMES.vmPhaseSteps,
      help: 'VM itinerary steps taken, by phase and outcome (advanced, waiting, retried, failed)',
      labelNames: ['phase', 'outcome'] as const,
      registers,
    }),
    bytesCopied: new Counter({
      name: METRIC_NAMES.bytesCopied,
      help: 'Disk bytes copied from vSphere, by source ESXi host',
      labelNames: ['host'] as const,
      registers,
    }),
    copyThroughput: new Gauge({
      name: METRIC_NAMES.copyThroughput,
      help: 'Disk copy throughput by source ESXi host, averaged over the last window (this replica)',
      labelNames: ['host'] as const,
      registers,
      collect() {
        const since = now() - windowMs;
        while (copiedSamples.length > 0 && (copiedSamples[0]?.at ?? 0) < since) copiedSamples.shift();
        const perHost = new Map<string, number>();
        for (const sample of copiedSamples)
          perHost.set(sample.host, (perHost.get(sample.host) ?? 0) + sample.bytes);
        this.reset();
        for (const [host, bytes] of perHost) this.set({ host }, bytes / (windowMs / 1000));
      },
    }),
    queueJobs: new Gauge({
      name: METRIC_NAMES.queueJobs,
      help: 'BullMQ jobs per queue and state (read from Redis at scrape time)',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        for (const queue of queues) {
          try {
            const counts = await queue.getJobCounts(...QUEUE_STATES);
            for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch {
            collectionFailures.inc({ collector: `queue:${queue.name}` });
          }
        }
      },
    }),
    jobWait: new Histogram({
      name: METRIC_NAMES.jobWait,
      help: 'Time a job waited in the queue before a worker took it (after any delay it asked for)',
      labelNames: ['queue', 'job_name'] as const,
      buckets: SECONDS_BUCKETS_JOB,
      registers,
    }),
    jobDuration: new Histogram({
      name: METRIC_NAMES.jobDuration,
      help: 'Time a worker spent on a job, by outcome (completed, failed)',
      labelNames: ['queue', 'job_name', 'outcome'] as const,
      buckets: SECONDS_BUCKETS_JOB,
      registers,
    }),
    collectionFailures,

    /** Reports this queue's depth on every scrape. */
    trackQueue(queue: CountableQueue): void {
      if (!queues.includes(queue)) queues.push(queue);
    },

    /** Reads phase counts from the database on every scrape. */
    observePhases(sources: PhaseCountSources): void {
      Object.assign(phaseSources, sources);
    },

    /** Call from the worker's `completed` and `failed` events. */
    recordJob(queue: string, job: TimedJob, outcome: 'completed' | 'failed'): void {
      if (job.processedOn === undefined) return;
      const eligibleAt = job.timestamp + (job.delay ?? 0);
      this.jobWait.observe({ queue, job_name: job.name }, Math.max(0, job.processedOn - eligibleAt) / 1000);
      if (job.finishedOn !== undefined) {
        this.jobDuration.observe(
          { queue, job_name: job.name, outcome },
          Math.max(0, job.finishedOn - job.processedOn) / 1000,
        );
      }
    },

    /** Bytes copied since the last report for a disk whose source VM runs on `host`. */
    recordCopiedBytes(host: string, bytes: number): void {
      if (!(bytes > 0)) return;
      this.bytesCopied.inc({ host }, bytes);
      const at = now();
      copiedSamples.push({ at, host, bytes });
      // Without scrapes nothing else prunes the window.
      while (copiedSamples.length > 0 && (copiedSamples[0]?.at ?? 0) < at - windowMs) copiedSamples.shift();
    },

    /** The exposition text and its content type, for a `/metrics` handler. */
    async exposition(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
  return metrics;
}
