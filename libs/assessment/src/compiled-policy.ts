import { compileLinearPattern, type LinearPattern } from '#libs/patterns';
import type { ConcernId } from './concern-ids.js';
import type { AssessmentPolicy } from './policy.js';
import type { Severity } from './types.js';

export type GuestOsEntry = AssessmentPolicy['guestOs'][number];

/** A policy with its patterns compiled and its maps indexed, built once per policy object. */
export interface CompiledPolicy {
  readonly policy: AssessmentPolicy;
  readonly rules: Readonly<Record<ConcernId, { enabled: boolean; severity: Severity }>>;
  readonly retireNamePatterns: readonly LinearPattern[];
  readonly clusterServiceVmPatterns: readonly LinearPattern[];
  readonly appliances: readonly { kind: string; patterns: readonly LinearPattern[] }[];
  readonly guestOsById: ReadonlyMap<string, GuestOsEntry>;
  readonly guestOsByName: readonly { pattern: LinearPattern; entry: GuestOsEntry }[];
  /** OS names repeat across an estate: remember each name's entry (null: none matched). */
  readonly guestOsNameCache: Map<string, GuestOsEntry | null>;
  readonly datastoreByName: ReadonlyMap<string, string>;
  readonly datastorePatterns: readonly { pattern: LinearPattern; storageClass: string }[];
  readonly storageClassCache: Map<string, string | null>;
}

// Policies are treated as immutable values: a changed policy must be a new object.
const compiled = new WeakMap<AssessmentPolicy, CompiledPolicy>();

export function compilePolicy(policy: AssessmentPolicy): CompiledPolicy {
  const cached = compiled.get(policy);
  if (cached) return cached;
  const guestOsById = new Map<string, GuestOsEntry>();
  const guestOsByName: { pattern: LinearPattern; entry: GuestOsEntry }[] = [];
  for (const entry of policy.guestOs) {
    for (const id of entry.guestIds) {
      const key = id.toLowerCase();
      if (!guestOsById.has(key)) guestOsById.set(key, entry);
    }
    for (const name of entry.names) guestOsByName.push({ pattern: toLinearPattern(name), entry });
  }
  const datastoreByName = new Map<string, string>();
  const datastorePatterns: { pattern: LinearPattern; storageClass: string }[] = [];
  for (const mapping of policy.storage.datastores) {
    if (mapping.name !== undefined && !datastoreByName.has(mapping.name)) {
      datastoreByName.set(mapping.name, mapping.storageClass);
    }
    if (mapping.pattern !== undefined) {
      datastorePatterns.push({
        pattern: toLinearPattern(mapping.pattern),
        storageClass: mapping.storageClass,
      });
    }
  }
  const result: CompiledPolicy = {
    policy,
    rules: policy.rules,
    retireNamePatterns: policy.retire.namePatterns.map(toLinearPattern),
    clusterServiceVmPatterns: policy.outOfScope.clusterServiceVmPatterns.map(toLinearPattern),
    appliances: policy.appliances.map((appliance) => ({
      kind: appliance.kind,
      patterns: appliance.namePatterns.map(toLinearPattern),
    })),
    guestOsById,
    guestOsByName,
    guestOsNameCache: new Map(),
    datastoreByName,
    datastorePatterns,
    storageClassCache: new Map(),
  };
  compiled.set(policy, result);
  return result;
}

/** The first pattern that matches `text`, or null. */
export function firstMatch(patterns: readonly LinearPattern[], text: string): LinearPattern | null {
  for (const pattern of patterns) if (pattern.test(text)) return pattern;
  return null;
}

/** Storage class for a datastore: exact name, then patterns in order, then the default class. */
export function storageClassFor(policy: CompiledPolicy, datastore: string | null): string | null {
  if (datastore === null) return policy.policy.storage.defaultClass;
  const cached = policy.storageClassCache.get(datastore);
  if (cached !== undefined) return cached;
  let storageClass = policy.datastoreByName.get(datastore);
  if (storageClass === undefined) {
    storageClass =
      policy.datastorePatterns.find((mapping) => mapping.pattern.test(datastore))?.storageClass ??
      policy.policy.storage.defaultClass ??
      undefined;
  }
  const result = storageClass ?? null;
  policy.storageClassCache.set(datastore, result);
  return result;
}

/** Policy patterns are case-insensitive; they run on the linear-time engine (policies are user input). */
function toLinearPattern(source: string): LinearPattern {
  return compileLinearPattern(source, { caseInsensitive: true });
}
