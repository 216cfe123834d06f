import { createHash } from 'node:crypto';
import type { NetworkMap, StorageMap } from './settings.js';
import type { Wave } from './types.js';

export interface PlanMaps {
  networkMap: NetworkMap;
  storageMap: StorageMap;
}

type CanonicalValue = string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

/** JSON with object keys sorted, so equal content always serializes to the same bytes. */
function canonicalJson(value: CanonicalValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function entry<T extends object>(map: Record<string, T>, name: string): CanonicalValue {
  if (!Object.hasOwn(map, name)) return null;
  const target = map[name] as Record<string, unknown>;
  const canonical: Record<string, CanonicalValue> = {};
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      canonical[key] = value;
  }
  return canonical;
}

/**
 * SHA-256 (hex) of what an approver approves: the VMs, groups, namespaces and the map entries the
 * wave uses. Independent of the wave's number and of ordering, and of map entries other waves
 * use, so only a change to this wave's content invalidates its approval.
 */
export function waveContentHash(wave: Wave, maps: PlanMaps): string {
  const content: CanonicalValue = {
    vmKeys: [...wave.vmKeys].sort(byString),
    groups: [...wave.groups].sort(byString),
    targetNamespace: wave.targetNamespace,
    vmNamespaces: [...wave.vms]
      .sort((a, b) => byString(a.key, b.key))
      .map((vm) => [vm.key, vm.targetNamespace, vm.targetName]),
    networks: [...wave.networks].sort(byString).map((name) => [name, entry(maps.networkMap, name)]),
    datastores: [...wave.datastores].sort(byString).map((name) => [name, entry(maps.storageMap, name)]),
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
