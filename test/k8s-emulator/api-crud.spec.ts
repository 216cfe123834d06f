import {
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
  VersionApi,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, startKubeEmulator } from './index.js';
import type { JsonObject } from './json.js';
import { vddkDataVolume, vddkSecret } from './sample-manifests.js';
import { apiError, eventually } from './test-support.js';

const DV = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes' };

const emulatorSuite = upstreamSchemasSuite(
  'Kubernetes API emulator: CRUD through the real @kubernetes/client-node',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    // A paused clock: no importer progress, so objects only change through these tests.
    emulator = await startKubeEmulator({ namespaces: ['default', 'migrated'], clock: { paused: true } });
    core = emulator.kubeConfig().makeApiClient(CoreV1Api);
    custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('serves discovery: /version, /api, /apis and group resource lists', async () => {
    const version = await emulator.kubeConfig().makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.34.1');
    const groups = await emulator.kubeConfig().makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual([
      'storage.k8s.io',
      'cdi.kubevirt.io',
      'kubevirt.io',
      'k8s.cni.cncf.io',
    ]);
    // KubernetesObjectApi resolves plurals through /apis/<group>/<version> discovery.
    const objects = KubernetesObjectApi.makeApiClient(emulator.kubeConfig());
    const nad = await objects.create({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'vlan-120', namespace: 'migrated' },
      spec: { config: '{"cniVersion":"0.3.1","type":"bridge","bridge":"br120"}' },
    } as KubernetesObject);
    expect(nad.metadata?.uid).toBeDefined();
    const read = await objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'migrated' } });
    expect(read.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'migrated' });
  });

  it('creates, reads and lists Secrets with server-set metadata', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'migrated',
      body: {
        metadata: { name: 'vddk-credentials', labels: { app: 'flotilla' } },
        stringData: { accessKeyId: 'admin' },
      },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.type).toBe('Opaque');
    expect(created.data).toEqual({ accessKeyId: Buffer.from('admin').toString('base64') });
    expect(created.stringData).toBeUndefined();
    const read = await core.readNamespacedSecret({ namespace: 'migrated', name: 'vddk-credentials' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const list = await core.listNamespacedSecret({ namespace: 'migrated' });
    expect(list.items.map((s) => s.metadata?.name)).toContain('vddk-credentials');
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(created.metadata?.resourceVersion),
    );
  });

  it('answers 404 for a missing namespace and object, 409 AlreadyExists for a duplicate name', async () => {
    const missingNamespace = await apiError(
      core.createNamespacedSecret({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }),
    );
    expect(missingNamespace.code).toBe(404);
    expect(missingNamespace.status).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
      message: 'namespaces "nowhere" not found',
    });
    const missing = await apiError(core.readNamespacedSecret({ namespace: 'migrated', name: 'absent' }));
    expect(missing.status).toMatchObject({
      reason: 'NotFound',
      message: 'secrets "absent" not found',
      details: { name: 'absent', kind: 'secrets' },
    });
    const duplicate = await apiError(
      core.createNamespacedSecret({
        namespace: 'migrated',
        body: { metadata: { name: 'vddk-credentials' } },
      }),
    );
    expect(duplicate.code).toBe(409);
    expect(duplicate.status).toMatchObject({
      reason: 'AlreadyExists',
      message: 'secrets "vddk-credentials" already exists',
    });
  });

  it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
    const current = await core.readNamespacedSecret({ namespace: 'migrated', name: 'vddk-credentials' });
    const first: V1Secret = {
      ...current,
      metadata: { ...current.metadata, labels: { app: 'flotilla', step: 'one' } },
    };
    const updated = await core.replaceNamespacedSecret({
      namespace: 'migrated',
      name: 'vddk-credentials',
      body: first,
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(current.metadata?.resourceVersion),
    );
    const stale = await apiError(
      core.replaceNamespacedSecret({
        namespace: 'migrated',
        name: 'vddk-credentials',
        body: { ...current, metadata: { ...current.metadata, labels: { step: 'two' } } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on secrets "vddk-credentials": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('keeps the resourceVersion when an update changes nothing', async () => {
    const current = await core.readNamespacedSecret({ namespace: 'migrated', name: 'vddk-credentials' });
    const same = await core.replaceNamespacedSecret({
      namespace: 'migrated',
      name: 'vddk-credentials',
      body: current,
    });
    expect(same.metadata?.resourceVersion).toBe(current.metadata?.resourceVersion);
  });

  it('supports server-side apply: create, then drop what the manager stopped applying (fieldManager required)', async () => {
    const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { a: '1' } };
    const created = await core.patchNamespacedConfigMap(
      { namespace: 'migrated', name: 'applied', body, fieldManager: 'flotilla' },
      apply,
    );
    expect(created.data).toEqual({ a: '1' });
    const updated = await core.patchNamespacedConfigMap(
      {
        namespace: 'migrated',
        name: 'applied',
        body: { ...body, data: { b: '2' } },
        fieldManager: 'flotilla',
      },
      apply,
    );
    expect(updated.data).toEqual({ b: '2' });
    const noManager = await apiError(
      core.patchNamespacedConfigMap({ namespace: 'migrated', name: 'applied', body }, apply),
    );
    expect(noManager.code).toBe(422);
  });

  it('names objects from generateName', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'migrated',
      body: { metadata: { generateName: 'plan-1-' }, data: { a: 'b' } },
    });
    expect(created.metadata?.name).toMatch(/^plan-1-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('filters lists with label selectors (=, !=, in, notin, exists, !exists) and metadata.name field selectors', async () => {
    const labels: Record<string, Record<string, string>> = {
      'sel-a': { plan: 'p1', wave: '1' },
      'sel-b': { plan: 'p1', wave: '2' },
      'sel-c': { plan: 'p2' },
    };
    for (const [name, set] of Object.entries(labels)) {
      await core.createNamespacedConfigMap({
        namespace: 'migrated',
        body: { metadata: { name, labels: set } },
      });
    }
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: 'migrated', labelSelector, fieldSelector })).items
        .map((item) => item.metadata?.name)
        .filter((name) => name?.startsWith('sel-'));
    expect(await names('plan=p1')).toEqual(['sel-a', 'sel-b']);
    expect(await names('plan!=p1')).toEqual(['sel-c']);
    expect(await names('wave in (2,3)')).toEqual(['sel-b']);
    expect(await names('wave notin (2)')).toEqual(['sel-a', 'sel-c']);
    expect(await names('wave')).toEqual(['sel-a', 'sel-b']);
    expect(await names('!wave')).toEqual(['sel-c']);
    expect(await names('plan=p1,wave==1')).toEqual(['sel-a']);
    expect(await names(undefined, 'metadata.name=sel-c')).toEqual(['sel-c']);
    const badField = await apiError(
      core.listNamespacedConfigMap({ namespace: 'migrated', fieldSelector: 'spec.x=1' }),
    );
    expect(badField.status).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'field label not supported: spec.x',
    });
    const all = await core.listConfigMapForAllNamespaces({ labelSelector: 'plan' });
    expect(all.items).toHaveLength(3);
  });

  it('paginates with limit and continue', async () => {
    const first = await core.listNamespacedConfigMap({
      namespace: 'migrated',
      labelSelector: 'plan',
      limit: 2,
    });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await core.listNamespacedConfigMap({
      namespace: 'migrated',
      labelSelector: 'plan',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(rest.items.map((item) => item.metadata?.name)).toEqual(['sel-c']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('applies JSON patch (the client default), merge patch and strategic merge patch to core objects', async () => {
    const jsonPatched = await core.patchNamespacedConfigMap({
      namespace: 'migrated',
      name: 'sel-a',
      body: [
        { op: 'add', path: '/data', value: { k: 'v' } },
        { op: 'add', path: '/metadata/labels/extra', value: 'yes' },
      ],
    });
    expect(jsonPatched.data).toEqual({ k: 'v' });
    expect(jsonPatched.metadata?.labels).toEqual({ plan: 'p1', wave: '1', extra: 'yes' });
    const merged = await core.patchNamespacedConfigMap(
      {
        namespace: 'migrated',
        name: 'sel-a',
        body: { metadata: { labels: { extra: null } }, data: { k2: 'v2' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ plan: 'p1', wave: '1' });
    expect(merged.data).toEqual({ k: 'v', k2: 'v2' });
    const failedTest = await apiError(
      core.patchNamespacedConfigMap({
        namespace: 'migrated',
        name: 'sel-a',
        body: [{ op: 'test', path: '/data/k', value: 'other' }],
      }),
    );
    expect(failedTest.code).toBe(422);
    const pod = await core.createNamespacedPod({
      namespace: 'migrated',
      body: {
        metadata: { name: 'smp', finalizers: ['example.com/a'] },
        spec: {
          containers: [
            { name: 'main', image: 'registry.example.com/tool:1', env: [{ name: 'A', value: '1' }] },
          ],
        },
      },
    });
    expect(pod.status?.phase).toBe('Pending');
    const strategic = await core.patchNamespacedPod(
      {
        namespace: 'migrated',
        name: 'smp',
        body: {
          metadata: { finalizers: ['example.com/b'] },
          spec: { containers: [{ name: 'main', image: 'registry.example.com/tool:2' }] },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.finalizers).toEqual(['example.com/a', 'example.com/b']);
    expect(strategic.spec?.containers.map((c) => [c.name, c.image, c.env?.length])).toEqual([
      ['main', 'registry.example.com/tool:2', 1],
    ]);
  });

  it('serves DataVolumes through CustomObjectsApi with generation, status subresource and SMP refusal', async () => {
    const body = vddkDataVolume({ name: 'web01-disk-0', namespace: 'migrated', size: '2Gi' });
    const created = (await custom.createNamespacedCustomObject({
      ...DV,
      namespace: 'migrated',
      body,
    })) as JsonObject & {
      metadata: { generation: number; resourceVersion: string };
    };
    expect(created.kind).toBe('DataVolume');
    expect(created.metadata.generation).toBe(1);
    const labelled = (await custom.patchNamespacedCustomObject(
      {
        ...DV,
        namespace: 'migrated',
        name: 'web01-disk-0',
        body: { metadata: { labels: { stage: 'copy' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { metadata: { generation: number; labels: Record<string, string> } };
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.metadata.labels.stage).toBe('copy');
    const status = (await custom.patchNamespacedCustomObjectStatus(
      {
        ...DV,
        namespace: 'migrated',
        name: 'web01-disk-0',
        body: { status: { phase: 'Paused' }, spec: { contentType: 'archive' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { status: { phase: string }; spec: JsonObject; metadata: { generation: number } };
    expect(status.status.phase).toBe('Paused');
    expect(status.spec.contentType).toBeUndefined();
    expect(status.metadata.generation).toBe(1);
    const fromStatus = (await custom.getNamespacedCustomObjectStatus({
      ...DV,
      namespace: 'migrated',
      name: 'web01-disk-0',
    })) as {
      status: { phase: string };
    };
    expect(fromStatus.status.phase).toBe('Paused');
    const smp = await apiError(
      custom.patchNamespacedCustomObject(
        { ...DV, namespace: 'migrated', name: 'web01-disk-0', body: { metadata: { labels: { a: 'b' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(smp.code).toBe(415);
    const specChange = await apiError(
      custom.patchNamespacedCustomObject({
        ...DV,
        namespace: 'migrated',
        name: 'web01-disk-0',
        body: [{ op: 'replace', path: '/spec/storage/resources/requests/storage', value: '3Gi' }],
      }),
    );
    expect(specChange.status.message).toBe(
      'admission webhook "datavolume-validate.cdi.kubevirt.io" denied the request: Cannot update DataVolume Spec',
    );
    const noVersion = await apiError(
      custom.replaceNamespacedCustomObject({
        ...DV,
        namespace: 'migrated',
        name: 'web01-disk-0',
        body: { ...body, metadata: { ...body.metadata } },
      }),
    );
    expect(noVersion.status.message).toContain(
      'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('creates the PVC of a DataVolume and garbage-collects it with the DataVolume (background)', async () => {
    const pvc = await eventually(async () => {
      const list = await core.listNamespacedPersistentVolumeClaim({ namespace: 'migrated' });
      return list.items.find((item) => item.metadata?.name === 'web01-disk-0');
    });
    expect(pvc.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'DataVolume',
      name: 'web01-disk-0',
      controller: true,
    });
    await custom.deleteNamespacedCustomObject({ ...DV, namespace: 'migrated', name: 'web01-disk-0' });
    await apiError(custom.getNamespacedCustomObject({ ...DV, namespace: 'migrated', name: 'web01-disk-0' }));
    // The PVC carries kubernetes.io/pvc-protection; nothing uses it, so it goes too.
    await eventually(async () => {
      const list = await core.listNamespacedPersistentVolumeClaim({ namespace: 'migrated' });
      return list.items.some((item) => item.metadata?.name === 'web01-disk-0') ? undefined : true;
    });
  });

  it('garbage-collects in the foreground and orphans on request', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'migrated',
      body: { metadata: { name: 'owner' } },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata?.uid ?? '',
      blockOwnerDeletion: true,
    };
    await core.createNamespacedSecret({
      namespace: 'migrated',
      body: { metadata: { name: 'dep-1', ownerReferences: [ref] } },
    });
    await core.deleteNamespacedConfigMap({
      namespace: 'migrated',
      name: 'owner',
      propagationPolicy: 'Foreground',
    });
    await apiError(core.readNamespacedSecret({ namespace: 'migrated', name: 'dep-1' }));
    await apiError(core.readNamespacedConfigMap({ namespace: 'migrated', name: 'owner' }));

    const owner2 = await core.createNamespacedConfigMap({
      namespace: 'migrated',
      body: { metadata: { name: 'owner2' } },
    });
    const ref2 = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: owner2.metadata?.uid ?? '' };
    await core.createNamespacedSecret({
      namespace: 'migrated',
      body: { metadata: { name: 'dep-2', ownerReferences: [ref2] } },
    });
    await core.deleteNamespacedConfigMap({
      namespace: 'migrated',
      name: 'owner2',
      propagationPolicy: 'Orphan',
    });
    await emulator.settle();
    const orphan = await core.readNamespacedSecret({ namespace: 'migrated', name: 'dep-2' });
    expect(orphan.metadata?.ownerReferences).toBeUndefined();
  });

  it('collects an object whose owner does not exist, as the real garbage collector does', async () => {
    await core.createNamespacedSecret({
      namespace: 'migrated',
      body: {
        metadata: {
          name: 'dangling',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'ghost',
              uid: '00000000-0000-0000-0000-000000000000',
            },
          ],
        },
      },
    });
    await eventually(async () => {
      const list = await core.listNamespacedSecret({ namespace: 'migrated' });
      return list.items.some((s) => s.metadata?.name === 'dangling') ? undefined : true;
    });
  });

  it('honours finalizers: delete marks, removing the last finalizer deletes', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'migrated',
      body: { metadata: { name: 'guarded', finalizers: ['flotilla.io/cleanup'] } },
    });
    await core.deleteNamespacedConfigMap({ namespace: 'migrated', name: 'guarded' });
    const marked = await core.readNamespacedConfigMap({ namespace: 'migrated', name: 'guarded' });
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.patchNamespacedConfigMap(
      { namespace: 'migrated', name: 'guarded', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await apiError(core.readNamespacedConfigMap({ namespace: 'migrated', name: 'guarded' }));
  });

  it('deletes a collection by label selector', async () => {
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'migrated', labelSelector: 'plan=p1' });
    const left = await core.listNamespacedConfigMap({ namespace: 'migrated', labelSelector: 'plan' });
    expect(left.items.map((item) => item.metadata?.name)).toEqual(['sel-c']);
  });

  it('rejects invalid core objects with 422 and the field paths', async () => {
    const invalid = await apiError(
      core.createNamespacedPersistentVolumeClaim({
        namespace: 'migrated',
        body: { metadata: { name: 'Bad_Claim' }, spec: { resources: { requests: { storage: '1Gi' } } } },
      }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.status.reason).toBe('Invalid');
    expect(invalid.status.details?.causes?.map((c) => c.field)).toEqual([
      'metadata.name',
      'spec.accessModes',
    ]);
    expect(invalid.status.message).toMatch(
      /^PersistentVolumeClaim "Bad_Claim" is invalid: \[metadata\.name: Invalid value/,
    );
    // Unknown fields never leave the typed CoreV1Api client, so send one as raw JSON.
    const response = await fetch(
      `${emulator.url}/api/v1/namespaces/migrated/secrets?fieldValidation=Strict`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...vddkSecret('raw', 'migrated'), strngData: { a: 'b' } }),
      },
    );
    expect(response.status).toBe(400);
    const status = (await response.json()) as { message: string };
    expect(status.message).toBe(
      'Secret in version "v1" cannot be handled as a Secret: strict decoding error: unknown field "strngData"',
    );
  });

  it('refuses new content in a terminating namespace and removes the namespace once empty', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 's' } } });
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'held', finalizers: ['flotilla.io/cleanup'] } },
    });
    await core.deleteNamespace({ name: 'doomed' });
    const terminating = await core.readNamespace({ name: 'doomed' });
    expect(terminating.status?.phase).toBe('Terminating');
    const refused = await apiError(
      core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 't' } } }),
    );
    expect(refused.code).toBe(403);
    expect(refused.status.message).toBe(
      'secrets "t" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );
    await eventually(async () => {
      const secrets = await core.listNamespacedSecret({ namespace: 'doomed' });
      return secrets.items.length === 0 ? true : undefined;
    });
    expect((await core.readNamespace({ name: 'doomed' })).status?.phase).toBe('Terminating');
    await core.patchNamespacedConfigMap({
      namespace: 'doomed',
      name: 'held',
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    await eventually(async () => {
      const list = await core.listNamespace();
      return list.items.some((ns) => ns.metadata?.name === 'doomed') ? undefined : true;
    });
  });
});
