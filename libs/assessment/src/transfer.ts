import type { InventoryVm } from '#libs/inventory';
import type { AssessmentPolicy } from './policy.js';
import type { TransferEstimate } from './types.js';

/**
 * How much CDI copies for a VM and how long that takes on its own. Thin disks copy their used
 * blocks, thick ones their full capacity (an unknown provisioning type counts as thick, which errs
 * on the long side). RVTools gives used space per VM only, so the VM's `In Use` less what its thick
 * disks hold is spread over its thin disks by capacity. Disks copy in parallel at the per-disk
 * rate, and all of them together cannot beat the ESXi host's rate.
 */
export function estimateTransfer(vm: InventoryVm, policy: AssessmentPolicy): TransferEstimate {
  const perDisk = policy.transfer.perDiskMiBps;
  const perHost = policy.transfer.perHostMiBps;
  const data = diskData(vm);
  let total = 0;
  let largest = 0;
  for (const mib of data) {
    total += mib;
    if (mib > largest) largest = mib;
  }
  const diskSeconds = largest / perDisk;
  const hostSeconds = total / perHost;
  return {
    dataMiB: total,
    largestDiskMiB: largest,
    hours: Math.max(diskSeconds, hostSeconds) / 3600,
    bottleneck: hostSeconds > diskSeconds ? 'host' : 'disk',
  };
}

function diskData(vm: InventoryVm): number[] {
  if (vm.disks.length === 0) {
    const total = vm.inUseMiB ?? vm.provisionedMiB ?? 0;
    return total > 0 ? [Math.ceil(total)] : [];
  }
  const capacities = vm.disks.map((disk) =>
    Number.isFinite(disk.capacityMiB) ? Math.max(0, disk.capacityMiB) : 0,
  );
  let thickTotal = 0;
  let thinTotal = 0;
  vm.disks.forEach((disk, index) => {
    if (disk.thin === true) thinTotal += capacities[index];
    else thickTotal += capacities[index];
  });
  // Without In Use, thin disks count as full: better a long estimate than a short one.
  const thinUsed =
    vm.inUseMiB === null || !Number.isFinite(vm.inUseMiB)
      ? thinTotal
      : Math.min(thinTotal, Math.max(0, vm.inUseMiB - thickTotal));
  return vm.disks.map((disk, index) => {
    const capacity = capacities[index];
    if (disk.thin !== true) return Math.ceil(capacity);
    return thinTotal > 0 ? Math.ceil((thinUsed * capacity) / thinTotal) : 0;
  });
}
