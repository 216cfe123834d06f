import type { VmAssessment } from '#libs/assessment';
import type { InventoryHost, InventoryVm } from '#libs/inventory';
import { plannedDisksOf, type VmExecutionSpec } from '#libs/itinerary';
import { isSharedDisk, ManifestBuildError } from '#libs/kubevirt';
import {
  cutoverAtOf,
  DEFAULT_MIGRATION_SETTINGS,
  datastoreSourceOf,
  isExcludedStorage,
  migrationTypeOf,
  networkSourceOf,
  networkTargetOf,
  type PlanSettings,
  type StorageClassTarget,
  storageTargetOf,
  UNNAMED_DATASTORE_SOURCE,
  usesRawCopy,
  type Wave,
} from '#libs/waves';
import { UserFacingError } from './errors.js';

/** How an operator runs a wave; chosen at `execute` time and frozen in the execution. */
export interface ExecutionOptions {
  /**
   * `auto`: convert every guest except those the plan chose to raw-copy (its `guestConversion`
   * settings); `always`: convert every guest; `never`: raw-copy the whole wave.
   */
  convertGuest: 'auto' | 'always' | 'never';
  allowHardPowerOff: boolean;
  startVms: boolean;
}

export const DEFAULT_EXECUTION_OPTIONS: ExecutionOptions = {
  convertGuest: 'auto',
  allowHardPowerOff: false,
  startVms: true,
};

type FrozenMaps = Pick<VmExecutionSpec, 'networkMap' | 'storageMap'>;

/**
 * The VM as the builders get it, with the map entries it uses. A NIC mapped `ignored` and a disk
 * whose datastore is `excluded` are left out (the target VM has no such device); a NIC or disk the
 * export names no network or datastore for is looked up under `(no network)` /
 * `(unnamed datastore)`, and carries that key so the builders find the entry.
 */
function resolveMaps(vm: InventoryVm, settings: PlanSettings): { vm: InventoryVm } & FrozenMaps {
  const networkMap: FrozenMaps['networkMap'] = {};
  const storageMap: Record<string, StorageClassTarget> = {};
  const nics: InventoryVm['nics'] = [];
  for (const nic of vm.nics) {
    const source = networkSourceOf(nic.network);
    const target = networkTargetOf(settings.networkMap, nic.network);
    if (target?.type === 'ignored') continue;
    if (target !== undefined) networkMap[source] = target;
    nics.push(source === nic.network ? nic : { ...nic, network: source });
  }
  const disks: InventoryVm['disks'] = [];
  for (const disk of vm.disks) {
    const source = datastoreSourceOf(disk.datastore);
    const target = storageTargetOf(settings.storageMap, disk.datastore);
    if (target !== undefined && isExcludedStorage(target)) continue;
    if (target !== undefined) storageMap[source] = target;
    disks.push(source === disk.datastore ? disk : { ...disk, datastore: source });
  }
  return { vm: { ...vm, nics, disks }, networkMap, storageMap };
}

/** Whether this VM's guest is converted in this execution: the operator's choice, else the plan's. */
export function convertsGuest(
  options: Pick<ExecutionOptions, 'convertGuest'>,
  settings: Pick<PlanSettings, 'guestConversion'>,
  vmName: string,
): boolean {
  if (options.convertGuest === 'always') return true;
  if (options.convertGuest === 'never') return false;
  return !usesRawCopy(settings, vmName);
}

/**
 * Multi-writer disks used by several VMs of the wave are copied once: by the first of them in
 * wave order; the others attach that copy. Backing file -> copying VM key, for shared disks only.
 */
function sharedDiskCopiers(vms: readonly InventoryVm[]): Map<string, string> {
  const copiers = new Map<string, string>();
  for (const vm of vms) {
    for (const disk of vm.disks) {
      if (disk.path !== null && isSharedDisk(disk) && !copiers.has(disk.path)) copiers.set(disk.path, vm.key);
    }
  }
  return copiers;
}

/**
 * The frozen per-VM specs of a wave: the approved plan's VMs with their inventory record (raw
 * source rows dropped), the map entries they use, and the assessment's guest OS decision. Every
 * VM the builders could not handle is named in one error.
 */
