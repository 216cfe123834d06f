import type { ApiMachinery } from './api-machinery.js';
import {
  annotationsOf,
  asArray,
  asObject,
  asString,
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
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  STORAGE_CLASSES,
  VIRTUAL_MACHINE_INSTANCES,
} from './resource-types.js';
import { ReverseIndex } from './reverse-index.js';
import type { SimulationClock } from './simulation-clock.js';
import { ANN_SELECTED_NODE, EMULATED_NODE, type StorageCatalog } from './storage-classes.js';

const PVC_PROTECTION = 'kubernetes.io/pvc-protection';

export interface VolumeBinderOptions {
  /** Simulated ms until a dynamically provisioned claim is Bound (default 200). */
  bindDelayMs?: number;
  /** When set, claims naming another StorageClass stay Pending (ProvisioningFailed). */
  enforceStorageClasses?: boolean;
}

/** Pods of CDI's importers: CDI, not the kubelet's run-to-completion timer, decides how they end. */
export function isCdiImporterPod(pod: KubeObject): boolean {
  return asObject(pod.metadata.labels)?.['cdi.kubevirt.io'] === 'importer';
}

/**
 * The claims ("ns/claim") a consumer holds: a Pod's until it has ended (Succeeded or Failed), a
 * VMI's by claim or DataVolume name for as long as it exists.
 */
function claimsUsedBy(isPod: boolean, object: KubeObject): string[] {
  if (isPod) {
    const phase = getPath(object, 'status.phase');
    if (phase === 'Succeeded' || phase === 'Failed') return [];
  }
  const namespace = metaNamespace(object);
  const claims = new Set<string>();
  for (const volume of asArray(getPath(object, 'spec.volumes'))) {
    if (!isJsonObject(volume)) continue;
    const claim =
      asString(getPath(volume, 'persistentVolumeClaim.claimName')) ??
      (isPod ? undefined : asString(getPath(volume, 'dataVolume.name')));
    if (claim !== undefined) claims.add(`${namespace}/${claim}`);
  }
  return [...claims];
}

/**
 * The persistent-volume controller (dynamic provisioning: a claim binds to a fresh volume after a
 * delay; on a WaitForFirstConsumer class only once a Pod or VMI uses it, when the scheduler marks
 * it with the selected node; a claim filled by a volume populator is bound by the populator) and
 * the PVC-protection controller (a claim being deleted stays until no Pod or VMI uses it).
 */
