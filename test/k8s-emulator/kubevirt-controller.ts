import type { ApiMachinery } from './api-machinery.js';
import {
  asArray,
  asObject,
  asString,
  clone,
  getPath,
  isJsonObject,
  type JsonObject,
  type KubeObject,
  metaName,
  metaNamespace,
  metaUid,
} from './json.js';
import type { StoreEvent } from './object-store.js';
import { Reconciler, recordEvent } from './reconciler.js';
import {
  DATA_VOLUMES,
  PERSISTENT_VOLUME_CLAIMS,
  VIRTUAL_MACHINE_INSTANCES,
  VIRTUAL_MACHINES,
} from './resource-types.js';
import { ReverseIndex } from './reverse-index.js';
import type { SimulationClock } from './simulation-clock.js';
import type { StorageCatalog } from './storage-classes.js';

/**
 * A stand-in for KubeVirt's virt-controller: a VirtualMachine that should run gets a
 * VirtualMachineInstance once its volumes are usable, and reports Ready/Running after a start
 * delay; Halted stops it. Missing claims and failed DataVolumes keep it from starting with the
 * printable statuses KubeVirt uses.
 */

export interface KubeVirtOptions {
  /** Simulated ms from VMI creation to Running/Ready (default 1000). */
  startDelayMs?: number;
  /** Simulated ms from VMI deletion request to it being gone (default 500). */
  stopDelayMs?: number;
  recordEvents?: boolean;
}

export interface VmFailure {
  printableStatus: string;
  reason: string;
  message: string;
}

const VM_FINALIZER = 'kubevirt.io/virtualMachineControllerFinalize';
const RUNNING_STRATEGIES = new Set(['Always', 'RerunOnFailure', 'Once']);

interface VolumeBlocker {
  printableStatus: string;
  reason: string;
  message: string;
}

function condition(type: string, status: string, reason: string, message: string, now: string): JsonObject {
  return { type, status, reason, message, lastProbeTime: null, lastTransitionTime: now };
}

/** What a VM's volume check reads from a claim or DataVolume. */
function readinessSignature(object: KubeObject): string {
  const running = asArray(getPath(object, 'status.conditions'))
    .filter(isJsonObject)
    .find((c) => c.type === 'Running');
  return `${String(getPath(object, 'status.phase'))}|${String(running?.status)}|${String(running?.reason)}|${String(running?.message)}`;
}

