import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionView, ExecutionVmView } from '#libs/application';
import { migratedVirtualMachine } from '../k8s-emulator/sample-manifests.js';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import {
  type ExecutionEnvironment,
  OPERATOR,
  startExecutionEnvironment,
  TARGET_NAMESPACE,
} from './execution-fixture.js';

/**
 * The executor against a cluster whose pods and API misbehave like real ones: importers in
 * CrashLoopBackOff, pods that terminate over their grace period, kubemacpool refusing a MAC, and
 * an API server that drops unknown fields unless told `fieldValidation=Strict`.
 */

const finished = (view: ExecutionView) => ['completed', 'failed', 'cancelled'].includes(view.status);
const RESOURCES = ['virtualmachines', 'datavolumes', 'persistentvolumeclaims', 'pods', 'secrets'];

let env: ExecutionEnvironment | undefined;

afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** One VM of the vcsim inventory, alone in a wave. */
async function singleVmWave(environment: ExecutionEnvironment, index = 0) {
  const vmKey = [...environment.vms.keys()].sort()[index] as string;
  return { vmKey, ...(await environment.approvedWave({ vmKeys: [vmKey] })) };
}

function only(view: ExecutionView): ExecutionVmView {
  const [vm] = view.vms;
  if (!vm || view.vms.length !== 1) throw new Error(`expected one VM, got ${view.vms.length}`);
  return vm;
}

/** The objects named after this VM that are still in the cluster (terminating ones included). */
function leftovers(environment: ExecutionEnvironment, vm: ExecutionVmView): string[] {
  const names = new Set([
    vm.targetName,
    `${vm.targetName}-vddk`,
    `${vm.targetName}-v2v`,
    ...vm.disks.map((disk) => disk.dataVolume),
  ]);
  return RESOURCES.flatMap((resource) =>
    environment.emulator
      .list(resource, TARGET_NAMESPACE)
      .filter((object) => names.has(String(object.metadata.name)))
      .map((object) => `${resource}/${String(object.metadata.name)}`),
  );
}

