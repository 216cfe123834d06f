import { randomUUID } from 'node:crypto';
import type { ApiMachinery } from './api-machinery.js';
import { isMultiStage } from './cdi-rules.js';
import {
  annotationsOf,
  asArray,
  asObject,
  asString,
  getPath,
  isJsonObject,
  type KubeObject,
  metaName,
  metaUid,
} from './json.js';
import { parseQuantity } from './quantity.js';
import { DATA_VOLUMES, PERSISTENT_VOLUME_CLAIMS } from './resource-types.js';
import type { SimulationClock } from './simulation-clock.js';

/**
 * CDI's multi-stage (warm) imports, for the emulated VDDK importer: a DataVolume whose
 * `spec.checkpoints` is not empty copies one checkpoint at a time. The first (previous "") is a
 * full copy; each later one a delta (the blocks changed between the two snapshots), here sized
 * from a change rate: capacity x fraction per hour x simulated hours between the moments the two
 * checkpoints appeared on the DataVolume (Forklift appends a checkpoint right after its snapshot).
 * After a non-final checkpoint the DataVolume is `Paused` and the PVC carries
 * `storage.checkpoint.copied.<current>`; appending a checkpoint resumes it; after the last one with
 * `spec.finalCheckpoint: true` it is `Succeeded`. Annotation names, values and messages are
 * CDI's (pkg/controller/common/checkpoint-util.go, pkg/controller/datavolume/import-controller.go).
 */

const API_GROUP = 'cdi.kubevirt.io';
export const ANN_CURRENT_CHECKPOINT = `${API_GROUP}/storage.checkpoint.current`;
export const ANN_PREVIOUS_CHECKPOINT = `${API_GROUP}/storage.checkpoint.previous`;
export const ANN_FINAL_CHECKPOINT = `${API_GROUP}/storage.checkpoint.final`;
/** `<prefix>.<checkpoint>` = UID of the importer pod that copied it. */
export const ANN_CHECKPOINT_COPIED = `${API_GROUP}/storage.checkpoint.copied`;
export const ANN_CHECKPOINT_POD_ID = `${API_GROUP}/storage.checkpoint.pod.id`;
/** "true" once the final checkpoint is copied (the other checkpoint annotations are then removed). */
export const ANN_MULTI_STAGE_DONE = `${API_GROUP}/storage.checkpoint.done`;
const ANN_POD_PHASE = `${API_GROUP}/storage.pod.phase`;

const HOUR_MS = 3_600_000;
/** Forklift's documentation models 2 % of a disk changing per hour; so does the emulator by default. */
const DEFAULT_CHANGE_RATE_PER_HOUR = 0.02;

export interface DataVolumeCheckpoint {
  previous: string;
  current: string;
}

/** The checkpoint an importer copies now. */
export interface CheckpointStage {
  /** Position in `spec.checkpoints`. */
  index: number;
  current: string;
  previous: string;
  /** Last checkpoint and `spec.finalCheckpoint` (decided when the stage starts, as CDI does). */
  final: boolean;
  /** Denominator of `status.progress`: CDI's VDDK importer reports a delta against the whole disk. */
  progressBaseBytes: number;
  /** UID of the (simulated) importer pod of this checkpoint. */
  podId: string;
  /** Highest restart count of earlier checkpoints' pods: CDI reports max(that, this pod's). */
  restartFloor: number;
}

type NextCheckpoint = Pick<CheckpointStage, 'index' | 'current' | 'previous' | 'final'>;

/** The part of the importer's per-DataVolume state that checkpoints read and move. */
export interface StagedImport {
  namespace: string;
  name: string;
  phase: string;
  totalBytes: number;
  copiedBytes: number;
  restartCount: number;
  checkpoint?: CheckpointStage;
}

/** What the importer lends the checkpoint logic (its status writer, event recorder and queue). */
export interface CheckpointHost {
  /** Bytes of a full copy of this DataVolume (the importer's own size rule). */
  fullCopyBytes(dataVolume: KubeObject): number;
  writeStatus(state: StagedImport, running: [string, string, string]): void;
  event(state: StagedImport, reason: string, message: string): void;
  enqueue(namespace: string, name: string): void;
}

export interface CheckpointOptions {
  /** Fraction of a disk that changes per simulated hour, or a function of the DataVolume (default 0.02). */
  changeRatePerHour?: number | ((dataVolume: KubeObject) => number);
}

export function checkpointsOf(dataVolume: KubeObject): DataVolumeCheckpoint[] {
  return asArray(getPath(dataVolume, 'spec.checkpoints'))
    .filter(isJsonObject)
    .map((entry) => ({ previous: asString(entry.previous) ?? '', current: asString(entry.current) ?? '' }));
}

