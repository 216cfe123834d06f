import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionView, ExecutionVmView } from '#libs/application';
import { LABEL_EXECUTION } from '#libs/kubevirt';
import type { KubeObject } from '../k8s-emulator/index.js';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import {
  at,
  type ExecutionEnvironment,
  OPERATOR,
  STORAGE_CLASS,
  startExecutionEnvironment,
  TARGET_NAMESPACE,
} from './execution-fixture.js';

/**
 * The executor against CDI storage as it behaves by default on a real cluster (the emulator's
 * defaults): WaitForFirstConsumer classes, StorageProfiles, volume populators whose `prime-`
 * PVCs and importer pods carry none of our labels, and DataVolume garbage collection.
 */

const DATA_VOLUMES = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes' } as const;
const HOLD = 'test.flotilla.io/hold';
const finished = (view: ExecutionView) => ['completed', 'failed', 'cancelled'].includes(view.status);

function failuresOf(view: ExecutionView): string[] {
  return view.vms
    .filter((vm) => vm.status !== 'succeeded')
    .map((vm) => `${vm.name}: ${vm.status} ${vm.error?.message ?? ''}`);
}

/** What CDI made without our labels: populator PVCs, importer pods, populator sources. */
function cdiLeftovers(env: ExecutionEnvironment): string[] {
  const names = (resource: string) =>
    env.emulator
      .list(resource, TARGET_NAMESPACE)
      .map((object) => `${resource}/${String(object.metadata.name)}`);
  return [
    ...names('persistentvolumeclaims').filter((name) => name.includes('/prime-')),
    ...names('pods').filter((name) => name.includes('/importer-')),
    ...names('volumeimportsources'),
  ];
}

function labelledBy(env: ExecutionEnvironment, executionId: string): string[] {
  return ['virtualmachines', 'datavolumes', 'persistentvolumeclaims', 'pods', 'secrets'].flatMap((resource) =>
    env.emulator
      .list(resource, TARGET_NAMESPACE)
      .filter((object) => at(object, `metadata.labels.${LABEL_EXECUTION}`) === executionId)
      .map((object) => `${resource}/${String(object.metadata.name)}`),
  );
}

async function eventually<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function keysOf(env: ExecutionEnvironment, count: number, skip = 0): string[] {
  return [...env.vms.keys()].slice(skip, skip + count);
}

let env: ExecutionEnvironment | undefined;

afterEach(async () => {
  await env?.close();
  env = undefined;
});

