import type { ApiMachinery } from './api-machinery.js';
import {
  CdiCheckpoints,
  type CheckpointOptions,
  type CheckpointStage,
  reportedRestarts,
} from './cdi-checkpoints.js';
import {
  annotationsOf,
  asArray,
  asObject,
  asString,
  deepEqual,
  getPath,
  isJsonObject,
  type JsonObject,
  type KubeObject,
  labelsOf,
  metaName,
  metaUid,
} from './json.js';
import type { StoreEvent } from './object-store.js';
import { parseQuantity } from './quantity.js';
import { Reconciler, recordEvent } from './reconciler.js';
import { CONFIG_MAPS, DATA_VOLUMES, PERSISTENT_VOLUME_CLAIMS, SECRETS } from './resource-types.js';
import type { ClockParticipant, SimulationClock } from './simulation-clock.js';

/**
 * A stand-in for CDI's DataVolume and import controllers for `spec.source.vddk`: it creates the
 * target PVC (owned by the DataVolume), waits for it to bind, "runs" an importer that copies at a
 * configured rate (per DataVolume, shared fairly within an ESXi host's throughput), and reports
 * phase, progress, conditions and restarts with CDI's wording. Failures, restarts and stalls are
 * injected by tests.
 */

export type DataVolumePhase =
  | 'Pending'
  | 'ImportScheduled'
  | 'ImportInProgress'
  | 'Succeeded'
  | 'Failed'
  | 'Paused';

export interface CdiImporterOptions extends CheckpointOptions {
  /** Copy rate of one importer in bytes per simulated second (default 100 MiB/s). */
  bytesPerSecond?: number;
  /** Which "ESXi host" a DataVolume reads from: a label name, or a function of the DataVolume. */
  hostKey?: string | ((dataVolume: KubeObject) => string | undefined);
  /** Aggregate throughput per host in bytes/s, shared max-min fairly by its active importers. */
  hostBytesPerSecond?: number | Record<string, number>;
  /** Bytes an import copies (default: the requested storage size). */
  importBytes?: (dataVolume: KubeObject) => number;
  /** Simulated ms between importer pod creation and the copy starting (default 500). */
  schedulingDelayMs?: number;
  /** Simulated ms between progress writes to the DataVolume status (default 2000). */
  progressIntervalMs?: number;
  /** Base restart back-off of a crashed importer in simulated ms, doubled per restart up to 5x (default 1000). */
  restartBackoffMs?: number;
  /** Namespace holding the `v2v-vmware` ConfigMap (key `vddk-init-image`) (default `cdi`). */
  cdiNamespace?: string;
  /** Expected SHA-1 thumbprints by vCenter host name; a different `spec.source.vddk.thumbprint` fails the import. */
  vcenterThumbprints?: Record<string, string>;
  /** Write core/v1 Events like CDI's controller (default true). */
  recordEvents?: boolean;
}

export interface ImportFailure {
  message: string;
  /** Consecutive failing attempts before the importer recovers (default: every attempt fails). */
  attempts?: number;
  /** Simulated ms an attempt runs (and copies) before it crashes (default 0). */
  afterMs?: number;
}

export interface ImportSnapshot {
  phase: DataVolumePhase;
  totalBytes: number;
  copiedBytes: number;
  /** Bytes/s currently granted to this importer (0 when not copying). */
  currentRate: number;
  restartCount: number;
  host: string | undefined;
  running: boolean;
  stalled: boolean;
  /** The checkpoint being copied, for a multi-stage (warm) import. */
  checkpoint?: Pick<CheckpointStage, 'index' | 'current' | 'previous' | 'final'>;
}

interface ImportState {
  namespace: string;
  name: string;
  uid: string;
  phase: DataVolumePhase;
  totalBytes: number;
  copiedBytes: number;
  rateLimit: number;
  currentRate: number;
  host: string | undefined;
  restartCount: number;
  running: boolean;
  stalled: boolean;
  failure?: Required<ImportFailure>;
  permanentFailure?: string;
  lastProgressWrite: number;
  lastProgressText?: string;
  timer?: number;
  startedAt?: number;
  waitingFor?: 'bind' | 'vddk' | 'secret' | 'schedule' | 'backoff';
  checkpoint?: CheckpointStage;
}