export class VolumeController extends Reconciler {
  private readonly unsubscribe: () => void;
  private readonly timers = new Map<string, number>();
  private readonly waitingReported = new Set<string>();
  private readonly bindDelayMs: number;
  /** Running Pods and VMIs ("pod|ns/name", "vmi|ns/name") by the claims ("ns/claim") they use. */
  private readonly claimUsers = new ReverseIndex();

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly clock: SimulationClock,
    private readonly storage: StorageCatalog,
    private readonly options: VolumeBinderOptions = {},
  ) {
    super();
    this.bindDelayMs = options.bindDelayMs ?? 200;
    this.unsubscribe = machinery.store.subscribe((event) => this.onStoreEvent(event));
    for (const resource of [PODS, VIRTUAL_MACHINE_INSTANCES]) {
      for (const object of machinery.store.scan(resource)) {
        this.onStoreEvent({ type: 'ADDED', resource, object, resourceVersion: 0 });
      }
    }
  }

  override stop(): void {
    super.stop();
    this.unsubscribe();
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
  }

  private onStoreEvent(event: StoreEvent): void {
    const namespace = metaNamespace(event.object);
    if (event.resource === PERSISTENT_VOLUME_CLAIMS) {
      this.enqueue(namespace, metaName(event.object));
    } else if (event.resource === PODS || event.resource === VIRTUAL_MACHINE_INSTANCES) {
      // A new consumer may unblock a WaitForFirstConsumer claim; a gone one a terminating claim.
      // Only the claims this consumer names (before or after the change) can be affected.
      const consumer = `${event.resource === PODS ? 'pod' : 'vmi'}|${namespace}/${metaName(event.object)}`;
      const after = event.type === 'DELETED' ? [] : claimsUsedBy(event.resource === PODS, event.object);
      const before = this.claimUsers.replace(consumer, after);
      for (const claim of new Set([...before, ...after])) {
        const name = claim.slice(namespace.length + 1);
        const pvc = this.machinery.store.peek(PERSISTENT_VOLUME_CLAIMS, namespace, name);
        if (pvc && (pvc.metadata.deletionTimestamp || getPath(pvc, 'status.phase') === 'Pending'))
          this.enqueue(namespace, name);
      }
    } else if (event.resource === STORAGE_CLASSES) {
      for (const pvc of this.machinery.store.scan(PERSISTENT_VOLUME_CLAIMS)) {
        if (getPath(pvc, 'status.phase') === 'Pending') this.enqueue(metaNamespace(pvc), metaName(pvc));
      }
    }
  }

  /** A claim is in use while a running Pod or any VMI names it (kept as an index: see onStoreEvent). */
  private inUse(pvc: KubeObject): boolean {
    return this.claimUsers.sources(`${metaNamespace(pvc)}/${metaName(pvc)}`).size > 0;
  }

  protected reconcile(namespace: string, name: string): void {
    const pvc = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, namespace, name);
    const key = `${namespace}/${name}`;
    if (!pvc) {
      this.clock.clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      this.waitingReported.delete(key);
      return;
    }
    if (pvc.metadata.deletionTimestamp) {
      if (asArray(pvc.metadata.finalizers).includes(PVC_PROTECTION) && !this.inUse(pvc)) {
        this.machinery.removeFinalizer(PERSISTENT_VOLUME_CLAIMS, namespace, name, PVC_PROTECTION);
      }
      return;
    }
    if (getPath(pvc, 'status.phase') !== 'Pending' || this.timers.has(key)) return;
    const storageClass = asString(getPath(pvc, 'spec.storageClassName'));
    if (
      this.options.enforceStorageClasses &&
      (!storageClass || !this.machinery.find(STORAGE_CLASSES, '', storageClass))
    ) {
      const message = storageClass
        ? `storageclass.storage.k8s.io "${storageClass}" not found`
        : 'no persistent volumes available for this claim and no storage class is set';
      recordEvent(
        this.machinery,
        this.clock,
        { resource: PERSISTENT_VOLUME_CLAIMS, object: pvc },
        'Warning',
        storageClass ? 'ProvisioningFailed' : 'FailedBinding',
        message,
        'persistentvolume-controller',
      );
      return;
    }
    if (this.storage.waitsForFirstConsumer(pvc)) {
      if (!this.inUse(pvc)) {
        if (!this.waitingReported.has(key)) {
          this.waitingReported.add(key);
          recordEvent(
            this.machinery,
            this.clock,
            { resource: PERSISTENT_VOLUME_CLAIMS, object: pvc },
            'Normal',
            'WaitForFirstConsumer',
            'waiting for first consumer to be created before binding',
            'persistentvolume-controller',
          );
        }
        return;
      }
      if (annotationsOf(pvc)[ANN_SELECTED_NODE] === undefined) {
        this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, namespace, name, (claim) => {
          claim.metadata.annotations = { ...annotationsOf(claim), [ANN_SELECTED_NODE]: EMULATED_NODE };
        });
      }
    }
    // A claim with a populator's dataSourceRef is left to the populator, which binds it to the
    // volume it filled (the external-provisioner skips such claims).
    if (asString(getPath(pvc, 'spec.dataSourceRef.apiGroup'))) return;
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.timers.delete(key);
        this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, namespace, name, (claim) => {
          if (getPath(claim, 'status.phase') !== 'Pending' || claim.metadata.deletionTimestamp) return;
          const spec = asObject(claim.spec) ?? {};
          spec.volumeName = `pvc-${metaUid(claim)}`;
          claim.spec = spec;
          claim.metadata.annotations = {
            ...(asObject(claim.metadata.annotations) ?? {}),
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
          };
          claim.status = {
            phase: 'Bound',
            accessModes: asArray(spec.accessModes),
            capacity: { storage: getPath(spec, 'resources.requests.storage') ?? '0' },
          };
        });
      }, this.bindDelayMs),
    );
  }
}

export interface PodOutcome {
  phase: 'Succeeded' | 'Failed';
  /** Simulated ms the container runs before terminating. */
  afterMs?: number;
  exitCode?: number;
  message?: string;
}

export interface KubeletOptions {
  /** Simulated ms from a schedulable Pod to Running (default 500). */
  startDelayMs?: number;
  /** Simulated ms a run-to-completion Pod (restartPolicy Never/OnFailure) runs (default 2000). */
  runDurationMs?: number;
  /** Per-Pod outcome; undefined means success after runDurationMs. */
  outcome?: (pod: KubeObject) => PodOutcome | undefined;
  /**
   * Simulated ms a deleted Pod's containers take to exit after SIGTERM; undefined means they
   * ignore it and are killed when the grace period ends (the default).
   */
  exitOnSigtermMs?: (pod: KubeObject) => number | undefined;
  /** Simulated ms between the containers stopping and the kubelet removing the Pod (default 1000). */
  removalDelayMs?: number;
}

