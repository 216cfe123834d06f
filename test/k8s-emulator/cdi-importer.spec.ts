import { CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, type KubeEmulatorOptions, startKubeEmulator, validateManifest } from './index.js';
import { vddkDataVolume, vddkSecret } from './sample-manifests.js';
import { eventually } from './test-support.js';

const MiB = 1024 * 1024;
const DV = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes', namespace: 'migrated' };

interface DataVolumeStatus {
  phase?: string;
  progress?: string;
  restartCount?: number;
  claimName?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

const emulatorSuite = upstreamSchemasSuite('simulated CDI importer (VDDK DataVolumes)');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  async function start(options: KubeEmulatorOptions = {}): Promise<void> {
    emulator = await startKubeEmulator({
      namespaces: ['migrated', 'cdi'],
      clock: { paused: true },
      ...options,
      cdi: { bytesPerSecond: 100 * MiB, progressIntervalMs: 1000, ...options.cdi },
    });
    custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
    core = emulator.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({
      namespace: 'migrated',
      body: vddkSecret('vddk-credentials', 'migrated'),
    });
  }

  /** Moves simulated time and lets the controllers react, like time passing on a cluster. */
  async function step(ms: number): Promise<void> {
    await emulator.settle();
    emulator.clock.advance(ms);
    await emulator.settle();
  }

  async function status(name: string): Promise<DataVolumeStatus> {
    const dv = (await custom.getNamespacedCustomObject({ ...DV, name })) as { status?: DataVolumeStatus };
    return dv.status ?? {};
  }

  function conditionOf(s: DataVolumeStatus, type: string) {
    return s.conditions?.find((c) => c.type === type);
  }

  async function createDv(
    name: string,
    size: string,
    extra: Partial<Parameters<typeof vddkDataVolume>[0]> = {},
  ) {
    await custom.createNamespacedCustomObject({
      ...DV,
      body: vddkDataVolume({ name, namespace: 'migrated', size, ...extra }),
    });
  }

  afterEach(async () => {
    await emulator.close();
  });

  it('without populators: creates the owned PVC, then moves Pending -> ImportScheduled -> ImportInProgress -> Succeeded with progress', async () => {
    await start({ cdi: { usePopulators: false } });
    const phases: string[] = [];
    const watch = await new Watch(emulator.kubeConfig()).watch(
      '/apis/cdi.kubevirt.io/v1beta1/namespaces/migrated/datavolumes',
      { resourceVersion: String(emulator.resourceVersion()) },
      (_type, object: { status?: DataVolumeStatus }) => {
        const phase = object.status?.phase;
        if (phase && phases[phases.length - 1] !== phase) phases.push(phase);
      },
      () => {},
    );
    await createDv('web01-disk-0', '1Gi');
    await step(0);
    const pending = await status('web01-disk-0');
    expect(pending).toMatchObject({
      phase: 'Pending',
      progress: 'N/A',
      claimName: 'web01-disk-0',
      restartCount: 0,
    });
    expect(conditionOf(pending, 'Bound')).toMatchObject({
      status: 'False',
      reason: 'Pending',
      message: 'PVC web01-disk-0 Pending',
    });
    const pvc = await core.readNamespacedPersistentVolumeClaim({
      namespace: 'migrated',
      name: 'web01-disk-0',
    });
    expect(pvc.metadata?.ownerReferences?.[0]).toMatchObject({
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      controller: true,
    });
    expect(pvc.spec).toMatchObject({
      storageClassName: 'ceph-rbd',
      volumeMode: 'Block',
      accessModes: ['ReadWriteOnce'],
    });

    await step(250);
    const scheduled = await status('web01-disk-0');
    expect(scheduled.phase).toBe('ImportScheduled');
    expect(conditionOf(scheduled, 'Bound')).toMatchObject({
      status: 'True',
      reason: 'Bound',
      message: 'PVC web01-disk-0 Bound',
    });
    expect(
      (await core.readNamespacedPersistentVolumeClaim({ namespace: 'migrated', name: 'web01-disk-0' })).status
        ?.phase,
    ).toBe('Bound');

    await step(500);
    const running = await status('web01-disk-0');
    expect(running).toMatchObject({ phase: 'ImportInProgress', progress: '0.00%' });
    expect(conditionOf(running, 'Running')).toMatchObject({ status: 'True', reason: 'Pod is running' });
    expect(conditionOf(running, 'Ready')).toMatchObject({ status: 'False', reason: 'TransferRunning' });

    await step(5120);
    expect((await status('web01-disk-0')).progress).toBe('50.00%');
    expect(emulator.cdi.snapshot('migrated', 'web01-disk-0')).toMatchObject({
      copiedBytes: 512 * MiB,
      currentRate: 100 * MiB,
    });

    await step(6000);
    const done = await status('web01-disk-0');
    expect(done).toMatchObject({ phase: 'Succeeded', progress: '100.0%' });
    expect(conditionOf(done, 'Ready')).toMatchObject({ status: 'True' });
    expect(conditionOf(done, 'Running')).toMatchObject({
      status: 'False',
      reason: 'Completed',
      message: 'Import Complete',
    });
    await eventually(() => (phases.includes('Succeeded') ? true : undefined));
    expect(phases).toEqual(['Pending', 'ImportScheduled', 'ImportInProgress', 'Succeeded']);
    watch.abort();

    const events = await core.listNamespacedEvent({
      namespace: 'migrated',
      fieldSelector: 'involvedObject.name=web01-disk-0',
    });
    expect(events.items.map((e) => e.reason)).toEqual([
      'Pending',
      'Bound',
      'ImportScheduled',
      'ImportInProgress',
      'ImportSucceeded',
    ]);
    // What the emulator writes must itself satisfy the CDI schema.
    const stored = await custom.getNamespacedCustomObject({ ...DV, name: 'web01-disk-0' });
    expect(validateManifest('DataVolume', stored)).toEqual([]);
  });

