import type { InventoryVm } from '#libs/inventory';
import { type CompiledPolicy, compilePolicy, storageClassFor } from './compiled-policy.js';
import type { AssessmentPolicy } from './policy.js';
import { sourceCell } from './source-cells.js';
import type { SizingTotals, TargetDisk, TargetSizing } from './types.js';

/** Key used in `storageByClassMiB` for disks left to the cluster's default storage class. */
export const CLUSTER_DEFAULT_STORAGE_CLASS = '(cluster default)';

/** Label of the single disk sizing assumes when the export carried no vDisk rows for the VM. */
export const UNLISTED_DISKS_LABEL = '(disks not listed: vInfo total)';

/**
 * What the VM asks of the target cluster: the source CPU topology (as Forklift builds it:
 * sockets = vCPUs / cores per socket), guest memory plus KubeVirt's per-VM overhead, and one PVC
 * per disk, sized to the capacity rounded up to 1 MiB as CDI needs.
 */
export function sizeVm(vm: InventoryVm, policy: AssessmentPolicy): TargetSizing {
  const compiled = compilePolicy(policy);
  const { sockets, coresPerSocket } = cpuTopology(vm);
  const vcpus = sockets * coresPerSocket;
  const memoryMiB = Math.max(0, vm.memoryMiB);
  const overhead = compiled.policy.sizing.overhead;
  const memoryWithOverheadMiB = Math.ceil(
    memoryMiB + overhead.fixedMiB + overhead.perVcpuMiB * vcpus + memoryMiB / overhead.pageTableDivisor,
  );
  const disks = targetDisks(vm, compiled);
  const storageByClassMiB: Record<string, number> = {};
  for (const disk of disks) {
    const key = disk.storageClass ?? CLUSTER_DEFAULT_STORAGE_CLASS;
    storageByClassMiB[key] = (storageByClassMiB[key] ?? 0) + disk.requestMiB;
  }
  return {
    sockets,
    coresPerSocket,
    threads: 1,
    memoryMiB,
    memoryWithOverheadMiB,
    disks,
    storageByClassMiB,
  };
}

export function emptySizingTotals(): SizingTotals {
  return {
    vms: 0,
    vcpus: 0,
    memoryMiB: 0,
    memoryWithOverheadMiB: 0,
    storageMiB: 0,
    storageByClassMiB: {},
    workerNodes: 0,
    workerNodesFor: { cpu: 0, memory: 0, spare: 0 },
  };
}

export function addToTotals(totals: SizingTotals, sizing: TargetSizing): void {
  totals.vms += 1;
  totals.vcpus += sizing.sockets * sizing.coresPerSocket * sizing.threads;
  totals.memoryMiB += sizing.memoryMiB;
  totals.memoryWithOverheadMiB += sizing.memoryWithOverheadMiB;
  for (const [storageClass, mib] of Object.entries(sizing.storageByClassMiB)) {
    totals.storageMiB += mib;
    totals.storageByClassMiB[storageClass] = (totals.storageByClassMiB[storageClass] ?? 0) + mib;
  }
}

/**
 * Worker nodes of the policy's shape for the totals: the larger of what the vCPUs need (after CPU
 * overcommit) and what memory with overhead needs (after memory overcommit), each on the node's
 * capacity less the headroom, plus the spare nodes; none when there is nothing to run.
 */
export function withWorkerNodes(totals: SizingTotals, policy: AssessmentPolicy): SizingTotals {
  const { workerNode, cpuOvercommit, memoryOvercommit, headroomPercent, spareNodes } = policy.sizing;
  const usable = 1 - headroomPercent / 100;
  const cpu = nodesFor(totals.vcpus, workerNode.cpus * cpuOvercommit * usable);
  const memory = nodesFor(totals.memoryWithOverheadMiB, workerNode.memoryMiB * memoryOvercommit * usable);
  const spare = totals.vms > 0 ? spareNodes : 0;
  return {
    ...totals,
    storageByClassMiB: sortedRecord(totals.storageByClassMiB),
    workerNodes: totals.vms > 0 ? Math.max(cpu, memory, 1) + spare : 0,
    workerNodesFor: { cpu, memory, spare },
  };
}

function nodesFor(demand: number, perNode: number): number {
  if (demand <= 0) return 0;
  // The epsilon keeps float noise (2.0000000001 nodes) from costing a whole node.
  return Math.ceil(demand / perNode - 1e-9);
}

function cpuTopology(vm: InventoryVm): { sockets: number; coresPerSocket: number } {
  const cpus = Math.max(1, Math.round(vm.cpus || 0));
  const cores = vm.coresPerSocket && vm.coresPerSocket > 0 ? Math.round(vm.coresPerSocket) : null;
  if (cores !== null && cpus % cores === 0) return { sockets: cpus / cores, coresPerSocket: cores };
  const sockets = vm.sockets && vm.sockets > 0 ? Math.round(vm.sockets) : null;
  if (sockets !== null && cpus % sockets === 0) return { sockets, coresPerSocket: cpus / sockets };
  // Inconsistent counts: keep the vCPU count, which is what the guest is licensed and tuned for.
  return { sockets: cpus, coresPerSocket: 1 };
}

function targetDisks(vm: InventoryVm, policy: CompiledPolicy): TargetDisk[] {
  if (vm.disks.length > 0) {
    return vm.disks.map((disk) => {
      const capacityMiB = Number.isFinite(disk.capacityMiB) ? disk.capacityMiB : 0;
      return {
        label: disk.label,
        capacityMiB,
        requestMiB: Math.max(0, Math.ceil(capacityMiB)),
        datastore: disk.datastore,
        storageClass: storageClassFor(policy, disk.datastore),
      };
    });
  }
  // vDisk not exported (or empty for this VM): size one disk from vInfo so storage is not lost.
  const total =
    parseMiB(
      sourceCell(vm, 'vInfo', 'Total disk capacity MiB') ?? sourceCell(vm, 'vInfo', 'Total disk capacity MB'),
    ) ?? vm.provisionedMiB;
  if (total === null || total <= 0) return [];
  const datastore = datastoreOf(sourceCell(vm, 'vInfo', 'Path'));
  return [
    {
      label: UNLISTED_DISKS_LABEL,
      capacityMiB: total,
      requestMiB: Math.ceil(total),
      datastore,
      storageClass: storageClassFor(policy, datastore),
    },
  ];
}

function parseMiB(text: string | null): number | null {
  if (text === null) return null;
  const value = Number(text.replace(/[,\s]/g, ''));
  return Number.isFinite(value) ? value : null;
}

function datastoreOf(path: string | null): string | null {
  const match = path ? /^\[([^\]]+)\]/.exec(path.trim()) : null;
  return match?.[1]?.trim() || null;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
