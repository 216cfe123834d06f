import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { ExecutionRunner, isStepJob, nudgeJobId } from '#libs/application';
import { EXECUTOR_QUEUE, type JobPayloads, redisConnectionOptions } from '#libs/jobs';
import { ANNOTATION_VM_KEY, LABEL_EXECUTION } from '#libs/kubevirt';
import {
  type DataVolumeEvent,
  type ItinerarySettings,
  type SourceVcenter,
  type TargetCluster,
  VmItinerary,
} from '#libs/migration';
import type { FlotillaMetrics } from '#libs/observability';
import { ExecutionStore, type FlotillaDatabase, PlanStore } from '#libs/persistence';
import { BullmqExecutionQueue } from './bullmq-execution-queue.js';
import type { ExecutorConfig } from './executor-config.js';
import { JobDispatcher } from './job-dispatcher.js';

export const EXECUTOR_DEPENDENCIES = Symbol('EXECUTOR_DEPENDENCIES');

/** A target cluster that can also watch DataVolumes (the Kubernetes adapter can; test fakes may not). */
export type WatchableTargetCluster = TargetCluster & {
  watchDataVolumes?(labelSelector: string, onEvent: (event: DataVolumeEvent) => void): { stop(): void };
};

/** Everything the executor runs on, built by `createExecutorApp` (or given by a test). */
export interface ExecutorDependencies {
  config: ExecutorConfig;
  database: FlotillaDatabase;
  /** Closed by the database's owner, not by the module, when `ownsDatabase` is false. */
  ownsDatabase: boolean;
  source: SourceVcenter & { close?(): Promise<void> };
  target: WatchableTargetCluster;
  itinerary: ItinerarySettings;
  workerId: string;
  leaseMs: number;
  reconcileIntervalMs: number;
  /** How long SIGTERM waits for running steps before giving their leases back. */
  shutdownGraceMs: number;
  log: Logger;
  /** Job wait and duration histograms; absent in tests that do not look at metrics. */
  metrics?: FlotillaMetrics | undefined;
}

@Processor(EXECUTOR_QUEUE)
export class ExecutorProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @Inject(JobDispatcher) private readonly dispatcher: JobDispatcher,
    @Inject(EXECUTOR_DEPENDENCIES) private readonly dependencies: ExecutorDependencies,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.dependencies.config.concurrency;
    // Without a listener an 'error' event (Redis gone) would crash the process; ioredis reconnects.
    this.worker.on('error', (error) => this.dependencies.log.warn(`queue worker: ${error.message}`));
    const metrics = this.dependencies.metrics;
    if (metrics) {
      this.worker.on('completed', (job) => metrics.recordJob(EXECUTOR_QUEUE, job, 'completed'));
      this.worker.on('failed', (job) => {
        if (job) metrics.recordJob(EXECUTOR_QUEUE, job, 'failed');
      });
    }
  }

  async process(job: Job): Promise<void> {
    await this.dispatcher.dispatch(job.name, job.data, { id: job.id, attemptsMade: job.attemptsMade });
  }
}

