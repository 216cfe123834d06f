import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  type Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import { ExecutionRunner, ExecutionRunnerFactory, isStepJob, nudgeJobId } from '#libs/application';
import type { ExecutorAppConfig } from '#libs/config';
import {
  BullmqExecutionQueue,
  EXECUTION_QUEUE,
  executorQueueConnection,
  FLOTILLA_METRICS,
  FlotillaCoreModule,
} from '#libs/core';
import {
  type DataVolumeEvent,
  type ItinerarySettings,
  type MigrationSource,
  type PodEvent,
  type TargetCluster,
  VmItinerary,
} from '#libs/itinerary';
import type { JobPayloads } from '#libs/jobs';
import { ANNOTATION_VM_KEY, LABEL_EXECUTION } from '#libs/kubevirt';
import type { FlotillaMetrics } from '#libs/observability';
import type { FlotillaDatabase } from '#libs/persistence';
import { JobDispatcher } from './job-dispatcher.js';

export const EXECUTOR_DEPENDENCIES = Symbol('EXECUTOR_DEPENDENCIES');

/** A target cluster that can also watch DataVolumes and Pods (the Kubernetes adapter can; test fakes may not). */
export type WatchableTargetCluster = TargetCluster & {
  watchDataVolumes?(labelSelector: string, onEvent: (event: DataVolumeEvent) => void): { stop(): void };
  watchPods?(labelSelector: string, onEvent: (event: PodEvent) => void): { stop(): void };
};

/** What the executor runs on besides the core, built by `createExecutorApp`. */
export interface ExecutorDependencies {
  config: ExecutorAppConfig;
  /** Opened by `createExecutorApp` (so a fault test can kill it); the core does not close it. */
  database: FlotillaDatabase;
  /** Closed by the database's owner, not by the module, when `ownsDatabase` is false. */
  ownsDatabase: boolean;
  source: MigrationSource & { close?(): Promise<void> };
  target: WatchableTargetCluster;
  itinerary: ItinerarySettings;
  workerId: string;
  leaseMs: number;
  reconcileIntervalMs: number;
  /** How long SIGTERM waits for running steps before giving their leases back. */
  shutdownGraceMs: number;
  log: Logger;
}

/** Takes jobs from the one executor queue (name and prefix from the config) and dispatches them. */
@Injectable()
export class ExecutorWorker implements OnApplicationBootstrap {
  readonly worker: Worker;

  constructor(
    @Inject(JobDispatcher) dispatcher: JobDispatcher,
    @Inject(EXECUTOR_DEPENDENCIES) private readonly dependencies: ExecutorDependencies,
    @Inject(FLOTILLA_METRICS) private readonly metrics: FlotillaMetrics,
  ) {
    const { config } = dependencies;
    this.worker = new Worker(
      config.queue.name,
      (job: Job) => dispatcher.dispatch(job.name, job.data, { id: job.id, attemptsMade: job.attemptsMade }),
      {
        connection: executorQueueConnection(config),
        ...(config.queue.prefix ? { prefix: config.queue.prefix } : {}),
        concurrency: config.executor.concurrency,
        autorun: false,
      },
    );
  }

  onApplicationBootstrap(): void {
    const queueName = this.dependencies.config.queue.name;
    // Without a listener an 'error' event (Redis gone) would crash the process; ioredis reconnects.
    this.worker.on('error', (error) => this.dependencies.log.warn(`queue worker: ${error.message}`));
    this.worker.on('completed', (job) => this.metrics.recordJob(queueName, job, 'completed'));
    this.worker.on('failed', (job) => {
      if (job) this.metrics.recordJob(queueName, job, 'failed');
    });
    void this.worker
      .run()
      .catch((error: Error) => this.dependencies.log.error(`queue worker: ${error.message}`));
  }
}