const POD_RUNNING_REASON = 'Pod is running';
const VDDK_CONFIG_MAP = 'v2v-vmware';
const VDDK_CONFIG_KEY = 'vddk-init-image';
const ANN_VDDK_INIT_IMAGE = 'cdi.kubevirt.io/storage.pod.vddk.initimageurl';

function progressText(state: ImportState): string {
  // A checkpoint's delta is reported against the whole disk, as CDI's VDDK importer does.
  const base = state.checkpoint?.progressBaseBytes ?? state.totalBytes;
  if (base <= 0) return '0.00%';
  const percent = Math.min(100, (state.copiedBytes / base) * 100);
  return `${percent.toFixed(2)}%`;
}

function condition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  now: string,
): JsonObject {
  return { type, status, reason, message, lastTransitionTime: now, lastHeartbeatTime: now };
}

/** CDI's updateCondition: keep the transition time unless the status flips. */
function mergeConditions(previous: JsonObject[], next: JsonObject[]): JsonObject[] {
  return next.map((entry) => {
    const old = previous.find((candidate) => candidate.type === entry.type);
    if (!old) return entry;
    if (old.status === entry.status) {
      const unchanged = old.reason === entry.reason && old.message === entry.message;
      return {
        ...entry,
        lastTransitionTime: old.lastTransitionTime ?? entry.lastTransitionTime,
        lastHeartbeatTime: unchanged
          ? (old.lastHeartbeatTime ?? entry.lastHeartbeatTime)
          : entry.lastHeartbeatTime,
      };
    }
    return entry;
  });
}

