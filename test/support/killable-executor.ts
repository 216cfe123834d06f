import { KubeConfig } from '@kubernetes/client-node';
import type { ExecutorAppConfig } from '#libs/config';
import { openConfiguredDatabase } from '#libs/core';
import { KubeTargetCluster, VsphereSourceVcenter } from '#libs/itinerary';
import { ExecutorLifecycle, ExecutorWorker } from '../../apps/executor/src/executor.module.js';
import {
  createExecutorApp,
  type ExecutorHandle,
  type ExecutorOverrides,
} from '../../apps/executor/src/executor-app.js';

export interface KillableExecutor extends ExecutorHandle {
  /**
   * Behaves like a killed process: steps in flight never finish or persist anything more; leases
   * stay until they expire; the queue connections drop.
   */
  kill(): Promise<void>;
}

/** A proxy whose calls never settle once `dead()` says so: a killed process does nothing more. */
function killable<T extends object>(target: T, dead: () => boolean): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      // TypeORM's DataSource hands out its EntityManager: that must die with it.
      if (property === 'manager' && value !== null && typeof value === 'object') return killable(value, dead);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (dead()) return new Promise(() => undefined);
        const result = (value as (...values: unknown[]) => unknown).apply(object, args);
        if (result instanceof Promise) {
          return result.then(
            (settled) => (dead() ? new Promise(() => undefined) : settled),
            (error) => (dead() ? new Promise(() => undefined) : Promise.reject(error)),
          );
        }
        return result;
      };
    },
  });
}

/**
 * The real executor, with its database, vCenter and cluster adapters behind proxies a fault test
 * can cut: the kill switch lives here, not in the production executor.
 */
export async function startKillableExecutor(
  config: ExecutorAppConfig,
  overrides: ExecutorOverrides & { kubeConfig: KubeConfig },
): Promise<KillableExecutor> {
  let killed = false;
  const dead = () => killed;
  const database = overrides.database ?? (await openConfiguredDatabase(config, { poolSize: 10 }));
  const vsphere = config.executor.vsphere;
  const source =
    overrides.source ??
    new VsphereSourceVcenter({
      url: vsphere.url,
      username: vsphere.username,
      password: vsphere.password,
      thumbprint: vsphere.thumbprint ?? '',
    });
  const target = overrides.target ?? new KubeTargetCluster(overrides.kubeConfig);
  const handle = await createExecutorApp(config, {
    ...overrides,
    database: { ...database, dataSource: killable(database.dataSource, dead) },
    source: killable(source, dead),
    target: Object.assign(killable(target, dead), {
      watchDataVolumes: target.watchDataVolumes?.bind(target),
    }),
  });
  const ownsDatabase = overrides.database === undefined;
  return {
    ...handle,
    async close() {
      // A killed executor is gone like a dead process: nothing of it may act again.
      if (killed) return;
      await handle.close();
      if (ownsDatabase) await database.close();
    },
    async kill() {
      killed = true;
      handle.app.get(ExecutorLifecycle).stopWatch();
      await handle.app
        .get(ExecutorWorker)
        .worker.close(true)
        .catch(() => undefined);
      await handle.queue.close().catch(() => undefined);
      if (ownsDatabase) await database.close().catch(() => undefined);
    },
  };
}