/** Reconcile schedule, DataVolume watch, graceful shutdown. */
@Injectable()
export class ExecutorLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private watch: { stop(): void } | undefined;
  private podWatch: { stop(): void } | undefined;

  constructor(
    @Inject(EXECUTOR_DEPENDENCIES) private readonly dependencies: ExecutorDependencies,
    @Inject(EXECUTION_QUEUE) private readonly executionQueue: BullmqExecutionQueue,
    @Inject(ExecutionRunner) private readonly runner: ExecutionRunner,
    @Inject(ExecutorWorker) private readonly executorWorker: ExecutorWorker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.executionQueue.queue.on('error', (error) => this.dependencies.log.warn(`queue: ${error.message}`));
    await this.executionQueue.queue.upsertJobScheduler(
      'flotilla-reconcile',
      { every: this.dependencies.reconcileIntervalMs },
      { name: 'reconcile', data: {} satisfies JobPayloads['reconcile'] },
    );
    const target = this.dependencies.target;
    if (target.watchDataVolumes) {
      // A finished or failed copy wakes its VM at once instead of at its next progress poll.
      this.watch = target.watchDataVolumes(LABEL_EXECUTION, (event) => void this.onDataVolume(event));
    }
    if (target.watchPods) {
      // A guest conversion that ended wakes its VM at once instead of at its next poll.
      this.podWatch = target.watchPods(LABEL_EXECUTION, (event) => void this.onPod(event));
    }
  }

  stopWatch(): void {
    this.watch?.stop();
    this.watch = undefined;
    this.podWatch?.stop();
    this.podWatch = undefined;
  }

  private async onPod(event: PodEvent): Promise<void> {
    if (event.phase !== 'Succeeded' && event.phase !== 'Failed') return;
    const executionId = event.labels[LABEL_EXECUTION];
    const vmKey = event.annotations[ANNOTATION_VM_KEY];
    if (!executionId || !vmKey) return;
    await this.nudge(
      executionId,
      vmKey,
      nudgeJobId('pod', executionId, vmKey, `${event.uid}-${event.phase}`),
      `Pod ${event.name}`,
    );
  }

  /** Wakes a VM after a change of one of its objects; a queue outage only costs the VM its poll. */
  private async nudge(executionId: string, vmKey: string, jobId: string, after: string): Promise<void> {
    try {
      await this.executionQueue.enqueue('advance-vm', { executionId, vmKey }, { jobId });
    } catch (error) {
      this.dependencies.log.warn(`could not nudge ${vmKey} after ${after}: ${(error as Error).message}`);
    }
  }

  private async onDataVolume(event: DataVolumeEvent): Promise<void> {
    // Paused: a warm checkpoint is copied (its copy slots can go back at once).
    const ended = event.phase === 'Succeeded' || event.phase === 'Failed' || event.phase === 'Paused';
    if (!ended && event.restartCount === 0) return;
    const executionId = event.labels[LABEL_EXECUTION];
    const vmKey = event.annotations[ANNOTATION_VM_KEY];
    if (!executionId || !vmKey) return;
    await this.nudge(
      executionId,
      vmKey,
      nudgeJobId(
        'dv',
        executionId,
        vmKey,
        `${event.uid}-${event.phase}-${event.restartCount}-${event.checkpoints ?? 0}`,
      ),
      `DataVolume ${event.name}`,
    );
  }

  /**
   * SIGTERM: stop taking jobs, let running steps finish for a grace period, then give back the
   * leases of any still running so another replica resumes those VMs at once.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopWatch();
    const worker = this.executorWorker.worker;
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

/** The executor: the application core plus the runner, the job dispatcher and the queue worker. */
@Module({})
export class ExecutorModule {
  static register(dependencies: ExecutorDependencies, metrics?: FlotillaMetrics): DynamicModule {
    const { config } = dependencies;
    return {
      module: ExecutorModule,
      imports: [
        FlotillaCoreModule.forRoot(config, {
          process: 'executor',
          database: dependencies.database,
          ...(metrics ? { metrics } : {}),
        }),
      ],
      providers: [
        { provide: EXECUTOR_DEPENDENCIES, useValue: dependencies },
        {
          provide: ExecutionRunner,
          useFactory: (runners: ExecutionRunnerFactory, metricsOfProcess: FlotillaMetrics) =>
            runners.create(
              new VmItinerary(dependencies.source, dependencies.target, dependencies.itinerary),
              {
                workerId: dependencies.workerId,
                limits: config.executor.limits,
                leaseMs: dependencies.leaseMs,
                maxTransientFailures: 6,
                transientBackoffMs: Math.max(200, dependencies.itinerary.timings.pollMs),
                reconcileGraceMs: Math.max(2_000, dependencies.reconcileIntervalMs),
                log: (level, message) => dependencies.log[level === 'info' ? 'log' : level](message),
                onBytesCopied: (host, bytes) => metricsOfProcess.recordCopiedBytes(host, bytes),
              },
            ),
          inject: [ExecutionRunnerFactory, FLOTILLA_METRICS],
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
        ExecutorWorker,
        ExecutorLifecycle,
      ],
    };
  }
}
