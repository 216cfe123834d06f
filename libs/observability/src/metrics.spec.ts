import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { type CountableQueue, createFlotillaMetrics, METRIC_NAMES } from './metrics.js';

/** Histogram samples carry the series name (`_sum`, `_count`, `_bucket`); prom-client's type omits it. */
const nameOf = (value: object) => (value as { metricName?: string }).metricName;

async function sampleValue(
  metrics: ReturnType<typeof createFlotillaMetrics>,
  name: string,
  labels: Record<string, string>,
) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  )?.value;
}

describe('createFlotillaMetrics', () => {
  it('registers every Flotilla metric and the default process metrics, labelled with the component', async () => {
    const metrics = createFlotillaMetrics({ component: 'executor' });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    for (const name of Object.values(METRIC_NAMES)) expect(names).toContain(name);
    expect(names).toEqual(
      expect.arrayContaining([
        'process_cpu_user_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'process_resident_memory_bytes',
      ]),
    );
    const { body, contentType } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toMatch(/process_cpu_user_seconds_total\{component="executor"\}/);
  });

  it('keeps registries apart, so two apps or two tests never collide', () => {
    createFlotillaMetrics({ component: 'a', defaultMetrics: true });
    expect(() => createFlotillaMetrics({ component: 'b', defaultMetrics: true })).not.toThrow();
  });

  it('records job wait (after the delay asked for) and run time', async () => {
    const metrics = createFlotillaMetrics({ component: 'executor', defaultMetrics: false });
    metrics.recordJob(
      'flotilla-executor',
      { name: 'advance-vm', timestamp: 1_000, delay: 500, processedOn: 2_500, finishedOn: 5_500 },
      'completed',
    );
    const wait = await metrics.registry.getSingleMetric(METRIC_NAMES.jobWait)?.get();
    expect(wait?.values.find((value) => nameOf(value) === `${METRIC_NAMES.jobWait}_sum`)?.value).toBe(1);
    const duration = await metrics.registry.getSingleMetric(METRIC_NAMES.jobDuration)?.get();
    expect(
      duration?.values.find(
        (value) =>
          nameOf(value) === `${METRIC_NAMES.jobDuration}_sum` && value.labels.outcome === 'completed',
      )?.value,
    ).toBe(3);
  });

  it('reads phase counts from their source at scrape time and keeps the last values when it fails', async () => {
    const metrics = createFlotillaMetrics({ component: 'executor', defaultMetrics: false });
    let fail = false;
    metrics.observePhases({
      vms: async () => {
        if (fail) throw new Error('database down');
        return { CopyDisks: 4, Completed: 10 };
      },
    });
    expect(await sampleValue(metrics, METRIC_NAMES.vmsByPhase, { phase: 'CopyDisks' })).toBe(4);
    fail = true;
    expect(await sampleValue(metrics, METRIC_NAMES.vmsByPhase, { phase: 'Completed' })).toBe(10);
    expect(await sampleValue(metrics, METRIC_NAMES.collectionFailures, { collector: 'vms' })).toBe(1);
  });

  it('averages copy throughput per host over the window, and forgets hosts that stopped', async () => {
    let clock = 0;
    const metrics = createFlotillaMetrics({
      component: 'executor',
      defaultMetrics: false,
      throughputWindowMs: 10_000,
      now: () => clock,
    });
    metrics.recordCopiedBytes('esx01', 50_000_000);
    clock = 5_000;
    metrics.recordCopiedBytes('esx01', 50_000_000);
    metrics.recordCopiedBytes('esx02', 10_000_000);
    expect(await sampleValue(metrics, METRIC_NAMES.copyThroughput, { host: 'esx01' })).toBe(10_000_000);
    expect(await sampleValue(metrics, METRIC_NAMES.bytesCopied, { host: 'esx01' })).toBe(100_000_000);
    clock = 30_000;
    expect(await sampleValue(metrics, METRIC_NAMES.copyThroughput, { host: 'esx01' })).toBeUndefined();
    expect(await sampleValue(metrics, METRIC_NAMES.bytesCopied, { host: 'esx02' })).toBe(10_000_000);
  });
});

describe('queue depth', () => {
  const queue = new Queue(`flotilla-metrics-test-${process.pid}-${Date.now()}`, {
    connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 },
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('counts a real BullMQ queue by state on every scrape', async () => {
    const metrics = createFlotillaMetrics({ component: 'executor', defaultMetrics: false });
    metrics.trackQueue(queue);
    await queue.add('advance-vm', { executionId: 'e', vmKey: 'v' });
    await queue.add('advance-vm', { executionId: 'e', vmKey: 'w' }, { delay: 60_000 });
    expect(await sampleValue(metrics, METRIC_NAMES.queueJobs, { queue: queue.name, state: 'waiting' })).toBe(
      1,
    );
    expect(await sampleValue(metrics, METRIC_NAMES.queueJobs, { queue: queue.name, state: 'delayed' })).toBe(
      1,
    );
    await queue.add('start-execution', { executionId: 'e' });
    expect(await sampleValue(metrics, METRIC_NAMES.queueJobs, { queue: queue.name, state: 'waiting' })).toBe(
      2,
    );
  });

  it('counts a queue that cannot be read as a collection failure instead of failing the scrape', async () => {
    const metrics = createFlotillaMetrics({ component: 'executor', defaultMetrics: false });
    const broken: CountableQueue = {
      name: 'broken',
      getJobCounts: () => Promise.reject(new Error('redis down')),
    };
    metrics.trackQueue(broken);
    await expect(metrics.exposition()).resolves.toBeDefined();
    expect(await sampleValue(metrics, METRIC_NAMES.collectionFailures, { collector: 'queue:broken' })).toBe(
      1,
    );
  });
});
