import {
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  makeInformer,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, startKubeEmulator } from './index.js';
import { eventually } from './test-support.js';

interface Received {
  type: string;
  name: string;
  resourceVersion: string;
  code?: number;
  object: Record<string, unknown>;
}

interface OpenWatch {
  events: Received[];
  ended: Promise<unknown>;
  stop(): void;
}

async function openWatch(
  emulator: KubeEmulator,
  path: string,
  query: Record<string, string | boolean>,
): Promise<OpenWatch> {
  const events: Received[] = [];
  let settle: (error: unknown) => void = () => {};
  const ended = new Promise<unknown>((resolve) => {
    settle = resolve;
  });
  const controller = await new Watch(emulator.kubeConfig()).watch(
    path,
    query,
    (type, object: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      events.push({
        type,
        name: object.metadata?.name ?? '',
        resourceVersion: object.metadata?.resourceVersion ?? '',
        code: object.code,
        object: object as Record<string, unknown>,
      });
    },
    (error) => settle(error ?? null),
  );
  return { events, ended, stop: () => controller.abort() };
}

const emulatorSuite = upstreamSchemasSuite(
  'Kubernetes API emulator: watches through the real client-node Watch',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let core: CoreV1Api;
  const path = '/api/v1/namespaces/watched/configmaps';

  beforeAll(async () => {
    emulator = await startKubeEmulator({
      namespaces: ['watched'],
      clock: { paused: true },
      bookmarkIntervalMs: 60_000,
    });
    core = emulator.kubeConfig().makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('streams ADDED/MODIFIED/DELETED from a list resourceVersion, in order', async () => {
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'before' } } });
    const list = await core.listNamespacedConfigMap({ namespace: 'watched' });
    const watch = await openWatch(emulator, path, { resourceVersion: list.metadata?.resourceVersion ?? '' });
    const created = await core.createNamespacedConfigMap({
      namespace: 'watched',
      body: { metadata: { name: 'a' } },
    });
    const patched = await core.patchNamespacedConfigMap({
      namespace: 'watched',
      name: 'a',
      body: [{ op: 'add', path: '/data', value: { x: '1' } }],
    });
    await core.deleteNamespacedConfigMap({ namespace: 'watched', name: 'a' });
    await eventually(() => (watch.events.length >= 3 ? true : undefined));
    expect(watch.events.map((e) => [e.type, e.name])).toEqual([
      ['ADDED', 'a'],
      ['MODIFIED', 'a'],
      ['DELETED', 'a'],
    ]);
    expect(watch.events[0].resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(watch.events[1].resourceVersion).toBe(patched.metadata?.resourceVersion);
    expect(Number(watch.events[2].resourceVersion)).toBeGreaterThan(
      Number(patched.metadata?.resourceVersion),
    );
    expect(watch.events[0].object.kind).toBe('ConfigMap');
    watch.stop();
  });

  it('sends the current objects first when no resourceVersion is given', async () => {
    const watch = await openWatch(emulator, path, {});
    await eventually(() => (watch.events.length >= 1 ? true : undefined));
    expect(watch.events.map((e) => [e.type, e.name])).toEqual([['ADDED', 'before']]);
    watch.stop();
  });

  it('turns label changes into ADDED/DELETED for a selector watch', async () => {
    const start = emulator.resourceVersion();
    const watch = await openWatch(emulator, path, {
      resourceVersion: String(start),
      labelSelector: 'wave=1',
    });
    await core.createNamespacedConfigMap({
      namespace: 'watched',
      body: { metadata: { name: 'sel', labels: { wave: '2' } } },
    });
    await core.patchNamespacedConfigMap({
      namespace: 'watched',
      name: 'sel',
      body: [{ op: 'replace', path: '/metadata/labels/wave', value: '1' }],
    });
    await core.patchNamespacedConfigMap({
      namespace: 'watched',
      name: 'sel',
      body: [{ op: 'replace', path: '/metadata/labels/wave', value: '3' }],
    });
    await eventually(() => (watch.events.length >= 2 ? true : undefined));
    expect(watch.events.map((e) => [e.type, e.name])).toEqual([
      ['ADDED', 'sel'],
      ['DELETED', 'sel'],
    ]);
    watch.stop();
  });

  it('resumes after a dropped connection from the last resourceVersion without gaps or duplicates', async () => {
    const start = emulator.resourceVersion();
    emulator.faults.inject({
      verb: 'watch',
      resource: 'configmaps',
      action: { type: 'dropWatch', afterEvents: 2 },
    });
    const first = await openWatch(emulator, path, { resourceVersion: String(start) });
    for (const name of ['r1', 'r2', 'r3', 'r4']) {
      await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name } } });
    }
    await first.ended;
    expect(first.events.map((e) => e.name)).toEqual(['r1', 'r2']);
    const resumeFrom = first.events[first.events.length - 1].resourceVersion;
    const second = await openWatch(emulator, path, { resourceVersion: resumeFrom });
    await eventually(() => (second.events.length >= 2 ? true : undefined));
    expect(second.events.map((e) => [e.type, e.name])).toEqual([
      ['ADDED', 'r3'],
      ['ADDED', 'r4'],
    ]);
    expect(emulator.dropWatches()).toBe(1);
    await second.ended;
  });

  it('answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    const old = emulator.resourceVersion();
    await core.createNamespacedConfigMap({
      namespace: 'watched',
      body: { metadata: { name: 'after-compaction' } },
    });
    emulator.compactHistory();
    const watch = await openWatch(emulator, path, { resourceVersion: String(old) });
    await watch.ended;
    expect(watch.events).toHaveLength(1);
    expect(watch.events[0].type).toBe('ERROR');
    expect(watch.events[0].object).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(String(watch.events[0].object.message)).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('sends BOOKMARK events when allowed', async () => {
    const watch = await openWatch(emulator, path, {
      resourceVersion: String(emulator.resourceVersion()),
      allowWatchBookmarks: true,
    });
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'b1' } } });
    await eventually(() => (watch.events.length >= 1 ? true : undefined));
    emulator.sendBookmarks();
    await eventually(() => (watch.events.length >= 2 ? true : undefined));
    expect(watch.events[1]).toMatchObject({
      type: 'BOOKMARK',
      resourceVersion: String(emulator.resourceVersion()),
    });
    watch.stop();
  });

  it('watches custom resources cluster-wide and a single object by name', async () => {
    const custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
    const start = String(emulator.resourceVersion());
    const all = await openWatch(emulator, '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions', {
      resourceVersion: start,
    });
    const one = await openWatch(
      emulator,
      '/apis/k8s.cni.cncf.io/v1/namespaces/watched/network-attachment-definitions',
      {
        resourceVersion: start,
        fieldSelector: 'metadata.name=vlan-120',
      },
    );
    for (const name of ['vlan-100', 'vlan-120']) {
      await custom.createNamespacedCustomObject({
        group: 'k8s.cni.cncf.io',
        version: 'v1',
        plural: 'network-attachment-definitions',
        namespace: 'watched',
        body: {
          apiVersion: 'k8s.cni.cncf.io/v1',
          kind: 'NetworkAttachmentDefinition',
          metadata: { name },
          spec: { config: JSON.stringify({ cniVersion: '0.3.1', type: 'bridge', bridge: 'br1' }) },
        },
      });
    }
    await eventually(() => (all.events.length >= 2 && one.events.length >= 1 ? true : undefined));
    expect(all.events.map((e) => e.name)).toEqual(['vlan-100', 'vlan-120']);
    expect(one.events.map((e) => e.name)).toEqual(['vlan-120']);
    all.stop();
    one.stop();
  });

  it("keeps client-node's informer consistent across a dropped watch and a 410", async () => {
    const kc = emulator.kubeConfig();
    const informer = makeInformer<KubernetesObject>(kc, path, () =>
      core.listNamespacedConfigMap({ namespace: 'watched' }),
    );
    const errors: unknown[] = [];
    informer.on('error', (error) => {
      errors.push(error);
      setTimeout(() => void informer.start(), 20);
    });
    await informer.start();
    const names = () =>
      informer
        .list()
        .map((o) => o.metadata?.name ?? '')
        .sort();
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'inf-1' } } });
    await eventually(() => (names().includes('inf-1') ? true : undefined));
    const listsBefore = emulator.faults.count({ verb: 'list', resource: 'configmaps' });
    emulator.compactHistory();
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'inf-2' } } });
    await eventually(() => (names().includes('inf-2') ? true : undefined));
    // A change the informer does not see moves the global resourceVersion past its own.
    await core.createNamespacedSecret({ namespace: 'watched', body: { metadata: { name: 'unrelated' } } });
    emulator.compactHistory();
    emulator.dropWatches();
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'inf-3' } } });
    const expected = (await core.listNamespacedConfigMap({ namespace: 'watched' })).items
      .map((i) => i.metadata?.name ?? '')
      .sort();
    await eventually(() => (JSON.stringify(names()) === JSON.stringify(expected) ? true : undefined));
    // One list is ours; the other is the informer re-listing after its resume got 410.
    expect(
      emulator.faults.count({ verb: 'list', resource: 'configmaps' }) - listsBefore,
    ).toBeGreaterThanOrEqual(2);
    await informer.stop();
  });
});
