import type { VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { ManifestBuildError } from '#libs/kubevirt';
import { plannedDisksOf, type VmExecutionSpec } from '#libs/migration';
import {
  datastoreSourceOf,
  isExcludedStorage,
  networkSourceOf,
  networkTargetOf,
  type PlanSettings,
  type StorageClassTarget,
  storageTargetOf,
  UNNAMED_DATASTORE_SOURCE,
  type Wave,
} from '#libs/waves';
import { UserFacingError } from './errors.js';

/** How an operator runs a wave; chosen at `execute` time and frozen in the execution. */
export interface ExecutionOptions {
  /** `auto`: convert the guests the assessment says need it (Windows). */
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
  assessments: readonly VmAssessment[];
  options: ExecutionOptions;
  /** Only to compute DataVolume names; the real one is given when the execution exists. */
  executionId: string;
}): VmExecutionSpec[] {
  const inventory = new Map(input.inventoryVms.map((vm) => [vm.key, vm]));
  const assessed = new Map(input.assessments.map((vm) => [vm.vmKey, vm]));
  const problems: string[] = [];
  const specs: VmExecutionSpec[] = [];
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
    const needsConversion = assessment?.os.needsDriverConversion ?? false;
    const convertGuest =
      input.options.convertGuest === 'always' || (input.options.convertGuest === 'auto' && needsConversion);
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
      startAfterMigration: input.options.startVms,
      allowHardPowerOff: input.options.allowHardPowerOff,
    };
    try {
      specs.push({ ...base, disks: plannedDisksOf(base, input.executionId) });
    } catch (error) {
      if (error instanceof ManifestBuildError) problems.push(error.message);
      else throw error;
    }
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
    disks: spec.disks.map((disk) => ({
      index: disk.index,
      datastore: disk.datastore,
      capacityBytes: disk.capacityBytes,
    })),
  };
}