export function buildWaveExecutionSpecs(input: {
  planId: string;
  wave: Wave;
  settings: PlanSettings;
  inventoryVms: readonly InventoryVm[];
  /** The inventory's hosts: their time zone becomes the guest clock's. */
  inventoryHosts?: readonly InventoryHost[];
  assessments: readonly VmAssessment[];
  options: ExecutionOptions;
  /** Only to compute DataVolume names; the real one is given when the execution exists. */
  executionId: string;
  /**
   * The executor's VDDK image as this process knows it (VDDK_INIT_IMAGE): warm VMs are refused
   * without one. Absent = not checked here (rendering manifests checks it on its own).
   */
  warmPrerequisites?: { vddkInitImage: string | undefined };
}): VmExecutionSpec[] {
  const inventory = new Map(input.inventoryVms.map((vm) => [vm.key, vm]));
  const assessed = new Map(input.assessments.map((vm) => [vm.vmKey, vm]));
  const hostZones = new Map((input.inventoryHosts ?? []).map((host) => [host.name, host.timeZone]));
  const copiers = sharedDiskCopiers(
    input.wave.vms
      .map((member) => inventory.get(member.key))
      .filter((vm): vm is InventoryVm => vm !== undefined),
  );
  const problems: string[] = [];
  const specs: VmExecutionSpec[] = [];
  const cutoverAt = cutoverAtOf(input.settings, input.wave.number);
  const warmWithoutVddk: string[] = [];
  for (const member of input.wave.vms) {
    const vm = inventory.get(member.key);
    if (!vm) {
      problems.push(`VM ${member.key} (${member.name}) is not in the plan's inventory`);
      continue;
    }
    if (!vm.uuid) {
      problems.push(
        `VM "${vm.name}" (${vm.key}) has no instance UUID in the inventory; vCenter cannot be asked for it`,
      );
      continue;
    }
    const assessment = assessed.get(member.key);
    const migrationType = migrationTypeOf(input.settings, input.wave.number, vm.name);
    if (migrationType === 'warm') {
      if (assessment?.warm?.ready !== true) {
        const reasons = assessment?.warm?.reasons.join('; ') || 'no warm readiness assessed';
        problems.push(`VM "${vm.name}" (${vm.key}) cannot move warm: ${reasons}`);
        continue;
      }
      if (input.warmPrerequisites && !input.warmPrerequisites.vddkInitImage) warmWithoutVddk.push(vm.name);
    }
    const convertGuest = convertsGuest(input.options, input.settings, vm.name);
    const sharedDisksCopiedBy: Record<string, string> = {};
    for (const disk of vm.disks) {
      const copier = disk.path === null ? undefined : copiers.get(disk.path);
      if (disk.path !== null && copier !== undefined) sharedDisksCopiedBy[disk.path] = copier;
    }
    const { source: _rows, ...withoutRows } = vm;
    const resolved = resolveMaps({ ...withoutRows, source: {} }, input.settings);
    const unnamed = storageTargetOf(input.settings.storageMap, null);
    if (
      vm.disks.length === 0 &&
      (assessment?.transfer.dataMiB ?? 0) > 0 &&
      (unnamed === undefined || !isExcludedStorage(unnamed))
    ) {
      problems.push(
        `VM "${vm.name}" (${vm.key}): the export lists no disks for it (no vDisk rows), so there is nothing to copy from; re-import an export with vDisk, or map "${UNNAMED_DATASTORE_SOURCE}" as excluded to create it without disks`,
      );
      continue;
    }
    const base: Omit<VmExecutionSpec, 'disks'> = {
      vmKey: vm.key,
      name: vm.name,
      instanceUuid: vm.uuid,
      planId: input.planId,
      waveNumber: input.wave.number,
      targetName: member.targetName,
      targetNamespace: member.targetNamespace,
      sourceHost: member.host ?? vm.host,
      vm: resolved.vm,
      networkMap: resolved.networkMap,
      storageMap: resolved.storageMap,
      preference: assessment?.os.preference ?? null,
      convertGuest,
      hostTimeZone: vm.host === null ? null : (hostZones.get(vm.host) ?? null),
      startAfterMigration: input.options.startVms,
      allowHardPowerOff: input.options.allowHardPowerOff,
      migrationType,
    };
    if (migrationType === 'warm') {
      const intervalMinutes = (input.settings.migration ?? DEFAULT_MIGRATION_SETTINGS).precopyIntervalMinutes;
      base.warm = { precopyIntervalMs: intervalMinutes * 60_000, cutoverAt };
    }
    if (Object.keys(sharedDisksCopiedBy).length > 0) base.sharedDisksCopiedBy = sharedDisksCopiedBy;
    try {
      specs.push({ ...base, disks: plannedDisksOf(base, input.executionId) });
    } catch (error) {
      if (error instanceof ManifestBuildError) problems.push(error.message);
      else throw error;
    }
  }
  if (warmWithoutVddk.length > 0) {
    problems.push(
      `warm VM(s) ${warmWithoutVddk.join(', ')} need the VDDK image (VDDK_INIT_IMAGE is not set for this server): set it, or move them cold`,
    );
  }
  if (problems.length > 0) {
    throw new UserFacingError(
      'invalid-input',
      `Wave ${input.wave.number} cannot be executed: ${problems.join('; ')}`,
      'wave-not-executable',
      problems,
    );
  }
  return specs;
}

/** How the execution store records a VM of a new execution: everything starts at Preflight. */
export function newExecutionVm(spec: VmExecutionSpec) {
  return {
    vmKey: spec.vmKey,
    name: spec.name,
    targetName: spec.targetName,
    sourceHost: spec.sourceHost,
    spec,
    firstPhase: 'Preflight',
    // A shared disk another VM of the wave copies takes none of this VM's copy slots.
    disks: spec.disks
      .filter((disk) => !disk.copiedBy)
      .map((disk) => ({
        index: disk.index,
        datastore: disk.datastore,
        capacityBytes: disk.capacityBytes,
      })),
  };
}
