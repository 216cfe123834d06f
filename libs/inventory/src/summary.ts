import type { Inventory, InventorySummary } from './model.js';

const MIB_PER_GIB = 1024;

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * Headline counts of an inventory. `vms` counts every vInfo VM row, templates included (RVTools
 * and vCenter list templates as VMs); `templates` says how many of them are templates. Sizes and
 * power counts cover the non-template VMs only, since templates never run or migrate.
 */
export function summarizeInventory(inventory: Inventory): InventorySummary {
  let templates = 0;
  let poweredOn = 0;
  let poweredOff = 0;
  let disks = 0;
  let provisionedMiB = 0;
  let inUseMiB = 0;
  let vcpus = 0;
  let memoryMiB = 0;
  for (const vm of inventory.vms) {
    if (vm.template) {
      templates += 1;
      continue;
    }
    if (vm.powerState === 'poweredOn') poweredOn += 1;
    else if (vm.powerState === 'poweredOff') poweredOff += 1;
    disks += vm.disks.length;
    const diskTotal = vm.disks.reduce((sum, disk) => sum + disk.capacityMiB, 0);
    provisionedMiB += vm.provisionedMiB ?? diskTotal;
    inUseMiB += vm.inUseMiB ?? diskTotal;
    vcpus += vm.cpus;
    memoryMiB += vm.memoryMiB;
  }
  const diagnostics = { error: 0, warning: 0, info: 0 };
  for (const diagnostic of inventory.diagnostics) diagnostics[diagnostic.severity] += 1;
  return {
    vms: inventory.vms.length,
    templates,
    poweredOn,
    poweredOff,
    hosts: inventory.hosts.length,
    clusters: inventory.clusters.length,
    datacenters: inventory.datacenters.length,
    datastores: inventory.datastores.length,
    networks: inventory.networks.length,
    disks,
    provisionedGiB: round1(provisionedMiB / MIB_PER_GIB),
    inUseGiB: round1(inUseMiB / MIB_PER_GIB),
    vcpus,
    memoryGiB: round1(memoryMiB / MIB_PER_GIB),
    diagnostics,
    exportedAt: inventory.source.exportedAt ?? null,
    exportedAtBasis: inventory.source.exportedAtBasis ?? null,
  };
}
