import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, startKubeEmulator, validateManifest } from './index.js';
import { migratedVirtualMachine, vddkDataVolume, vddkSecret } from './sample-manifests.js';
import { apiError, eventually } from './test-support.js';

const VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', namespace: 'migrated' };
const VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances', namespace: 'migrated' };
const DV = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes', namespace: 'migrated' };

interface VmView {
  metadata: { finalizers?: string[]; deletionTimestamp?: string; uid: string };
  status?: {
    ready?: boolean;
    created?: boolean;
    printableStatus?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

const emulatorSuite = upstreamSchemasSuite('simulated KubeVirt');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  beforeEach(async () => {
    emulator = await startKubeEmulator({
      namespaces: ['migrated'],
      clock: { paused: true },
      kubevirt: { startDelayMs: 1000, stopDelayMs: 500 },
      cdi: { bytesPerSecond: 1024 * 1024 * 1024 },
    });
    custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
    core = emulator.kubeConfig().makeApiClient(CoreV1Api);
  });

  afterEach(async () => {
    await emulator.close();
  });

  async function step(ms: number): Promise<void> {
    await emulator.settle();
    emulator.clock.advance(ms);
    await emulator.settle();
  }

  async function vm(name: string): Promise<VmView> {
    return (await custom.getNamespacedCustomObject({ ...VM, name })) as VmView;
  }

  async function claim(name: string): Promise<void> {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'migrated',
      body: {
        metadata: { name },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
  }

  it('creates a VMI for runStrategy Always and reports Ready/Running after the start delay', async () => {
    await claim('web01-disk-0');
    await step(300);
    await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({ name: 'web01', namespace: 'migrated' }),
    });
    await step(0);
    const starting = await vm('web01');
    expect(starting.status).toMatchObject({ printableStatus: 'Starting', ready: false, created: true });
    expect(starting.metadata.finalizers).toContain('kubevirt.io/virtualMachineControllerFinalize');
    const vmi = (await custom.getNamespacedCustomObject({ ...VMI, name: 'web01' })) as {
      metadata: { ownerReferences: { kind: string; uid: string }[] };
      spec: { domain: { cpu: { sockets: number } } };
    };
    expect(vmi.metadata.ownerReferences[0]).toMatchObject({
      kind: 'VirtualMachine',
      uid: starting.metadata.uid,
    });
    expect(vmi.spec.domain.cpu.sockets).toBe(2);
    await step(999);
    expect((await vm('web01')).status?.ready).toBe(false);
    await step(1);
    const running = await vm('web01');
    expect(running.status).toMatchObject({ printableStatus: 'Running', ready: true, created: true });
    expect(running.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const vmiRunning = (await custom.getNamespacedCustomObject({ ...VMI, name: 'web01' })) as {
      status: { phase: string; interfaces: { mac: string }[] };
    };
    expect(vmiRunning.status.phase).toBe('Running');
    expect(vmiRunning.status.interfaces.map((i) => i.mac)).toEqual([
      '00:50:56:9a:01:02',
      '00:50:56:9a:01:03',
    ]);
    expect(
      validateManifest('VirtualMachine', await custom.getNamespacedCustomObject({ ...VM, name: 'web01' })),
    ).toEqual([]);
  });

  it('keeps a VM with a missing claim at ErrorPvcNotFound until the claim appears', async () => {
    await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({ name: 'web02', namespace: 'migrated' }),
    });
    await step(0);
    const blocked = await vm('web02');
    expect(blocked.status).toMatchObject({
      printableStatus: 'ErrorPvcNotFound',
      ready: false,
      created: false,
    });
    expect(blocked.status?.conditions?.find((c) => c.type === 'Failure')).toMatchObject({
      reason: 'FailedPvcNotFound',
      message: 'PVC migrated/web02-disk-0 does not exist, waiting for it to appear',
    });
    await apiError(custom.getNamespacedCustomObject({ ...VMI, name: 'web02' }));
    await claim('web02-disk-0');
    await step(300);
    await step(1000);
    expect((await vm('web02')).status).toMatchObject({ printableStatus: 'Running', ready: true });
  });

  it('waits for DataVolumes (Provisioning) and reports DataVolumeError when the import fails', async () => {
    await core.createNamespacedSecret({
      namespace: 'migrated',
      body: vddkSecret('vddk-credentials', 'migrated'),
    });
    await custom.createNamespacedCustomObject({
      ...DV,
      body: vddkDataVolume({ name: 'db01-disk-0', namespace: 'migrated', size: '1Gi' }),
    });
    await custom.createNamespacedCustomObject({
      ...DV,
      body: vddkDataVolume({ name: 'db01-disk-1', namespace: 'migrated', size: '1Gi' }),
    });
    await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({
        name: 'db01',
        namespace: 'migrated',
        disks: [
          { name: 'disk-0', dataVolume: 'db01-disk-0' },
          { name: 'disk-1', claimName: 'db01-disk-1' },
        ],
      }),
    });
    await step(0);
    expect((await vm('db01')).status?.printableStatus).toBe('Provisioning');
    emulator.cdi.failImportPermanently(
      'migrated',
      'db01-disk-1',
      'Unable to connect to vCenter: connection refused',
    );
    await step(0);
    await step(250);
    await step(500);
    await step(1000);
    const failed = await vm('db01');
    expect(failed.status?.printableStatus).toBe('DataVolumeError');
    expect(failed.status?.conditions?.find((c) => c.type === 'Failure')?.message).toBe(
      'DataVolume db01-disk-1 failed: Unable to connect to vCenter: connection refused',
    );
  });

  it('stops a VM switched to Halted and starts it again when switched back', async () => {
    await claim('app01-disk-0');
    await step(300);
    await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({ name: 'app01', namespace: 'migrated', runStrategy: 'Halted' }),
    });
    await step(0);
    expect((await vm('app01')).status).toMatchObject({
      printableStatus: 'Stopped',
      ready: false,
      created: false,
    });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await custom.patchNamespacedCustomObject(
      { ...VM, name: 'app01', body: { spec: { runStrategy: 'Always' } } },
      merge,
    );
    await step(0);
    await step(1000);
    expect((await vm('app01')).status?.printableStatus).toBe('Running');
    await custom.patchNamespacedCustomObject(
      { ...VM, name: 'app01', body: { spec: { runStrategy: 'Halted' } } },
      merge,
    );
    await step(0);
    expect((await vm('app01')).status?.printableStatus).toBe('Stopping');
    await step(500);
    expect((await vm('app01')).status?.printableStatus).toBe('Stopped');
    await apiError(custom.getNamespacedCustomObject({ ...VMI, name: 'app01' }));
  });

  it('deletes a VM through its finalizer and collects the claims it owns', async () => {
    await claim('old01-disk-0');
    await step(300);
    const created = (await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({ name: 'old01', namespace: 'migrated' }),
    })) as VmView;
    await core.patchNamespacedPersistentVolumeClaim(
      {
        namespace: 'migrated',
        name: 'old01-disk-0',
        body: {
          metadata: {
            ownerReferences: [
              {
                apiVersion: 'kubevirt.io/v1',
                kind: 'VirtualMachine',
                name: 'old01',
                uid: created.metadata.uid,
              },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await step(1000);
    expect((await vm('old01')).status?.ready).toBe(true);
    await custom.deleteNamespacedCustomObject({ ...VM, name: 'old01' });
    const deleting = await vm('old01');
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    await step(500);
    await apiError(custom.getNamespacedCustomObject({ ...VM, name: 'old01' }));
    await apiError(custom.getNamespacedCustomObject({ ...VMI, name: 'old01' }));
    await eventually(async () => {
      const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: 'migrated' });
      return claims.items.some((c) => c.metadata?.name === 'old01-disk-0') ? undefined : true;
    });
  });

  it('shows an injected start failure', async () => {
    await claim('crash01-disk-0');
    await step(300);
    emulator.kubevirt.failVm('migrated', 'crash01', {
      printableStatus: 'CrashLoopBackOff',
      reason: 'CrashLoopBackOff',
      message: 'virt-launcher pod is crashing',
    });
    await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({ name: 'crash01', namespace: 'migrated' }),
    });
    await step(0);
    await step(1000);
    expect((await vm('crash01')).status).toMatchObject({ printableStatus: 'CrashLoopBackOff', ready: false });
    emulator.kubevirt.clearVmFailure('migrated', 'crash01');
    await step(0);
    await step(1000);
    expect((await vm('crash01')).status).toMatchObject({ printableStatus: 'Running', ready: true });
  });

  it('runs guest-conversion pods to completion once their claims are bound', async () => {
    await core.createNamespacedPod({
      namespace: 'migrated',
      body: {
        metadata: { name: 'virt-v2v-web01' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'virt-v2v',
              image: 'quay.io/kubev2v/virt-v2v:2.7',
              volumeMounts: [{ name: 'd0', mountPath: '/mnt/d0' }],
            },
          ],
          volumes: [{ name: 'd0', persistentVolumeClaim: { claimName: 'conv-disk-0' } }],
        },
      },
    });
    await step(0);
    const pending = await core.readNamespacedPod({ namespace: 'migrated', name: 'virt-v2v-web01' });
    expect(pending.status?.conditions?.[0]?.message).toMatch(/persistentvolumeclaim "conv-disk-0" not found/);
    await claim('conv-disk-0');
    await step(300);
    await step(500);
    expect(
      (await core.readNamespacedPod({ namespace: 'migrated', name: 'virt-v2v-web01' })).status?.phase,
    ).toBe('Running');
    emulator.kubelet.setPodOutcome('migrated', 'virt-v2v-web01', {
      phase: 'Failed',
      exitCode: 1,
      message: 'virt-v2v: error: inspection could not detect the source guest',
    });
    await step(0);
    const failed = await core.readNamespacedPod({ namespace: 'migrated', name: 'virt-v2v-web01' });
    expect(failed.status?.phase).toBe('Failed');
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 1,
      message: 'virt-v2v: error: inspection could not detect the source guest',
    });
  });

  it('keeps a deleted running Pod Terminating for its grace period, then Failed, then gone', async () => {
    const pod = (name: string, grace?: number) => ({
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
        containers: [{ name: 'virt-v2v', image: 'quay.io/kubev2v/virt-v2v:2.7' }],
      },
    });
    const read = (name: string) => core.readNamespacedPod({ namespace: 'migrated', name });
    await core.createNamespacedPod({ namespace: 'migrated', body: pod('conv-a') });
    await core.createNamespacedPod({ namespace: 'migrated', body: pod('conv-b', 5) });
    await core.createNamespacedPod({ namespace: 'migrated', body: pod('conv-c') });
    // Not scheduled yet (no node): deleted at once, as the API server does.
    await core.createNamespacedPod({ namespace: 'migrated', body: pod('conv-unscheduled') });
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'conv-unscheduled' });
    expect(emulator.get('pods', 'migrated', 'conv-unscheduled')).toBeUndefined();
    emulator.kubelet.setPodOutcome('migrated', 'conv-a', { phase: 'Succeeded', afterMs: 1e9 });
    emulator.kubelet.setPodOutcome('migrated', 'conv-b', { phase: 'Succeeded', afterMs: 1e9 });
    await step(0);
    await step(500);
    expect((await read('conv-a')).status?.phase).toBe('Running');
    const before = emulator.clock.now();

    // Default: spec.terminationGracePeriodSeconds 30; conv-b's own 5 s; conv-c asked for 2 s.
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'conv-a' });
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'conv-b' });
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'conv-c', gracePeriodSeconds: 2 });
    const terminating = await read('conv-a');
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(String(terminating.metadata?.deletionTimestamp)) - before).toBeGreaterThanOrEqual(
      29_000,
    );
    expect(terminating.status?.phase).toBe('Running');
    // Deleting again changes nothing (a longer period never postpones).
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'conv-a', gracePeriodSeconds: 60 });
    expect((await read('conv-a')).metadata?.deletionGracePeriodSeconds).toBe(30);
    // Its name stays taken meanwhile.
    const taken = await apiError(core.createNamespacedPod({ namespace: 'migrated', body: pod('conv-a') }));
    expect(taken.code).toBe(409);

    await step(2_000);
    expect(emulator.get('pods', 'migrated', 'conv-c')?.status).toMatchObject({ phase: 'Failed' });
    await step(1_000);
    expect(emulator.get('pods', 'migrated', 'conv-c')).toBeUndefined();
    await step(2_000);
    expect(emulator.get('pods', 'migrated', 'conv-b')?.status).toMatchObject({ phase: 'Failed' });
    await step(24_999);
    expect((await read('conv-a')).status?.phase).toBe('Running');
    await step(1);
    const killed = await read('conv-a');
    expect(killed.status?.phase).toBe('Failed');
    expect(killed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: 'Error',
    });
    await step(1_000);
    expect(emulator.get('pods', 'migrated', 'conv-a')).toBeUndefined();
    await core.createNamespacedPod({ namespace: 'migrated', body: pod('conv-a') });
  });

  it('lets a Terminating Pod be force-deleted with a grace period of 0', async () => {
    await core.createNamespacedPod({
      namespace: 'migrated',
      body: {
        metadata: { name: 'stuck' },
        spec: { containers: [{ name: 'c', image: 'registry.example.com/c:1' }] },
      },
    });
    await step(0);
    await step(500);
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'stuck' });
    expect(emulator.get('pods', 'migrated', 'stuck')?.metadata.deletionTimestamp).toBeDefined();
    await core.deleteNamespacedPod({ namespace: 'migrated', name: 'stuck', gracePeriodSeconds: 0 });
    expect(emulator.get('pods', 'migrated', 'stuck')).toBeUndefined();
  });
});