export class KubeVirtController extends Reconciler {
  private readonly unsubscribe: () => void;
  private readonly startTimers = new Map<string, number>();
  private readonly stopTimers = new Map<string, number>();
  private readonly failures = new Map<string, VmFailure>();
  /** VMs ("ns/vm") by the claims and DataVolumes ("ns/name") their templates use. */
  private readonly vmsByClaim = new ReverseIndex();
  private startDelayMs: number;
  private readonly stopDelayMs: number;
  private readonly recordEvents: boolean;

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly clock: SimulationClock,
    options: KubeVirtOptions = {},
    private readonly storage?: StorageCatalog,
  ) {
    super();
    this.startDelayMs = options.startDelayMs ?? 1000;
    this.stopDelayMs = options.stopDelayMs ?? 500;
    this.recordEvents = options.recordEvents ?? true;
    this.unsubscribe = machinery.store.subscribe((event) => this.onStoreEvent(event));
    for (const object of machinery.store.scan(VIRTUAL_MACHINES)) {
      this.indexVolumes({ type: 'ADDED', resource: VIRTUAL_MACHINES, object, resourceVersion: 0 });
    }
  }

  override stop(): void {
    super.stop();
    this.unsubscribe();
    for (const timer of [...this.startTimers.values(), ...this.stopTimers.values()])
      this.clock.clearTimeout(timer);
  }

  setStartDelay(ms: number): void {
    this.startDelayMs = ms;
  }

  /** Keeps a VM from becoming ready with the given printable status (e.g. CrashLoopBackOff). */
  failVm(namespace: string, name: string, failure: VmFailure): void {
    this.failures.set(`${namespace}/${name}`, failure);
    this.enqueue(namespace, name);
  }

  clearVmFailure(namespace: string, name: string): void {
    this.failures.delete(`${namespace}/${name}`);
    this.enqueue(namespace, name);
  }

  /** Keeps {@link vmsByClaim} current: the claims and DataVolumes each VM's template names. */
  private indexVolumes(event: StoreEvent): void {
    const namespace = metaNamespace(event.object);
    const claims = new Set<string>();
    if (event.type !== 'DELETED') {
      for (const volume of asArray(getPath(event.object, 'spec.template.spec.volumes')).filter(
        isJsonObject,
      )) {
        const name =
          asString(getPath(volume, 'persistentVolumeClaim.claimName')) ??
          asString(getPath(volume, 'dataVolume.name'));
        if (name !== undefined) claims.add(`${namespace}/${name}`);
      }
    }
    this.vmsByClaim.replace(`${namespace}/${metaName(event.object)}`, [...claims]);
  }

  private onStoreEvent(event: StoreEvent): void {
    const namespace = metaNamespace(event.object);
    if (event.resource === VIRTUAL_MACHINES) this.indexVolumes(event);
    if (event.resource === VIRTUAL_MACHINES || event.resource === VIRTUAL_MACHINE_INSTANCES) {
      this.enqueue(namespace, metaName(event.object));
      return;
    }
    if (event.resource === PERSISTENT_VOLUME_CLAIMS || event.resource === DATA_VOLUMES) {
      // Progress-only updates of a DataVolume cannot change what a VM waits for.
      if (
        event.type === 'MODIFIED' &&
        event.previous &&
        readinessSignature(event.previous) === readinessSignature(event.object)
      )
        return;
      // From an index, not a scan of every VM: this runs on every claim and DataVolume change.
      for (const vm of this.vmsByClaim.sources(`${namespace}/${metaName(event.object)}`)) {
        this.enqueue(namespace, vm.slice(namespace.length + 1));
      }
    }
  }

  private volumeBlocker(vm: KubeObject): VolumeBlocker | undefined {
    const namespace = metaNamespace(vm);
    for (const volume of asArray(getPath(vm, 'spec.template.spec.volumes')).filter(isJsonObject)) {
      const claimName = asString(getPath(volume, 'persistentVolumeClaim.claimName'));
      const dataVolumeName = asString(getPath(volume, 'dataVolume.name'));
      const name = claimName ?? dataVolumeName;
      if (name === undefined) continue;
      const dv = this.machinery.find(DATA_VOLUMES, namespace, name);
      const pvc = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, namespace, name);
      if (dv) {
        const phase = asString(getPath(dv, 'status.phase'));
        const running = asArray(getPath(dv, 'status.conditions'))
          .filter(isJsonObject)
          .find((c) => c.type === 'Running');
        if (
          phase === 'Failed' ||
          (running?.status === 'False' &&
            (running.reason === 'Error' || running.reason === 'ImagePullFailed'))
        ) {
          return {
            printableStatus: 'DataVolumeError',
            reason: 'DataVolumeError',
            message: `DataVolume ${name} failed: ${asString(running?.message) ?? 'import failed'}`,
          };
        }
        if (phase !== 'Succeeded') {
          return {
            printableStatus: 'Provisioning',
            reason: 'Provisioning',
            message: `DataVolume ${name} is not ready (phase ${phase ?? 'unknown'})`,
          };
        }
      }
      if (!pvc) {
        return {
          printableStatus: 'ErrorPvcNotFound',
          reason: 'FailedPvcNotFound',
          message: `PVC ${namespace}/${name} does not exist, waiting for it to appear`,
        };
      }
      // The launcher pod is the first consumer a WaitForFirstConsumer claim waits for.
      if (getPath(pvc, 'status.phase') !== 'Bound' && !this.storage?.waitsForFirstConsumer(pvc)) {
        return {
          printableStatus: 'WaitingForVolumeBinding',
          reason: 'WaitingForVolumeBinding',
          message: `PVC ${namespace}/${name} is not Bound`,
        };
      }
    }
    return undefined;
  }

  private event(vm: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.recordEvents)
      recordEvent(
        this.machinery,
        this.clock,
        { resource: VIRTUAL_MACHINES, object: vm },
        type,
        reason,
        message,
        'virtualmachine-controller',
      );
  }

  private writeVmStatus(namespace: string, name: string, status: JsonObject): void {
    const now = this.clock.timestamp();
    this.machinery.mutate(VIRTUAL_MACHINES, namespace, name, (vm) => {
      const previous = asArray(getPath(vm, 'status.conditions')).filter(isJsonObject);
      const conditions = asArray(status.conditions)
        .filter(isJsonObject)
        .map((next) => {
          const old = previous.find((c) => c.type === next.type);
          return old && old.status === next.status
            ? { ...next, lastTransitionTime: old.lastTransitionTime ?? now }
            : next;
        });
      vm.status = {
        ...status,
        conditions,
        observedGeneration: vm.metadata.generation ?? 1,
        desiredGeneration: vm.metadata.generation ?? 1,
      };
    });
  }

  protected reconcile(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const vm = this.machinery.find(VIRTUAL_MACHINES, namespace, name);
    const vmi = this.machinery.find(VIRTUAL_MACHINE_INSTANCES, namespace, name);
    const now = this.clock.timestamp();
    if (!vm) {
      this.clock.clearTimeout(this.startTimers.get(key));
      this.startTimers.delete(key);
      if (vmi) this.stopVmi(namespace, name);
      return;
    }
    if (vmi?.metadata.deletionTimestamp) this.stopVmi(namespace, name);
    const finalizers = asArray(vm.metadata.finalizers);
    if (vm.metadata.deletionTimestamp) {
      if (vmi) this.stopVmi(namespace, name);
      else this.machinery.removeFinalizer(VIRTUAL_MACHINES, namespace, name, VM_FINALIZER);
      return;
    }
    if (!finalizers.includes(VM_FINALIZER)) {
      this.machinery.mutate(VIRTUAL_MACHINES, namespace, name, (object) => {
        object.metadata.finalizers = [...asArray(object.metadata.finalizers), VM_FINALIZER];
      });
    }
    const runStrategy =
      asString(getPath(vm, 'spec.runStrategy')) ??
      (getPath(vm, 'spec.running') === true ? 'Always' : 'Halted');
    const wantsRunning =
      RUNNING_STRATEGIES.has(runStrategy) || (runStrategy === 'Manual' && vmi !== undefined);
    const base = { runStrategy, created: vmi !== undefined };
    if (!wantsRunning) {
      if (vmi) {
        this.stopVmi(namespace, name);
        this.writeVmStatus(namespace, name, {
          ...base,
          ready: false,
          printableStatus: 'Stopping',
          conditions: [condition('Ready', 'False', 'VMIStopping', 'VMI is stopping', now)],
        });
        return;
      }
      this.writeVmStatus(namespace, name, {
        ...base,
        ready: false,
        printableStatus: 'Stopped',
        conditions: [condition('Ready', 'False', 'VMINotExists', 'VMI does not exist', now)],
      });
      return;
    }
    const blocker = this.volumeBlocker(vm);
    if (blocker && !vmi) {
      this.writeVmStatus(namespace, name, {
        ...base,
        ready: false,
        printableStatus: blocker.printableStatus,
        conditions: [
          condition('Ready', 'False', 'VMINotExists', 'VMI does not exist', now),
          ...(blocker.printableStatus === 'Provisioning' ||
          blocker.printableStatus === 'WaitingForVolumeBinding'
            ? []
            : [condition('Failure', 'True', blocker.reason, blocker.message, now)]),
        ],
      });
      return;
    }
    if (!vmi) {
      this.createVmi(vm);
      this.writeVmStatus(namespace, name, {
        ...base,
        created: true,
        ready: false,
        printableStatus: 'Starting',
        conditions: [
          condition('Ready', 'False', 'GuestNotRunning', 'Guest VM is not reported as running', now),
        ],
      });
      return;
    }
    const failure = this.failures.get(key);
    const vmiReady = getPath(vmi, 'status.phase') === 'Running';
    if (failure) {
      this.writeVmStatus(namespace, name, {
        ...base,
        ready: false,
        printableStatus: failure.printableStatus,
        conditions: [
          condition('Ready', 'False', failure.reason, failure.message, now),
          condition('Failure', 'True', failure.reason, failure.message, now),
        ],
      });
      return;
    }
    if (vmi.metadata.deletionTimestamp || this.stopTimers.has(key)) return;
    if (!vmiReady) {
      if (!this.startTimers.has(key)) this.scheduleStart(namespace, name);
      return;
    }
    this.writeVmStatus(namespace, name, {
      ...base,
      ready: true,
      printableStatus: 'Running',
      conditions: [condition('Ready', 'True', '', '', now)],
    });
  }

  private createVmi(vm: KubeObject): void {
    const namespace = metaNamespace(vm);
    const name = metaName(vm);
    const template = asObject(getPath(vm, 'spec.template')) ?? {};
    const templateMeta = asObject(template.metadata) ?? {};
    this.machinery.createInternal(VIRTUAL_MACHINE_INSTANCES, {
      metadata: {
        name,
        namespace,
        labels: { ...(asObject(templateMeta.labels) ?? {}), 'kubevirt.io/created-by': metaUid(vm) },
        annotations: asObject(templateMeta.annotations) ?? {},
        finalizers: ['kubevirt.io/virtualMachineControllerFinalize', 'foregroundDeleteVirtualMachine'],
        ownerReferences: [
          {
            apiVersion: 'kubevirt.io/v1',
            kind: 'VirtualMachine',
            name,
            uid: metaUid(vm),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: clone(asObject(template.spec) ?? {}),
      status: {
        phase: 'Pending',
        phaseTransitionTimestamps: [{ phase: 'Pending', phaseTransitionTimestamp: this.clock.timestamp() }],
      },
    });
    this.event(
      vm,
      'Normal',
      'SuccessfulCreate',
      `Started the virtual machine by creating the new virtual machine instance ${name}`,
    );
    this.scheduleStart(namespace, name);
  }

  private scheduleStart(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.clock.clearTimeout(this.startTimers.get(key));
    this.startTimers.set(
      key,
      this.clock.setTimeout(() => {
        this.startTimers.delete(key);
        if (this.failures.has(key)) {
          this.enqueue(namespace, name);
          return;
        }
        this.machinery.mutate(VIRTUAL_MACHINE_INSTANCES, namespace, name, (vmi) => {
          if (vmi.metadata.deletionTimestamp) return;
          const now = this.clock.timestamp();
          const interfaces = asArray(getPath(vmi, 'spec.domain.devices.interfaces'))
            .filter(isJsonObject)
            .map((iface, index) => ({
              name: iface.name ?? `iface-${index}`,
              mac: iface.macAddress ?? `02:00:00:00:00:${String(index).padStart(2, '0')}`,
              interfaceName: `eth${index}`,
              ...(iface.masquerade !== undefined ? { ipAddress: '10.0.2.2', ipAddresses: ['10.0.2.2'] } : {}),
              infoSource: 'domain, guest-agent',
              linkState: iface.state === 'down' ? 'down' : 'up',
            }));
          vmi.status = {
            phase: 'Running',
            nodeName: 'node-1',
            conditions: [
              { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: now },
              { type: 'LiveMigratable', status: 'True', lastProbeTime: null, lastTransitionTime: now },
            ],
            interfaces,
            guestOSInfo: {},
            qosClass: 'Burstable',
            phaseTransitionTimestamps: [
              ...asArray(getPath(vmi, 'status.phaseTransitionTimestamps')),
              { phase: 'Running', phaseTransitionTimestamp: now },
            ],
          };
        });
        const vm = this.machinery.find(VIRTUAL_MACHINES, namespace, name);
        if (vm) this.event(vm, 'Normal', 'Started', 'VirtualMachineInstance started.');
      }, this.startDelayMs),
    );
  }

  private stopVmi(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.stopTimers.has(key)) return;
    this.clock.clearTimeout(this.startTimers.get(key));
    this.startTimers.delete(key);
    this.stopTimers.set(
      key,
      this.clock.setTimeout(() => {
        this.stopTimers.delete(key);
        const vmi = this.machinery.find(VIRTUAL_MACHINE_INSTANCES, namespace, name);
        if (!vmi) return;
        this.machinery.mutate(VIRTUAL_MACHINE_INSTANCES, namespace, name, (object) => {
          object.metadata.finalizers = [];
          delete object.metadata.finalizers;
          object.metadata.deletionTimestamp ??= this.clock.timestamp();
        });
        this.enqueue(namespace, name);
      }, this.stopDelayMs),
    );
  }
}