const emulatorSuite = upstreamSchemasSuite(
  'executing onto CDI storage (WFFC, StorageProfiles, populators, GC)',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  it('copies through populators on a WaitForFirstConsumer class, keeps its DataVolumes from CDI GC, and completes when GC takes them anyway', {
    timeout: 180_000,
  }, async () => {
    env = await startExecutionEnvironment({ importBytes: 4 * 2 ** 30 });
    const current = env;
    await current.startExecutor();

    // 1. The defaults: WaitForFirstConsumer (the DataVolumes ask CDI to bind for the importer),
    //    populators, GC with TTL 0 (our DataVolumes opt out until the VM owns the PVC).
    const first = await current.approvedWave({ vmKeys: keysOf(current, 3) });
    const started = await current.service.startWave(first.planId, first.waveNumber, OPERATOR);
    let sawPrime = false;
    const sampler = setInterval(() => {
      sawPrime ||= cdiLeftovers(current).some((name) => name.includes('/prime-'));
    }, 20);
    const view = await current.waitForExecution(started.id, finished, 120_000);
    clearInterval(sampler);
    expect(failuresOf(view)).toEqual([]);
    expect(sawPrime).toBe(true);
    expect(current.emulator.cdi.garbageCollected()).toEqual([]);
    const claims = current.emulator.list('persistentvolumeclaims', TARGET_NAMESPACE);
    expect(claims).toHaveLength(3);
    for (const claim of claims) {
      expect(at(claim, 'status.phase')).toBe('Bound');
      expect(at(claim, 'spec.storageClassName')).toBe(STORAGE_CLASS);
      expect(at(claim, 'spec.dataSourceRef.kind')).toBe('VolumeImportSource');
      expect(at(claim, 'metadata.ownerReferences')).toMatchObject([{ kind: 'VirtualMachine' }]);
    }
    expect(cdiLeftovers(current)).toEqual([]);

    // 2. A CDI that collects them all the same (CDI 1.55/1.56's webhook marks every DataVolume
    //    without the opt-out; here an admin's policy marks ours): the copy is read from the PVC.
    const second = await current.approvedWave({ vmKeys: keysOf(current, 3, 3) });
    const collected = await current.service.startWave(second.planId, second.waveNumber, OPERATOR);
    const custom = current.emulator.kubeConfig().makeApiClient(CustomObjectsApi);
    const marked = new Set<string>();
    const marker = setInterval(() => {
      for (const dv of current.emulator.list('datavolumes', TARGET_NAMESPACE)) {
        const name = String(dv.metadata.name);
        if (at(dv, `metadata.labels.${LABEL_EXECUTION}`) !== collected.id || marked.has(name)) continue;
        marked.add(name);
        void custom.patchNamespacedCustomObject(
          {
            ...DATA_VOLUMES,
            namespace: TARGET_NAMESPACE,
            name,
            body: { metadata: { annotations: { 'cdi.kubevirt.io/storage.deleteAfterCompletion': 'true' } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
    }, 20);
    const afterGc = await current.waitForExecution(collected.id, finished, 120_000);
    clearInterval(marker);
    expect(failuresOf(afterGc)).toEqual([]);
    expect(marked.size).toBe(3);
    expect(current.emulator.cdi.garbageCollected().sort()).toEqual(
      [...marked].map((name) => `${TARGET_NAMESPACE}/${name}`).sort(),
    );
    for (const name of marked) {
      const claim = current.emulator.get('persistentvolumeclaims', TARGET_NAMESPACE, name);
      expect(at(claim, 'metadata.annotations')).toMatchObject({ 'cdi.kubevirt.io/garbageCollected': 'true' });
      expect(at(claim, 'metadata.ownerReferences')).toMatchObject([{ kind: 'VirtualMachine' }]);
    }
  });

  it('fails a VM whose class has an incomplete StorageProfile at once, naming the class, and leaves no DataVolume', {
    timeout: 120_000,
  }, async () => {
    env = await startExecutionEnvironment({
      emulator: { storageClasses: [{ name: STORAGE_CLASS, claimPropertySets: [] }] },
    });
    await env.startExecutor();
    const { planId, waveNumber } = await env.approvedWave({ vmKeys: keysOf(env, 2) });
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    const copying = await env.waitForExecution(started.id, (view) =>
      view.vms.some((vm) => vm.phase === 'CopyDisks'),
    );
    // Under load the VMs may already have failed when this first sees them in CopyDisks.
    expect(['running', 'failed']).toContain(copying.status);
    const copyStartedAt = Date.now();
    const view = await env.waitForExecution(started.id, finished, 60_000);
    // The stall timeout is 60 s here: only recognising CDI's verdict fails it this soon.
    expect(Date.now() - copyStartedAt).toBeLessThan(20_000);
    expect(view.vms.map((vm) => [vm.status, vm.phase])).toEqual([
      ['failed', 'CopyDisks'],
      ['failed', 'CopyDisks'],
    ]);
    for (const vm of view.vms) {
      expect(vm.error?.message).toContain(`storage class "${STORAGE_CLASS}"`);
      expect(vm.error?.message).toContain(`no accessMode specified in StorageProfile ${STORAGE_CLASS}`);
    }
    await eventually(() => (env && labelledBy(env, started.id).length === 0 ? true : undefined));
  });

  it('cancel waits for foreign importer pods and prime PVCs to go; failure cleanup leaves none either', {
    timeout: 180_000,
  }, async () => {
    // Copies long enough (200 GiB: over 3 real minutes) that neither ends before the test acts on
    // it, however slow the machine: a finished copy's prime PVC and importer pod are already gone.
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 5 } }, importBytes: 200 * 2 ** 30 });
    const current = env;
    await current.startExecutor();
    const { planId, waveNumber } = await current.approvedWave({ vmKeys: keysOf(current, 2) });
    const started = await current.service.startWave(planId, waveNumber, OPERATOR);
    const copying = await current.waitForExecution(started.id, (view) =>
      view.vms.every((vm) => vm.phase === 'CopyDisks' && vm.disks.some((disk) => disk.percent > 0)),
    );
    const [cancelled, failing] = copying.vms as [ExecutionVmView, ExecutionVmView];

    // An importer pod that takes its time to terminate (held by a finalizer here, a grace period
    // on a real node) keeps its prime PVC: the VM is not cancelled while either is left.
    const claimOf = (vm: ExecutionVmView) =>
      current.emulator.get('persistentvolumeclaims', TARGET_NAMESPACE, vm.disks[0]?.dataVolume ?? '');
    const importerOf = (vm: ExecutionVmView): KubeObject | undefined =>
      current.emulator.get('pods', TARGET_NAMESPACE, `importer-prime-${String(claimOf(vm)?.metadata.uid)}`);
    const importer = importerOf(cancelled);
    expect(importer, 'the populator importer pod of the copy').toBeDefined();
    expect(at(importer, `metadata.labels.${LABEL_EXECUTION}`)).toBeUndefined();
    const importerName = String(importer?.metadata.name);
    const core = current.emulator.kubeConfig().makeApiClient(CoreV1Api);
    await core.patchNamespacedPod(
      { namespace: TARGET_NAMESPACE, name: importerName, body: { metadata: { finalizers: [HOLD] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await current.service.cancel(started.id, [cancelled.vmKey], OPERATOR);
    await eventually(() =>
      at(current.emulator.get('pods', TARGET_NAMESPACE, importerName), 'metadata.deletionTimestamp')
        ? true
        : undefined,
    );
    // Looked at within the pod's 30 s grace period (6 real s at x5): the emulator lets a claim go
    // once its pod has finished, where Kubernetes keeps it while the pod object exists (see the
    // emulator README), so after the grace period only the pod would be left to find.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const held = (await current.service.get(started.id)).vms.find((vm) => vm.vmKey === cancelled.vmKey);
    expect(held?.status).not.toBe('cancelled');
    await core.patchNamespacedPod(
      { namespace: TARGET_NAMESPACE, name: importerName, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const afterCancel = await current.waitForExecution(started.id, (view) =>
      view.vms.some((vm) => vm.vmKey === cancelled.vmKey && vm.status === 'cancelled'),
    );
    expect(afterCancel.vms.find((vm) => vm.vmKey === cancelled.vmKey)?.status).toBe('cancelled');
    // Nothing of that copy is left the moment the VM counts as cancelled.
    const cancelledClaim = cancelled.disks[0]?.dataVolume ?? '';
    expect(current.emulator.get('persistentvolumeclaims', TARGET_NAMESPACE, cancelledClaim)).toBeUndefined();
    expect(current.emulator.get('pods', TARGET_NAMESPACE, importerName)).toBeUndefined();
    expect(
      current.emulator
        .list('persistentvolumeclaims', TARGET_NAMESPACE)
        .filter((claim) => at(claim, 'metadata.ownerReferences.0.name') === cancelledClaim),
    ).toEqual([]);

    // The other VM's import fails for good: once it is failed, nothing of its copy stays.
    current.emulator.cdi.failImportPermanently(
      TARGET_NAMESPACE,
      failing.disks[0]?.dataVolume ?? '',
      'Unable to connect to vCenter: NFC connection refused',
    );
    const view = await current.waitForExecution(started.id, finished, 60_000);
    expect(view.vms.find((vm) => vm.vmKey === failing.vmKey)?.status).toBe('failed');
    await eventually(() => (cdiLeftovers(current).length === 0 ? true : undefined), 15_000).catch(() => {
      throw new Error(`left behind: ${cdiLeftovers(current).join(', ')}`);
    });
    expect(labelledBy(current, started.id)).toEqual([]);
  });
});
