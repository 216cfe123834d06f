import { fail, jump, next, seconds, wait } from './phase-outcome.js';
import type { DataVolumeCheckpoint, MigrationSource, SourceTaskState, TargetCluster } from './ports.js';
import type {
  DiskCopyState,
  ItinerarySettings,
  PhaseName,
  PhaseOutcome,
  StepEvent,
  VmExecutionSpec,
  VmRuntime,
  VmStep,
  WarmPrecopy,
  WarmState,
} from './types.js';

/** Pre-copy snapshots are `flotilla-precopy-<n>`, the cutover's `flotilla-final`: one name per snapshot. */
export const PRECOPY_SNAPSHOT_PREFIX = 'flotilla-precopy-';
export const FINAL_SNAPSHOT_NAME = 'flotilla-final';

/** A snapshot a warm migration took (Preflight refuses a VM that has any snapshot before it starts). */
export function isFlotillaSnapshot(name: string): boolean {
  return name.startsWith(PRECOPY_SNAPSHOT_PREFIX) || name === FINAL_SNAPSHOT_NAME;
}

export function isWarm(spec: VmExecutionSpec): boolean {
  return spec.migrationType === 'warm';
}

/** Forklift's default pre-copy interval, for a warm spec that does not say. */
const DEFAULT_PRECOPY_INTERVAL_MS = 60 * 60_000;
/** Longest sleep in CopyingPaused: a cutover time moved without a nudge is still seen this soon. */
const MAX_PAUSE_MS = 10 * 60_000;
const DEFAULT_SNAPSHOT_TIMEOUT_MS = 120 * 60_000;

/** Phases that create a snapshot: a cancel first lets that creation end, so it can remove the snapshot. */
const CREATING_PHASES: ReadonlySet<PhaseName> = new Set([
  'CreateInitialSnapshot',
  'WaitForInitialSnapshot',
  'CreateSnapshot',
  'WaitForSnapshot',
  'CreateFinalSnapshot',
  'WaitForFinalSnapshot',
]);

const FINAL_SNAPSHOT_PHASES: ReadonlySet<PhaseName> = new Set([
  'RemoveFinalSnapshot',
  'WaitForFinalSnapshotRemoval',
]);

function precopyName(number: number): string {
  return `${PRECOPY_SNAPSHOT_PREFIX}${number}`;
}

function lastOf(warm: WarmState): WarmPrecopy {
  const last = warm.precopies.at(-1);
  if (!last) throw new Error('the warm migration has no snapshot yet; CreateInitialSnapshot did not run');
  return last;
}

/** A copy of the warm state with the last pre-copy changed: the step's runtime is never mutated. */
function withLast(warm: WarmState, change: Partial<WarmPrecopy>): WarmState {
  const precopies = [...warm.precopies];
  precopies[precopies.length - 1] = { ...lastOf(warm), ...change };
  return { ...warm, precopies };
}

