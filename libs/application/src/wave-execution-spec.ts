import type { VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { ManifestBuildError } from '#libs/kubevirt';
import { plannedDisksOf, type VmExecutionSpec } from '#libs/migration';
import type { PlanSettings, Wave } from '#libs/waves';
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

function pick<T>(map: Record<string, T>, keys: Iterable<string | null>): Record<string, T> {
  const picked: Record<string, T> = {};
  for (const key of keys) if (key !== null && Object.hasOwn(map, key)) picked[key] = map[key] as T;
  return picked;
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
    const frozenVm: InventoryVm = { ...withoutRows, source: {} };
    const base: Omit<VmExecutionSpec, 'disks'> = {
      vmKey: vm.key,
      name: vm.name,
      instanceUuid: vm.uuid,
      planId: input.planId,
      waveNumber: input.wave.number,
      targetName: member.targetName,
      targetNamespace: member.targetNamespace,
      sourceHost: member.host ?? vm.host,
      vm: frozenVm,
      networkMap: pick(
        input.settings.networkMap,
        vm.nics.map((nic) => nic.network),
      ),
      storageMap: pick(
        input.settings.storageMap,
        vm.disks.map((disk) => disk.datastore),
      ),
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