  it('shares an ESXi host throughput max-min fairly and keeps the makespan at total bytes / host rate', async () => {
    await start({ cdi: { hostKey: 'flotilla.io/esxi-host', hostBytesPerSecond: 100 * MiB } });
    await createDv('a-disk', '1Gi', { labels: { 'flotilla.io/esxi-host': 'esx-01' } });
    await createDv('b-disk', '2Gi', { labels: { 'flotilla.io/esxi-host': 'esx-01' } });
    await createDv('c-disk', '1Gi', { labels: { 'flotilla.io/esxi-host': 'esx-02' } });
    emulator.cdi.setImportRate('migrated', 'c-disk', 40 * MiB);
    await step(250);
    await step(500);
    expect(emulator.cdi.activeImportsByHost()).toEqual({ 'esx-01': 2, 'esx-02': 1 });
    await step(1);
    expect(emulator.cdi.snapshot('migrated', 'a-disk')?.currentRate).toBeCloseTo(50 * MiB);
    expect(emulator.cdi.snapshot('migrated', 'b-disk')?.currentRate).toBeCloseTo(50 * MiB);
    expect(emulator.cdi.snapshot('migrated', 'c-disk')?.currentRate).toBeCloseTo(40 * MiB);
    // a finishes after 1 GiB at 50 MiB/s = 20.48 s; b then gets the whole host: 30.72 s in all.
    await step(20_480 - 1);
    expect((await status('a-disk')).phase).toBe('Succeeded');
    expect(emulator.cdi.snapshot('migrated', 'b-disk')?.currentRate).toBeCloseTo(100 * MiB);
    await step(10_239);
    expect((await status('b-disk')).phase).toBe('ImportInProgress');
    await step(2);
    expect((await status('b-disk')).phase).toBe('Succeeded');
    // What a benchmark reads: esx-01 full from its first import until a ended (20.48 s, 2 GiB),
    // then b alone at the host's rate, still full; esx-02's one import never filled it.
    const use = emulator.cdi.hostThroughput();
    const esx01 = use['esx-01'];
    expect(esx01).toBeDefined();
    expect(esx01?.saturatedAt).toBe(esx01?.firstAt);
    expect(esx01?.saturatedUntil).toBe(esx01?.lastAt);
    expect(((esx01?.lastAt ?? 0) - (esx01?.firstAt ?? 0)) / 1000).toBeCloseTo(30.72, 1);
    expect(esx01?.bytes).toBeCloseTo(3 * 1024 * MiB, -3);
    expect(use['esx-02']).toMatchObject({ saturatedAt: null, saturatedUntil: null });
  });

