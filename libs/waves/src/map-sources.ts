import type { VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import {
  isExcludedStorage,
  type NetworkMap,
  type NetworkTarget,
  type StorageMap,
  type StorageTarget,
} from './settings.js';
import { diskTransfers } from './vm-profile.js';

/**
 * Map keys for what an export leaves unnamed. RVTools writes a NIC with no port group (a
 * disconnected adapter, a vNetwork row with an empty Network cell) and, without vDisk, no
 * datastore for a VM's disks; without a key of their own these could never be mapped, and their
 * waves never approved. The parentheses keep them apart from real names: vSphere allows them in a
 * port group name, but no export we have seen uses them this way.
 */
export const NO_NETWORK_SOURCE = '(no network)';
export const UNNAMED_DATASTORE_SOURCE = '(unnamed datastore)';

/** The network map key a NIC is looked up under. */
export function networkSourceOf(network: string | null): string {
  const name = network?.trim();
  return name ? name : NO_NETWORK_SOURCE;
}

/** The storage map key a disk is looked up under. */
export function datastoreSourceOf(datastore: string | null): string {
  const name = datastore?.trim();
  return name ? name : UNNAMED_DATASTORE_SOURCE;
}

export function networkTargetOf(map: NetworkMap, network: string | null): NetworkTarget | undefined {
  const source = networkSourceOf(network);
  return Object.hasOwn(map, source) ? map[source] : undefined;
}

export function storageTargetOf(map: StorageMap, datastore: string | null): StorageTarget | undefined {
  const source = datastoreSourceOf(datastore);
  return Object.hasOwn(map, source) ? map[source] : undefined;
}

/** How a mapped entry reads in a table: `pod`, `ns/name`, `ignored`, a storage class, `excluded`. */
export function describeNetworkTarget(target: NetworkTarget | undefined): string {
  if (target === undefined) return 'unmapped';
  return target.type === 'multus' ? target.name : target.type;
}

export function describeStorageTarget(target: StorageTarget | undefined): string {
  if (target === undefined) return 'unmapped';
  return isExcludedStorage(target) ? 'excluded' : target.storageClass;
}

/** One source entry of a map: a named network or datastore, or one of the two unnamed ones. */
export interface MapSourceEntry {
  source: string;
  /** True for `(no network)` / `(unnamed datastore)`: the export names nothing here. */
  unnamed: boolean;
  /** VMs of the planned waves using it, and how many NICs or disks. */
  vms: number;
  items: number;
  /** Waves using it, ascending. */
  waves: number[];
  /** A few VM names, for a person deciding what to map it to. */
  exampleVms: string[];
  /** `null` when unmapped: the waves using it cannot be approved. */
  target: NetworkTarget | StorageTarget | null;
}

export interface MapSources {
  networks: MapSourceEntry[];
  datastores: MapSourceEntry[];
}

const EXAMPLES = 5;
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class SourceTally {
  private readonly entries = new Map<
    string,
    { vms: Set<string>; items: number; waves: Set<number>; names: string[] }
  >();

  add(source: string, vm: InventoryVm, wave: number): void {
    let entry = this.entries.get(source);
    if (entry === undefined) {
      entry = { vms: new Set(), items: 0, waves: new Set(), names: [] };
      this.entries.set(source, entry);
    }
    entry.items += 1;
    entry.waves.add(wave);
    if (!entry.vms.has(vm.key)) {
      entry.vms.add(vm.key);
      if (entry.names.length < EXAMPLES) entry.names.push(vm.name);
    }
  }

  list(mapped: Record<string, object>, unnamed: string): MapSourceEntry[] {
    const sources = new Set([...this.entries.keys(), ...Object.keys(mapped)]);
    return [...sources].sort(byString).map((source) => {
      const entry = this.entries.get(source);
      return {
        source,
        unnamed: source === unnamed,
        vms: entry?.vms.size ?? 0,
        items: entry?.items ?? 0,
        waves: [...(entry?.waves ?? [])].sort((a, b) => a - b),
        exampleVms: entry?.names ?? [],
        target: Object.hasOwn(mapped, source)
          ? ((mapped[source] as NetworkTarget | StorageTarget) ?? null)
          : null,
      };
    });
  }
}

/**
 * Every source entry the maps of a plan need: the networks and datastores its waves' VMs use,
 * including `(no network)` and `(unnamed datastore)` when some NIC or disk names none, and the
 * entries already mapped that no wave uses (so a stale entry shows).
 */
export function listMapSources(
  waves: ReadonlyArray<{ number: number; vmKeys: readonly string[] }>,
  vms: readonly InventoryVm[],
  assessments: readonly VmAssessment[],
  maps: { networkMap: NetworkMap; storageMap: StorageMap },
): MapSources {
  const vmByKey = new Map(vms.map((vm) => [vm.key, vm]));
  const assessmentByKey = new Map(assessments.map((assessment) => [assessment.vmKey, assessment]));
  const networks = new SourceTally();
  const datastores = new SourceTally();
  for (const wave of waves) {
    for (const key of wave.vmKeys) {
      const vm = vmByKey.get(key);
      if (vm === undefined) continue;
      for (const nic of vm.nics) networks.add(networkSourceOf(nic.network), vm, wave.number);
      // The planner's disks: a VM the export lists no disk for still copies its data somewhere.
      for (const disk of diskTransfers(vm, assessmentByKey.get(key)))
        datastores.add(datastoreSourceOf(disk.datastore), vm, wave.number);
    }
  }
  return {
    networks: networks.list(maps.networkMap, NO_NETWORK_SOURCE),
    datastores: datastores.list(maps.storageMap, UNNAMED_DATASTORE_SOURCE),
  };
}
