import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { getQueueToken } from '@nestjs/bullmq';
import { type INestApplicationContext, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { ExecutionRunner } from '#libs/application';
import { EXECUTOR_QUEUE } from '#libs/jobs';
import {
  DEFAULT_TIMINGS,
  type ItineraryTimings,
  KubeTargetCluster,
  type SourceVcenter,
  sameThumbprint,
  VsphereSourceVcenter,
} from '#libs/migration';
import type { FlotillaMetrics } from '#libs/observability';
import { type FlotillaDatabase, openDatabase } from '#libs/persistence';
import { fetchServerThumbprint } from '#libs/vsphere';
import { flotillaMigrations } from '#migrations';
import { BullmqExecutionQueue } from './bullmq-execution-queue.js';
import { type ExecutorDependencies, ExecutorModule, type WatchableTargetCluster } from './executor.module.js';
import type { ExecutorConfig } from './executor-config.js';

export interface ExecutorOverrides {
  source?: SourceVcenter & { close?(): Promise<void> };
  target?: WatchableTargetCluster;
  /** Used to build the Kubernetes adapter when `target` is not given (else KUBECONFIG or in-cluster). */
  kubeConfig?: KubeConfig;
  database?: FlotillaDatabase;
  timings?: Partial<ItineraryTimings>;
  leaseMs?: number;
  reconcileIntervalMs?: number;
  shutdownGraceMs?: number;
  workerId?: string;
  /** `false` silences the app (tests); a LoggerService (the JSON logger) replaces Nest's. */
  logger?: false | LoggerService;
  metrics?: FlotillaMetrics;
}

export interface ExecutorHandle {
  app: INestApplicationContext;
  runner: ExecutionRunner;
  queue: BullmqExecutionQueue;
  workerId: string;
  /** Readiness checks for the probe server: Postgres and Redis answer. */
  readinessChecks: Record<string, () => Promise<unknown>>;
  /** Graceful: finish running steps (or give their leases back), then close. */
  close(): Promise<void>;
}

/** Pins the vCenter certificate: the configured thumbprint must match what is served; else it is fetched once. */
async function vcenterThumbprint(config: ExecutorConfig): Promise<string> {
  const served = await fetchServerThumbprint(config.vsphere.url);
  if (config.vsphere.thumbprint && !sameThumbprint(served, config.vsphere.thumbprint)) {
    throw new Error(
      `vCenter at ${new URL(config.vsphere.url).host} presents certificate ${served}, not VSPHERE_THUMBPRINT ${config.vsphere.thumbprint}`,
    );
  }
  return served;
}

/** Builds and starts the executor worker in this process (main.ts and the end-to-end tests). */
export async function createExecutorApp(
  config: ExecutorConfig,
  overrides: ExecutorOverrides = {},
): Promise<ExecutorHandle> {
  const log = new Logger('Executor');
  const workerId = overrides.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const database =
    overrides.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      migrations: flotillaMigrations,
      poolSize: 10,
      migrationMode: config.migrationMode,
    }));
  let source = overrides.source;
  const vcenter = { url: config.vsphere.url, thumbprint: config.vsphere.thumbprint ?? '' };
  if (!source || !config.vsphere.thumbprint) vcenter.thumbprint = await vcenterThumbprint(config);
  source ??= new VsphereSourceVcenter({
    url: config.vsphere.url,
    username: config.vsphere.username,
    password: config.vsphere.password,
    thumbprint: vcenter.thumbprint,
  });
  let target = overrides.target;
  if (!target) {
    const kubeConfig = overrides.kubeConfig ?? new KubeConfig();
    if (!overrides.kubeConfig) {
      if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
      else kubeConfig.loadFromDefault();
    }
    target = new KubeTargetCluster(kubeConfig);
  }
  const dependencies: ExecutorDependencies = {
    config,
    database,
    ownsDatabase: overrides.database === undefined,
    source,
    target,
    itinerary: {
      vcenter,
      credentials: { user: config.vsphere.username, password: config.vsphere.password },
      vddkInitImage: config.vddkInitImage,
      virtV2vImage: config.virtV2vImage,
      timings: {
        ...DEFAULT_TIMINGS,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        copyStallTimeoutMs: config.copyStallTimeoutMs,
        ...overrides.timings,
      },
    },
    workerId,
    leaseMs: overrides.leaseMs ?? 60_000,
    reconcileIntervalMs: overrides.reconcileIntervalMs ?? 30_000,
    shutdownGraceMs: overrides.shutdownGraceMs ?? 25_000,
    log,
    metrics: overrides.metrics,
  };
  const app = await NestFactory.createApplicationContext(ExecutorModule.register(dependencies), {
    logger: overrides.logger ?? ['log', 'warn', 'error'],
  });
  await app.init();
  const runner = app.get(ExecutionRunner);
  const queue = app.get(BullmqExecutionQueue);
  const bullQueue = app.get<Queue>(getQueueToken(EXECUTOR_QUEUE));
  return {
    app,
    runner,
    queue,
    workerId,
    readinessChecks: {
      database: () => database.dataSource.query('SELECT 1'),
      redis: () => bullQueue.getJobCounts('waiting'),
    },
    async close() {
      await app.close();
    },
  };
}
