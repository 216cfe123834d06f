import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView } from '#libs/application';
import { LABEL_EXECUTION, LABEL_VM, toLabelValue, vmwareSystemSerial } from '#libs/kubevirt';
import { createFlotillaMetrics } from '#libs/observability';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import {
  at,
  type ExecutionEnvironment,
  namesOf,
  OPERATOR,
  STORAGE_CLASS,
  startExecutionEnvironment,
  TARGET_NAMESPACE,
} from './execution-fixture.js';

const finished = (view: ExecutionView) => ['completed', 'failed', 'cancelled'].includes(view.status);

function duplicates(names: string[]): string[] {
  return names.filter((name, index) => names.indexOf(name) !== index);
}

const emulatorSuite = upstreamSchemasSuite(
  'executing an approved wave of 20 VMs (vcsim + Kubernetes emulator + Postgres + Redis)',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let env: ExecutionEnvironment;

  beforeAll(async () => {
    // The cluster has the preference the assessment picks for these guests (rhel.9).
    // Without volume populators CDI records the import on the PVC itself, which this test reads;
    // with them the record is on PVC', deleted at the end (execution-storage.e2e.ts covers that).
    env = await startExecutionEnvironment({
      emulator: { kubevirt: { clusterPreferences: ['rhel.9'] }, cdi: { usePopulators: false } },
    });
  });

  afterAll(async () => {
    await env?.close();
  });

  it('migrates every VM to Completed with the right objects and no duplicates', {
    timeout: 180_000,
  }, async () => {
    const metrics = createFlotillaMetrics({ component: 'executor' });
    const executor = await env.startExecutor({ metrics });
    const { planId, waveNumber, vmKeys } = await env.approvedWave();
    expect(vmKeys).toHaveLength(20);
    const started = await env.service.startWave(planId, waveNumber, OPERATOR);
    expect(started.vms).toHaveLength(20);
    expect((await env.plans.get(planId))?.waves.find((wave) => wave.number === waveNumber)?.status).toBe(
      'executing',
    );

    const view = await env.waitForExecution(started.id, finished);
    const failures = view.vms
      .filter((vm) => vm.status !== 'succeeded')
      .map((vm) => `${vm.name}: ${vm.error?.message}`);
    expect(failures).toEqual([]);
    expect(view.status).toBe('completed');
    expect(view.percent).toBe(100);
    const exposition = (await metrics.exposition()).body;
    expect(exposition).toMatch(
      /flotilla_job_duration_seconds_count\{[^}]*job_name="advance-vm"[^}]*outcome="completed"[^}]*\} [1-9]/,
    );
    for (const vm of view.vms) {
      expect(vm.phase).toBe('Completed');
      expect(vm.powerStateBefore).toBe('poweredOn');
      expect(vm.disks.every((disk) => disk.percent === 100 && disk.phase === 'Succeeded')).toBe(true);
    }
    expect((await env.plans.get(planId))?.waves.find((wave) => wave.number === waveNumber)?.status).toBe(
      'completed',
    );

    const virtualMachines = env.emulator.list('virtualmachines', TARGET_NAMESPACE);
    const dataVolumes = env.emulator.list('datavolumes', TARGET_NAMESPACE);
    expect(virtualMachines).toHaveLength(20);
    expect(duplicates(namesOf(env.emulator, 'virtualmachines'))).toEqual([]);
    // As Forklift: the DataVolumes go once the VMs own their PVCs.
    expect(dataVolumes).toHaveLength(0);
    expect(env.emulator.list('persistentvolumeclaims', TARGET_NAMESPACE)).toHaveLength(20);
    // The credentials Secrets are gone once the VMs are migrated.
    expect(env.emulator.list('secrets', TARGET_NAMESPACE)).toHaveLength(0);

    for (const vmKey of vmKeys) {
      const source = env.vms.get(vmKey);
      if (!source) throw new Error(`no inventory VM ${vmKey}`);
      const target = view.vms.find((vm) => vm.vmKey === vmKey);
      const vm = env.emulator.get('virtualmachines', TARGET_NAMESPACE, target?.targetName ?? '');
      expect(vm, `VirtualMachine of ${source.name}`).toBeDefined();
      expect(at(vm, `metadata.labels.${LABEL_EXECUTION}`)).toBe(view.id);
      expect(at(vm, `metadata.labels.${LABEL_VM}`)).toBe(toLabelValue(vmKey));
      expect(at(vm, 'spec.runStrategy')).toBe('Always');
      // Found at Preflight, so kept (a missing one would be dropped, as Forklift falls back).
      expect(at(vm, 'spec.preference')).toEqual({ name: 'rhel.9', kind: 'VirtualMachineClusterPreference' });
      expect(at(vm, 'spec.template.spec.domain.devices.tpm')).toEqual({ enabled: false });
      const interfaces = at(vm, 'spec.template.spec.domain.devices.interfaces') as Array<{
        macAddress: string;
      }>;
      expect(interfaces.map((nic) => nic.macAddress)).toEqual(source.nics.map((nic) => nic.mac));
      expect(at(vm, 'spec.template.spec.domain.firmware.serial')).toBe(
        vmwareSystemSerial(source.biosUuid ?? ''),
      );
      expect(at(vm, 'spec.template.spec.volumes')).toEqual([
        { name: 'vol-0', persistentVolumeClaim: { claimName: `${target?.targetName}-disk-0` } },
      ]);
      const pvc = env.emulator.get(
        'persistentvolumeclaims',
        TARGET_NAMESPACE,
        `${target?.targetName}-disk-0`,
      );
      // What the DataVolume asked CDI for, as CDI recorded it on the PVC.
      expect(at(pvc, 'metadata.annotations')).toMatchObject({
        'cdi.kubevirt.io/storage.import.endpoint': env.vcsim.url,
        'cdi.kubevirt.io/storage.import.uuid': source.uuid?.toLowerCase(),
        'cdi.kubevirt.io/storage.import.backingFile': source.disks[0]?.path,
        'cdi.kubevirt.io/storage.import.vddk.thumbprint': env.vcsim.thumbprint,
      });
      expect(at(pvc, 'spec.storageClassName')).toBe(STORAGE_CLASS);
      const owners = at(pvc, 'metadata.ownerReferences') as Array<{ kind: string; name: string }>;
      expect(owners.map((owner) => `${owner.kind}/${owner.name}`)).toEqual([
        `VirtualMachine/${target?.targetName}`,
      ]);
      expect(await env.powerState(source.moref ?? '')).toBe('poweredOff');
    }
    // Each object was created once: replays found theirs instead of creating another.
    const counters = env.emulator.faults.counters();
    expect(counters['create virtualmachines']).toBe(20);
    expect(counters['create datavolumes']).toBe(20);
    const events = await env.service.events(view.id, 0, 5_000);
    expect(
      events.some((event) => event.kind === 'execution' && event.message === 'execution completed'),
    ).toBe(true);
    await executor.close();
  });
});