/** The disks this VM copies itself (warm refuses shared disks at Preflight, so: all of them). */
function copiedDisks(spec: VmExecutionSpec) {
  return spec.disks.filter((disk) => !disk.copiedBy);
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** What the copy loop needs to know about a warm checkpoint. */
export interface CheckpointCopy {
  /** The snapshot ref CDI copies in this stage. */
  current: string;
  final: boolean;
  /** The first stage copies whole disks; later ones only the changed blocks. */
  delta: boolean;
}

/**
 * The warm-only phases of Forklift's warm itinerary (`warmItinerary()`), and what cancel and
 * failure must do about snapshots. Snapshot creation is idempotent by name through the port, and
 * the state of every snapshot is persisted with the step, so a worker dying anywhere repeats one
 * call at most: it never takes a second snapshot for the same pre-copy, nor loses track of one.
 */
export class WarmPhases {
  constructor(
    private readonly source: MigrationSource,
    private readonly target: TargetCluster,
    private readonly settings: ItinerarySettings,
    private readonly clock: () => number,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  private sourceRef(step: VmStep): string {
    if (!step.runtime.sourceRef)
      throw new Error(`VM ${step.spec.vmKey} has no source reference; Preflight did not run`);
    return step.runtime.sourceRef;
  }

  private warmOf(step: VmStep): WarmState {
    if (!step.runtime.warm)
      throw new Error(`VM ${step.spec.vmKey} has no warm migration state; CreateInitialSnapshot did not run`);
    return step.runtime.warm;
  }

  private snapshotTimeoutMs(): number {
    return this.settings.timings.snapshotTimeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS;
  }

  private description(step: VmStep, what: string): string {
    return `Flotilla warm migration ${what} of VM ${step.spec.vmKey}, execution ${step.executionId} (removed by Flotilla)`;
  }

  /** The cutover time in force: the execution's (an operator's), else the wave's booking. */
  cutoverAt(step: VmStep): string | null {
    if (step.cutoverAt !== undefined && step.cutoverAt !== null) return step.cutoverAt;
    return step.spec.warm?.cutoverAt ?? null;
  }

  /**
   * Preflight for a warm VM (Forklift's warm guards): CBT on the VM and on each disk, no snapshot
   * already there, no shared disk. Null when the VM may go.
   */
  async preflightProblem(step: VmStep, sourceRef: string): Promise<string | null> {
    const { spec } = step;
    const shared = spec.disks.filter((disk) => disk.copiedBy);
    if (shared.length > 0 || Object.keys(spec.sharedDisksCopiedBy ?? {}).length > 0) {
      return 'warm migration cannot copy shared (multi-writer) disks; migrate this VM cold';
    }
    const tracking = await this.source.changeTracking(sourceRef);
    if (!tracking.enabled) {
      return (
        `changed block tracking (CBT) is disabled for VM "${spec.name}" (config.changeTrackingEnabled is false); ` +
        'warm migration needs it: enable CBT, then snapshot or power-cycle the VM once, or migrate it cold'
      );
    }
    const byFile = new Map(tracking.disks.map((disk) => [disk.backingFile, disk]));
    for (const disk of copiedDisks(spec)) {
      const tracked = byFile.get(disk.backingFile);
      if (!tracked?.changeId) {
        return (
          `changed block tracking is not active on disk "${disk.label}" (${disk.backingFile}): vCenter reports no change ID; ` +
          'enable CBT on the disk (ctkEnabled), then snapshot or power-cycle the VM once'
        );
      }
    }
    const snapshots = await this.source.listSnapshots(sourceRef);
    if (snapshots.length > 0) {
      return (
        `VM "${spec.name}" has ${snapshots.length} snapshot(s) (${snapshots.map((snapshot) => snapshot.name).join(', ')}); ` +
        'warm migration needs a VM without snapshots: remove them (or migrate it cold)'
      );
    }
    return null;
  }

  /** A new attempt starts its pre-copies over; a retry first removes what the failed attempt left. */
  async createInitialSnapshot(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const previous = step.runtime.warm;
    if (previous && previous.attempt === step.attempt) return next();
    if (previous) {
      const left = await this.removeOurSnapshots(ref);
      if (left.pending > 0) return wait(this.settings.timings.pollMs, { events: left.events });
    }
    const warm: WarmState = { attempt: step.attempt, precopies: [], nextPrecopyAt: null, failures: 0 };
    return this.requestSnapshot(step, warm, false);
  }

  createSnapshot(step: VmStep): Promise<PhaseOutcome> {
    return this.requestSnapshot(step, this.warmOf(step), false);
  }

  createFinalSnapshot(step: VmStep): Promise<PhaseOutcome> {
    return this.requestSnapshot(step, this.warmOf(step), true);
  }

  /**
   * Appends the pre-copy and asks vCenter for its snapshot. A step running again (the worker died
   * before persisting) sees the state before this phase, computes the same name, and the port
   * finds the running task or the snapshot by that name instead of taking another.
   */
  private async requestSnapshot(step: VmStep, warm: WarmState, final: boolean): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const number = (warm.precopies.at(-1)?.number ?? 0) + 1;
    const snapshotName = final ? FINAL_SNAPSHOT_NAME : precopyName(number);
    const { powerState, toolsRunning } = await this.source.state(ref);
    // Quiescing needs VMware Tools in a running guest (and VSS on Windows); the final snapshot of
    // a powered-off VM is consistent without it.
    const quiesce = powerState === 'poweredOn' && toolsRunning;
    const what = final ? 'final snapshot' : `pre-copy ${number} snapshot`;
    const task = await this.source.snapshotVm(ref, snapshotName, {
      description: this.description(step, what),
      quiesce,
    });
    if (task.state === 'failed') return fail(`creating the ${what} ${snapshotName} failed: ${task.message}`);
    const entry: WarmPrecopy = {
      number,
      final,
      snapshotName,
      snapshotRef: task.state === 'done' ? (task.snapshotRef ?? null) : null,
      changeIds: null,
      requestedAt: this.now(),
      copyStartedAt: null,
      copiedAt: null,
      bytes: null,
      removed: false,
    };
    const events: StepEvent[] = [
      {
        kind: final ? 'cutover' : 'precopy',
        message: `${what} ${snapshotName} requested${quiesce ? ' (quiesced)' : powerState === 'poweredOn' ? ' (not quiesced: VMware Tools is not running)' : ''}`,
      },
    ];
    return next({
      runtime: { ...step.runtime, warm: { ...warm, precopies: [...warm.precopies, entry] } },
      events,
    });
  }

  /** Polls the snapshot task (the same idempotent call) until vCenter says the snapshot exists. */
  async waitForSnapshot(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const warm = this.warmOf(step);
    const entry = lastOf(warm);
    if (entry.snapshotRef) return next();
    const task = await this.source.snapshotVm(ref, entry.snapshotName, {
      description: this.description(
        step,
        entry.final ? 'final snapshot' : `pre-copy ${entry.number} snapshot`,
      ),
      quiesce: false,
    });
    if (task.state === 'failed') return fail(`snapshot ${entry.snapshotName} failed: ${task.message}`);
    if (task.state === 'running') {
      const waited = this.clock() - step.phaseStartedAt;
      if (waited > this.snapshotTimeoutMs())
        return fail(`snapshot ${entry.snapshotName} was not created within ${seconds(waited)}`);
      return wait(this.settings.timings.pollMs);
    }
    let snapshotRef = task.snapshotRef ?? null;
    if (!snapshotRef) {
      const found = (await this.source.listSnapshots(ref)).find(
        (snapshot) => snapshot.name === entry.snapshotName,
      );
      snapshotRef = found?.ref ?? null;
    }
    if (!snapshotRef)
      return fail(`vCenter reported snapshot ${entry.snapshotName} created but the VM does not list it`);
    return next({
      runtime: { ...step.runtime, warm: withLast(warm, { snapshotRef }) },
      events: [
        {
          kind: entry.final ? 'cutover' : 'precopy',
          message: `snapshot ${entry.snapshotName} is ${snapshotRef}`,
        },
      ],
    });
  }

  /** Forklift's Store*SnapshotDeltas: each disk's change ID in the snapshot, the next delta's start. */
  async storeSnapshotDeltas(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const warm = this.warmOf(step);
    const entry = lastOf(warm);
    if (!entry.snapshotRef) throw new Error(`snapshot ${entry.snapshotName} has no reference yet`);
    const reported = await this.source.snapshotChangeIds(ref, entry.snapshotRef);
    const byFile = new Map(reported.map((disk) => [disk.backingFile, disk.changeId]));
    const changeIds: Record<string, string> = {};
    for (const disk of copiedDisks(step.spec)) {
      const changeId = byFile.get(disk.backingFile);
      if (!changeId) {
        return fail(
          `snapshot ${entry.snapshotName} has no change ID for disk "${disk.label}" (${disk.backingFile}): ` +
            'changed block tracking stopped on it; migrate the VM cold',
        );
      }
      changeIds[disk.backingFile] = changeId;
    }
    const runtime = { ...step.runtime, warm: withLast(warm, { changeIds }) };
    // A later pre-copy asks for copy slots only now that its snapshot is there: a VM holds none
    // while vCenter removes and takes snapshots. (The first copy holds the slots it started with;
    // the cutover took its slots before stopping the source.)
    if (entry.number > 1 && !entry.final) {
      return jump(
        { needsCopySlots: true },
        {
          runtime,
          events: [{ kind: 'precopy', message: `pre-copy ${entry.number} waiting for copy slots` }],
        },
      );
    }
    return next({ runtime });
  }

  /**
   * Between pre-copies: cutover when its time has come (the VM asks the scheduler for its copy
   * slots before it stops the source, so the downtime is only its own last delta), the next
   * pre-copy when it is due, else sleep until the first of the two.
   */
  async copyingPaused(step: VmStep): Promise<PhaseOutcome> {
    const warm = this.warmOf(step);
    const nowMs = this.clock();
    const cutoverAt = this.cutoverAt(step);
    const cutoverMs = cutoverAt === null ? Number.POSITIVE_INFINITY : Date.parse(cutoverAt);
    if (cutoverMs <= nowMs) {
      return jump(
        { goto: 'StorePowerState', needsCopySlots: true },
        {
          runtime: { ...step.runtime, warm: { ...warm, cutoverStartedAt: this.now() } },
          events: [
            {
              kind: 'cutover',
              message: `cutover time ${cutoverAt} reached after ${warm.precopies.length} pre-copies; waiting for copy slots to stop the source and copy the last delta`,
            },
          ],
        },
      );
    }
    const nextMs = Date.parse(warm.nextPrecopyAt ?? '') || nowMs;
    if (nextMs <= nowMs) {
      return next({ events: [{ kind: 'precopy', message: `pre-copy ${lastOf(warm).number + 1} due` }] });
    }
    const until = Math.min(nextMs, cutoverMs) - nowMs;
    return wait(Math.min(Math.max(1, until), MAX_PAUSE_MS));
  }

  /** Remove*Snapshot: the last snapshot (its change IDs are stored; the next delta starts from them). */
  async removeSnapshot(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const warm = this.warmOf(step);
    const entry = lastOf(warm);
    if (entry.removed || !entry.snapshotRef) return next();
    const task = await this.source.removeSnapshot(ref, entry.snapshotRef);
    return this.afterRemoval(step, warm, entry, task);
  }

  /** WaitFor*SnapshotRemoval: polls the (idempotent) removal until the snapshot is gone. */
  async waitForSnapshotRemoval(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const warm = this.warmOf(step);
    const entry = lastOf(warm);
    if (entry.removed || !entry.snapshotRef) return next();
    if (warm.finalSnapshotWarning && entry.final) return next();
    const task = await this.source.removeSnapshot(ref, entry.snapshotRef);
    if (task.state === 'running') {
      const waited = this.clock() - step.phaseStartedAt;
      if (waited <= this.snapshotTimeoutMs()) return wait(this.settings.timings.pollMs);
      return this.removalFailed(step, warm, entry, `not removed within ${seconds(waited)}`);
    }
    return this.afterRemoval(step, warm, entry, task);
  }

  private afterRemoval(
    step: VmStep,
    warm: WarmState,
    entry: WarmPrecopy,
    task: SourceTaskState,
  ): PhaseOutcome {
    if (task.state === 'failed') return this.removalFailed(step, warm, entry, task.message);
    if (task.state === 'running') return next();
    return next({
      runtime: { ...step.runtime, warm: withLast(warm, { removed: true }) },
      events: [
        { kind: entry.final ? 'cutover' : 'precopy', message: `snapshot ${entry.snapshotName} removed` },
      ],
    });
  }

  /** Removing the final snapshot is best effort (Forklift: a warning); any other removal must work. */
  private removalFailed(step: VmStep, warm: WarmState, entry: WarmPrecopy, why: string): PhaseOutcome {
    const message = `removing snapshot ${entry.snapshotName} (${entry.snapshotRef}) failed: ${why}`;
    if (!FINAL_SNAPSHOT_PHASES.has(step.phase)) return fail(message);
    return next({
      runtime: { ...step.runtime, warm: { ...warm, finalSnapshotWarning: message } },
      events: [{ kind: 'warning', message: `${message}; remove it in vCenter` }],
    });
  }

  /**
   * AddCheckpoint / AddFinalCheckpoint (Forklift's `SetCheckpoints`): every DataVolume gets the
   * list of checkpoints so far, the newest `{previous: <its disk's change ID in the previous
   * snapshot>, current: <this snapshot>}`; the disks' copy state restarts for the new stage.
   */
  async addCheckpoint(step: VmStep, final: boolean): Promise<PhaseOutcome> {
    const { spec } = step;
    const warm = this.warmOf(step);
    const entry = lastOf(warm);
    const taken = warm.precopies.filter((precopy) => precopy.snapshotRef !== null);
    for (const disk of copiedDisks(spec)) {
      const checkpoints: DataVolumeCheckpoint[] = taken.map((precopy, index) => ({
        previous: index === 0 ? '' : (taken[index - 1]?.changeIds?.[disk.backingFile] ?? ''),
        current: precopy.snapshotRef as string,
      }));
      const dv = await this.target.getDataVolume(spec.targetNamespace, disk.dataVolume);
      if (!dv) {
        return fail(
          `DataVolume ${spec.targetNamespace}/${disk.dataVolume} (disk "${disk.label}") disappeared between pre-copies`,
        );
      }
      await this.target.setDataVolumeCheckpoints(spec.targetNamespace, disk.dataVolume, checkpoints, final);
    }
    const now = this.now();
    const disks: DiskCopyState[] = step.disks.map((disk) => ({
      ...disk,
      phase: null,
      progressPct: 0,
      runMaxPct: 0,
      message: null,
      startedAt: now,
      lastProgressAt: now,
      finishedAt: null,
      released: false,
    }));
    return next({
      runtime: { ...step.runtime, warm: withLast(warm, { copyStartedAt: now }) },
      disks,
      events: [
        {
          kind: final ? 'cutover' : 'precopy',
          message: `${final ? 'final checkpoint' : `checkpoint ${entry.number}`} (${entry.snapshotRef}) added to ${copiedDisks(spec).length} DataVolume(s)`,
        },
      ],
    });
  }

  /** The stage the copy loop (CopyDisks, Finalize) waits for, or null for a cold VM. */
  checkpointOf(step: VmStep): CheckpointCopy | null {
    if (!isWarm(step.spec) || !step.runtime.warm) return null;
    const entry = lastOf(step.runtime.warm);
    if (!entry.snapshotRef) throw new Error(`snapshot ${entry.snapshotName} has no reference yet`);
    return { current: entry.snapshotRef, final: entry.final, delta: entry.number > 1 };
  }

  /** CDI copied this stage of the disk: `Paused` with the copied annotation, or `Succeeded` after the final one. */
  async checkpointCopied(
    step: VmStep,
    checkpoint: CheckpointCopy,
    dv: { phase: string | null; claimName: string } | null,
    dataVolume: string,
  ): Promise<boolean> {
    const namespace = step.spec.targetNamespace;
    if (checkpoint.final) {
      return (
        dv?.phase === 'Succeeded' || (!dv && (await this.target.pvcImportSucceeded(namespace, dataVolume)))
      );
    }
    if (dv?.phase !== 'Paused') return false;
    const copied = await this.target.copiedCheckpoints(namespace, dv.claimName);
    return copied?.includes(checkpoint.current) ?? false;
  }

  /** Every disk copied this stage: the pre-copy is recorded and the next one scheduled. */
  stageCopied(
    step: VmStep,
    runtime: VmRuntime,
    disks: DiskCopyState[],
  ): { runtime: VmRuntime; events: StepEvent[] } {
    const warm = runtime.warm ?? this.warmOf(step);
    const entry = lastOf(warm);
    const nowMs = this.clock();
    const startedMs = Date.parse(entry.copyStartedAt ?? '') || nowMs;
    // The first stage copies whole disks; a delta's size is where CDI's progress (against the
    // whole disk) ended, unknown when it never reported one.
    const bytes =
      entry.number === 1
        ? disks.reduce((sum, disk) => sum + disk.capacityBytes, 0)
        : disks.some((disk) => disk.progressPct > 0)
          ? Math.round(disks.reduce((sum, disk) => sum + (disk.capacityBytes * disk.progressPct) / 100, 0))
          : null;
    const restarts = disks.reduce((sum, disk) => sum + disk.restartCount, 0);
    const took = seconds(nowMs - startedMs);
    if (entry.final) {
      return {
        runtime: {
          ...runtime,
          warm: withLast({ ...warm, failures: restarts }, { copiedAt: this.now(), bytes }),
        },
        events: [
          { kind: 'cutover', message: `final delta copied in ${took}; the DataVolumes are Succeeded` },
        ],
      };
    }
    const interval = step.spec.warm?.precopyIntervalMs ?? DEFAULT_PRECOPY_INTERVAL_MS;
    const nextPrecopyAt = new Date(nowMs + interval).toISOString();
    const cutoverAt = this.cutoverAt(step);
    return {
      runtime: {
        ...runtime,
        warm: withLast({ ...warm, nextPrecopyAt, failures: restarts }, { copiedAt: this.now(), bytes }),
      },
      events: [
        {
          kind: 'precopy',
          message:
            `pre-copy ${entry.number} copied${bytes === null ? '' : ` (${formatBytes(bytes)})`} in ${took}; ` +
            `next pre-copy at ${nextPrecopyAt}${cutoverAt ? `, cutover at ${cutoverAt}` : ', no cutover time set'}`,
        },
      ],
    };
  }

  /**
   * Starts removing every snapshot a warm migration took of the VM (after a failure: none is left
   * behind; a retry starts over). Returns how many are still there.
   */
  async removeOurSnapshots(sourceRef: string): Promise<{ pending: number; events: StepEvent[] }> {
    const events: StepEvent[] = [];
    let pending = 0;
    for (const snapshot of await this.source.listSnapshots(sourceRef)) {
      if (!isFlotillaSnapshot(snapshot.name)) continue;
      const task = await this.source.removeSnapshot(sourceRef, snapshot.ref);
      if (task.state === 'done') {
        events.push({ kind: 'info', message: `snapshot ${snapshot.name} (${snapshot.ref}) removed` });
        continue;
      }
      pending += 1;
      if (task.state === 'failed') {
        events.push({
          kind: 'warning',
          message: `removing snapshot ${snapshot.name} (${snapshot.ref}) failed: ${task.message}; trying again`,
        });
      }
    }
    return { pending, events };
  }

  /**
   * Cancel's part in vCenter: a snapshot still being created is let finish (so it can be removed),
   * then every snapshot of ours is removed. `done` once none is left.
   */
  async cancelSnapshots(step: VmStep): Promise<{ done: boolean; runtime: VmRuntime; events: StepEvent[] }> {
    const ref = step.runtime.sourceRef;
    if (!isWarm(step.spec) || !ref) return { done: true, runtime: step.runtime, events: [] };
    let runtime = step.runtime;
    if (CREATING_PHASES.has(step.phase) && !runtime.cancelSnapshotSettled) {
      const name = this.snapshotNameOf(step);
      const task = await this.source.snapshotVm(ref, name, {
        description: this.description(step, 'snapshot (being cancelled)'),
        quiesce: false,
      });
      if (task.state === 'running') return { done: false, runtime, events: [] };
      runtime = { ...runtime, cancelSnapshotSettled: true };
    }
    const left = await this.removeOurSnapshots(ref);
    return { done: left.pending === 0, runtime, events: left.events };
  }

  /** The snapshot the VM's current phase creates (the same name the phase itself computes). */
  private snapshotNameOf(step: VmStep): string {
    const warm = step.runtime.warm;
    const sameAttempt = warm && warm.attempt === step.attempt ? warm : undefined;
    if (step.phase.startsWith('WaitFor') && sameAttempt) return lastOf(sameAttempt).snapshotName;
    if (step.phase === 'CreateFinalSnapshot' || step.phase === 'WaitForFinalSnapshot')
      return FINAL_SNAPSHOT_NAME;
    return precopyName((sameAttempt?.precopies.at(-1)?.number ?? 0) + 1);
  }
}