/** The restart count CDI shows: the maximum over the checkpoint pods, not their sum. */
export function reportedRestarts(state: StagedImport): number {
  return Math.max(state.restartCount, state.checkpoint?.restartFloor ?? 0);
}

function copiedKey(checkpoint: string): string {
  return `${ANN_CHECKPOINT_COPIED}.${checkpoint}`;
}

function capacityBytes(dataVolume: KubeObject): number {
  const requested =
    getPath(dataVolume, 'spec.storage.resources.requests.storage') ??
    getPath(dataVolume, 'spec.pvc.resources.requests.storage');
  return parseQuantity(requested) ?? 0;
}

export class CdiCheckpoints {
  /** When each checkpoint (by `current`) first appeared on a DataVolume (by uid), simulated ms. */
  private readonly seenAt = new Map<string, Map<string, number>>();
  private readonly rateOverrides = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly clock: SimulationClock,
    private readonly host: CheckpointHost,
    private readonly options: CheckpointOptions = {},
  ) {
    // Synchronous with the write, so the time is the append's, not the (later) reconcile's.
    this.unsubscribe = machinery.store.subscribe((event) => {
      if (event.resource !== DATA_VOLUMES) return;
      const uid = metaUid(event.object);
      if (event.type === 'DELETED') {
        this.seenAt.delete(uid);
        return;
      }
      let seen = this.seenAt.get(uid);
      for (const { current } of checkpointsOf(event.object)) {
        if (!seen) {
          seen = new Map();
          this.seenAt.set(uid, seen);
        }
        if (!seen.has(current)) seen.set(current, this.clock.now());
      }
    });
  }

  stop(): void {
    this.unsubscribe();
    this.seenAt.clear();
  }

  /**
   * Change rate (fraction of the disk per hour) of DataVolumes in `namespace` named `nameOrPrefix`
   * or starting with it (the longest matching prefix wins; a VM's disks share its name prefix).
   * It sizes deltas whose checkpoint starts after the call.
   */
  setChangeRate(namespace: string, nameOrPrefix: string, fractionPerHour: number): void {
    if (!(fractionPerHour >= 0)) throw new Error(`change rate must be >= 0, got ${fractionPerHour}`);
    this.rateOverrides.set(`${namespace}/${nameOrPrefix}`, fractionPerHour);
  }

  private changeRate(dataVolume: KubeObject): number {
    const namespace = asString(dataVolume.metadata.namespace) ?? '';
    const name = metaName(dataVolume);
    let best: { length: number; rate: number } | undefined;
    for (const [key, rate] of this.rateOverrides) {
      const slash = key.indexOf('/');
      const prefix = key.slice(slash + 1);
      if (key.slice(0, slash) !== namespace || !name.startsWith(prefix)) continue;
      if (!best || prefix.length > best.length) best = { length: prefix.length, rate };
    }
    if (best) return best.rate;
    const configured = this.options.changeRatePerHour;
    if (typeof configured === 'function') return configured(dataVolume);
    return configured ?? DEFAULT_CHANGE_RATE_PER_HOUR;
  }

  /**
   * Called before the importer moves a DataVolume along; false keeps it where it is (Paused with
   * no checkpoint left to copy). Starts the first checkpoint of a new import, and the next one of
   * a Paused import once it has been appended.
   */
  beforeLifecycle(state: StagedImport, dataVolume: KubeObject): boolean {
    const multiStage = isMultiStage(asObject(dataVolume.spec));
    if (state.phase === 'Paused') {
      const pvc = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name);
      const next = multiStage && pvc ? this.nextCheckpoint(pvc, dataVolume) : undefined;
      if (!next) return false;
      this.startStage(state, dataVolume, next);
      return true;
    }
    // CDI annotates the claim with the first checkpoint before the first importer pod starts; an
    // import already running when checkpoints appear stays a single-stage import.
    if (multiStage && !state.checkpoint && (state.phase === 'Pending' || state.phase === 'ImportScheduled')) {
      const pvc = this.machinery.find(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name);
      const first = pvc ? this.nextCheckpoint(pvc, dataVolume) : undefined;
      if (first) this.startStage(state, dataVolume, first);
    }
    return true;
  }

  /** CDI's GetNextCheckpoint: the first checkpoint in the spec not yet marked copied on the PVC. */
  private nextCheckpoint(pvc: KubeObject, dataVolume: KubeObject): NextCheckpoint | undefined {
    const checkpoints = checkpointsOf(dataVolume);
    const isFinal = getPath(dataVolume, 'spec.finalCheckpoint') === true;
    const annotations = annotationsOf(pvc);
    const index = checkpoints.findIndex(
      (checkpoint) => checkpoint.current !== '' && annotations[copiedKey(checkpoint.current)] === undefined,
    );
    if (index < 0) return undefined;
    const { current, previous } = checkpoints[index];
    return { index, current, previous, final: isFinal && index === checkpoints.length - 1 };
  }

  private stageBytes(dataVolume: KubeObject, index: number, previous: string): number {
    if (previous === '') return this.host.fullCopyBytes(dataVolume);
    const checkpoints = checkpointsOf(dataVolume);
    const seen = this.seenAt.get(metaUid(dataVolume));
    const from = index > 0 ? seen?.get(checkpoints[index - 1].current) : undefined;
    const to = seen?.get(checkpoints[index].current);
    const hours = from !== undefined && to !== undefined ? Math.max(0, to - from) / HOUR_MS : 0;
    const capacity = capacityBytes(dataVolume);
    return Math.min(capacity, Math.round(capacity * this.changeRate(dataVolume) * hours));
  }

  private startStage(state: StagedImport, dataVolume: KubeObject, next: NextCheckpoint): void {
    const resuming = state.phase === 'Paused';
    const totalBytes = this.stageBytes(dataVolume, next.index, next.previous);
    state.checkpoint = {
      ...next,
      progressBaseBytes: next.previous === '' ? totalBytes : capacityBytes(dataVolume),
      podId: randomUUID(),
      restartFloor: reportedRestarts(state),
    };
    // A new importer pod per checkpoint (`importer-<pvc>-checkpoint-<current>`): fresh restarts.
    state.restartCount = 0;
    state.totalBytes = totalBytes;
    state.copiedBytes = 0;
    const stage = state.checkpoint;
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
      const annotations: Record<string, string> = {
        ...annotationsOf(pvc),
        [ANN_CURRENT_CHECKPOINT]: stage.current,
        [ANN_PREVIOUS_CHECKPOINT]: stage.previous,
        [ANN_FINAL_CHECKPOINT]: String(stage.final),
        [ANN_CHECKPOINT_POD_ID]: stage.podId,
      };
      // CDI resets the phase of the finished checkpoint's pod so that a new pod starts.
      if (resuming) annotations[ANN_POD_PHASE] = 'Unknown';
      pvc.metadata.annotations = annotations;
    });
    if (resuming) {
      state.phase = 'ImportScheduled';
      this.host.writeStatus(state, ['False', '', '']);
    }
  }

  /**
   * Called when the importer has copied everything it had to (and stopped). `paused`: a non-final
   * checkpoint is done (the import waits for the next one); `final`: the last checkpoint is done
   * (the import succeeds); `none`: a single-stage import.
   */
  checkpointCopied(state: StagedImport): 'paused' | 'final' | 'none' {
    const stage = state.checkpoint;
    if (!stage) return 'none';
    if (state.phase === 'Paused') return 'paused';
    if (stage.final) {
      this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
        const annotations = { ...annotationsOf(pvc) };
        for (const key of Object.keys(annotations)) {
          if (
            key === ANN_CURRENT_CHECKPOINT ||
            key === ANN_PREVIOUS_CHECKPOINT ||
            key === ANN_FINAL_CHECKPOINT ||
            key === ANN_CHECKPOINT_POD_ID ||
            key.startsWith(`${ANN_CHECKPOINT_COPIED}.`)
          )
            delete annotations[key];
        }
        annotations[ANN_MULTI_STAGE_DONE] = 'true';
        pvc.metadata.annotations = annotations;
      });
      return 'final';
    }
    state.phase = 'Paused';
    this.machinery.mutate(PERSISTENT_VOLUME_CLAIMS, state.namespace, state.name, (pvc) => {
      pvc.metadata.annotations = {
        ...annotationsOf(pvc),
        [copiedKey(stage.current)]: stage.podId,
        [ANN_POD_PHASE]: 'Succeeded',
        'cdi.kubevirt.io/storage.condition.running': 'false',
        'cdi.kubevirt.io/storage.condition.running.reason': 'Completed',
        'cdi.kubevirt.io/storage.condition.running.message': 'Import Complete',
      };
    });
    this.host.writeStatus(state, ['False', 'Completed', 'Import Complete']);
    this.host.event(state, 'ImportPaused', `Multistage import into PVC ${state.name} is paused`);
    // A checkpoint appended while this one copied starts now.
    this.host.enqueue(state.namespace, state.name);
    return 'paused';
  }
}
