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
  clone,
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
import {
  CONFIG_MAPS,
  DATA_VOLUMES,
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  SECRETS,
  STORAGE_CLASSES,
  STORAGE_PROFILES,
  VOLUME_IMPORT_SOURCES,
} from './resource-types.js';
import type { ClockParticipant, SimulationClock } from './simulation-clock.js';
import { ANN_SELECTED_NODE, type StorageCatalog } from './storage-classes.js';

/**
 * A stand-in for CDI's DataVolume, import and import-populator controllers for `spec.source.vddk`:
 * it renders the target PVC from the DataVolume and the class's StorageProfile, creates it (owned
 * by the DataVolume), and, as CDI >= 1.57 does on CSI classes, fills it through a volume
 * populator: a VolumeImportSource, a `prime-<pvc uid>` PVC and an `importer-prime-<uid>` pod that
 * carry none of the DataVolume's labels; the filled volume is rebound to the target PVC at the
 * end. It honours WaitForFirstConsumer classes (nothing starts without a consumer unless the
 * DataVolume asks for immediate binding), "runs" an importer that copies at a configured rate
 * (per DataVolume, shared fairly within an ESXi host's throughput), reports phase, progress,
 * conditions and restarts with CDI's wording, and garbage-collects finished DataVolumes. Failures,
 * restarts and stalls are injected by tests.
 */

export type DataVolumePhase =
  | ''
  | 'Pending'
  | 'PendingPopulation'
  | 'WaitForFirstConsumer'
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
  /**
   * The kubelet's CrashLoopBackOff for a crashed importer, in simulated ms: `restartBackoffMs`
   * (default 10 s) doubled per crash up to `maxRestartBackoffMs` (default 5 min), back to the
   * start when the previous crash is more than twice the cap ago.
   */
  restartBackoffMs?: number;
  maxRestartBackoffMs?: number;
  /** Namespace holding the `v2v-vmware` ConfigMap (key `vddk-init-image`) (default `cdi`). */
  cdiNamespace?: string;
  /** Expected SHA-1 thumbprints by vCenter host name; a different `spec.source.vddk.thumbprint` fails the import. */
  vcenterThumbprints?: Record<string, string>;
  /** Write core/v1 Events like CDI's controller (default true). */
  recordEvents?: boolean;
  /**
   * Import through volume populators on CSI classes (CDI >= 1.57, default true); a DataVolume's
   * `cdi.kubevirt.io/storage.usePopulator` annotation overrides it, in-tree classes never use them.
   */
  usePopulators?: boolean;
  /**
   * CDIConfig `dataVolumeTTLSeconds`: seconds after which a Succeeded DataVolume is deleted (its
   * PVC kept) unless annotated `cdi.kubevirt.io/storage.deleteAfterCompletion: "false"`; -1
   * disables it. Default 0, CDI 1.55/1.56's default (1.57-1.61 default to -1, 1.62 removed it):
   * the strictest a client meets. 0 deletes in the reconcile that saw the success.
   */
  dataVolumeTTLSeconds?: number;
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

/** A stretch below a host's limit: since when, what it cost, its DataVolumes' phases when it began. */
interface ThroughputGap {
  from: number;
  lostMs: number;
  phases: Record<string, number>;
}

/** See {@link CdiImporter.hostThroughput}; times are simulated epoch ms. */
export interface HostThroughput {
  firstAt: number;
  saturatedAt: number | null;
  /** Bytes copied before `saturatedAt`. */
  bytesBeforeSaturated: number;
  /** The end of the last interval it was saturated, and the bytes copied by then. */
  saturatedUntil: number | null;
  bytesUntilSaturatedEnd: number;
  /**
   * Between its first and last saturated moments, the stretch below its limit that cost the
   * most (`lostMs`: the unused share of its throughput over the stretch, in ms at full rate).
   */
  worstGap: (ThroughputGap & { to: number }) | null;
  lastAt: number;
  bytes: number;
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
  waitingFor?: 'claim' | 'consumer' | 'bind' | 'vddk' | 'secret' | 'schedule' | 'backoff';
  /** Why the PVC cannot be rendered (CDI's ErrClaimNotValid), while it cannot. */
  claimProblem?: string;
  usePopulator: boolean;
  /** The PVC the importer writes: `prime-<target uid>` with populators, else the target PVC. */
  workClaim?: string;
  lastCrashAt?: number;
  backoffMs?: number;
  checkpoint?: CheckpointStage;
}