const emulatorSuite = upstreamSchemasSuite('executor against a misbehaving cluster');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  it("fails a disk whose importer crash-loops past the restart limit with the importer's message, not as stalled", async () => {
    // 10 simulated s per real s: the kubelet's back-offs (10, 20, 40 s) last 1, 2 and 4 s, and the
    // 7 s stall timeout would fire before the 4th crash if restarts did not restart its clock.
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 10 } } });
    const { planId, waveNumber } = await singleVmWave(env);
    const started = await env.service.startWave(planId, waveNumber, OPERATOR, { convertGuest: 'never' });
    const dataVolume = only(started).disks[0]?.dataVolume ?? '';
    const message = 'Unable to process data: nbdkit: vddk: VixDiskLib_Open: NFC connection refused';
    // Every run copies for 5 s (some progress), then the importer crashes.
    env.emulator.cdi.failImport(TARGET_NAMESPACE, dataVolume, { message, afterMs: 5_000 });
    await env.startExecutor({ timings: { copyPollMs: 250, copyStallTimeoutMs: 7_000 } });
    const simulatedStart = env.emulator.clock.now();
    const view = await env.waitForExecution(started.id, finished, 120_000);
    const vm = only(view);
    expect(vm.status).toBe('failed');
    expect(vm.error?.phase).toBe('CopyDisks');
    expect(vm.error?.message).toBe(
      `import of disk "Hard disk 1" (DataVolume ${dataVolume}) failed: the importer restarted 4 times (limit 3); ` +
        `last message: Error: ${message}`,
    );
    // It waited through the kubelet's back-offs (10 + 20 + 40 s) instead of failing at the first crash.
    expect(env.emulator.clock.now() - simulatedStart).toBeGreaterThanOrEqual(70_000);
    const events = await env.service.events(started.id, 0, 1_000);
    const restarts = events
      .map((event) => /restarted \(restart (\d+)\)/.exec(event.message)?.[1])
      .filter((count): count is string => count !== undefined);
    expect(restarts).toEqual(['1', '2', '3', '4']);
    expect(env.emulator.get('datavolumes', TARGET_NAMESPACE, dataVolume)).toBeUndefined();
  }, 180_000);

  it('retries a conversion only once the timed-out pod has terminated, and cancels only once pods are gone', async () => {
    const seen = new Set<string>();
    env = await startExecutionEnvironment({
      emulator: {
        clock: { speed: 10 },
        kubelet: {
          // A killed pod shows Failed for 5 simulated s (0.5 s) before its kubelet removes it.
          removalDelayMs: 5_000,
          // The first conversion pod of each VM hangs; the next one converts.
          outcome: (pod) => {
            const name = String(pod.metadata.name);
            if (!name.endsWith('-v2v') || seen.has(name)) return undefined;
            seen.add(name);
            return { phase: 'Succeeded', afterMs: 1e12 };
          },
        },
      },
    });
    const retried = await singleVmWave(env, 0);
    const cancelled = await singleVmWave(env, 1);
    await env.startExecutor({ timings: { conversionTimeoutMs: 4_000 } });

    // Retry: the first pod times out and is deleted; it terminates for 30 simulated s (3 s),
    // turns Failed at the end of its grace period and only then goes: an executor taking that
    // pod for the retry's would fail the VM with "guest conversion failed".
    const first = await env.service.startWave(retried.planId, retried.waveNumber, OPERATOR, {
      convertGuest: 'always',
    });
    const timedOut = await env.waitForExecution(first.id, finished, 120_000);
    expect(only(timedOut).error?.message).toMatch(/^guest conversion did not finish within 4 s/);
    const pod = `${only(timedOut).targetName}-v2v`;
    expect(env.emulator.get('pods', TARGET_NAMESPACE, pod)?.metadata.deletionTimestamp).toBeDefined();
    const podCreatesBefore = env.emulator.faults.count({ verb: 'create', resource: 'pods' });
    await env.service.retry(first.id, OPERATOR);
    const done = await env.waitForExecution(first.id, finished, 120_000);
    expect(only(done).error?.message ?? null).toBeNull();
    expect(done.status).toBe('completed');
    // One new pod, created once the old one was gone: never a create answered "already exists".
    const podCreates = env.emulator.faults
      .requests()
      .filter((r) => r.verb === 'create' && r.resource === 'pods');
    expect(podCreates.length - podCreatesBefore).toBe(1);
    expect(podCreates.filter((request) => request.status === 409)).toEqual([]);

    // Cancel during conversion: cancelled only once the terminating pod is really gone.
    const second = await env.service.startWave(cancelled.planId, cancelled.waveNumber, OPERATOR, {
      convertGuest: 'always',
    });
    const converting = await env.waitForExecution(
      second.id,
      (view) => only(view).phase === 'ConvertGuest' && only(view).status === 'running',
      120_000,
    );
    const hung = `${only(converting).targetName}-v2v`;
    await env.waitForExecution(
      second.id,
      () => env?.emulator.get('pods', TARGET_NAMESPACE, hung) !== undefined,
    );
    await env.service.cancel(second.id, undefined, OPERATOR);
    const afterCancel = await env.waitForExecution(
      second.id,
      (view) => {
        // Checked at every look, not eventually: "cancelled" must never be seen with the pod still there.
        const vm = only(view);
        if (vm.status === 'cancelled') expect(leftovers(env as ExecutionEnvironment, vm)).toEqual([]);
        return finished(view);
      },
      120_000,
    );
    expect(afterCancel.status).toBe('cancelled');
    expect(await env.powerState(env.vms.get(cancelled.vmKey)?.moref ?? '')).toBe('poweredOn');
  }, 240_000);

  it('fails the VM with the MAC and the VM that took it when kubemacpool refuses it after Preflight', async () => {
    env = await startExecutionEnvironment({ emulator: { clock: { speed: 20 } } });
    const { planId, waveNumber, vmKey } = await singleVmWave(env);
    const mac = env.vms.get(vmKey)?.nics[0]?.mac ?? '';
    expect(mac).not.toBe('');
    const started = await env.service.startWave(planId, waveNumber, OPERATOR, { convertGuest: 'never' });
    const dataVolume = only(started).disks[0]?.dataVolume ?? '';
    // Held in CopyDisks (past Preflight's MAC check) while another team's VM takes the MAC.
    env.emulator.cdi.stallImport(TARGET_NAMESPACE, dataVolume);
    await env.startExecutor();
    await env.waitForExecution(started.id, (view) => only(view).phase === 'CopyDisks', 60_000);
    const intruder = migratedVirtualMachine({
      name: 'intruder',
      namespace: 'default',
      runStrategy: 'Halted',
    });
    const interfaces = (
      intruder.spec as {
        template: { spec: { domain: { devices: { interfaces: { macAddress?: string }[] } } } };
      }
    ).template.spec.domain.devices.interfaces;
    (interfaces[0] as { macAddress?: string }).macAddress = mac.toUpperCase();
    env.emulator.create(intruder);
    env.emulator.cdi.resumeImport(TARGET_NAMESPACE, dataVolume);

    const view = await env.waitForExecution(started.id, finished, 120_000);
    const vm = only(view);
    expect(vm.status).toBe('failed');
    expect(vm.error?.phase).toBe('CreateVM');
    expect(vm.error?.message).toBe(
      `MAC address ${mac.toUpperCase()} is already used by VirtualMachine default/intruder in the cluster (taken after Preflight checked); ` +
        `the cluster refused VirtualMachine ${TARGET_NAMESPACE}/${vm.targetName}: admission webhook "mutatevirtualmachines.kubemacpool.io" ` +
        'denied the request: Failed to create virtual machine allocation error: failed to allocate requested mac address',
    );
    // Refused once, not retried: kubemacpool answers 500, which is no outage.
    expect(env.emulator.faults.count({ verb: 'create', resource: 'virtualmachines' })).toBe(1);
    expect(env.emulator.get('virtualmachines', TARGET_NAMESPACE, vm.targetName)).toBeUndefined();
  }, 180_000);

  it('fails loudly, naming the field, on a KubeVirt whose schema lacks one it sends (fieldValidation=Strict)', async () => {
    env = await startExecutionEnvironment({
      emulator: { clock: { speed: 20 }, missingSchemaProperties: { 'v1.Firmware': ['serial'] } },
    });
    const { planId, waveNumber } = await singleVmWave(env);
    await env.startExecutor();
    const started = await env.service.startWave(planId, waveNumber, OPERATOR, { convertGuest: 'never' });
    const view = await env.waitForExecution(started.id, finished, 120_000);
    const vm = only(view);
    // Without Strict the API server would drop the SMBIOS serial with a warning and the
    // migration would "succeed" with a VM whose guest sees another serial number.
    expect(vm.status).toBe('failed');
    expect(vm.error?.phase).toBe('CreateVM');
    expect(vm.error?.message).toBe(
      `Kubernetes API create VirtualMachine ${TARGET_NAMESPACE}/${vm.targetName} was refused: HTTP 400 BadRequest: ` +
        'VirtualMachine in version "v1" cannot be handled as a VirtualMachine: strict decoding error: ' +
        'unknown field "spec.template.spec.domain.firmware.serial"',
    );
    expect(env.emulator.faults.count({ verb: 'create', resource: 'virtualmachines' })).toBe(1);
  }, 180_000);
});