/**
 * A single-node kubelet: Pods start once their claims are bound and run to their outcome. A Pod
 * deleted with a grace period is stopped like the real one: SIGTERM, then SIGKILL when the
 * period ends, the Pod turned Failed (terminal phase before removal, as since Kubernetes 1.27),
 * and removed with a grace period of 0 a moment later.
 */
export class Kubelet extends Reconciler {
  private readonly unsubscribe: () => void;
  private readonly timers = new Map<string, number>();
  private readonly stopping = new Map<string, { timer: number; at: number }>();
  private readonly removals = new Map<string, number>();
  private readonly outcomes = new Map<string, PodOutcome>();

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly clock: SimulationClock,
    private readonly options: KubeletOptions = {},
  ) {
    super();
    this.unsubscribe = machinery.store.subscribe((event) => {
      if (event.resource === PODS) this.enqueue(metaNamespace(event.object), metaName(event.object));
      if (event.resource === PERSISTENT_VOLUME_CLAIMS) {
        for (const pod of machinery.store.scan(PODS, metaNamespace(event.object))) {
          if (getPath(pod, 'status.phase') === 'Pending') this.enqueue(metaNamespace(pod), metaName(pod));
        }
      }
    });
  }

  override stop(): void {
    super.stop();
    this.unsubscribe();
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    for (const planned of this.stopping.values()) this.clock.clearTimeout(planned.timer);
    for (const timer of this.removals.values()) this.clock.clearTimeout(timer);
  }

  /** Decides how a Pod ends (before or while it runs). */
  setPodOutcome(namespace: string, name: string, outcome: PodOutcome): void {
    this.outcomes.set(`${namespace}/${name}`, outcome);
    const pod = this.machinery.find(PODS, namespace, name);
    if (pod && getPath(pod, 'status.phase') === 'Running') {
      const key = `${namespace}/${name}`;
      this.clock.clearTimeout(this.timers.get(key));
      this.timers.set(
        key,
        this.clock.setTimeout(() => this.terminate(namespace, name), outcome.afterMs ?? 0),
      );
    }
  }

  private outcomeOf(pod: KubeObject): PodOutcome {
    const key = `${metaNamespace(pod)}/${metaName(pod)}`;
    return this.outcomes.get(key) ?? this.options.outcome?.(pod) ?? { phase: 'Succeeded' };
  }

  private missingClaim(pod: KubeObject): string | undefined {
    for (const volume of asArray(getPath(pod, 'spec.volumes')).filter(isJsonObject)) {
      const claim = asString(getPath(volume, 'persistentVolumeClaim.claimName'));
      if (claim === undefined) continue;
      const pvc = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, metaNamespace(pod), claim);
      if (!pvc) return `persistentvolumeclaim "${claim}" not found`;
      if (getPath(pvc, 'status.phase') !== 'Bound') return `pod has unbound immediate PersistentVolumeClaims`;
    }
    return undefined;
  }

  private containerStatuses(pod: KubeObject, state: JsonObject): JsonObject[] {
    return asArray(getPath(pod, 'spec.containers'))
      .filter(isJsonObject)
      .map((container) => ({
        name: container.name ?? '',
        image: container.image ?? '',
        imageID: '',
        ready: isJsonObject(state.running),
        restartCount: 0,
        started: isJsonObject(state.running),
        state,
      }));
  }

  protected reconcile(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.machinery.find(PODS, namespace, name);
    if (!pod) {
      this.clock.clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      this.clock.clearTimeout(this.stopping.get(key)?.timer);
      this.stopping.delete(key);
      this.clock.clearTimeout(this.removals.get(key));
      this.removals.delete(key);
      this.outcomes.delete(key);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      this.stopGracefully(pod);
      return;
    }
    if (getPath(pod, 'status.phase') !== 'Pending' || this.timers.has(key)) return;
    const missing = this.missingClaim(pod);
    const now = this.clock.timestamp();
    if (missing) {
      this.machinery.mutate(PODS, namespace, name, (target) => {
        target.status = {
          phase: 'Pending',
          qosClass: getPath(target, 'status.qosClass') ?? 'BestEffort',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: `0/1 nodes are available: ${missing}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.`,
              // lastProbeTime omitted: null (as a kubelet sends it) fails the strict schema on a later update.
              lastTransitionTime: now,
            },
          ],
        };
      });
      return;
    }
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        const started = this.clock.timestamp();
        this.machinery.mutate(PODS, namespace, name, (target) => {
          target.spec = { ...(asObject(target.spec) ?? {}), nodeName: 'node-1' };
          target.status = {
            phase: 'Running',
            qosClass: getPath(target, 'status.qosClass') ?? 'BestEffort',
            hostIP: '192.168.10.11',
            podIP: '10.128.0.17',
            podIPs: [{ ip: '10.128.0.17' }],
            startTime: started,
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
              type,
              status: 'True',
              lastTransitionTime: started,
            })),
            containerStatuses: this.containerStatuses(target, { running: { startedAt: started } }),
          };
        });
        const current = this.machinery.find(PODS, namespace, name);
        if (!current) return;
        const restartPolicy = asString(getPath(current, 'spec.restartPolicy'));
        if ((restartPolicy === 'Always' || isCdiImporterPod(current)) && !this.outcomes.has(key)) {
          this.timers.delete(key);
          return;
        }
        const outcome = this.outcomeOf(current);
        this.timers.set(
          key,
          this.clock.setTimeout(
            () => this.terminate(namespace, name),
            outcome.afterMs ?? this.options.runDurationMs ?? 2000,
          ),
        );
      }, this.options.startDelayMs ?? 500),
    );
  }

  /** SIGTERM now; the containers end at `exitOnSigtermMs` or, at the latest, with SIGKILL at the deadline. */
  private stopGracefully(pod: KubeObject): void {
    const namespace = metaNamespace(pod);
    const name = metaName(pod);
    const key = `${namespace}/${name}`;
    if (this.removals.has(key)) return;
    const now = this.clock.now();
    // The kubelet counts the grace period from when it sees the deletion (the timestamp is in seconds).
    const killAt = now + Number(pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    const exitAfter = this.options.exitOnSigtermMs?.(pod);
    const stopAt = exitAfter === undefined ? killAt : Math.min(killAt, now + exitAfter);
    // A second delete may shorten the grace period, never lengthen it.
    const planned = this.stopping.get(key);
    if (planned && planned.at <= stopAt) return;
    if (planned) this.clock.clearTimeout(planned.timer);
    this.clock.clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const timer = this.clock.setTimeout(() => {
      this.stopping.delete(key);
      this.stopContainers(namespace, name, stopAt < killAt ? 143 : 137);
      this.removals.set(
        key,
        this.clock.setTimeout(() => {
          this.removals.delete(key);
          if (this.machinery.find(PODS, namespace, name)?.metadata.deletionTimestamp)
            this.machinery.delete(PODS, namespace, name, { gracePeriodSeconds: 0 });
        }, this.options.removalDelayMs ?? 1000),
      );
    }, stopAt - now);
    this.stopping.set(key, { timer, at: stopAt });
  }

  private stopContainers(namespace: string, name: string, exitCode: number): void {
    const now = this.clock.timestamp();
    this.machinery.mutate(PODS, namespace, name, (target) => {
      const status = asObject(target.status) ?? {};
      const phase = asString(status.phase);
      if (phase === 'Succeeded' || phase === 'Failed') return;
      target.status = {
        ...status,
        phase: 'Failed',
        conditions: asArray(status.conditions)
          .filter(isJsonObject)
          .map((c) =>
            c.type === 'Ready' || c.type === 'ContainersReady'
              ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now }
              : c,
          ),
        containerStatuses: this.containerStatuses(target, {
          terminated: {
            exitCode,
            reason: 'Error',
            startedAt: asString(status.startTime) ?? now,
            finishedAt: now,
          },
        }),
      };
    });
  }

  private terminate(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.timers.delete(key);
    const pod = this.machinery.find(PODS, namespace, name);
    if (!pod || getPath(pod, 'status.phase') !== 'Running') return;
    const outcome = this.outcomeOf(pod);
    const now = this.clock.timestamp();
    const exitCode = outcome.exitCode ?? (outcome.phase === 'Succeeded' ? 0 : 1);
    this.machinery.mutate(PODS, namespace, name, (target) => {
      const status = asObject(target.status) ?? {};
      target.status = {
        ...status,
        phase: outcome.phase,
        conditions: asArray(status.conditions)
          .filter(isJsonObject)
          .map((c) =>
            c.type === 'Ready' || c.type === 'ContainersReady'
              ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now }
              : c,
          ),
        containerStatuses: this.containerStatuses(target, {
          terminated: {
            exitCode,
            reason: outcome.phase === 'Succeeded' ? 'Completed' : 'Error',
            ...(outcome.message ? { message: outcome.message } : {}),
            startedAt: asString(status.startTime) ?? now,
            finishedAt: now,
          },
        }),
      };
    });
  }
}