const POD_RUNNING_REASON = 'Pod is running';
/** Work-queue keys for importer pods to delete (a DataVolume name never contains ':'). */
const IMPORTER_CLEANUP = 'importer-cleanup:';
const VDDK_CONFIG_MAP = 'v2v-vmware';
const VDDK_CONFIG_KEY = 'vddk-init-image';
const ANN_VDDK_INIT_IMAGE = 'cdi.kubevirt.io/storage.pod.vddk.initimageurl';
const ANN_IMMEDIATE_BINDING = 'cdi.kubevirt.io/storage.bind.immediate.requested';
const ANN_USE_POPULATOR = 'cdi.kubevirt.io/storage.usePopulator';
const ANN_DELETE_AFTER_COMPLETION = 'cdi.kubevirt.io/storage.deleteAfterCompletion';
const ANN_GARBAGE_COLLECTED = 'cdi.kubevirt.io/garbageCollected';
const ANN_IMPORT_POD = 'cdi.kubevirt.io/storage.import.importPodName';
const ANN_PVC_PRIME_NAME = 'cdi.kubevirt.io/storage.populator.pvcPrime';
const ANN_POPULATOR_KIND = 'cdi.kubevirt.io/storage.populator.kind';
const ANN_POD_PHASE = 'cdi.kubevirt.io/storage.pod.phase';
const IMPORTER_IMAGE = 'quay.io/kubevirt/cdi-importer:v1.66.0';
/** CDI's labels on what it creates (common.CDILabelKey/Value, the importer component label). */
const CDI_LABELS = { app: 'containerized-data-importer' } as const;
const CDI_RECOMMENDED_LABELS = {
  'app.kubernetes.io/component': 'storage',
  'app.kubernetes.io/managed-by': 'cdi-controller',
} as const;

/** `prime-<uid of the target PVC>`, CDI's populators.PVCPrimeName. */
export function primeClaimName(targetUid: string): string {
  return `prime-${targetUid}`;
}

