import type { InventoryDisk } from '#libs/inventory';

/**
 * Forklift's `sortedDisksAsVmware`: SATA, then IDE, then SCSI, then NVMe. The DataVolume index and
 * the VM's disk list both follow this order, so disk N of the VM is always DataVolume N.
 */
const BUS_ORDER: readonly InventoryDisk['controllerType'][] = ['sata', 'ide', 'scsi', 'nvme', 'unknown'];

/** `SCSI controller 1` -> 1; the bus number of the controller a disk hangs on. */
function controllerNumber(disk: InventoryDisk): number {
  const match = disk.controller === null ? null : /(\d+)\s*$/.exec(disk.controller);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}

function orderOf(value: number | null): number {
  return value ?? Number.MAX_SAFE_INTEGER;
}

/**
 * Disks in VMware order: by bus, then controller, then unit. Forklift sorts by device key within a
 * bus; vSphere hands out disk keys in controller-then-unit order, so this gives the same order and
 * still works when an export leaves the key out. The key breaks any remaining tie.
 */
export function sortDisksAsVmware(disks: readonly InventoryDisk[]): InventoryDisk[] {
  return disks
    .map((disk, position) => ({ disk, position }))
    .sort(
      (a, b) =>
        BUS_ORDER.indexOf(a.disk.controllerType) - BUS_ORDER.indexOf(b.disk.controllerType) ||
        controllerNumber(a.disk) - controllerNumber(b.disk) ||
        orderOf(a.disk.unitNumber) - orderOf(b.disk.unitNumber) ||
        orderOf(a.disk.key) - orderOf(b.disk.key) ||
        a.position - b.position,
    )
    .map(({ disk }) => disk);
}
