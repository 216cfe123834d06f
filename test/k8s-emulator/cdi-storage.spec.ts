import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, type KubeEmulatorOptions, type KubeObject, startKubeEmulator } from './index.js';
import { vddkDataVolume, vddkSecret } from './sample-manifests.js';

const MiB = 1024 * 1024;
const NS = 'migrated';
const IMMEDIATE = 'cdi.kubevirt.io/storage.bind.immediate.requested';
const KEEP = 'cdi.kubevirt.io/storage.deleteAfterCompletion';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function at(object: KubeObject | undefined, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const emulatorSuite = upstreamSchemasSuite(
  'simulated CDI storage (WaitForFirstConsumer, StorageProfiles, populators, GC)',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;

  async function start(options: KubeEmulatorOptions = {}): Promise<void> {
    emulator = await startKubeEmulator({
      namespaces: [NS, 'cdi'],
      clock: { paused: true },
      ...options,
      cdi: { bytesPerSecond: 100 * MiB, ...options.cdi },
    });
    emulator.create(vddkSecret('vddk-credentials', NS));
  }

  async function step(ms: number): Promise<void> {
    await emulator.settle();
    emulator.clock.advance(ms);
    await emulator.settle();
  }

  /** Simulated time in small steps, so each controller reacts to the last one's writes. */
  async function run(ms: number): Promise<void> {
    for (let elapsed = 0; elapsed < ms; elapsed += 250) await step(250);
  }

  function createDv(
    name: string,
    options: { annotations?: Record<string, string>; storage?: Record<string, unknown>; size?: string } = {},
  ): void {
    const dv = vddkDataVolume({ name, namespace: NS, size: options.size ?? '100Mi' });
    dv.metadata.annotations = {
      ...(dv.metadata.annotations as Record<string, string>),
      ...options.annotations,
    };
    for (const [key, value] of Object.entries(dv.metadata.annotations as Record<string, string>))
      if (value === '<absent>') delete (dv.metadata.annotations as Record<string, string>)[key];
    if (options.storage) (dv.spec as Record<string, unknown>).storage = options.storage;
    emulator.create(dv);
  }

  const dv = (name: string) => emulator.get('datavolumes', NS, name);
  const pvc = (name: string) => emulator.get('persistentvolumeclaims', NS, name);
  const condition = (name: string, type: string) =>
    ((at(dv(name), 'status.conditions') as Condition[] | undefined) ?? []).find((c) => c.type === type);
  const names = (resource: string) =>
    emulator.list(resource, NS).map((object) => String(object.metadata.name));

  afterEach(async () => {
    await emulator.close();
  });

  describe('WaitForFirstConsumer storage classes', () => {
    it('keep the claim Pending (PendingPopulation) without a consumer unless the DataVolume asks for immediate binding', async () => {
      await start();
      createDv('waits', { annotations: { [IMMEDIATE]: '<absent>' } });
      createDv('binds');
      await run(5_000);
      expect(at(dv('waits'), 'status.phase')).toBe('PendingPopulation');
      expect(at(pvc('waits'), 'status.phase')).toBe('Pending');
      const events = emulator
        .list('events', NS)
        .filter(
          (event) =>
            at(event, 'involvedObject.name') === 'waits' &&
            at(event, 'involvedObject.kind') === 'PersistentVolumeClaim',
        );
      expect(events.map((event) => [event.reason, event.message])).toContainEqual([
        'WaitForFirstConsumer',
        'waiting for first consumer to be created before binding',
      ]);
      // Nothing was started for it: no PVC', no importer.
      const waitingUid = String(pvc('waits')?.metadata.uid);
      expect(pvc(`prime-${waitingUid}`)).toBeUndefined();
      expect(emulator.get('pods', NS, `importer-prime-${waitingUid}`)).toBeUndefined();
      expect(at(dv('binds'), 'status.phase')).toBe('Succeeded');

      // A consumer (here a Pod, for a VM the launcher pod) lets it proceed.
      emulator.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'consumer', namespace: NS },
        spec: {
          containers: [{ name: 'c', image: 'registry.example.com/c:1' }],
          volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'waits' } }],
        },
      });
      await step(100);
      await run(5_000);
      expect(at(pvc('waits'), 'metadata.annotations')).toMatchObject({
        'volume.kubernetes.io/selected-node': 'node-1',
      });
      expect(at(dv('waits'), 'status.phase')).toBe('Succeeded');
    });

    it('without populators, the DataVolume shows WaitForFirstConsumer; Immediate classes bind without consumer', async () => {
      await start({
        cdi: { usePopulators: false },
        storageClasses: ['ceph-rbd', { name: 'immediate', volumeBindingMode: 'Immediate' }],
      });
      createDv('waits', { annotations: { [IMMEDIATE]: '<absent>' } });
      createDv('immediate', {
        annotations: { [IMMEDIATE]: '<absent>' },
        storage: {
          storageClassName: 'immediate',
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '100Mi' } },
        },
      });
      await run(5_000);
      expect(at(dv('waits'), 'status.phase')).toBe('WaitForFirstConsumer');
      expect(names('pods')).toEqual([]);
      expect(at(dv('immediate'), 'status.phase')).toBe('Succeeded');
    });
  });

  describe('StorageProfiles', () => {
    it('leave a DataVolume that gives no access mode unrendered on a class whose profile has none (ErrClaimNotValid)', async () => {
      await start({ storageClasses: [{ name: 'nfs-csi', claimPropertySets: [] }, 'ceph-rbd'] });
      const custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
      const profile = (await custom.getClusterCustomObject({
        group: 'cdi.kubevirt.io',
        version: 'v1beta1',
        plural: 'storageprofiles',
        name: 'ceph-rbd',
      })) as KubeObject;
      expect(at(profile, 'status.claimPropertySets')).toEqual([
        { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' },
      ]);
      const bare = { storageClassName: 'nfs-csi', resources: { requests: { storage: '100Mi' } } };
      createDv('incomplete', { storage: bare });
      createDv('explicit', { storage: { ...bare, accessModes: ['ReadWriteMany'] } });
      createDv('from-profile', { storage: { ...bare, storageClassName: 'ceph-rbd' } });
      await run(10_000);

      expect(at(dv('incomplete'), 'status.phase')).toBeUndefined();
      expect(condition('incomplete', 'Bound')).toMatchObject({
        status: 'False',
        reason: 'ErrClaimNotValid',
        message: 'no accessMode specified in StorageProfile nfs-csi',
      });
      expect(pvc('incomplete')).toBeUndefined();
      const warnings = emulator
        .list('events', NS)
        .filter((event) => at(event, 'involvedObject.name') === 'incomplete' && event.type === 'Warning');
      expect(warnings.map((event) => event.message)).toContain(
        'Spec is missing accessMode and volumeMode, cannot get access mode from StorageProfile nfs-csi',
      );
      expect(at(dv('explicit'), 'status.phase')).toBe('Succeeded');
      expect(at(pvc('explicit'), 'spec.accessModes')).toEqual(['ReadWriteMany']);
      expect(at(dv('from-profile'), 'status.phase')).toBe('Succeeded');
      expect(at(pvc('from-profile'), 'spec')).toMatchObject({
        accessModes: ['ReadWriteOnce'],
        volumeMode: 'Filesystem',
      });
    });
  });

  describe('volume populators', () => {
    it('import through a prime PVC and an importer pod without the DataVolume labels, then rebind and clean up', async () => {
      await start();
      createDv('web-disk-0', { size: '1Gi' });
      await run(1_000);
      const target = pvc('web-disk-0');
      const uid = String(target?.metadata.uid);
      const dataVolumeUid = String(dv('web-disk-0')?.metadata.uid);
      expect(at(target, 'spec.dataSourceRef')).toEqual({
        apiGroup: 'cdi.kubevirt.io',
        kind: 'VolumeImportSource',
        name: `volume-import-source-${dataVolumeUid}`,
      });
      expect(at(target, 'status.phase')).toBe('Pending');
      expect(at(target, 'metadata.labels')).toMatchObject({ 'flotilla.io/vm': 'vm-1234' });
      const prime = pvc(`prime-${uid}`);
      const importer = emulator.get('pods', NS, `importer-prime-${uid}`);
      expect(at(prime, 'status.phase')).toBe('Bound');
      expect(at(prime, 'metadata.ownerReferences')).toMatchObject([{ kind: 'PersistentVolumeClaim', uid }]);
      expect(at(importer, 'status.phase')).toBe('Running');
      for (const foreign of [prime, importer]) {
        const labels = (foreign?.metadata.labels ?? {}) as Record<string, string>;
        expect(labels.app).toBe('containerized-data-importer');
        expect(Object.keys(labels).filter((key) => key.startsWith('flotilla.io/'))).toEqual([]);
      }
      expect(emulator.get('volumeimportsources', NS, `volume-import-source-${dataVolumeUid}`)).toBeDefined();
      expect(at(dv('web-disk-0'), 'status.phase')).toBe('ImportInProgress');

      await run(11_000);
      expect(at(dv('web-disk-0'), 'status.phase')).toBe('Succeeded');
      expect(at(pvc('web-disk-0'), 'status.phase')).toBe('Bound');
      expect(at(pvc('web-disk-0'), 'metadata.annotations')).toMatchObject({
        'cdi.kubevirt.io/storage.pod.phase': 'Succeeded',
      });
      expect(condition('web-disk-0', 'Bound')).toMatchObject({ status: 'True', reason: 'Bound' });
      expect(names('persistentvolumeclaims')).toEqual(['web-disk-0']);
      expect(names('pods')).toEqual([]);
      expect(names('volumeimportsources')).toEqual([]);
    });

    it('leave nothing behind when the DataVolume is deleted mid-copy (garbage collection by owner)', async () => {
      await start();
      createDv('cancelled', { size: '1Gi' });
      await run(2_000);
      expect(names('pods')).toHaveLength(1);
      const core = emulator.kubeConfig().makeApiClient(CoreV1Api);
      const custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
      await custom.deleteNamespacedCustomObject({
        group: 'cdi.kubevirt.io',
        version: 'v1beta1',
        plural: 'datavolumes',
        namespace: NS,
        name: 'cancelled',
      });
      // The running importer pod is deleted gracefully (30 s, then killed and removed) and holds
      // the prime PVC until it is gone.
      for (let round = 0; round < 5; round += 1) await step(7_000);
      expect(names('datavolumes')).toEqual([]);
      expect(names('persistentvolumeclaims')).toEqual([]);
      expect(names('pods')).toEqual([]);
      expect(names('volumeimportsources')).toEqual([]);
      expect((await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items).toEqual([]);
    });
  });

  describe('DataVolume garbage collection', () => {
    it('deletes a Succeeded DataVolume and keeps its PVC unless it is annotated deleteAfterCompletion "false"', async () => {
      await start();
      createDv('kept');
      createDv('collected', { annotations: { [KEEP]: '<absent>' } });
      await run(5_000);
      expect(at(dv('kept'), 'status.phase')).toBe('Succeeded');
      expect(dv('collected')).toBeUndefined();
      expect(emulator.cdi.garbageCollected()).toEqual([`${NS}/collected`]);
      const orphan = pvc('collected');
      expect(at(orphan, 'status.phase')).toBe('Bound');
      expect(at(orphan, 'metadata.ownerReferences')).toBeUndefined();
      expect(at(orphan, 'metadata.annotations')).toMatchObject({
        'cdi.kubevirt.io/garbageCollected': 'true',
        'cdi.kubevirt.io/storage.pod.phase': 'Succeeded',
      });
      await step(100);
      expect(pvc('collected')).toBeDefined();
    });

    it('waits dataVolumeTTLSeconds, and -1 turns it off', async () => {
      await start({ cdi: { dataVolumeTTLSeconds: 60 } });
      createDv('later', { annotations: { [KEEP]: '<absent>' } });
      await run(5_000);
      expect(at(dv('later'), 'status.phase')).toBe('Succeeded');
      await run(60_000);
      expect(dv('later')).toBeUndefined();
      await emulator.close();

      await start({ cdi: { dataVolumeTTLSeconds: -1 } });
      createDv('never', { annotations: { [KEEP]: '<absent>' } });
      await run(60_000);
      expect(at(dv('never'), 'status.phase')).toBe('Succeeded');
    });
  });
});
