import { CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, startKubeEmulator } from './index.js';
import { vddkDataVolume } from './sample-manifests.js';
import { apiError } from './test-support.js';

const DV = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes', namespace: 'migrated' };

const emulatorSuite = upstreamSchemasSuite('Kubernetes API emulator: fault injection and request accounting');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    emulator = await startKubeEmulator({
      namespaces: ['migrated'],
      clock: { paused: true },
      token: 'test-token',
    });
    core = emulator.kubeConfig().makeApiClient(CoreV1Api);
    custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    emulator.faults.clear();
    emulator.faults.resetCounters();
  });

  it('answers 429 with Retry-After and a TooManyRequests Status, once', async () => {
    emulator.faults.inject({
      verb: 'create',
      resource: 'secrets',
      action: { type: 'error', code: 429, retryAfterSeconds: 2 },
    });
    const throttled = await apiError(
      core.createNamespacedSecret({ namespace: 'migrated', body: { metadata: { name: 's1' } } }),
    );
    expect(throttled.code).toBe(429);
    expect(throttled.headers['retry-after']).toBe('2');
    expect(throttled.status).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      code: 429,
      message: 'Too many requests, please try again later.',
      details: { retryAfterSeconds: 2 },
    });
    await core.createNamespacedSecret({ namespace: 'migrated', body: { metadata: { name: 's1' } } });
    expect(emulator.faults.count({ verb: 'create', resource: 'secrets' })).toBe(2);
  });

  it('answers 500 on DataVolume creation for a burst, then serves normally', async () => {
    const handle = emulator.faults.inject({
      verb: 'create',
      resource: 'datavolumes',
      times: 2,
      action: { type: 'error', code: 500 },
    });
    const body = vddkDataVolume({ name: 'burst-disk', namespace: 'migrated' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const failure = await apiError(custom.createNamespacedCustomObject({ ...DV, body }));
      expect(failure.status).toMatchObject({ code: 500, reason: 'InternalError' });
    }
    await custom.createNamespacedCustomObject({ ...DV, body });
    expect(handle.hits()).toBe(2);
    expect(emulator.faults.pending()).toHaveLength(0);
    expect(emulator.faults.counters()).toMatchObject({ 'create datavolumes': 3 });
  });

  it('targets a fault by name and verb, e.g. 503 for one object and a 409 on update', async () => {
    await core.createNamespacedConfigMap({ namespace: 'migrated', body: { metadata: { name: 'target' } } });
    await core.createNamespacedConfigMap({ namespace: 'migrated', body: { metadata: { name: 'other' } } });
    emulator.faults.inject({
      verb: 'get',
      resource: 'configmaps',
      name: 'target',
      action: { type: 'error', code: 503 },
    });
    await core.readNamespacedConfigMap({ namespace: 'migrated', name: 'other' });
    const unavailable = await apiError(
      core.readNamespacedConfigMap({ namespace: 'migrated', name: 'target' }),
    );
    expect(unavailable.status).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    emulator.faults.inject({ method: 'PUT', resource: 'configmaps', action: { type: 'error', code: 409 } });
    const current = await core.readNamespacedConfigMap({ namespace: 'migrated', name: 'target' });
    const conflict = await apiError(
      core.replaceNamespacedConfigMap({ namespace: 'migrated', name: 'target', body: current }),
    );
    expect(conflict.status).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "target": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('slows responses down', async () => {
    emulator.faults.inject({ verb: 'list', resource: 'configmaps', action: { type: 'delay', ms: 150 } });
    const started = Date.now();
    await core.listNamespacedConfigMap({ namespace: 'migrated' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('resets connections without a response', async () => {
    emulator.faults.inject({ verb: 'list', resource: 'secrets', action: { type: 'reset' } });
    await expect(core.listNamespacedSecret({ namespace: 'migrated' })).rejects.toThrow(
      /socket hang up|ECONNRESET|other side closed/,
    );
    await core.listNamespacedSecret({ namespace: 'migrated' });
  });

  it('drops a watch after a while', async () => {
    emulator.faults.inject({
      verb: 'watch',
      resource: 'configmaps',
      action: { type: 'dropWatch', afterMs: 50 },
    });
    const started = Date.now();
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(emulator.kubeConfig()).watch(
        '/api/v1/namespaces/migrated/configmaps',
        { resourceVersion: String(emulator.resourceVersion()) },
        () => {},
        (error) => resolve(error),
      );
    });
    await ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(emulator.activeWatchCount()).toBe(0);
  });

  it('requires the bearer token when configured', async () => {
    const response = await fetch(`${emulator.url}/api/v1/namespaces/migrated/secrets`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('counts requests by verb and resource, including subresources', async () => {
    await custom.patchNamespacedCustomObjectStatus({
      ...DV,
      name: 'burst-disk',
      body: [{ op: 'add', path: '/status', value: { phase: 'Pending' } }],
    });
    await custom.getNamespacedCustomObjectStatus({ ...DV, name: 'burst-disk' });
    await custom.listNamespacedCustomObject({ ...DV });
    expect(emulator.faults.counters()).toEqual({
      'patch datavolumes/status': 1,
      'get datavolumes/status': 1,
      'list datavolumes': 1,
    });
    expect(emulator.faults.requests().map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