  it('surfaces an importer failure on the Running condition and counts restarts while CDI retries', async () => {
    await start({ cdi: { restartBackoffMs: 1000 } });
    await createDv('failing', '1Gi');
    emulator.cdi.failImport('migrated', 'failing', {
      message: 'Unable to connect to vCenter: dial tcp 10.0.0.5:443: connect: connection refused',
    });
    await step(250);
    await step(500);
    const first = await status('failing');
    expect(first).toMatchObject({ phase: 'ImportInProgress', restartCount: 1 });
    expect(conditionOf(first, 'Running')).toMatchObject({
      status: 'False',
      reason: 'Error',
      message: 'Unable to connect to vCenter: dial tcp 10.0.0.5:443: connect: connection refused',
    });
    await step(1000);
    await step(2000);
    expect((await status('failing')).restartCount).toBe(3);
    emulator.cdi.failImportPermanently(
      'migrated',
      'failing',
      'Unable to connect to vCenter: permission denied',
    );
    await step(0);
    const failed = await status('failing');
    expect(failed.phase).toBe('Failed');
    expect(conditionOf(failed, 'Running')).toMatchObject({
      status: 'False',
      reason: 'Error',
      message: 'Unable to connect to vCenter: permission denied',
    });
    const warnings = await core.listNamespacedEvent({ namespace: 'migrated', fieldSelector: 'type=Warning' });
    expect(warnings.items.length).toBeGreaterThanOrEqual(3);
  });