/** `volume-import-source-<uid of the DataVolume>`. */
export function volumeImportSourceName(dataVolumeUid: string): string {
  return `volume-import-source-${dataVolumeUid}`;
}

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
  private readonly collected: string[] = [];
  private readonly hostUse = new Map<string, HostThroughput>();
  /** Per host, the stretch below its limit in progress (at the end: its thin end). */
  private readonly openGaps = new Map<string, ThroughputGap>();

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly clock: SimulationClock,
    private readonly storage: StorageCatalog,
    options: CdiImporterOptions = {},
  ) {
    super();
    this.options = {
      bytesPerSecond: options.bytesPerSecond ?? 100 * 1024 * 1024,
      schedulingDelayMs: options.schedulingDelayMs ?? 500,
      progressIntervalMs: options.progressIntervalMs ?? 2000,
      restartBackoffMs: options.restartBackoffMs ?? 10_000,
      maxRestartBackoffMs: options.maxRestartBackoffMs ?? 300_000,
      cdiNamespace: options.cdiNamespace ?? 'cdi',
      recordEvents: options.recordEvents ?? true,
      usePopulators: options.usePopulators ?? true,
      dataVolumeTTLSeconds: options.dataVolumeTTLSeconds ?? 0,
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
    this.endImporterPod(state, 'Failed', message);
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

  /**
   * Per host with a throughput limit, since its first import ran (simulated ms): when it first
   * had enough imports running to use its whole limit, when its last import stopped, and the
   * bytes copied. What a benchmark needs to tell a slow start from a thin end.
   */
  hostThroughput(): Record<string, HostThroughput> {
    return Object.fromEntries([...this.hostUse].map(([host, use]) => [host, { ...use }]));
  }

  /** `namespace/name` of every DataVolume this CDI garbage-collected after its import succeeded. */
  garbageCollected(): string[] {
    return [...this.collected];
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
      const namespace = asString(event.object.metadata.namespace) ?? '';
      // CDI's import controller deletes the importer of a claim being deleted.
      const importer = annotationsOf(event.object)[ANN_IMPORT_POD];
      if (importer && (event.type === 'DELETED' || event.object.metadata.deletionTimestamp))
        this.enqueue(namespace, `${IMPORTER_CLEANUP}${importer}`);
      for (const ref of asArray(event.object.metadata.ownerReferences)) {
        if (!isJsonObject(ref)) continue;
        // The target PVC is owned by its DataVolume, the prime PVC by the target PVC (same name).
        if (ref.kind === 'DataVolume' || ref.kind === 'PersistentVolumeClaim')
          this.enqueue(namespace, asString(ref.name) ?? '');
      }
      return;
    }
    if (resource === STORAGE_CLASSES || resource === STORAGE_PROFILES) {
      for (const state of this.states.values()) {
        if (state.waitingFor === 'claim') this.enqueue(state.namespace, state.name);
      }
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
    if (name.startsWith(IMPORTER_CLEANUP)) {
      const pod = name.slice(IMPORTER_CLEANUP.length);
      if (this.machinery.find(PODS, namespace, pod)) this.machinery.delete(PODS, namespace, pod);
      return;
    }
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
      usePopulator: false,
    };
    this.pendingFailures.delete(key);
    this.states.set(key, state);
    if (state.phase === 'Succeeded' || state.phase === 'Failed') return state;
    state.phase = 'Pending';
    return state;
  }

  /**
   * CDI's renderPvcSpec: the DataVolume's `storage` completed from the class's StorageProfile when
   * it gives neither access modes nor a volume mode (`pvc` is taken as it is).
   */
  private renderClaimSpec(dv: KubeObject): { spec: JsonObject } | { problem: string; event: string } {
    const fromPvc = asObject(getPath(dv, 'spec.pvc'));
    const storage = fromPvc ?? asObject(getPath(dv, 'spec.storage')) ?? {};
    let accessModes = asArray(storage.accessModes).filter((mode): mode is string => typeof mode === 'string');
    let volumeMode = asString(storage.volumeMode);
    const storageClass = this.storage.resolve(asString(storage.storageClassName));
    if (!fromPvc && storageClass && accessModes.length === 0) {
      const sets = storageClass.claimPropertySets;
      if (volumeMode === undefined) {
        const first = sets[0];
        if (!first || (first.accessModes ?? []).length === 0) {
          return {
            problem: `no accessMode specified in StorageProfile ${storageClass.name}`,
            event: `Spec is missing accessMode and volumeMode, cannot get access mode from StorageProfile ${storageClass.name}`,
          };
        }
        accessModes = [...(first.accessModes ?? [])];
        volumeMode = first.volumeMode;
      } else {
        const matching = sets.find(
          (set) => set.volumeMode === volumeMode && (set.accessModes ?? []).length > 0,
        );
        if (!matching) {
          return {
            problem: `no accessMode specified in StorageProfile ${storageClass.name}`,
            event: `Spec is missing accessMode and cannot get access mode from StorageProfile ${storageClass.name}`,
          };
        }
        accessModes = [...(matching.accessModes ?? [])];
      }
    }
    const spec: JsonObject = {
      accessModes: accessModes.length > 0 ? accessModes : ['ReadWriteOnce'],
      resources: { requests: { storage: getPath(storage, 'resources.requests.storage') ?? '0' } },
      volumeMode: volumeMode ?? 'Filesystem',
    };
    if (storage.storageClassName !== undefined) spec.storageClassName = storage.storageClassName;
    return { spec };
  }

  /** CDI's shouldUseCDIPopulator: the DataVolume's annotation, else whether the class is CSI. */
  private usesPopulator(dv: KubeObject, spec: JsonObject): boolean {
    const requested = annotationsOf(dv)[ANN_USE_POPULATOR];
    if (requested !== undefined) return requested === 'true';
    if (!this.options.usePopulators) return false;
    const storageClass = this.storage.resolve(asString(spec.storageClassName));
    return storageClass !== undefined && !storageClass.provisioner.startsWith('kubernetes.io/');
  }

  private importAnnotations(vddk: JsonObject): Record<string, string> {
    return {
      'cdi.kubevirt.io/storage.import.source': 'vddk',
      'cdi.kubevirt.io/storage.import.endpoint': asString(vddk.url) ?? '',
      'cdi.kubevirt.io/storage.import.backingFile': asString(vddk.backingFile) ?? '',
      'cdi.kubevirt.io/storage.import.uuid': asString(vddk.uuid) ?? '',
      'cdi.kubevirt.io/storage.import.vddk.thumbprint': asString(vddk.thumbprint) ?? '',
      'cdi.kubevirt.io/storage.import.secretName': asString(vddk.secretRef) ?? '',
      'cdi.kubevirt.io/storage.contentType': 'kubevirt',
      'cdi.kubevirt.io/storage.pod.restarts': '0',
    };
  }

  /** The target PVC (the DataVolume's name, its labels, owned by it), and the populator source. */
  private createTargetClaim(state: ImportState, dv: KubeObject, spec: JsonObject): void {
    const { namespace, name } = state;
    const vddk = asObject(getPath(dv, 'spec.source.vddk')) ?? {};
    const ownedByDataVolume = {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      name,
      uid: metaUid(dv),
      controller: true,
      blockOwnerDeletion: true,
    };
    const passedOn: Record<string, string> = {};
    for (const annotation of [ANN_IMMEDIATE_BINDING, ANN_DELETE_AFTER_COMPLETION]) {
      const value = annotationsOf(dv)[annotation];
      if (value !== undefined) passedOn[annotation] = value;
    }
    const claimSpec: JsonObject = { ...spec };
    let annotations: Record<string, string> = { ...passedOn, ...this.importAnnotations(vddk) };
    if (state.usePopulator) {
      const source = volumeImportSourceName(metaUid(dv));
      this.machinery.createInternal(VOLUME_IMPORT_SOURCES, {
        metadata: { name: source, namespace, ownerReferences: [ownedByDataVolume] },
        spec: { source: { vddk: clone(vddk) }, contentType: 'kubevirt' },
      });
      claimSpec.dataSourceRef = { apiGroup: 'cdi.kubevirt.io', kind: 'VolumeImportSource', name: source };
      claimSpec.dataSource = { apiGroup: 'cdi.kubevirt.io', kind: 'VolumeImportSource', name: source };
      annotations = {
        ...passedOn,
        [ANN_USE_POPULATOR]: 'true',
        'cdi.kubevirt.io/storage.contentType': 'kubevirt',
      };
    }
    this.machinery.createInternal(PERSISTENT_VOLUME_CLAIMS, {
      metadata: {
        name,
        namespace,
        labels: { ...labelsOf(dv), ...CDI_LABELS, ...CDI_RECOMMENDED_LABELS },
        annotations,
        finalizers: ['kubernetes.io/pvc-protection'],
        ownerReferences: [ownedByDataVolume],
      },
      spec: claimSpec,
      status: { phase: 'Pending' },
    });
    this.event(state, 'Normal', 'Pending', `PVC ${name} Pending`);
  }

  /** The populator's PVC': CDI's labels only, owned by the target PVC, binding immediately. */
  private ensurePrimeClaim(state: ImportState, target: KubeObject, vddk: JsonObject): string {
    const name = primeClaimName(metaUid(target));
    if (!this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, name)) {
      const spec = asObject(target.spec) ?? {};
      const selectedNode = annotationsOf(target)[ANN_SELECTED_NODE];
      this.machinery.createInternal(PERSISTENT_VOLUME_CLAIMS, {
        metadata: {
          name,
          namespace: state.namespace,
          labels: { ...CDI_LABELS, ...CDI_RECOMMENDED_LABELS, 'velero.io/exclude-from-backup': 'true' },
          annotations: {
            [ANN_IMMEDIATE_BINDING]: '',
            ...(selectedNode ? { [ANN_SELECTED_NODE]: selectedNode } : {}),
            [ANN_POPULATOR_KIND]: 'VolumeImportSource',
            ...this.importAnnotations(vddk),
          },
          finalizers: ['kubernetes.io/pvc-protection'],
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              name: metaName(target),
              uid: metaUid(target),
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          accessModes: clone(asArray(spec.accessModes)),
          resources: clone(asObject(spec.resources) ?? {}),
          volumeMode: spec.volumeMode ?? 'Filesystem',
          ...(spec.storageClassName !== undefined ? { storageClassName: spec.storageClassName } : {}),
        },
        status: { phase: 'Pending' },
      });
      this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (claim) => {
        claim.metadata.annotations = { ...annotationsOf(claim), [ANN_PVC_PRIME_NAME]: name };
      });
      recordEvent(
        this.machinery,
        this.clock,
        { resource: PERSISTENT_VOLUME_CLAIMS, object: target },
        'Normal',
        'CreatedPVCPrimeSuccessfully',
        'PVC Prime created successfully',
        'import-populator',
      );
    }
    return name;
  }

  /** CDI's importer pod for a claim: `importer-<claim>`, owned by the claim, CDI's labels only. */
  private ensureImporterPod(state: ImportState, claimName: string, vddkImage: string): void {
    const podName = `importer-${claimName}`;
    const claim = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, claimName);
    if (!claim || this.machinery.find(PODS, state.namespace, podName)) return;
    if (annotationsOf(claim)[ANN_POD_PHASE] === 'Succeeded') return;
    this.machinery.createInternal(PODS, {
      metadata: {
        name: podName,
        namespace: state.namespace,
        labels: { ...CDI_LABELS, 'cdi.kubevirt.io': 'importer', 'prometheus.cdi.kubevirt.io': 'true' },
        annotations: { 'cdi.kubevirt.io/storage.createdByController': 'yes' },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name: claimName,
            uid: metaUid(claim),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        restartPolicy: 'OnFailure',
        terminationGracePeriodSeconds: 30,
        initContainers: [{ name: 'vddk-side-car', image: vddkImage }],
        containers: [
          {
            name: 'importer',
            image: IMPORTER_IMAGE,
            args: ['-v=1'],
            volumeMounts: [{ name: 'cdi-data-vol', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'cdi-data-vol', persistentVolumeClaim: { claimName } }],
      },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    });
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, claimName, (target) => {
      target.metadata.annotations = { ...annotationsOf(target), [ANN_IMPORT_POD]: podName };
    });
  }

  /** Marks the importer pod ended (a failed import keeps it, as CDI does for a fatal error). */
  private endImporterPod(state: ImportState, phase: 'Failed', message: string): void {
    if (!state.workClaim) return;
    this.machinery.mutate(PODS, state.namespace, `importer-${state.workClaim}`, (pod) => {
      pod.status = {
        ...(asObject(pod.status) ?? {}),
        phase,
        containerStatuses: [
          {
            name: 'importer',
            image: IMPORTER_IMAGE,
            imageID: '',
            ready: false,
            restartCount: state.restartCount,
            state: { terminated: { exitCode: 1, reason: 'Error', message } },
          },
        ],
      };
    });
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
    let target = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name);
    if (!target) {
      const rendered = this.renderClaimSpec(dv);
      if ('problem' in rendered) {
        if (state.claimProblem !== rendered.problem) {
          state.claimProblem = rendered.problem;
          state.phase = '';
          this.event(state, 'Warning', 'ErrClaimNotValid', rendered.event);
          this.writeStatus(state, { bound: ['False', 'ErrClaimNotValid', rendered.problem] });
        }
        state.waitingFor = 'claim';
        return;
      }
      state.claimProblem = undefined;
      state.usePopulator = this.usesPopulator(dv, rendered.spec);
      this.createTargetClaim(state, dv, rendered.spec);
      state.phase = 'Pending';
      this.writeStatus(state, { claim: 'Pending' });
      target = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name);
      if (!target) return;
    } else {
      state.usePopulator = asString(getPath(target, 'spec.dataSourceRef.kind')) === 'VolumeImportSource';
    }
    const targetBound = getPath(target, 'status.phase') === 'Bound';
    // Without a consumer, a WaitForFirstConsumer claim is left alone unless the DataVolume asked
    // CDI to bind it for the importer (cc.ImmediateBindingRequested: the annotation's presence).
    if (
      !targetBound &&
      this.storage.waitsForFirstConsumer(target) &&
      annotationsOf(dv)[ANN_IMMEDIATE_BINDING] === undefined &&
      annotationsOf(target)[ANN_SELECTED_NODE] === undefined
    ) {
      const waiting: DataVolumePhase = state.usePopulator ? 'PendingPopulation' : 'WaitForFirstConsumer';
      if (state.phase !== waiting) {
        state.phase = waiting;
        this.writeStatus(state, { claim: 'Pending' });
        this.event(state, 'Normal', waiting, `PVC ${state.name} ${waiting}`);
      }
      state.waitingFor = 'consumer';
      return;
    }
    state.workClaim = state.usePopulator ? this.ensurePrimeClaim(state, target, vddk) : state.name;
    const image = this.vddkImage(dv, vddk);
    if (!image) {
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
    // The importer pod is the first consumer of a WaitForFirstConsumer claim.
    this.ensureImporterPod(state, state.workClaim, image);
    const work = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.workClaim);
    if (getPath(work ?? { metadata: {} }, 'status.phase') !== 'Bound') {
      state.waitingFor = 'bind';
      return;
    }
    if (
      state.phase === 'Pending' ||
      state.phase === 'PendingPopulation' ||
      state.phase === 'WaitForFirstConsumer'
    ) {
      state.phase = 'ImportScheduled';
      this.event(state, 'Normal', 'Bound', `PVC ${state.workClaim} Bound`);
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
    if (!firstStart) this.importerContainer(state, { running: { startedAt: this.clock.timestamp() } });
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
      const backoff = this.crashLoopBackoff(state);
      const podName = `importer-${state.workClaim ?? state.name}`;
      this.importerContainer(
        state,
        {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=importer pod=${podName}_${state.namespace}`,
          },
        },
        {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            message: failure.message,
            finishedAt: this.clock.timestamp(),
          },
        },
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

  /**
   * The importer pod's container as the kubelet shows a crash loop: `restartCount`, the waiting
   * `CrashLoopBackOff` state (with the back-off) and the crashed run in `lastState`; running again
   * after the back-off. The pod itself stays Running (restartPolicy OnFailure).
   */
  private importerContainer(state: ImportState, containerState: JsonObject, lastState?: JsonObject): void {
    this.machinery.mutate(PODS, state.namespace, `importer-${state.workClaim ?? state.name}`, (pod) => {
      const status = asObject(pod.status) ?? {};
      if (status.phase !== 'Running' || pod.metadata.deletionTimestamp) return;
      const [current] = asArray(status.containerStatuses).filter(isJsonObject);
      pod.status = {
        ...status,
        ...('terminated' in containerState ? { phase: 'Succeeded' } : {}),
        containerStatuses: [
          {
            ...(current ?? { name: 'importer', image: IMPORTER_IMAGE, imageID: '' }),
            ready: 'running' in containerState,
            started: 'running' in containerState,
            restartCount: state.restartCount,
            state: containerState,
            ...(lastState ? { lastState } : current?.lastState ? { lastState: current.lastState } : {}),
          },
        ],
      };
    });
  }

  /** flowcontrol.Backoff as the kubelet uses it for restarting containers. */
  private crashLoopBackoff(state: ImportState): number {
    const now = this.clock.now();
    const { restartBackoffMs: base, maxRestartBackoffMs: cap } = this.options;
    const expired = state.lastCrashAt === undefined || now - state.lastCrashAt > 2 * cap;
    state.backoffMs = expired ? base : Math.min(cap, (state.backoffMs ?? base) * 2);
    state.lastCrashAt = now;
    return state.backoffMs;
  }

  private succeed(state: ImportState): void {
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    state.running = false;
    state.currentRate = 0;
    state.copiedBytes = state.totalBytes;
    const work = state.workClaim ?? state.name;
    // The importer exits 0 (the pod Succeeded, so its deletion needs no grace period), and CDI
    // deletes a finished importer pod (unless asked to retain it), a checkpoint's too.
    this.importerContainer(state, {
      terminated: { exitCode: 0, reason: 'Completed', finishedAt: this.clock.timestamp() },
    });
    if (this.machinery.find(PODS, state.namespace, `importer-${work}`))
      this.machinery.delete(PODS, state.namespace, `importer-${work}`);
    if (this.checkpoints.checkpointCopied(state) === 'paused') return;
    state.phase = 'Succeeded';
    const completed = {
      [ANN_POD_PHASE]: 'Succeeded',
      'cdi.kubevirt.io/storage.condition.running': 'false',
      'cdi.kubevirt.io/storage.condition.running.reason': 'Completed',
      'cdi.kubevirt.io/storage.condition.running.message': 'Import Complete',
    };
    if (state.usePopulator) this.rebind(state, work, completed);
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
      pvc.metadata.annotations = { ...annotationsOf(pvc), ...completed };
    });
    this.writeStatus(state, { running: ['False', 'Completed', 'Import Complete'] });
    this.event(state, 'Normal', 'ImportSucceeded', `Successfully imported into PVC ${state.name}`);
    const dv = this.machinery.find(DATA_VOLUMES, state.namespace, state.name);
    if (dv && state.usePopulator) {
      // The DataVolume controller's cleanup: the populator source is no longer needed.
      const source = volumeImportSourceName(metaUid(dv));
      if (this.machinery.find(VOLUME_IMPORT_SOURCES, state.namespace, source))
        this.machinery.delete(VOLUME_IMPORT_SOURCES, state.namespace, source);
    }
    this.scheduleGarbageCollection(state);
  }

  /**
   * The import populator's end: the volume PVC' filled is rebound to the target PVC, PVC' is
   * left Lost and deleted.
   */
  private rebind(state: ImportState, prime: string, completed: Record<string, string>): void {
    // completeImport may finish a copy before PVC' exists: the target gets a volume all the same.
    const primeClaim =
      prime === state.name
        ? undefined
        : this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, prime);
    const volumeName =
      asString(getPath(primeClaim ?? { metadata: {} }, 'spec.volumeName')) ??
      `pvc-${metaUid(primeClaim ?? this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name) ?? { metadata: {} })}`;
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
      pvc.spec = { ...(asObject(pvc.spec) ?? {}), volumeName };
      pvc.metadata.annotations = {
        ...annotationsOf(pvc),
        ...completed,
        'pv.kubernetes.io/bind-completed': 'yes',
      };
      pvc.status = {
        phase: 'Bound',
        accessModes: clone(asArray(getPath(pvc, 'spec.accessModes'))),
        capacity: { storage: getPath(pvc, 'spec.resources.requests.storage') ?? '0' },
      };
    });
    if (!primeClaim) return;
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, prime, (pvc) => {
      pvc.metadata.annotations = { ...annotationsOf(pvc), ...completed };
      pvc.status = { phase: 'Lost' };
    });
    this.machinery.delete(PERSISTENT_VOLUME_CLAIMS, state.namespace, prime);
  }

  /**
   * CDI <= 1.61 garbage collection: a Succeeded DataVolume not annotated
   * `deleteAfterCompletion: "false"` (the 1.55/1.56 webhook marks every other one "true") is
   * deleted after the TTL; its PVC loses the DataVolume owner reference and is kept.
   */
  private scheduleGarbageCollection(state: ImportState): void {
    const ttl = this.options.dataVolumeTTLSeconds;
    if (ttl < 0) return;
    const collect = () => {
      const dv = this.machinery.find(DATA_VOLUMES, state.namespace, state.name);
      if (!dv || dv.metadata.deletionTimestamp || getPath(dv, 'status.phase') !== 'Succeeded') return;
      if (annotationsOf(dv)[ANN_DELETE_AFTER_COMPLETION] === 'false') return;
      const uid = metaUid(dv);
      this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
        const refs = asArray(pvc.metadata.ownerReferences).filter(
          (ref) => !(isJsonObject(ref) && ref.uid === uid),
        );
        if (refs.length > 0) pvc.metadata.ownerReferences = refs;
        else delete pvc.metadata.ownerReferences;
        const annotations: Record<string, string> = {
          ...annotationsOf(pvc),
          [ANN_GARBAGE_COLLECTED]: 'true',
        };
        delete annotations['cdi.kubevirt.io/storage.populatedFor'];
        pvc.metadata.annotations = annotations;
      });
      this.machinery.delete(DATA_VOLUMES, state.namespace, state.name);
      this.collected.push(`${state.namespace}/${state.name}`);
    };
    if (ttl === 0) collect();
    else this.clock.setTimeout(collect, ttl * 1000);
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
      state.phase === '' ||
      state.phase === 'Pending' ||
      state.phase === 'PendingPopulation' ||
      state.phase === 'WaitForFirstConsumer' ||
      (state.phase === 'ImportScheduled' && !state.checkpoint?.index)
        ? 'N/A'
        : state.phase === 'Succeeded'
          ? '100.0%'
          : progressText(state);
    state.lastProgressText = progress;
    this.machinery.mutate(DATA_VOLUMES, state.namespace, state.name, (dv) => {
      const previous = asObject(dv.status) ?? {};
      const previousConditions = asArray(previous.conditions).filter(isJsonObject);
      const oldRunning = previousConditions.find((c) => c.type === 'Running');
      const waiting =
        state.phase === 'Pending' ||
        state.phase === 'PendingPopulation' ||
        state.phase === 'WaitForFirstConsumer';
      // With a populator the target PVC stays Pending until the filled volume is rebound to it;
      // CDI then reports the prime claim's latest state in the message.
      const populating = state.usePopulator && state.phase !== 'Succeeded' && state.workClaim !== undefined;
      const bound =
        overrides.bound ??
        (waiting
          ? ['False', 'Pending', `PVC ${state.name} Pending`]
          : populating
            ? ['False', 'Pending', `target PVC ${state.name} Pending and [${state.workClaim}] : Claim Bound`]
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
      // An unrenderable claim leaves the phase unset (CDI's PhaseUnset) and creates no PVC.
      dv.status = {
        ...(state.claimProblem ? {} : { claimName: state.name }),
        conditions: mergeConditions(previousConditions, conditions),
        ...(state.phase === '' ? {} : { phase: state.phase }),
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
    const active = this.allocateRates();
    this.recordHostUse(active, from, to);
    for (const state of active) {
      state.copiedBytes = Math.min(state.totalBytes, state.copiedBytes + state.currentRate * elapsed);
      if (state.totalBytes - state.copiedBytes < 1) finished.push(state);
      else if (to - state.lastProgressWrite >= this.options.progressIntervalMs) {
        state.lastProgressWrite = to;
        if (progressText(state) !== state.lastProgressText) this.writeStatus(state, {});
      }
    }
    for (const state of finished) this.succeed(state);
  }

  /** The host's DataVolumes by phase (`ImportInProgress` split into running and not). */
  private phasesOn(host: string): Record<string, number> {
    const phases: Record<string, number> = {};
    for (const state of this.states.values()) {
      if (state.host !== host) continue;
      const phase =
        state.phase === 'ImportInProgress' && !(state.running && !state.stalled)
          ? 'ImportInProgress (not running)'
          : state.phase || 'unset';
      phases[phase] = (phases[phase] ?? 0) + 1;
    }
    return phases;
  }

  private recordHostUse(active: ImportState[], from: number, to: number): void {
    const rates = new Map<string, number>();
    for (const state of active) {
      if (state.host === undefined || state.currentRate <= 0) continue;
      rates.set(state.host, (rates.get(state.host) ?? 0) + state.currentRate);
    }
    for (const [host, rate] of rates) {
      const use = this.hostUse.get(host) ?? {
        firstAt: from,
        saturatedAt: null,
        bytesBeforeSaturated: 0,
        saturatedUntil: null,
        bytesUntilSaturatedEnd: 0,
        worstGap: null,
        lastAt: to,
        bytes: 0,
      };
      const limit = this.hostLimit(host);
      // Within a byte per second of the limit: shares are divided in floating point.
      const saturated = rate >= limit - 1;
      if (use.saturatedAt === null && saturated) {
        use.saturatedAt = from;
        use.bytesBeforeSaturated = use.bytes;
      }
      if (use.saturatedAt !== null) {
        let gap = this.openGaps.get(host);
        // A stretch with no import at all since the host's last interval is wholly lost.
        if (from > use.lastAt) {
          gap ??= { from: use.lastAt, lostMs: 0, phases: this.phasesOn(host) };
          gap.lostMs += from - use.lastAt;
        }
        if (!saturated) {
          gap ??= { from, lostMs: 0, phases: this.phasesOn(host) };
          gap.lostMs += ((limit - rate) / limit) * (to - from);
          this.openGaps.set(host, gap);
        } else if (gap) {
          if (gap.lostMs > (use.worstGap?.lostMs ?? 0)) use.worstGap = { ...gap, to: from };
          this.openGaps.delete(host);
        }
      }
      use.lastAt = to;
      use.bytes += (rate * (to - from)) / 1000;
      if (saturated) {
        use.saturatedUntil = to;
        use.bytesUntilSaturatedEnd = use.bytes;
      }
      this.hostUse.set(host, use);
    }
  }
}