/** Reconcile schedule, DataVolume watch, graceful shutdown. */
@Injectable()
export class ExecutorLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private watch: { stop(): void } | undefined;

  constructor(
    @Inject(EXECUTOR_DEPENDENCIES) private readonly dependencies: ExecutorDependencies,
    @Inject(getQueueToken(EXECUTOR_QUEUE)) private readonly queue: Queue,
    @Inject(ExecutionRunner) private readonly runner: ExecutionRunner,
    @Inject(ExecutorProcessor) private readonly processor: ExecutorProcessor,
    @Inject(BullmqExecutionQueue) private readonly executionQueue: BullmqExecutionQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.queue.on('error', (error) => this.dependencies.log.warn(`queue: ${error.message}`));
    await this.queue.upsertJobScheduler(
      'flotilla-reconcile',
      { every: this.dependencies.reconcileIntervalMs },
      { name: 'reconcile', data: {} satisfies JobPayloads['reconcile'] },
    );
    const target = this.dependencies.target;
    if (target.watchDataVolumes) {
      // A finished or failed copy wakes its VM at once instead of at its next progress poll.
      this.watch = target.watchDataVolumes(LABEL_EXECUTION, (event) => void this.onDataVolume(event));
    }
  }

  stopWatch(): void {
    this.watch?.stop();
    this.watch = undefined;
  }

  private async onDataVolume(event: DataVolumeEvent): Promise<void> {
    if (event.phase !== 'Succeeded' && event.phase !== 'Failed' && event.restartCount === 0) return;
    const executionId = event.labels[LABEL_EXECUTION];
    const vmKey = event.annotations[ANNOTATION_VM_KEY];
    if (!executionId || !vmKey) return;
    try {
      await this.executionQueue.enqueue(
        'advance-vm',
        { executionId, vmKey },
        { jobId: nudgeJobId('dv', executionId, vmKey, `${event.uid}-${event.phase}-${event.restartCount}`) },
      );
    } catch (error) {
      this.dependencies.log.warn(
        `could not nudge ${vmKey} after DataVolume ${event.name}: ${(error as Error).message}`,
      );
    }
  }

  /**
   * SIGTERM: stop taking jobs, let running steps finish for a grace period, then give back the
   * leases of any still running so another replica resumes those VMs at once.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopWatch();
    const worker = this.processor.worker;
    const closing = worker.close();
    const finished = await Promise.race([
      closing.then(() => true),
      new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), this.dependencies.shutdownGraceMs).unref(),
      ),
    ]);
    if (!finished) {
      await this.runner.releaseLeases().catch(() => undefined);
      await worker.close(true).catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dependencies.source.close?.().catch(() => undefined);
    if (this.dependencies.ownsDatabase) await this.dependencies.database.close();
  }
}

@Module({})
export class ExecutorModule {
  static register(dependencies: ExecutorDependencies): DynamicModule {
    const { config } = dependencies;
    return {
      module: ExecutorModule,
      imports: [
        BullModule.forRoot({
          connection: redisConnectionOptions(config.redisUrl, {
            sentinels: config.redisSentinels,
            name: config.redisSentinelName,
          }),
          ...(config.queuePrefix ? { prefix: config.queuePrefix } : {}),
        }),
        BullModule.registerQueue({ name: EXECUTOR_QUEUE }),
      ],
      providers: [
        { provide: EXECUTOR_DEPENDENCIES, useValue: dependencies },
        { provide: ExecutionStore, useFactory: () => new ExecutionStore(dependencies.database.dataSource) },
        { provide: PlanStore, useFactory: () => new PlanStore(dependencies.database.dataSource) },
        {
          provide: BullmqExecutionQueue,
          useFactory: (queue: Queue) => new BullmqExecutionQueue(queue),
          inject: [getQueueToken(EXECUTOR_QUEUE)],
        },
        {
          provide: ExecutionRunner,
          useFactory: (executions: ExecutionStore, plans: PlanStore, queue: BullmqExecutionQueue) =>
            new ExecutionRunner(
              executions,
              plans,
              queue,
              new VmItinerary(dependencies.source, dependencies.target, dependencies.itinerary),
              {
                workerId: dependencies.workerId,
                limits: config.limits,
                leaseMs: dependencies.leaseMs,
                maxTransientFailures: 6,
                transientBackoffMs: Math.max(200, dependencies.itinerary.timings.pollMs),
                reconcileGraceMs: Math.max(2_000, dependencies.reconcileIntervalMs),
                log: (level, message) => dependencies.log[level === 'info' ? 'log' : level](message),
                onBytesCopied: dependencies.metrics
                  ? (host, bytes) => dependencies.metrics?.recordCopiedBytes(host, bytes)
                  : undefined,
              },
            ),
          inject: [ExecutionStore, PlanStore, BullmqExecutionQueue],
        },
        {
          provide: JobDispatcher,
          useFactory: (runner: ExecutionRunner) =>
            new JobDispatcher([
              {
                name: 'advance-vm',
                handle: (payload: JobPayloads['advance-vm'], job) =>
                  runner.advanceVm(payload.executionId, payload.vmKey, { onlyIfDue: isStepJob(job.id) }),
              },
              {
                name: 'start-execution',
                handle: (payload: JobPayloads['start-execution']) =>
                  runner.startExecution(payload.executionId),
              },
              { name: 'reconcile', handle: async () => void (await runner.reconcile()) },
            ]),
          inject: [ExecutionRunner],
        },
        ExecutorProcessor,
        ExecutorLifecycle,
      ],
      exports: [ExecutionRunner, ExecutionStore, BullmqExecutionQueue],
    };
  }
}
