import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataVolume, Pod, Secret } from '#libs/kubevirt';
import { type KubeEmulator, startKubeEmulator } from '../../../test/k8s-emulator/index.js';
import { upstreamSchemasSuite } from '../../../test/support/shared-files.js';
import { KubeApiError, KubeTargetCluster } from './kube-target-cluster.js';
import { type DataVolumeEvent, type PodEvent, TargetConflictError, TargetRejectedError } from './ports.js';

const NS = 'migrated';
const labels = { 'flotilla.io/execution': 'exec-1', 'flotilla.io/vm': 'vm-1' };

function secret(name: string, owner = labels): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace: NS, labels: owner },
    data: { accessKeyId: 'dXNlcg==' },
  };
}

function dataVolume(name: string): DataVolume {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: {
      name,
      namespace: NS,
      labels,
      // As the builder: bound for the importer on a WaitForFirstConsumer class, kept when done.
      annotations: {
        'flotilla.io/vm-key': 'vc/vm-1',
        'cdi.kubevirt.io/storage.deleteAfterCompletion': 'false',
        'cdi.kubevirt.io/storage.bind.immediate.requested': 'true',
      },
    },
    spec: {
      source: {
        vddk: {
          url: 'https://vcenter.example.com/sdk',
          uuid: '42000000-0000-0000-0000-000000000101',
          backingFile: '[ds] vm/vm.vmdk',
          thumbprint: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01',
          secretRef: 'vm-vddk',
          initImageURL: 'registry.example.com/vddk:8',
        },
      },
      storage: { storageClassName: 'fast', resources: { requests: { storage: '1024Mi' } } },
    },
  };
}

