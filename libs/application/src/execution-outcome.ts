import {
  COLD_PHASES,
  type DiskCopyState,
  FINAL_SNAPSHOT_NAME,
  isWarm,
  itineraryOf,
  PRECOPY_SNAPSHOT_PREFIX,
  type VmExecutionSpec,
  type VmRuntime,
  WARM_PHASES,
} from '#libs/itinerary';
import { boundedName } from '#libs/kubevirt';
import type {
  ExecutionStatus,
  ExecutionStore,
  ExecutionVmRecord,
  PlanStore,
  WaveStatus,
} from '#libs/persistence';

const WAVE_STATUS: Partial<Record<ExecutionStatus, WaveStatus>> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * Ends the execution once no VM is active and sets its wave's status in the same transaction, so
 * the plan is never left locked by a wave `executing` after its execution ended.
 */
export function finishExecutionIfDone(
  executions: ExecutionStore,
  plans: PlanStore,
  executionId: string,
): Promise<ExecutionStatus | null> {
  return executions.finishIfDone(executionId, async (finished, manager) => {
    const waveStatus = WAVE_STATUS[finished.status];
    if (waveStatus) await plans.setWaveStatus(finished.planId, finished.waveNumber, waveStatus, manager);
  });
}

/**
 * Phases that act on nothing outside Flotilla's database (Preflight reads vCenter, StorePowerState
 * records what it read): a VM still in one of them can be cancelled without an executor. A warm
 * VM reaches StorePowerState with snapshots and copies behind it: only its Preflight qualifies.
 */
export const UNTOUCHED_PHASES: { cold: readonly string[]; warm: readonly string[] } = {
  cold: COLD_PHASES.slice(0, COLD_PHASES.indexOf('PowerOffSource')),
  warm: ['Preflight'],
};

/**
 * Where a failed warm VM's retry starts: a failure anywhere from its first snapshot to the last
 * delta starts its pre-copies over (the failure removed its snapshots; the copies are replaced).
 */
export const WARM_RETRY = {
  restartPhases: WARM_PHASES.slice(
    WARM_PHASES.indexOf('CreateInitialSnapshot'),
    WARM_PHASES.indexOf('Finalize') + 1,
  ),
  restartAt: 'CreateInitialSnapshot',
} as const;

/** What an abandoned VM may have left in vCenter and the cluster, by name, for someone to clean up. */
export interface VmLeftovers {
  vmKey: string;
  name: string;
  status: string;
  phase: string;
  /** How vCenter knows the source: its instance UUID, and its moref once Preflight found it. */
  instanceUuid: string;
  sourceRef: string | null;
  /** The source VM was running and the itinerary may have powered it off. */
  sourceMayBePoweredOff: { instanceUuid: string; moref: string | null } | null;
  /** Kubernetes objects by kind and name, in `namespace`, all labelled `flotilla.io/execution=<id>`. */
  clusterObjects: Array<{ kind: string; name: string }>;
  namespace: string;
  /** vSphere snapshots of the source a warm migration took and did not remove (empty for cold). */
  snapshots: LeftSnapshot[];
}

/** A snapshot on the source VM, by name; `ref` (its moref) is null when vCenter had not answered yet. */
export interface LeftSnapshot {
  name: string;
  ref: string | null;
}

/**
 * The snapshot each creating phase asks for. A worker that died in one of them may have got the
 * snapshot from vCenter without persisting it, so the runtime does not list it yet.
 */
const SNAPSHOT_CREATING_PHASES: ReadonlySet<string> = new Set([
  'CreateInitialSnapshot',
  'CreateSnapshot',
  'CreateFinalSnapshot',
]);

/**
 * The snapshots a warm VM's runtime says were taken and not removed (pre-copies and the final
 * one), plus the one its current phase may have been creating when it stopped.
 */
export function snapshotsLeftBy(record: ExecutionVmRecord): LeftSnapshot[] {
  const spec = record.spec as VmExecutionSpec;
  if (!isWarm(spec)) return [];
  const warm = (record.runtime as VmRuntime).warm;
  const left: LeftSnapshot[] = (warm?.precopies ?? [])
    .filter((precopy) => !precopy.removed)
    .map((precopy) => ({ name: precopy.snapshotName, ref: precopy.snapshotRef }));
  if (SNAPSHOT_CREATING_PHASES.has(record.phase)) {
    // A retry's first snapshot starts the numbering over; otherwise it follows the last pre-copy.
    const sameAttempt = warm && warm.attempt === record.attempt ? warm : undefined;
    const creating =
      record.phase === 'CreateFinalSnapshot'
        ? FINAL_SNAPSHOT_NAME
        : record.phase === 'CreateInitialSnapshot'
          ? `${PRECOPY_SNAPSHOT_PREFIX}1`
          : `${PRECOPY_SNAPSHOT_PREFIX}${(sameAttempt?.precopies.at(-1)?.number ?? 0) + 1}`;
    if (!left.some((snapshot) => snapshot.name === creating)) left.push({ name: creating, ref: null });
  }
  return left;
}

/**
 * Reads an unfinished VM's row for what its phases may have done: from PowerOffSource on the
 * source may be off; from CreateDataVolumes on, the credentials Secret and the DataVolumes exist;
 * the conversion pod from ConvertGuest, the VirtualMachine from CreateVM; a warm VM's snapshots
 * from its first one on ({@link snapshotsLeftBy}). Names follow libs/kubevirt's object names
 * (`<target>-vddk`, `<target>-disk-N`, `<target>-v2v`).
 */
export function leftoversOf(record: ExecutionVmRecord): VmLeftovers | null {
  const spec = record.spec as VmExecutionSpec;
  const order: readonly string[] = itineraryOf(spec, 'poweredOn');
  const phaseIndex = (phase: string) => order.indexOf(phase);
  const reached = phaseIndex(record.phase);
  const touchedSource = reached >= phaseIndex('PowerOffSource');
  const touchedCluster = reached >= phaseIndex('CreateDataVolumes');
  const snapshots = snapshotsLeftBy(record);
  if (!touchedSource && !touchedCluster && snapshots.length === 0) return null;
  const target = record.targetName;
  const clusterObjects: VmLeftovers['clusterObjects'] = [];
  if (touchedCluster) {
    clusterObjects.push({ kind: 'Secret', name: boundedName(target, '-vddk') });
    const copies = new Map((record.disks as DiskCopyState[]).map((disk) => [disk.index, disk.dataVolume]));
    for (const disk of spec.disks ?? [])
      clusterObjects.push({ kind: 'DataVolume', name: copies.get(disk.index) ?? disk.dataVolume });
    if (spec.convertGuest && reached >= phaseIndex('ConvertGuest'))
      clusterObjects.push({ kind: 'Pod', name: boundedName(target, '-v2v') });
    if (reached >= phaseIndex('CreateVM')) clusterObjects.push({ kind: 'VirtualMachine', name: target });
  }
  const sourceRef = (record.runtime as { sourceRef?: string }).sourceRef ?? null;
  return {
    vmKey: record.vmKey,
    name: record.name,
    status: record.status,
    phase: record.phase,
    instanceUuid: spec.instanceUuid,
    sourceRef,
    sourceMayBePoweredOff:
      touchedSource && record.powerStateBefore === 'poweredOn'
        ? { instanceUuid: spec.instanceUuid, moref: sourceRef }
        : null,
    clusterObjects,
    namespace: spec.targetNamespace,
    snapshots,
  };
}
