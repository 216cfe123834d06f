import type { Inventory, InventoryCluster, InventoryVm } from '#libs/inventory';
import { toVmTargetName } from '#libs/kubevirt';
import { type CompiledPolicy, compilePolicy, firstMatch } from './compiled-policy.js';
import type { AssessmentPolicy } from './policy.js';
import type { OutOfScopeReason } from './types.js';

/**
 * What one VM's rules need to know about the rest of the inventory, computed once per inventory:
 * which disks use a VMDK that other VMs use too (shared disks), the name each VM gets in the
 * cluster and which VMs would collide on it, and which sheets the export carried (an absent sheet
 * is no evidence).
 */
export interface AssessmentContext {
  readonly policy: CompiledPolicy;
  /** Lower-cased sheet names of the export; empty when the source did not list them. */
  readonly sheets: ReadonlySet<string>;
  /** VM key -> its disks (by index) whose backing file other VMs use too, with those VMs' keys. */
  readonly sharedDiskFiles: ReadonlyMap<
    string,
    readonly { diskIndex: number; otherVmKeys: readonly string[] }[]
  >;
  readonly vmNames: ReadonlyMap<string, string>;
  /** VM key -> DNS-1123 name the VM gets in the cluster. */
  readonly targetNames: ReadonlyMap<string, string>;
  /** Target name -> keys of the in-scope VMs that would get it, sorted. */
  readonly targetNameUsers: ReadonlyMap<string, readonly string[]>;
  /** Clusters by name (DRS and DPM settings). */
  readonly clusters: ReadonlyMap<string, InventoryCluster>;
}

export function buildAssessmentContext(inventory: Inventory, policy: AssessmentPolicy): AssessmentContext {
  const compiled = compilePolicy(policy);
  const vmNames = new Map<string, string>();
  const targetNames = new Map<string, string>();
  const targetNameUsers = new Map<string, string[]>();
  // Datastore names are only unique inside one vCenter: files are keyed by vCenter, then by
  // backing path. Nested maps rather than joined keys: the paths are hashed once, not rebuilt.
  const fileUsers = new Map<string, Map<string, string | string[]>>();
  let anyShared = false;
  for (const vm of inventory.vms) {
    vmNames.set(vm.key, vm.name);
    const targetName = targetNameOf(vm);
    targetNames.set(vm.key, targetName);
    if (outOfScopeReason(vm, compiled) === null) push(targetNameUsers, targetName, vm.key);
    if (vm.disks.length === 0) continue;
    const files = filesOf(fileUsers, vm);
    for (const disk of vm.disks) {
      const path = disk.path?.trim();
      if (!path) continue;
      const users = files.get(path);
      if (users === undefined) files.set(path, vm.key);
      else if (typeof users === 'string') {
        if (users !== vm.key) {
          files.set(path, [users, vm.key]);
          anyShared = true;
        }
      } else if (!users.includes(vm.key)) users.push(vm.key);
    }
  }
  for (const keys of targetNameUsers.values()) dedupeSorted(keys);
  // Most estates share no file: index the few that do, so the per-VM rule is one lookup.
  const sharedDiskFiles = new Map<string, { diskIndex: number; otherVmKeys: string[] }[]>();
  if (anyShared) {
    for (const vm of inventory.vms) {
      if (vm.disks.length === 0) continue;
      const files = filesOf(fileUsers, vm);
      vm.disks.forEach((disk, diskIndex) => {
        const path = disk.path?.trim();
        const users = path ? files.get(path) : undefined;
        if (!Array.isArray(users)) return;
        const otherVmKeys = users.filter((key) => key !== vm.key).sort();
        const list = sharedDiskFiles.get(vm.key);
        if (list) list.push({ diskIndex, otherVmKeys });
        else sharedDiskFiles.set(vm.key, [{ diskIndex, otherVmKeys }]);
      });
    }
  }
  return {
    policy: compiled,
    // `tabvInfo`-style names (RVTools' CSV naming, kept by some workbooks) count as their sheet.
    sheets: new Set(inventory.source.sheets.map((sheet) => sheet.toLowerCase().replace(/^tab(?=v|dv)/, ''))),
    sharedDiskFiles,
    vmNames,
    targetNames,
    targetNameUsers,
    clusters: new Map(inventory.clusters.map((cluster) => [cluster.name, cluster])),
  };
}

/** True when the export carried the sheet, or when the source did not say which sheets it had. */
export function hasSheet(context: AssessmentContext, sheet: string): boolean {
  return context.sheets.size === 0 || context.sheets.has(sheet.toLowerCase());
}

export function targetNameOf(vm: InventoryVm): string {
  return toVmTargetName(vm.name, vm.moref ?? vm.uuid ?? vm.key);
}

/** Templates, SRM placeholders and vSphere cluster-service VMs never move. */
export function outOfScopeReason(vm: InventoryVm, policy: CompiledPolicy): OutOfScopeReason | null {
  if (vm.template) return 'template';
  if (vm.srmPlaceholder) return 'srm-placeholder';
  if (firstMatch(policy.clusterServiceVmPatterns, vm.name)) return 'cluster-service-vm';
  return null;
}

function filesOf(
  fileUsers: Map<string, Map<string, string | string[]>>,
  vm: InventoryVm,
): Map<string, string | string[]> {
  const vcenter = vm.vcenter.uuid ?? vm.vcenter.server ?? '';
  let files = fileUsers.get(vcenter);
  if (!files) {
    files = new Map();
    fileUsers.set(vcenter, files);
  }
  return files;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function dedupeSorted(keys: string[]): void {
  keys.sort();
  let write = 0;
  for (let read = 0; read < keys.length; read++) {
    if (read === 0 || keys[read] !== keys[read - 1]) keys[write++] = keys[read];
  }
  keys.length = write;
}
