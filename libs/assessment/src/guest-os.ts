import type { InventoryVm } from '#libs/inventory';
import { type CompiledPolicy, compilePolicy, type GuestOsEntry } from './compiled-policy.js';
import type { AssessmentPolicy } from './policy.js';
import type { GuestOsMapping } from './types.js';

type GuestOsFields = Pick<InventoryVm, 'guestOsTools' | 'guestId' | 'guestOsConfig'>;

/**
 * Maps a VM's guest OS to a KubeVirt preference and a support level through the policy's guest
 * OS list. The OS VMware Tools reports comes first (it is what actually runs: the configured
 * guest id is often stale after an in-place upgrade), then the guest id, then the configured OS
 * name. A generic match (`Other 3.x Linux`) only wins when nothing more specific matches.
 */
export function mapGuestOs(vm: GuestOsFields, policy: AssessmentPolicy): GuestOsMapping {
  const compiled = compilePolicy(policy);
  const sources: [NonNullable<GuestOsMapping['matchedBy']>, string | null][] = [
    ['tools', vm.guestOsTools],
    ['guest-id', vm.guestId],
    ['config', vm.guestOsConfig],
  ];
  let generic: GuestOsMapping | null = null;
  for (const [matchedBy, value] of sources) {
    const text = value?.trim();
    if (!text) continue;
    const entry =
      matchedBy === 'guest-id'
        ? (compiled.guestOsById.get(text.toLowerCase()) ?? null)
        : matchName(compiled, text);
    if (!entry) continue;
    const mapping = toMapping(entry, text, matchedBy);
    if (entry.support !== 'unknown') return mapping;
    generic ??= mapping;
  }
  if (generic) return generic;
  const osName = sources.map(([, value]) => value?.trim()).find((value) => value) ?? null;
  const family =
    osName === null
      ? 'unknown'
      : /windows/i.test(osName)
        ? 'windows'
        : /linux/i.test(osName)
          ? 'other-linux'
          : 'other';
  return {
    family,
    preference: null,
    support: 'unknown',
    needsDriverConversion: family === 'windows',
    osName,
    matchedBy: null,
  };
}

function matchName(policy: CompiledPolicy, name: string): GuestOsEntry | null {
  const cached = policy.guestOsNameCache.get(name);
  if (cached !== undefined) return cached;
  const entry = policy.guestOsByName.find(({ pattern }) => pattern.test(name))?.entry ?? null;
  policy.guestOsNameCache.set(name, entry);
  return entry;
}

function toMapping(
  entry: GuestOsEntry,
  osName: string,
  matchedBy: GuestOsMapping['matchedBy'],
): GuestOsMapping {
  return {
    family: entry.family,
    preference: entry.preference,
    support: entry.support,
    needsDriverConversion: entry.needsDriverConversion ?? entry.family === 'windows',
    osName,
    matchedBy,
    reason: entry.reason ?? null,
  };
}
