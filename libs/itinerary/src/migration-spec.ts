import { LABEL_EXECUTION, LABEL_VM, planDisks, toLabelValue, type VmMigrationSpec } from '#libs/kubevirt';
import type { OwnerLabels } from './ports.js';
import type { ItinerarySettings, PlannedDiskSummary, VmExecutionSpec, VmStep } from './types.js';

const MIB = 1024 * 1024;

/** The builders' view of a VM: the frozen spec plus what the executor learned and is configured with. */
export function migrationSpecOf(
  step: VmStep,
  settings: Pick<ItinerarySettings, 'vcenter' | 'vddkInitImage'>,
): VmMigrationSpec {
  const { spec } = step;
  const migration: VmMigrationSpec = {
    vm: spec.vm,
    planId: spec.planId,
    waveNumber: spec.waveNumber,
    executionId: step.executionId,
    targetNamespace: spec.targetNamespace,
    targetName: spec.targetName,
    networkMap: spec.networkMap,
    storageMap: spec.storageMap,
    vcenter: settings.vcenter,
    vddkInitImage: settings.vddkInitImage,
    compatibilityMode: !spec.convertGuest,
    preference: spec.preference,
    start: spec.startAfterMigration,
    hostTimeZone: spec.hostTimeZone ?? null,
  };
  if (spec.sharedDisksCopiedBy !== undefined) migration.sharedDisksCopiedBy = spec.sharedDisksCopiedBy;
  if (step.powerStateBefore !== null) migration.sourcePowerState = step.powerStateBefore;
  // What vCenter said at Preflight wins over the export.
  const { runtime } = step;
  if (runtime.biosUuid !== undefined) migration.biosUuid = runtime.biosUuid;
  if (runtime.instanceUuid !== undefined) migration.instanceUuid = runtime.instanceUuid;
  if (runtime.hostInventoryPath !== undefined) migration.hostInventoryPath = runtime.hostInventoryPath;
  if (runtime.hostTimeZone !== undefined) migration.hostTimeZone = runtime.hostTimeZone;
  if (runtime.guestNetwork !== undefined) migration.guestNetwork = runtime.guestNetwork;
  if (runtime.hasTpm !== undefined) migration.hasTpm = runtime.hasTpm;
  if (runtime.nestedHv !== undefined) migration.nestedHv = runtime.nestedHv;
  const diskUuids = runtime.diskUuids;
  if (diskUuids !== undefined) {
    migration.vm = {
      ...spec.vm,
      disks: spec.vm.disks.map((disk) =>
        disk.path !== null && Object.hasOwn(diskUuids, disk.path)
          ? { ...disk, uuid: diskUuids[disk.path] }
          : disk,
      ),
    };
  }
  const initialSnapshot = runtime.warm?.precopies[0]?.snapshotRef;
  if (spec.migrationType === 'warm' && initialSnapshot) migration.warmInitialSnapshot = initialSnapshot;
  if (runtime.preference !== undefined) {
    migration.preference = runtime.preference?.name ?? null;
    if (runtime.preference) migration.preferenceKind = runtime.preference.kind;
  }
  return migration;
}

/**
 * The disks of a VM as the copy scheduler counts them, computed once when the wave starts with the
 * same builder the DataVolumes come from, so disk N is always DataVolume N.
 */
export function plannedDisksOf(
  spec: Omit<VmExecutionSpec, 'disks'>,
  executionId: string,
): PlannedDiskSummary[] {
  const migration: VmMigrationSpec = {
    vm: spec.vm,
    planId: spec.planId,
    waveNumber: spec.waveNumber,
    executionId,
    targetNamespace: spec.targetNamespace,
    targetName: spec.targetName,
    networkMap: spec.networkMap,
    storageMap: spec.storageMap,
    vcenter: { url: 'https://vcenter.invalid/sdk', thumbprint: '' },
    vddkInitImage: '',
    compatibilityMode: !spec.convertGuest,
    preference: spec.preference,
    start: spec.startAfterMigration,
  };
  if (spec.sharedDisksCopiedBy !== undefined) migration.sharedDisksCopiedBy = spec.sharedDisksCopiedBy;
  return planDisks(migration).map((planned) => ({
    index: planned.index,
    label: planned.disk.label,
    backingFile: planned.backingFile,
    datastore: planned.disk.datastore ?? '',
    capacityBytes: Math.ceil(planned.disk.capacityMiB) * MIB,
    dataVolume: planned.dataVolumeName,
    copiedBy: planned.copiedBy,
  }));
}

export function ownerLabelsOf(executionId: string, vmKey: string): OwnerLabels {
  return { execution: toLabelValue(executionId), vm: toLabelValue(vmKey) };
}

export function isOwnedBy(labels: Record<string, string> | undefined, owner: OwnerLabels): boolean {
  return labels?.[LABEL_EXECUTION] === owner.execution && labels?.[LABEL_VM] === owner.vm;
}

/** `ab:cd...`, `ABCD...` and `AB:CD:...` are the same SHA-1 thumbprint. */
export function sameThumbprint(a: string, b: string): boolean {
  const bare = (value: string) => value.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return bare(a) === bare(b);
}
