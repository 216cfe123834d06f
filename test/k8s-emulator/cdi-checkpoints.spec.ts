import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import {
  ANN_CHECKPOINT_COPIED,
  ANN_CHECKPOINT_POD_ID,
  ANN_CURRENT_CHECKPOINT,
  ANN_FINAL_CHECKPOINT,
  ANN_MULTI_STAGE_DONE,
  ANN_PREVIOUS_CHECKPOINT,
} from './cdi-checkpoints.js';
import { type KubeEmulator, type KubeEmulatorOptions, validateManifest } from './index.js';
import { vddkDataVolume } from './sample-manifests.js';
import {
  apiError,
  type CdiTestCluster,
  type DataVolumeStatusView,
  MIGRATED_DATA_VOLUMES,
  startCdiTestCluster,
} from './test-support.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const HOUR = 3_600_000;
const DV = MIGRATED_DATA_VOLUMES;
const CHANGE_ID_1 = '52 de c0 d9 b9 43 9d 10-61 d5 4c 1b e9 7b 65 63/81';
const CHANGE_ID_2 = '52 de c0 d9 b9 43 9d 10-61 d5 4c 1b e9 7b 65 63/95';

const suite = upstreamSchemasSuite('simulated CDI multi-stage (warm) imports');
describe.skipIf(suite.skip)(suite.title, () => {
  let cluster: CdiTestCluster;
  let emulator: KubeEmulator;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let step: (ms: number) => Promise<void>;
  let status: (name: string) => Promise<DataVolumeStatusView>;

  async function start(options: KubeEmulatorOptions = {}): Promise<void> {
    cluster = await startCdiTestCluster(options);
    ({ emulator, custom, core, step } = cluster);
    status = cluster.dataVolumeStatus;
  }

  afterEach(async () => {
    await emulator.close();
  });

  async function pvcAnnotations(name: string): Promise<Record<string, string>> {
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: 'migrated', name });
    return pvc.metadata?.annotations ?? {};
  }

  async function createWarmDv(
    name: string,
    size: string,
    checkpoints: { previous: string; current: string }[],
  ) {
    const body = vddkDataVolume({ name, namespace: 'migrated', size });
    const spec = body.spec as Record<string, unknown>;
    spec.checkpoints = checkpoints;
    spec.finalCheckpoint = false;
    await custom.createNamespacedCustomObject({ ...DV, body });
  }

  /** What Forklift's AddCheckpoint / AddFinalCheckpoint write. */
  async function addCheckpoint(
    name: string,
    checkpoint: { previous: string; current: string },
    final = false,
  ) {
    await custom.patchNamespacedCustomObject({
      ...DV,
      name,
      body: [
        { op: 'add', path: '/spec/checkpoints/-', value: checkpoint },
        { op: 'replace', path: '/spec/finalCheckpoint', value: final },
      ],
    });
  }

  it('copies the first checkpoint in full, pauses with the copied annotation, and resumes on each appended delta', async () => {
    await start();
    await createWarmDv('web01-disk-0', '10Gi', [{ previous: '', current: 'snapshot-101' }]);
    await step(250);
    const scheduled = await pvcAnnotations('web01-disk-0');
    expect(scheduled).toMatchObject({
      [ANN_CURRENT_CHECKPOINT]: 'snapshot-101',
      [ANN_PREVIOUS_CHECKPOINT]: '',
      [ANN_FINAL_CHECKPOINT]: 'false',
    });
    const firstPod = scheduled[ANN_CHECKPOINT_POD_ID];
    expect(firstPod).toMatch(/^[0-9a-f-]{36}$/);
    await step(500);
    expect(await status('web01-disk-0')).toMatchObject({ phase: 'ImportInProgress', progress: '0.00%' });
    // 10 GiB at 100 MiB/s: 102.4 s for the full copy.
    await step(51_200);
    expect((await status('web01-disk-0')).progress).toBe('50.00%');
    await step(51_200);
    const paused = await status('web01-disk-0');
    expect(paused).toMatchObject({ phase: 'Paused', progress: '100.00%', restartCount: 0 });
    expect(paused.conditions?.find((c) => c.type === 'Running')).toMatchObject({
      status: 'False',
      reason: 'Completed',
      message: 'Import Complete',
    });
    expect(paused.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
    expect(await pvcAnnotations('web01-disk-0')).toMatchObject({
      [`${ANN_CHECKPOINT_COPIED}.snapshot-101`]: firstPod,
      'cdi.kubevirt.io/storage.pod.phase': 'Succeeded',
    });
    // The checkpoint's importer pod is deleted, as CDI deletes a finished one.
    expect(
      emulator
        .list('pods', 'migrated')
        .filter((pod) => !pod.metadata.deletionTimestamp)
        .map((pod) => pod.metadata.name),
    ).toEqual([]);
    // Paused stays paused while no checkpoint is appended.
    await step(HOUR - 102_400 - 750);
    expect((await status('web01-disk-0')).phase).toBe('Paused');

    // One hour after the first checkpoint at the default 2 %/h: 204.8 MiB, 2.048 s at 100 MiB/s.
    await addCheckpoint('web01-disk-0', { previous: CHANGE_ID_1, current: 'snapshot-102' });
    await step(0);
    expect(await status('web01-disk-0')).toMatchObject({ phase: 'ImportScheduled', progress: '0.00%' });
    const delta = await pvcAnnotations('web01-disk-0');
    expect(delta).toMatchObject({
      [ANN_CURRENT_CHECKPOINT]: 'snapshot-102',
      [ANN_PREVIOUS_CHECKPOINT]: CHANGE_ID_1,
      [ANN_FINAL_CHECKPOINT]: 'false',
      'cdi.kubevirt.io/storage.pod.phase': 'Unknown',
    });
    expect(delta[ANN_CHECKPOINT_POD_ID]).not.toBe(firstPod);
    await step(500);
    // A new importer pod for the checkpoint (here the populator's, for PVC').
    expect(
      emulator
        .list('pods', 'migrated')
        .filter((pod) => !pod.metadata.deletionTimestamp)
        .map((pod) => pod.metadata.name),
    ).toEqual([expect.stringMatching(/^importer-/)]);
    expect(emulator.cdi.snapshot('migrated', 'web01-disk-0')).toMatchObject({
      phase: 'ImportInProgress',
      totalBytes: Math.round(10 * GiB * 0.02),
      checkpoint: { index: 1, current: 'snapshot-102', previous: CHANGE_ID_1, final: false },
    });
    // Progress of a delta is against the whole disk, as CDI's VDDK importer reports it.
    await step(1024);
    expect((await status('web01-disk-0')).progress).toBe('1.00%');
    await step(1024);
    expect(await status('web01-disk-0')).toMatchObject({ phase: 'Paused', progress: '2.00%' });
    expect(Object.keys(await pvcAnnotations('web01-disk-0'))).toEqual(
      expect.arrayContaining([
        `${ANN_CHECKPOINT_COPIED}.snapshot-101`,
        `${ANN_CHECKPOINT_COPIED}.snapshot-102`,
      ]),
    );

    // A faster-changing VM (by name prefix), two hours later: the final delta is 2 GiB.
    emulator.cdi.setChangeRate('migrated', 'web01-', 0.1);
    await step(2 * HOUR - 1024 - 1024 - 500);
    await addCheckpoint('web01-disk-0', { previous: CHANGE_ID_2, current: 'snapshot-103' }, true);
    await step(0);
    expect(await pvcAnnotations('web01-disk-0')).toMatchObject({
      [ANN_CURRENT_CHECKPOINT]: 'snapshot-103',
      [ANN_FINAL_CHECKPOINT]: 'true',
    });
    await step(500);
    expect(emulator.cdi.snapshot('migrated', 'web01-disk-0')?.totalBytes).toBe(
      Math.round(10 * GiB * 0.1 * 2),
    );
    await step(20_480);
    const done = await status('web01-disk-0');
    expect(done).toMatchObject({ phase: 'Succeeded', progress: '100.0%' });
    const finalAnnotations = await pvcAnnotations('web01-disk-0');
    expect(finalAnnotations).toMatchObject({
      [ANN_MULTI_STAGE_DONE]: 'true',
      'cdi.kubevirt.io/storage.pod.phase': 'Succeeded',
    });
    expect(
      Object.keys(finalAnnotations).filter(
        (key) => key.startsWith('cdi.kubevirt.io/storage.checkpoint.') && key !== ANN_MULTI_STAGE_DONE,
      ),
    ).toEqual([]);

    const events = await core.listNamespacedEvent({
      namespace: 'migrated',
      fieldSelector: 'involvedObject.name=web01-disk-0',
    });
    expect(events.items.filter((e) => e.reason === 'ImportPaused').map((e) => e.message)).toEqual([
      'Multistage import into PVC web01-disk-0 is paused',
      'Multistage import into PVC web01-disk-0 is paused',
    ]);
    expect(events.items.filter((e) => e.reason === 'ImportSucceeded')).toHaveLength(1);
    const stored = await custom.getNamespacedCustomObject({ ...DV, name: 'web01-disk-0' });
    expect(validateManifest('DataVolume', stored)).toEqual([]);
  });

  it('restarts a delta from its start when the importer crashes; the restart count is the highest of the checkpoint pods', async () => {
    await start({ cdi: { restartBackoffMs: 1000, changeRatePerHour: 0.05 } });
    await createWarmDv('db01-disk-0', '1Gi', [{ previous: '', current: 'snapshot-201' }]);
    await step(250);
    await step(500);
    emulator.cdi.restartImport('migrated', 'db01-disk-0');
    await step(0);
    expect((await status('db01-disk-0')).restartCount).toBe(1);
    await step(1000);
    await step(10_240);
    expect(await status('db01-disk-0')).toMatchObject({ phase: 'Paused', restartCount: 1 });

    await step(2 * HOUR - 11_990);
    await addCheckpoint('db01-disk-0', { previous: CHANGE_ID_1, current: 'snapshot-202' });
    await step(500);
    // 1 GiB x 5 %/h x 2 h = 102.4 MiB: 1.024 s at 100 MiB/s.
    expect(emulator.cdi.snapshot('migrated', 'db01-disk-0')?.totalBytes).toBe(Math.round(GiB * 0.05 * 2));
    await step(800);
    expect(emulator.cdi.snapshot('migrated', 'db01-disk-0')?.copiedBytes).toBeCloseTo(80 * MiB, -3);
    emulator.cdi.restartImport('migrated', 'db01-disk-0', 'nbdkit: vddk: VixDiskLib_Read: Unknown error');
    await step(0);
    const crashed = await status('db01-disk-0');
    expect(crashed).toMatchObject({ phase: 'ImportInProgress', restartCount: 1 });
    expect(crashed.conditions?.find((c) => c.type === 'Running')).toMatchObject({
      status: 'False',
      reason: 'Error',
      message: 'nbdkit: vddk: VixDiskLib_Read: Unknown error',
    });
    // The new checkpoint pod's own back-off (1 s after its first restart), then the whole delta again.
    await step(1000);
    expect(emulator.cdi.snapshot('migrated', 'db01-disk-0')?.copiedBytes).toBe(0);
    emulator.cdi.restartImport('migrated', 'db01-disk-0');
    await step(0);
    expect((await status('db01-disk-0')).restartCount).toBe(2);
    await step(2000);
    await step(1023);
    expect((await status('db01-disk-0')).phase).toBe('ImportInProgress');
    await step(1);
    expect(await status('db01-disk-0')).toMatchObject({
      phase: 'Paused',
      restartCount: 2,
      progress: '10.00%',
    });
  });

  it('copies checkpoints appended during a copy one after the other; a delta with no change completes at once', async () => {
    await start();
    await createWarmDv('app01-disk-0', '200Gi', [{ previous: '', current: 'snapshot-301' }]);
    await step(250);
    await step(500);
    // Appended while the full copy (2048 s) runs: copied after it (0.5 h at 2 %/h of 200 GiB = 2 GiB).
    await step(HOUR / 2 - 750);
    await addCheckpoint('app01-disk-0', { previous: CHANGE_ID_1, current: 'snapshot-302' });
    await step(0);
    expect(await status('app01-disk-0')).toMatchObject({ phase: 'ImportInProgress', progress: '87.85%' });
    expect(emulator.cdi.snapshot('migrated', 'app01-disk-0')?.checkpoint?.current).toBe('snapshot-301');
    await step(248_750);
    expect(await status('app01-disk-0')).toMatchObject({ phase: 'ImportScheduled' });
    expect(emulator.cdi.snapshot('migrated', 'app01-disk-0')).toMatchObject({
      totalBytes: Math.round(200 * GiB * 0.02 * 0.5),
      checkpoint: { current: 'snapshot-302' },
    });
    await step(500);
    await step(20_480);
    expect((await status('app01-disk-0')).phase).toBe('Paused');
    // Two checkpoints in one write: the first delta covers the time since snapshot-302, the
    // second nothing (its snapshot was taken with no time between): it completes at once.
    await custom.patchNamespacedCustomObject({
      ...DV,
      name: 'app01-disk-0',
      body: [
        { op: 'add', path: '/spec/checkpoints/-', value: { previous: CHANGE_ID_2, current: 'snapshot-303' } },
        { op: 'add', path: '/spec/checkpoints/-', value: { previous: CHANGE_ID_2, current: 'snapshot-304' } },
        { op: 'replace', path: '/spec/finalCheckpoint', value: true },
      ],
    });
    await step(500);
    const third = emulator.cdi.snapshot('migrated', 'app01-disk-0');
    const sinceSecond = 248_750 + 500 + 20_480;
    expect(third).toMatchObject({
      phase: 'ImportInProgress',
      totalBytes: Math.round(((200 * GiB * 0.02) / HOUR) * sinceSecond),
      checkpoint: { current: 'snapshot-303', final: false },
    });
    await step(Math.ceil(((third?.totalBytes ?? 0) / (100 * MiB)) * 1000));
    // Paused for a moment only: the next checkpoint is already there.
    expect(Object.keys(await pvcAnnotations('app01-disk-0'))).toContain(
      `${ANN_CHECKPOINT_COPIED}.snapshot-303`,
    );
    expect(emulator.cdi.snapshot('migrated', 'app01-disk-0')).toMatchObject({
      phase: 'ImportScheduled',
      totalBytes: 0,
      checkpoint: { current: 'snapshot-304', final: true },
    });
    await step(500);
    expect(await status('app01-disk-0')).toMatchObject({ phase: 'Succeeded', progress: '100.0%' });
  });

  it("admits checkpoint changes only as CDI's webhook does", async () => {
    await start();
    await createWarmDv('warm-disk', '10Mi', [{ previous: '', current: 'snapshot-401' }]);
    await custom.createNamespacedCustomObject({
      ...DV,
      body: {
        ...vddkDataVolume({ name: 'cold-disk', namespace: 'migrated', size: '10Mi' }),
        spec: {
          source: { http: { url: 'https://images.example.com/disk.img' } },
          storage: { resources: { requests: { storage: '10Mi' } } },
        },
      },
    });
    await addCheckpoint('warm-disk', { previous: CHANGE_ID_1, current: 'snapshot-402' }, true);
    const denied =
      'admission webhook "datavolume-validate.cdi.kubevirt.io" denied the request: Cannot update DataVolume Spec';
    // No multi-stage import on an HTTP source.
    const http = await apiError(
      custom.patchNamespacedCustomObject({
        ...DV,
        name: 'cold-disk',
        body: [{ op: 'add', path: '/spec/checkpoints', value: [{ previous: '', current: 'snapshot-1' }] }],
      }),
    );
    expect(http.status.message).toBe(denied);
    expect(http.status.details?.causes?.[0]).toMatchObject({ field: 'DataVolume.Spec' });
    // The rest of a warm DataVolume's spec is as immutable as any other.
    const other = await apiError(
      custom.patchNamespacedCustomObject({
        ...DV,
        name: 'warm-disk',
        body: [
          {
            op: 'add',
            path: '/spec/checkpoints/-',
            value: { previous: CHANGE_ID_2, current: 'snapshot-403' },
          },
          { op: 'replace', path: '/spec/source/vddk/backingFile', value: '[datastore1] other/other.vmdk' },
        ],
      }),
    );
    expect(other.status.message).toBe(denied);
    // Dropping every checkpoint makes it a spec change like any other.
    const dropped = await apiError(
      custom.patchNamespacedCustomObject({
        ...DV,
        name: 'warm-disk',
        body: [{ op: 'remove', path: '/spec/checkpoints' }],
      }),
    );
    expect(dropped.status.message).toBe(denied);
    // An explicit false on a cold DataVolume is no change (Go's zero value).
    await custom.patchNamespacedCustomObject({
      ...DV,
      name: 'cold-disk',
      body: [{ op: 'add', path: '/spec/finalCheckpoint', value: false }],
    });
  });
});