async function eventually<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const emulatorSuite = upstreamSchemasSuite('KubeTargetCluster against the Kubernetes emulator');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let cluster: KubeTargetCluster;

  beforeAll(async () => {
    emulator = await startKubeEmulator({
      namespaces: ['default', NS, 'cdi'],
      clock: { speed: 50 },
      bookmarkIntervalMs: 100,
      kubevirt: { clusterPreferences: ['rhel.9'] },
    });
    cluster = new KubeTargetCluster(emulator.kubeConfig(), {
      attempts: 6,
      baseDelayMs: 20,
      maxDelayMs: 200,
      maxRetryAfterMs: 2_000,
    });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('creates once, accepts its own object on a replay, refuses someone else’s', async () => {
    expect((await cluster.ensureSecret(secret('a-vddk'))).created).toBe(true);
    expect((await cluster.ensureSecret(secret('a-vddk'))).created).toBe(false);
    await expect(
      cluster.ensureSecret(secret('a-vddk', { 'flotilla.io/execution': 'other', 'flotilla.io/vm': 'vm-1' })),
    ).rejects.toBeInstanceOf(TargetConflictError);
    expect(emulator.faults.count({ verb: 'create', resource: 'secrets' })).toBe(3);
  });

  it('retries 429 after the Retry-After it was given, and 500s with back-off', async () => {
    emulator.faults.inject({
      verb: 'create',
      resource: 'secrets',
      times: 1,
      action: { type: 'error', code: 429, retryAfterSeconds: 1 },
    });
    const started = Date.now();
    expect((await cluster.ensureSecret(secret('b-vddk'))).created).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    emulator.faults.inject({
      verb: 'get',
      resource: 'secrets',
      times: 3,
      action: { type: 'error', code: 500 },
    });
    expect((await cluster.ensureSecret(secret('b-vddk'))).created).toBe(false);
    emulator.faults.inject({
      verb: 'get',
      resource: 'datavolumes',
      times: 10,
      action: { type: 'error', code: 503 },
    });
    await expect(cluster.getDataVolume(NS, 'nothing')).rejects.toBeInstanceOf(KubeApiError);
    emulator.faults.clear();
  });

  it('sends fieldValidation=Strict: a field the cluster does not know is refused with its name, not dropped', async () => {
    const body = dataVolume('strict-disk-0');
    (body.spec as unknown as Record<string, unknown>).priorityClassNam = 'high';
    const refused = await cluster.ensureDataVolume(body).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TargetRejectedError);
    expect((refused as TargetRejectedError).message).toBe(
      'Kubernetes API create DataVolume migrated/strict-disk-0 was refused: HTTP 400 BadRequest: ' +
        'DataVolume in version "v1beta1" cannot be handled as a DataVolume: strict decoding error: unknown field "spec.priorityClassNam"',
    );
    expect(emulator.get('datavolumes', NS, 'strict-disk-0')).toBeUndefined();
    expect(
      emulator.faults.requests().filter((request) => request.path.includes('fieldValidation=Strict')).length,
    ).toBeGreaterThan(0);
  });

  it("does not retry an admission webhook's denial, even kubemacpool's 500", async () => {
    const before = emulator.faults.count({ verb: 'create', resource: 'virtualmachines' });
    emulator.faults.inject({
      verb: 'create',
      resource: 'virtualmachines',
      times: 1,
      action: {
        type: 'error',
        code: 500,
        message:
          'admission webhook "mutatevirtualmachines.kubemacpool.io" denied the request: Failed to create virtual machine allocation error: failed to allocate requested mac address',
      },
    });
    const vm = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'denied', namespace: NS, labels },
      spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } },
    } as unknown as Parameters<KubeTargetCluster['ensureVirtualMachine']>[0];
    await expect(cluster.ensureVirtualMachine(vm)).rejects.toBeInstanceOf(TargetRejectedError);
    expect(emulator.faults.count({ verb: 'create', resource: 'virtualmachines' }) - before).toBe(1);
    emulator.faults.clear();
  });

  it('watches DataVolumes through dropped streams and compacted history', async () => {
    const events: DataVolumeEvent[] = [];
    await cluster.ensureSecret(secret('vm-vddk'));
    const watch = cluster.watchDataVolumes('flotilla.io/execution', (event) => events.push(event));
    try {
      await cluster.ensureDataVolume(dataVolume('w-disk-0'));
      await eventually(() =>
        events.find((event) => event.name === 'w-disk-0' && event.phase === 'Succeeded'),
      );
      emulator.dropWatches(true);
      await cluster.ensureDataVolume(dataVolume('w-disk-1'));
      await eventually(() =>
        events.find((event) => event.name === 'w-disk-1' && event.phase === 'Succeeded'),
      );
      emulator.dropWatches();
      emulator.compactHistory(0);
      await cluster.ensureDataVolume(dataVolume('w-disk-2'));
      const last = await eventually(() =>
        events.find((event) => event.name === 'w-disk-2' && event.phase === 'Succeeded'),
      );
      expect(last.annotations['flotilla.io/vm-key']).toBe('vc/vm-1');
      // Each phase is reported once per DataVolume, resumptions do not replay it.
      const succeeded = events.filter((event) => event.phase === 'Succeeded').map((event) => event.name);
      expect(succeeded.sort()).toEqual(['w-disk-0', 'w-disk-1', 'w-disk-2']);
    } finally {
      watch.stop();
    }
  });

  it('watches guest conversion Pods and reports when one ends, across a dropped stream', async () => {
    const events: PodEvent[] = [];
    const conversionPod = (name: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: NS,
        labels: { 'flotilla.io/execution': 'exec-1', 'flotilla.io/vm': 'vm-1' },
        annotations: { 'flotilla.io/vm-key': 'vc/vm-1' },
      },
      spec: {
        restartPolicy: 'Never',
        securityContext: {
          fsGroup: 107,
          runAsUser: 107,
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        nodeSelector: {},
        initContainers: [],
        containers: [
          {
            name: 'virt-v2v',
            image: 'registry.example.com/virt-v2v:1',
            imagePullPolicy: 'IfNotPresent',
            resources: { requests: {}, limits: {} },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
        volumes: [],
      },
    });
    const watch = cluster.watchPods('flotilla.io/execution', (event) => events.push(event));
    try {
      await cluster.ensurePod(conversionPod('w-v2v-0'));
      const ended = await eventually(() =>
        events.find((event) => event.name === 'w-v2v-0' && event.phase === 'Succeeded'),
      );
      expect(ended.annotations['flotilla.io/vm-key']).toBe('vc/vm-1');
      emulator.dropWatches(true);
      await cluster.ensurePod(conversionPod('w-v2v-1'));
      await eventually(() => events.find((event) => event.name === 'w-v2v-1' && event.phase === 'Succeeded'));
      // Each phase once per Pod: the resumed stream does not replay the first Pod's end.
      expect(events.filter((event) => event.phase === 'Succeeded').map((event) => event.name)).toEqual([
        'w-v2v-0',
        'w-v2v-1',
      ]);
    } finally {
      watch.stop();
    }
  });

  it('deletes everything labelled for an execution and VM', async () => {
    const deleted = await cluster.deleteOwned(NS, { execution: 'exec-1', vm: 'vm-1' });
    expect(deleted.map((object) => object.kind)).toEqual(expect.arrayContaining(['DataVolume', 'Secret']));
    await eventually(() => (emulator.list('datavolumes', NS).length === 0 ? true : undefined));
    expect(emulator.list('secrets', NS)).toHaveLength(0);
  });

  it('finds a cluster preference that exists and none that does not, or where the API is missing', async () => {
    expect(await cluster.preferenceExists('VirtualMachineClusterPreference', NS, 'rhel.9')).toBe(true);
    expect(await cluster.preferenceExists('VirtualMachineClusterPreference', NS, 'oraclelinux')).toBe(false);
    // The emulator serves no namespaced preferences: a cluster without that API answers 404.
    expect(await cluster.preferenceExists('VirtualMachinePreference', NS, 'rhel.9')).toBe(false);
  });

  it('takes a PVC CDI marked Succeeded for a finished copy, and none once it is collected', async () => {
    await cluster.ensureDataVolume(dataVolume('done-disk-0'));
    expect(await cluster.pvcImportSucceeded(NS, 'done-disk-0')).toBe(false);
    // The import starts once CDI has made the PVC and its importer.
    await eventually(() => {
      try {
        emulator.cdi.completeImport(NS, 'done-disk-0');
        return true;
      } catch {
        return undefined;
      }
    });
    expect(await cluster.pvcImportSucceeded(NS, 'done-disk-0')).toBe(true);
    await cluster.deleteDataVolume(NS, 'done-disk-0');
    await eventually(() => (emulator.get('datavolumes', NS, 'done-disk-0') ? undefined : true));
    // Nothing took the PVC over, so CDI's owner reference collects it with its DataVolume.
    await eventually(() => (emulator.get('persistentvolumeclaims', NS, 'done-disk-0') ? undefined : true));
    expect(await cluster.pvcImportSucceeded(NS, 'done-disk-0')).toBe(false);
    expect(await cluster.pvcImportSucceeded(NS, 'no-such-disk')).toBe(false);
  });
});
