import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { type INestApplicationContext, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionRunner } from '#libs/application';
import type { ExecutorAppConfig } from '#libs/config';
import { type BullmqExecutionQueue, EXECUTION_QUEUE, openConfiguredDatabase } from '#libs/core';
import {
  DEFAULT_TIMINGS,
  type ItineraryTimings,
  KubeTargetCluster,
  type MigrationSource,
  sameThumbprint,
  VsphereSourceVcenter,
} from '#libs/itinerary';
import type { FlotillaMetrics } from '#libs/observability';
import type { FlotillaDatabase } from '#libs/persistence';
import { fetchServerThumbprint } from '#libs/vsphere';
import { type ExecutorDependencies, ExecutorModule, type WatchableTargetCluster } from './executor.module.js';

export interface ExecutorOverrides {
  source?: MigrationSource & { close?(): Promise<void> };
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

/**
 * Pins the vCenter certificate: the configured thumbprint must match what is served. Only in
 * development (FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE, checked by the config) is it fetched and trusted.
 */
async function vcenterThumbprint(vsphere: ExecutorAppConfig['executor']['vsphere']): Promise<string> {
  const served = await fetchServerThumbprint(vsphere.url);
  if (vsphere.thumbprint && !sameThumbprint(served, vsphere.thumbprint)) {
    throw new Error(
      `vCenter at ${new URL(vsphere.url).host} presents certificate ${served}, not VSPHERE_THUMBPRINT ${vsphere.thumbprint}`,
    );
  }
  return served;
}

/** Builds and starts the executor worker in this process (main.ts and the end-to-end tests). */
export async function createExecutorApp(
  config: ExecutorAppConfig,
  overrides: ExecutorOverrides = {},
): Promise<ExecutorHandle> {
  const settings = config.executor;
  const log = new Logger('Executor');
  const workerId = overrides.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const database = overrides.database ?? (await openConfiguredDatabase(config, { poolSize: 10 }));
  let source = overrides.source;
  const vcenter = { url: settings.vsphere.url, thumbprint: settings.vsphere.thumbprint ?? '' };
  if (!source || !settings.vsphere.thumbprint) vcenter.thumbprint = await vcenterThumbprint(settings.vsphere);
  source ??= new VsphereSourceVcenter({
    url: settings.vsphere.url,
    username: settings.vsphere.username,
    password: settings.vsphere.password,
    thumbprint: vcenter.thumbprint,
  });
  let target = overrides.target;
  if (!target) {
    const kubeConfig = overrides.kubeConfig ?? new KubeConfig();
    if (!overrides.kubeConfig) {
      if (settings.kubeconfig) kubeConfig.loadFromFile(settings.kubeconfig);
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
      credentials: { user: settings.vsphere.username, password: settings.vsphere.password },
      vddkInitImage: settings.vddkInitImage,
      virtV2vImage: settings.virtV2vImage,
      timings: {
        ...DEFAULT_TIMINGS,
        pollMs: settings.pollMs,
        copyPollMs: settings.copyPollMs,
        shutdownTimeoutMs: settings.shutdownTimeoutMs,
        copyStallTimeoutMs: settings.copyStallTimeoutMs,
        ...overrides.timings,
      },
    },
    workerId,
    leaseMs: overrides.leaseMs ?? settings.leaseMs,
    reconcileIntervalMs: overrides.reconcileIntervalMs ?? settings.reconcileIntervalMs,
    shutdownGraceMs: overrides.shutdownGraceMs ?? 25_000,
    log,
  };
  const app = await NestFactory.createApplicationContext(
    ExecutorModule.register(dependencies, overrides.metrics),
    {
      logger: overrides.logger ?? ['log', 'warn', 'error'],
    },
  );
  await app.init();
  const runner = app.get(ExecutionRunner);
  const queue = app.get(EXECUTION_QUEUE) as BullmqExecutionQueue;
  return {
    app,
    runner,
    queue,
    workerId,
    readinessChecks: {
      database: () => database.dataSource.query('SELECT 1'),
      redis: () => queue.ping(),
    },
    async close() {
      await app.close();
    },
  };
}
