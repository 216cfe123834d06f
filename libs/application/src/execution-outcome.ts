import {
  COLD_PHASES,
  type DiskCopyState,
  itineraryOf,
  type VmExecutionSpec,
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
  /** The source VM was running and the itinerary may have powered it off. */
  sourceMayBePoweredOff: { instanceUuid: string; moref: string | null } | null;
  /** Kubernetes objects by kind and name, in `namespace`, all labelled `flotilla.io/execution=<id>`. */
  clusterObjects: Array<{ kind: string; name: string }>;
  namespace: string;
}

/**
 * Reads an unfinished VM's row for what its phases may have done: from PowerOffSource on the
 * source may be off; from CreateDataVolumes on, the credentials Secret and the DataVolumes exist;
 * the conversion pod from ConvertGuest, the VirtualMachine from CreateVM. Names follow
 * libs/kubevirt's object names (`<target>-vddk`, `<target>-disk-N`, `<target>-v2v`).
 */
export function leftoversOf(record: ExecutionVmRecord): VmLeftovers | null {
  const spec = record.spec as VmExecutionSpec;
  const order: readonly string[] = itineraryOf(spec, 'poweredOn');
  const phaseIndex = (phase: string) => order.indexOf(phase);
  const reached = phaseIndex(record.phase);
  const touchedSource = reached >= phaseIndex('PowerOffSource');
  const touchedCluster = reached >= phaseIndex('CreateDataVolumes');
  if (!touchedSource && !touchedCluster) return null;
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
    sourceMayBePoweredOff:
      touchedSource && record.powerStateBefore === 'poweredOn'
        ? { instanceUuid: spec.instanceUuid, moref: sourceRef }
        : null,
    clusterObjects,
    namespace: spec.targetNamespace,
  };
}