  it('restarts a crashing importer in CrashLoopBackOff: 10 s, 20 s, 40 s ... capped at 5 min', async () => {
    await start();
    await createDv('looping', '1Gi');
    emulator.cdi.failImport('migrated', 'looping', {
      message: 'Unable to process data: nbdkit: vddk: VixDiskLib_Open: NFC connection refused',
      afterMs: 1_000,
    });
    await step(250);
    await step(500);
    // Each run copies for 1 s, crashes, then waits out the back-off before the next run.
    const restartsAt: number[] = [];
    let elapsed = 0;
    for (let second = 0; second < 1_200 && restartsAt.length < 8; second++) {
      const before = emulator.cdi.snapshot('migrated', 'looping')?.restartCount ?? 0;
      await step(1_000);
      elapsed += 1_000;
      if ((emulator.cdi.snapshot('migrated', 'looping')?.restartCount ?? 0) > before)
        restartsAt.push(elapsed);
    }
    const gaps = restartsAt.slice(1).map((at, index) => at - (restartsAt[index] as number));
    // A gap is the back-off plus the 1 s the next run lasts.
    expect(gaps).toEqual([11_000, 21_000, 41_000, 81_000, 161_000, 301_000, 301_000]);
    const looping = await status('looping');
    expect(looping).toMatchObject({ phase: 'ImportInProgress', restartCount: 8 });
    // CDI keeps the crashed container's reason and message while the kubelet backs off
    // (it skips the CrashLoopBackOff waiting state), and the progress of the run that crashed.
    expect(conditionOf(looping, 'Running')).toMatchObject({
      status: 'False',
      reason: 'Error',
      message: 'Unable to process data: nbdkit: vddk: VixDiskLib_Open: NFC connection refused',
    });
    // The importer pod stays Running; its container shows the crash loop as the kubelet does.
    const importer = emulator
      .list('pods', 'migrated')
      .find(
        (pod) =>
          (pod.metadata.labels as Record<string, string> | undefined)?.['cdi.kubevirt.io'] === 'importer',
      );
    expect(importer?.status).toMatchObject({
      phase: 'Running',
      containerStatuses: [
        {
          restartCount: 8,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: expect.stringMatching(/^back-off 300s restarting failed container=importer/),
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              message: 'Unable to process data: nbdkit: vddk: VixDiskLib_Open: NFC connection refused',
            },
          },
        },
      ],
    });
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: 'migrated', name: 'looping' });
    expect(pvc.metadata?.annotations?.['cdi.kubevirt.io/storage.pod.restarts']).toBe('8');
  });

  it('forgets the back-off when the previous crash is more than 10 minutes ago', async () => {
    await start();
    await createDv('slow', '1Gi');
    emulator.cdi.setImportRate('migrated', 'slow', MiB);
    await step(250);
    await step(500);
    const running = () => emulator.cdi.snapshot('migrated', 'slow')?.running;
    emulator.cdi.restartImport('migrated', 'slow');
    await step(9_999);
    expect(running()).toBe(false);
    await step(1);
    expect(running()).toBe(true);
    emulator.cdi.restartImport('migrated', 'slow');
    await step(19_999);
    expect(running()).toBe(false);
    await step(1);
    expect(running()).toBe(true);
    await step(10 * 60_000 + 1);
    emulator.cdi.restartImport('migrated', 'slow');
    await step(10_000);
    expect(running()).toBe(true);
    expect(emulator.cdi.snapshot('migrated', 'slow')?.restartCount).toBe(3);
  });

  it('restarts once and then completes; stalls keep progress still until resumed', async () => {
    await start();
    await createDv('flaky', '200Mi');
    await step(250);
    await step(500);
    await step(1000);
    expect((await status('flaky')).progress).toBe('50.00%');
    emulator.cdi.restartImport('migrated', 'flaky', 'nbdkit: vddk: VixDiskLib_Read: Unknown error');
    await step(0);
    expect(await status('flaky')).toMatchObject({ restartCount: 1, phase: 'ImportInProgress' });
    // The kubelet's first restart back-off is 10 s.
    await step(9_999);
    expect(conditionOf(await status('flaky'), 'Running')).toMatchObject({ status: 'False', reason: 'Error' });
    await step(1);
    expect(conditionOf(await status('flaky'), 'Running')).toMatchObject({ status: 'True' });
    emulator.cdi.stallImport('migrated', 'flaky');
    await step(60_000);
    expect((await status('flaky')).progress).toBe('0.00%');
    emulator.cdi.resumeImport('migrated', 'flaky');
    await step(1000);
    expect((await status('flaky')).progress).toBe('50.00%');
    await step(1000);
    expect(await status('flaky')).toMatchObject({ phase: 'Succeeded', restartCount: 1 });
  });

  it('waits with AwaitingVDDK without an init image, and for a missing credentials Secret', async () => {
    await start();
    await createDv('no-vddk', '10Mi', { initImageURL: '' });
    await createDv('no-secret', '10Mi', { secretRef: 'absent' });
    await step(250);
    const awaiting = await status('no-vddk');
    // On a WaitForFirstConsumer class nothing binds before the importer pod, which needs the image.
    expect(awaiting.phase).toBe('Pending');
    expect(conditionOf(awaiting, 'Bound')).toMatchObject({
      status: 'False',
      reason: 'AwaitingVDDK',
      message:
        'waiting for v2v-vmware configmap or cdi.kubevirt.io/storage.pod.vddk.initimageurl annotation for VDDK image',
    });
    expect(conditionOf(await status('no-secret'), 'Running')).toMatchObject({
      status: 'False',
      reason: 'CreateContainerConfigError',
      message: 'secret "absent" not found',
    });
    await core.createNamespacedConfigMap({
      namespace: 'cdi',
      body: { metadata: { name: 'v2v-vmware' }, data: { 'vddk-init-image': 'registry.example.com/vddk:8' } },
    });
    await core.createNamespacedSecret({ namespace: 'migrated', body: vddkSecret('absent', 'migrated') });
    await step(500);
    await step(1000);
    expect((await status('no-vddk')).phase).toBe('Succeeded');
    expect((await status('no-secret')).phase).toBe('Succeeded');
  });

  it('fails imports whose thumbprint does not match the vCenter certificate', async () => {
    await start({ cdi: { vcenterThumbprints: { 'vcenter.example.com': 'AA:BB:CC' } } });
    await createDv('thumb', '10Mi');
    await step(250);
    await step(500);
    const s = await status('thumb');
    expect(s.restartCount).toBe(1);
    expect(conditionOf(s, 'Running')?.message).toMatch(
      /^Unable to connect to vCenter: certificate thumbprint mismatch for vcenter\.example\.com/,
    );
  });

  it('runs on real time scaled by the speed factor', async () => {
    await start({ clock: { speed: 2000 } });
    await createDv('fast', '1Gi');
    const done = await eventually(
      async () => ((await status('fast')).phase === 'Succeeded' ? true : undefined),
      5000,
    );
    expect(done).toBe(true);
  });
});
