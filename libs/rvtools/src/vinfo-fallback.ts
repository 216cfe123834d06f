import type { InventoryDisk, InventoryNic } from '#libs/inventory';

/** What a VM's vInfo row says about its devices, kept to stand in for or check vDisk / vNetwork. */
export interface VinfoDeviceFacts {
  /** vInfo row number (1-based, as a spreadsheet shows it). */
  row: number;
  /** vInfo `Disks` / `NICs`: device counts; null when the column is absent or blank. */
  disks: number | null;
  nics: number | null;
  /** vInfo `Total disk capacity MiB`, else `Provisioned MiB` (which includes swap and logs). */
  diskCapacityMiB: number | null;
  /** vInfo `Network #1`, `Network #2`, ...: the port group of each NIC, by position. */
  networks: (string | null)[];
  /** Datastore of vInfo `Path` (the .vmx file): where the VM lives. */
  vmxDatastore: string | null;
}

/**
 * Disks from vInfo when the export has no vDisk sheet: as many as `Disks` says, the total capacity
 * split evenly (vInfo has no size per disk), on the datastore of the VM's configuration file.
 */
export function disksFromVinfo(facts: VinfoDeviceFacts): InventoryDisk[] {
  const count = facts.disks ?? 0;
  if (count <= 0) return [];
  const capacityMiB =
    facts.diskCapacityMiB !== null && facts.diskCapacityMiB > 0 ? facts.diskCapacityMiB / count : 0;
  return Array.from({ length: count }, (_, index) => ({
    label: `Hard disk ${index + 1}`,
    key: null,
    capacityMiB,
    thin: null,
    diskMode: null,
    independent: false,
    sharingMode: null,
    raw: false,
    rawMode: null,
    controller: null,
    controllerType: 'unknown',
    unitNumber: null,
    path: null,
    datastore: facts.vmxDatastore,
  }));
}

/** NICs from vInfo when the export has no vNetwork sheet: `NICs` of them, on `Network #n`. */
export function nicsFromVinfo(facts: VinfoDeviceFacts): InventoryNic[] {
  const count = facts.nics ?? 0;
  if (count <= 0) return [];
  return Array.from({ length: count }, (_, index) => ({
    label: `Network adapter ${index + 1}`,
    adapterType: null,
    network: facts.networks[index] ?? null,
    switchName: null,
    mac: null,
    connected: null,
    startsConnected: null,
    directPathIo: null,
    ipv4: [],
    ipv6: [],
  }));
}
