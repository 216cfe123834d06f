import type { Effort, VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import type { ExcludedVm } from './types.js';

/** One disk copy as the planner sees it. */
export interface DiskTransfer {
  /** The VMDK path when known, so a disk shared by two VMs is one transfer. */
  id: string;
  path: string | null;
  datastore: string | null;
  dataMiB: number;
  /** Provisioned size: what the change rate of a warm migration's deltas applies to. */
  capacityMiB: number;
  multiWriter: boolean;
}

export const EFFORT_RANK: Record<Effort, number> = { low: 0, medium: 1, high: 2 };
export const EFFORTS: Effort[] = ['low', 'medium', 'high'];

/** Why a VM cannot be in a wave, or null when it is a rehost candidate. */
export function notRehostReason(assessment: VmAssessment | undefined): ExcludedVm['reason'] | null {
  if (!assessment) return 'not-assessed';
  if (assessment.outOfScope !== null) return 'out-of-scope';
  const disposition = assessment.override?.disposition ?? assessment.disposition;
  return disposition === 'rehost' ? null : disposition;
}

export function normalizeDiskPath(path: string | null): string | null {
  if (path === null) return null;
  const trimmed = path.trim();
  if (trimmed.length === 0) return null;
  return /\s\s|[\t\n\r]/.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

export function isMultiWriter(sharingMode: string | null): boolean {
  return sharingMode?.toLowerCase().includes('multiwriter') ?? false;
}

/**
 * The assessment gives the data to copy per VM (used space for thin disks); the inventory gives
 * the disks. Spreading the VM's figure over its disks by capacity is the best per-disk estimate
 * both allow, and per-disk sizes drive the schedule (a disk is one stream).
 */
export function diskTransfers(vm: InventoryVm, assessment: VmAssessment | undefined): DiskTransfer[] {
  const dataMiB = Math.max(0, assessment?.transfer.dataMiB ?? 0);
  const totalCapacity = vm.disks.reduce((sum, disk) => sum + Math.max(0, disk.capacityMiB), 0);
  if (vm.disks.length === 0 || totalCapacity <= 0) {
    return dataMiB > 0
      ? [
          {
            id: `${vm.key}#disks`,
            path: null,
            datastore: null,
            dataMiB,
            capacityMiB: dataMiB,
            multiWriter: false,
          },
        ]
      : [];
  }
  return vm.disks.map((disk, index) => {
    const path = normalizeDiskPath(disk.path);
    return {
      id: path ?? `${vm.key}#disk-${index}`,
      path,
      datastore: disk.datastore,
      dataMiB: (dataMiB * Math.max(0, disk.capacityMiB)) / totalCapacity,
      capacityMiB: Math.max(0, disk.capacityMiB),
      multiWriter: isMultiWriter(disk.sharingMode),
    };
  });
}