export class CdiImporter extends Reconciler implements ClockParticipant {
  private readonly states = new Map<string, ImportState>();
  private readonly pendingFailures = new Map<string, Required<ImportFailure>>();
  private readonly rateOverrides = new Map<string, number>();
  private readonly hostOverrides = new Map<string, number>();
  private readonly stalledKeys = new Set<string>();
  private readonly unsubscribe: () => void;
  private readonly checkpoints: CdiCheckpoints;
  private readonly options: Required<
    Omit<
      CdiImporterOptions,
      'hostKey' | 'hostBytesPerSecond' | 'importBytes' | 'vcenterThumbprints' | 'changeRatePerHour'
    >
  > &
    Pick<CdiImporterOptions, 'hostKey' | 'hostBytesPerSecond' | 'importBytes' | 'vcenterThumbprints'>;

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly clock: SimulationClock,
    options: CdiImporterOptions = {},
  ) {
    super();
    this.options = {
      bytesPerSecond: options.bytesPerSecond ?? 100 * 1024 * 1024,
      schedulingDelayMs: options.schedulingDelayMs ?? 500,
      progressIntervalMs: options.progressIntervalMs ?? 2000,
      restartBackoffMs: options.restartBackoffMs ?? 1000,
      cdiNamespace: options.cdiNamespace ?? 'cdi',
      recordEvents: options.recordEvents ?? true,
      hostKey: options.hostKey,
      hostBytesPerSecond: options.hostBytesPerSecond,
      importBytes: options.importBytes,
      vcenterThumbprints: options.vcenterThumbprints,
    };
    this.unsubscribe = machinery.store.subscribe((event) => this.onStoreEvent(event));
    this.checkpoints = new CdiCheckpoints(
      machinery,
      clock,
      {
        fullCopyBytes: (dv) => this.fullCopyBytes(dv),
        writeStatus: (state, running) => this.writeStatus(state as ImportState, { running }),
        event: (state, reason, message) => this.event(state as ImportState, 'Normal', reason, message),
        enqueue: (namespace, name) => this.enqueue(namespace, name),
      },
      { changeRatePerHour: options.changeRatePerHour },
    );
    clock.addParticipant(this);
  }

  override stop(): void {
    super.stop();
    this.unsubscribe();
    this.checkpoints.stop();
    this.clock.removeParticipant(this);
    for (const state of this.states.values()) this.clock.clearTimeout(state.timer);
    this.states.clear();
  }

  // ---- controls ------------------------------------------------------------------------------

  /** Makes the importer of a DataVolume crash with `message` (now, or when it starts). */
  failImport(namespace: string, name: string, failure: ImportFailure): void {
    const full: Required<ImportFailure> = {
      message: failure.message,
      attempts: failure.attempts ?? Number.POSITIVE_INFINITY,
      afterMs: failure.afterMs ?? 0,
    };
    const key = `${namespace}/${name}`;
    const state = this.states.get(key);
    if (!state) {
      this.pendingFailures.set(key, full);
      return;
    }
    if (state.phase !== 'ImportInProgress' || !state.running) {
      state.failure = full;
      return;
    }
    state.failure = full;
    this.scheduleCrash(state);
  }

  /** Marks the DataVolume Failed for good, as CDI does for unrecoverable import errors. */
  failImportPermanently(namespace: string, name: string, message: string): void {
    const state = this.states.get(`${namespace}/${name}`);
    if (!state) throw new Error(`no import for ${namespace}/${name}`);
    this.clock.clearTimeout(state.timer);
    state.running = false;
    state.phase = 'Failed';
    state.permanentFailure = message;
    this.writeStatus(state, { running: ['False', 'Error', message] });
    this.event(state, 'Warning', 'Error', message);
  }

  /** One importer restart (a crash followed by recovery), incrementing `status.restartCount`. */
  restartImport(
    namespace: string,
    name: string,
    message = 'Unable to process data: importer pod restarted',
  ): void {
    this.failImport(namespace, name, { message, attempts: 1 });
  }

  /** Keeps the importer running but copying nothing, like a hung NFC connection. */
  stallImport(namespace: string, name: string): void {
    this.stalledKeys.add(`${namespace}/${name}`);
    const state = this.states.get(`${namespace}/${name}`);
    if (state) state.stalled = true;
  }

  resumeImport(namespace: string, name: string): void {
    this.stalledKeys.delete(`${namespace}/${name}`);
    const state = this.states.get(`${namespace}/${name}`);
    if (state) state.stalled = false;
  }

  /** Finishes the copy at once. */
  completeImport(namespace: string, name: string): void {
    const state = this.states.get(`${namespace}/${name}`);
    if (!state) throw new Error(`no import for ${namespace}/${name}`);
    state.copiedBytes = state.totalBytes;
    this.succeed(state);
  }

  /** Per-DataVolume copy rate in bytes/s (applies to existing and future imports of that name). */
  setImportRate(namespace: string, name: string, bytesPerSecond: number): void {
    this.rateOverrides.set(`${namespace}/${name}`, bytesPerSecond);
    const state = this.states.get(`${namespace}/${name}`);
    if (state) state.rateLimit = bytesPerSecond;
  }

  /** Fraction of a disk changing per simulated hour (sizes warm deltas), by DataVolume name or name prefix. */
  setChangeRate(namespace: string, nameOrPrefix: string, fractionPerHour: number): void {
    this.checkpoints.setChangeRate(namespace, nameOrPrefix, fractionPerHour);
  }

  setHostThroughput(host: string, bytesPerSecond: number): void {
    this.hostOverrides.set(host, bytesPerSecond);
  }

  snapshot(namespace: string, name: string): ImportSnapshot | undefined {
    const state = this.states.get(`${namespace}/${name}`);
    if (!state) return undefined;
    this.allocateRates();
    return {
      phase: state.phase,
      totalBytes: state.totalBytes,
      copiedBytes: state.copiedBytes,
      currentRate: state.currentRate,
      restartCount: reportedRestarts(state),
      host: state.host,
      running: state.running,
      stalled: state.stalled,
      checkpoint: state.checkpoint && {
        index: state.checkpoint.index,
        current: state.checkpoint.current,
        previous: state.checkpoint.previous,
        final: state.checkpoint.final,
      },
    };
  }

  /** Active importers per host, e.g. to assert the executor's per-host concurrency limit. */
  activeImportsByHost(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const state of this.states.values()) {
      if (state.phase !== 'ImportInProgress' || !state.running) continue;
      const host = state.host ?? '';
      counts[host] = (counts[host] ?? 0) + 1;
    }
    return counts;
  }

  // ---- store notifications -------------------------------------------------------------------

  private onStoreEvent(event: StoreEvent): void {
    const resource = event.resource;
    if (resource === DATA_VOLUMES) {
      const namespace = asString(event.object.metadata.namespace) ?? '';
      const name = metaName(event.object);
      // Status-only writes (mostly this controller's own) need no reconcile.
      const statusOnly =
        event.type === 'MODIFIED' &&
        event.previous !== undefined &&
        this.states.has(`${namespace}/${name}`) &&
        event.previous.metadata.deletionTimestamp === event.object.metadata.deletionTimestamp &&
        deepEqual(event.previous.spec, event.object.spec);
      if (!statusOnly) this.enqueue(namespace, name);
      return;
    }
    if (resource === PERSISTENT_VOLUME_CLAIMS) {
      const owner = asArray(event.object.metadata.ownerReferences).find(
        (ref) => isJsonObject(ref) && ref.kind === 'DataVolume',
      );
      if (isJsonObject(owner))
        this.enqueue(asString(event.object.metadata.namespace) ?? '', asString(owner.name) ?? '');
      return;
    }
    if (resource === SECRETS || resource === CONFIG_MAPS) {
      for (const state of this.states.values()) {
        if (state.waitingFor === 'secret' || state.waitingFor === 'vddk')
          this.enqueue(state.namespace, state.name);
      }
    }
  }

  // ---- reconcile -----------------------------------------------------------------------------

  protected reconcile(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const dv = this.machinery.find(DATA_VOLUMES, namespace, name);
    const state = this.states.get(key);
    if (!dv || dv.metadata.deletionTimestamp || (state && state.uid !== metaUid(dv))) {
      if (state) {
        this.clock.clearTimeout(state.timer);
        this.states.delete(key);
      }
      if (!dv || dv.metadata.deletionTimestamp) return;
    }
    const vddk = asObject(getPath(dv, 'spec.source.vddk'));
    if (!vddk) return;
    const current = this.states.get(key) ?? this.adopt(dv);
    if (!current) return;
    this.advanceLifecycle(current, dv, vddk);
  }

  private hostOf(dv: KubeObject): string | undefined {
    const hostKey = this.options.hostKey;
    if (hostKey === undefined) return undefined;
    if (typeof hostKey === 'string') return labelsOf(dv)[hostKey];
    return hostKey(dv);
  }

  private hostLimit(host: string | undefined): number {
    if (host === undefined) return Number.POSITIVE_INFINITY;
    const override = this.hostOverrides.get(host);
    if (override !== undefined) return override;
    const configured = this.options.hostBytesPerSecond;
    if (typeof configured === 'number') return configured;
    if (configured && configured[host] !== undefined) return configured[host];
    return Number.POSITIVE_INFINITY;
  }

  private fullCopyBytes(dv: KubeObject): number {
    if (this.options.importBytes) return this.options.importBytes(dv);
    const requested =
      getPath(dv, 'spec.storage.resources.requests.storage') ??
      getPath(dv, 'spec.pvc.resources.requests.storage');
    return parseQuantity(requested) ?? 0;
  }

  private adopt(dv: KubeObject): ImportState | undefined {
    const namespace = asString(dv.metadata.namespace) ?? '';
    const name = metaName(dv);
    const key = `${namespace}/${name}`;
    const totalBytes = this.fullCopyBytes(dv);
    const status = asObject(dv.status) ?? {};
    const state: ImportState = {
      namespace,
      name,
      uid: metaUid(dv),
      phase: (asString(status.phase) as DataVolumePhase | undefined) ?? 'Pending',
      totalBytes,
      copiedBytes: 0,
      rateLimit: this.rateOverrides.get(key) ?? this.options.bytesPerSecond,
      currentRate: 0,
      host: this.hostOf(dv),
      restartCount: Number(status.restartCount ?? 0),
      running: false,
      stalled: this.stalledKeys.has(key),
      failure: this.pendingFailures.get(key),
      lastProgressWrite: this.clock.now(),
    };
    this.pendingFailures.delete(key);
    this.states.set(key, state);
    if (state.phase === 'Succeeded' || state.phase === 'Failed') return state;
    state.phase = 'Pending';
    this.ensurePvc(dv);
    this.writeStatus(state, { claim: 'Pending' });
    return state;
  }

  private ensurePvc(dv: KubeObject): void {
    const namespace = asString(dv.metadata.namespace) ?? '';
    const name = metaName(dv);
    if (this.machinery.find(PERSISTENT_VOLUME_CLAIMS, namespace, name)) return;
    const storage = asObject(getPath(dv, 'spec.storage')) ?? asObject(getPath(dv, 'spec.pvc')) ?? {};
    const vddk = asObject(getPath(dv, 'spec.source.vddk')) ?? {};
    const spec: JsonObject = {
      accessModes: asArray(storage.accessModes).length > 0 ? asArray(storage.accessModes) : ['ReadWriteOnce'],
      resources: { requests: { storage: getPath(storage, 'resources.requests.storage') ?? '0' } },
      volumeMode: asString(storage.volumeMode) ?? 'Filesystem',
    };
    if (storage.storageClassName !== undefined) spec.storageClassName = storage.storageClassName;
    this.machinery.createInternal(PERSISTENT_VOLUME_CLAIMS, {
      metadata: {
        name,
        namespace,
        labels: {
          ...labelsOf(dv),
          app: 'containerized-data-importer',
          'app.kubernetes.io/component': 'storage',
          'app.kubernetes.io/managed-by': 'cdi-controller',
        },
        annotations: {
          'cdi.kubevirt.io/storage.import.source': 'vddk',
          'cdi.kubevirt.io/storage.import.endpoint': asString(vddk.url) ?? '',
          'cdi.kubevirt.io/storage.import.backingFile': asString(vddk.backingFile) ?? '',
          'cdi.kubevirt.io/storage.import.uuid': asString(vddk.uuid) ?? '',
          'cdi.kubevirt.io/storage.import.vddk.thumbprint': asString(vddk.thumbprint) ?? '',
          'cdi.kubevirt.io/storage.import.secretName': asString(vddk.secretRef) ?? '',
          'cdi.kubevirt.io/storage.contentType': 'kubevirt',
          'cdi.kubevirt.io/storage.pod.restarts': '0',
        },
        finalizers: ['kubernetes.io/pvc-protection'],
        ownerReferences: [
          {
            apiVersion: 'cdi.kubevirt.io/v1beta1',
            kind: 'DataVolume',
            name,
            uid: metaUid(dv),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec,
      status: { phase: 'Pending' },
    });
    this.event(this.stateOf(namespace, name), 'Normal', 'Pending', `PVC ${name} Pending`);
  }

  private stateOf(namespace: string, name: string): ImportState | undefined {
    return this.states.get(`${namespace}/${name}`);
  }

  private vddkImage(dv: KubeObject, vddk: JsonObject): string | undefined {
    const fromSpec = asString(vddk.initImageURL);
    if (fromSpec) return fromSpec;
    const fromAnnotation = annotationsOf(dv)[ANN_VDDK_INIT_IMAGE];
    if (fromAnnotation) return fromAnnotation;
    const configMap = this.machinery.find(CONFIG_MAPS, this.options.cdiNamespace, VDDK_CONFIG_MAP);
    const image = asString(asObject(configMap?.data)?.[VDDK_CONFIG_KEY]);
    return image || undefined;
  }

  private advanceLifecycle(state: ImportState, dv: KubeObject, vddk: JsonObject): void {
    if (!this.checkpoints.beforeLifecycle(state, dv)) return;
    if (state.phase === 'Succeeded' || state.phase === 'Failed') return;
    if (
      state.phase === 'ImportInProgress' ||
      state.waitingFor === 'schedule' ||
      state.waitingFor === 'backoff'
    )
      return;
    const pvc = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name);
    if (!pvc) {
      this.ensurePvc(dv);
      return;
    }
    if (getPath(pvc, 'status.phase') !== 'Bound') {
      state.waitingFor = 'bind';
      return;
    }
    if (state.phase === 'Pending') {
      state.phase = 'ImportScheduled';
      this.event(state, 'Normal', 'Bound', `PVC ${state.name} Bound`);
    }
    if (!this.vddkImage(dv, vddk)) {
      state.waitingFor = 'vddk';
      this.writeStatus(state, {
        bound: [
          'False',
          'AwaitingVDDK',
          `waiting for ${VDDK_CONFIG_MAP} configmap or ${ANN_VDDK_INIT_IMAGE} annotation for VDDK image`,
        ],
      });
      return;
    }
    const secretName = asString(vddk.secretRef) ?? '';
    if (!this.machinery.find(SECRETS, state.namespace, secretName)) {
      state.waitingFor = 'secret';
      this.writeStatus(state, {
        running: ['False', 'CreateContainerConfigError', `secret "${secretName}" not found`],
      });
      return;
    }
    state.waitingFor = 'schedule';
    this.writeStatus(state, { running: ['False', '', ''] });
    this.event(state, 'Normal', 'ImportScheduled', `Import into ${state.name} scheduled`);
    state.timer = this.clock.setTimeout(() => this.startAttempt(state, vddk), this.options.schedulingDelayMs);
  }

  private thumbprintProblem(vddk: JsonObject): string | undefined {
    const expected = this.options.vcenterThumbprints;
    if (!expected) return undefined;
    let host: string;
    try {
      host = new URL(asString(vddk.url) ?? '').hostname;
    } catch {
      return undefined;
    }
    const wanted = expected[host];
    if (wanted === undefined) return undefined;
    const given = asString(vddk.thumbprint) ?? '';
    if (given.toUpperCase() === wanted.toUpperCase()) return undefined;
    return `Unable to connect to vCenter: certificate thumbprint mismatch for ${host}: expected ${wanted}, got ${given || '(none)'}`;
  }

  private startAttempt(state: ImportState, vddk: JsonObject): void {
    if (
      !this.states.has(`${state.namespace}/${state.name}`) ||
      state.phase === 'Failed' ||
      state.phase === 'Succeeded'
    )
      return;
    state.waitingFor = undefined;
    state.timer = undefined;
    const firstStart = state.phase !== 'ImportInProgress';
    state.phase = 'ImportInProgress';
    state.running = true;
    state.copiedBytes = 0;
    state.startedAt = this.clock.now();
    state.lastProgressWrite = this.clock.now();
    this.writeStatus(state, { running: ['True', POD_RUNNING_REASON, ''] });
    if (firstStart) this.event(state, 'Normal', 'ImportInProgress', `Import into ${state.name} in progress`);
    const thumbprint = this.thumbprintProblem(vddk);
    if (thumbprint && !state.failure)
      state.failure = { message: thumbprint, attempts: Number.POSITIVE_INFINITY, afterMs: 0 };
    if (state.failure) this.scheduleCrash(state);
    else if (state.totalBytes <= 0) this.succeed(state);
  }

  private scheduleCrash(state: ImportState): void {
    const failure = state.failure;
    if (!failure) return;
    this.clock.clearTimeout(state.timer);
    const crash = () => {
      state.timer = undefined;
      if (!state.running || state.phase !== 'ImportInProgress') return;
      state.running = false;
      state.restartCount++;
      failure.attempts--;
      if (failure.attempts <= 0) state.failure = undefined;
      this.writeStatus(state, { running: ['False', 'Error', failure.message] });
      this.event(state, 'Warning', 'Error', failure.message);
      this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
        pvc.metadata.annotations = {
          ...annotationsOf(pvc),
          'cdi.kubevirt.io/storage.pod.restarts': String(reportedRestarts(state)),
        };
      });
      const backoff = Math.min(
        this.options.restartBackoffMs * 2 ** (state.restartCount - 1),
        this.options.restartBackoffMs * 5,
      );
      state.waitingFor = 'backoff';
      state.timer = this.clock.setTimeout(() => {
        const dv = this.machinery.find(DATA_VOLUMES, state.namespace, state.name);
        const vddk = asObject(getPath(dv ?? { metadata: {} }, 'spec.source.vddk'));
        if (dv && vddk) this.startAttempt(state, vddk);
      }, backoff);
    };
    if (failure.afterMs > 0) state.timer = this.clock.setTimeout(crash, failure.afterMs);
    else crash();
  }

  private succeed(state: ImportState): void {
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    state.running = false;
    state.currentRate = 0;
    state.copiedBytes = state.totalBytes;
    if (this.checkpoints.checkpointCopied(state) === 'paused') return;
    state.phase = 'Succeeded';
    this.writeStatus(state, { running: ['False', 'Completed', 'Import Complete'] });
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
      pvc.metadata.annotations = {
        ...annotationsOf(pvc),
        'cdi.kubevirt.io/storage.pod.phase': 'Succeeded',
        'cdi.kubevirt.io/storage.condition.running': 'false',
        'cdi.kubevirt.io/storage.condition.running.reason': 'Completed',
        'cdi.kubevirt.io/storage.condition.running.message': 'Import Complete',
      };
    });
    this.event(state, 'Normal', 'ImportSucceeded', `Successfully imported into PVC ${state.name}`);
  }

  private event(
    state: ImportState | undefined,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    if (!state || !this.options.recordEvents) return;
    const dv = this.machinery.find(DATA_VOLUMES, state.namespace, state.name);
    if (dv)
      recordEvent(
        this.machinery,
        this.clock,
        { resource: DATA_VOLUMES, object: dv },
        type,
        reason,
        message,
        'datavolume-controller',
      );
  }

  private writeStatus(
    state: ImportState,
    overrides: { claim?: 'Pending'; bound?: [string, string, string]; running?: [string, string, string] },
  ): void {
    const now = this.clock.timestamp();
    const progress =
      state.phase === 'Pending' || (state.phase === 'ImportScheduled' && !state.checkpoint?.index)
        ? 'N/A'
        : state.phase === 'Succeeded'
          ? '100.0%'
          : progressText(state);
    state.lastProgressText = progress;
    this.machinery.mutate(DATA_VOLUMES, state.namespace, state.name, (dv) => {
      const previous = asObject(dv.status) ?? {};
      const previousConditions = asArray(previous.conditions).filter(isJsonObject);
      const oldRunning = previousConditions.find((c) => c.type === 'Running');
      const bound =
        overrides.bound ??
        (state.phase === 'Pending'
          ? ['False', 'Pending', `PVC ${state.name} Pending`]
          : ['True', 'Bound', `PVC ${state.name} Bound`]);
      const running =
        overrides.running ??
        (oldRunning
          ? [String(oldRunning.status), String(oldRunning.reason ?? ''), String(oldRunning.message ?? '')]
          : ['False', '', '']);
      const ready: [string, string, string] =
        state.phase === 'Succeeded'
          ? ['True', '', '']
          : running[0] === 'True'
            ? ['False', 'TransferRunning', '']
            : ['False', '', ''];
      const conditions = [
        condition('Bound', bound[0] as 'True', bound[1], bound[2], now),
        condition('Ready', ready[0] as 'True', ready[1], ready[2], now),
        condition('Running', running[0] as 'True', running[1], running[2], now),
      ];
      dv.status = {
        claimName: state.name,
        conditions: mergeConditions(previousConditions, conditions),
        phase: state.phase,
        progress,
        restartCount: reportedRestarts(state),
      };
    });
  }

  // ---- simulated time ------------------------------------------------------------------------

  private activeStates(): ImportState[] {
    return [...this.states.values()].filter((s) => s.phase === 'ImportInProgress' && s.running && !s.stalled);
  }

  /**
   * Max-min fair shares: within a host, importers are filled in order of their own cap, each
   * taking at most an equal split of what the host has left (water-filling).
   */
  private allocateRates(): ImportState[] {
    const active = this.activeStates();
    for (const state of this.states.values()) state.currentRate = 0;
    const byHost = new Map<string | undefined, ImportState[]>();
    for (const state of active) {
      const group = byHost.get(state.host);
      if (group) group.push(state);
      else byHost.set(state.host, [state]);
    }
    for (const [host, group] of byHost) {
      let remaining = this.hostLimit(host);
      const ordered = [...group].sort((a, b) => a.rateLimit - b.rateLimit);
      ordered.forEach((state, index) => {
        const share = remaining / (ordered.length - index);
        state.currentRate = Math.max(0, Math.min(state.rateLimit, share));
        remaining -= state.currentRate;
      });
    }
    return active;
  }

  nextEventAt(now: number): number | undefined {
    let next: number | undefined;
    for (const state of this.allocateRates()) {
      if (state.currentRate <= 0) continue;
      // Whole milliseconds: at epoch magnitudes a sub-millisecond step would not move the clock.
      const at = Math.max(
        Math.floor(now) + 1,
        Math.ceil(now + ((state.totalBytes - state.copiedBytes) / state.currentRate) * 1000),
      );
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  advance(from: number, to: number): void {
    const elapsed = (to - from) / 1000;
    const finished: ImportState[] = [];
    for (const state of this.allocateRates()) {
      state.copiedBytes = Math.min(state.totalBytes, state.copiedBytes + state.currentRate * elapsed);
      if (state.totalBytes - state.copiedBytes < 1) finished.push(state);
      else if (to - state.lastProgressWrite >= this.options.progressIntervalMs) {
        state.lastProgressWrite = to;
        if (progressText(state) !== state.lastProgressText) this.writeStatus(state, {});
      }
    }
    for (const state of finished) this.succeed(state);
  }
}
