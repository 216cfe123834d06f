import { createHash } from 'node:crypto';
import {
  cutoverAtOf,
  type MigrationSettings,
  migrationTypeOf,
  type NetworkMap,
  type StorageMap,
} from './settings.js';
import type { Wave } from './types.js';

export interface PlanMaps {
  networkMap: NetworkMap;
  storageMap: StorageMap;
  /** Absent in plans stored before warm migration: every VM cold. */
  migration?: MigrationSettings | undefined;
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
 * use, so only a change to this wave's content invalidates its approval. Which VMs move warm and
 * the booked cutover are content too; they are left out while cold and unbooked, so the hashes
 * of plans approved before warm migration existed stay as they were.
 */
export function waveContentHash(wave: Wave, maps: PlanMaps): string {
  const warmVmKeys = maps.migration
    ? wave.vms
        .filter((vm) => migrationTypeOf(maps, wave.number, vm.name) === 'warm')
        .map((vm) => vm.key)
        .sort(byString)
    : [];
  const cutoverAt = maps.migration ? cutoverAtOf(maps, wave.number) : null;
  const content: Record<string, CanonicalValue> = {
    vmKeys: [...wave.vmKeys].sort(byString),
    groups: [...wave.groups].sort(byString),
    targetNamespace: wave.targetNamespace,
    vmNamespaces: [...wave.vms]
      .sort((a, b) => byString(a.key, b.key))
      .map((vm) => [vm.key, vm.targetNamespace, vm.targetName]),
    networks: [...wave.networks].sort(byString).map((name) => [name, entry(maps.networkMap, name)]),
    datastores: [...wave.datastores].sort(byString).map((name) => [name, entry(maps.storageMap, name)]),
  };
  if (warmVmKeys.length > 0) {
    content.warmVmKeys = warmVmKeys;
    content.precopyIntervalMinutes = maps.migration?.precopyIntervalMinutes ?? null;
  }
  if (cutoverAt !== null) content.cutoverAt = new Date(cutoverAt).toISOString();
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
