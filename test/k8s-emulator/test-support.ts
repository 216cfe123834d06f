import { ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { type KubeEmulator, type KubeEmulatorOptions, startKubeEmulator } from './index.js';
import { vddkSecret } from './sample-manifests.js';

export interface CapturedApiError {
  code: number;
  status: {
    kind?: string;
    reason?: string;
    message?: string;
    code?: number;
    details?: {
      name?: string;
      kind?: string;
      causes?: { reason: string; message: string; field?: string }[];
      retryAfterSeconds?: number;
    };
  };
  headers: Record<string, string>;
}

/** Awaits a client-node call that must fail and returns its HTTP code, parsed Status and headers. */
export async function apiError(call: Promise<unknown>): Promise<CapturedApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const raw: unknown = error.body;
      const status =
        typeof raw === 'string' && raw !== '' ? (JSON.parse(raw) as CapturedApiError['status']) : {};
      return { code: error.code, status, headers: error.headers as Record<string, string> };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const MIGRATED_DATA_VOLUMES = {
  group: 'cdi.kubevirt.io',
  version: 'v1beta1',
  plural: 'datavolumes',
  namespace: 'migrated',
};

export interface DataVolumeStatusView {
  phase?: string;
  progress?: string;
  restartCount?: number;
  claimName?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export interface CdiTestCluster {
  emulator: KubeEmulator;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  /** Moves simulated time and lets the controllers react, like time passing on a cluster. */
  step(ms: number): Promise<void>;
  /** `status` of a DataVolume in `migrated`, read through the API. */
  dataVolumeStatus(name: string): Promise<DataVolumeStatusView>;
}

/**
 * An emulator on a paused clock with the `migrated` namespace and its VDDK credentials Secret
 * (`vddk-credentials`), importers at 100 MiB/s writing progress every simulated second.
 */
export async function startCdiTestCluster(options: KubeEmulatorOptions = {}): Promise<CdiTestCluster> {
  const emulator = await startKubeEmulator({
    namespaces: ['migrated', 'cdi'],
    clock: { paused: true },
    ...options,
    cdi: { bytesPerSecond: 100 * 1024 * 1024, progressIntervalMs: 1000, ...options.cdi },
  });
  const custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
  const core = emulator.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace: 'migrated',
    body: vddkSecret('vddk-credentials', 'migrated'),
  });
  return {
    emulator,
    custom,
    core,
    async step(ms) {
      await emulator.settle();
      emulator.clock.advance(ms);
      await emulator.settle();
    },
    async dataVolumeStatus(name) {
      const dv = (await custom.getNamespacedCustomObject({ ...MIGRATED_DATA_VOLUMES, name })) as {
        status?: DataVolumeStatusView;
      };
      return dv.status ?? {};
    },
  };
}
