import type { Effort, VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { compileLinearPattern, type LinearPattern, MAX_CAPTURE_PROGRAM_SIZE } from '#libs/patterns';
import type { GroupingKeyKind, GroupingSettings, PlanSettings } from './settings.js';
import type { MoveGroup, MoveGroupKey } from './types.js';
import { compileVmNamePattern, type VmNameMatcher } from './vm-name-pattern.js';
import {
  type DiskTransfer,
  diskTransfers,
  EFFORT_RANK,
  EFFORTS,
  normalizeDiskPath,
  notRehostReason,
} from './vm-profile.js';

interface GroupCandidate {
  key: MoveGroupKey;
  value: string;
  name: string;
  /** Position of the key in the plan's preference order. */
  preference: number;
}

const KEY_OF_KIND: Record<GroupingKeyKind, MoveGroupKey> = {
  rules: 'rule',
  attribute: 'attribute',
  vapp: 'vapp',
  folder: 'folder',
  'resource-pool': 'resource-pool',
  'name-prefix': 'name-prefix',
};

/** vSphere names every cluster's root pool `Resources`: grouping by it would merge whole clusters. */
const ROOT_RESOURCE_POOL = 'Resources';

class DisjointSet {
  private readonly parent: Int32Array;

  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let index = 0; index < size; index += 1) this.parent[index] = index;
  }

  find(index: number): number {
    let root = index;
    while (this.parent[root] !== root) root = this.parent[root];
    let current = index;
    while (this.parent[current] !== root) {
      const next = this.parent[current];
      this.parent[current] = root;
      current = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA === rootB) return;
    if (rootA < rootB) this.parent[rootB] = rootA;
    else this.parent[rootA] = rootB;
  }
}

function nonEmpty(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : null;
}

function attributeValue(vm: InventoryVm, attribute: string): string | null {
  const exact = vm.customAttributes[attribute];
  if (Object.hasOwn(vm.customAttributes, attribute)) return nonEmpty(exact);
  const wanted = attribute.toLowerCase();
  for (const [name, value] of Object.entries(vm.customAttributes)) {
    if (name.toLowerCase() === wanted) return nonEmpty(value);
  }
  return null;
}

class GroupKeyResolver {
  private readonly rules: { name: string; matchers: VmNameMatcher[] }[];
  private readonly prefix: LinearPattern | null;

  constructor(private readonly grouping: GroupingSettings) {
    this.rules = grouping.rules.map((rule) => ({
      name: rule.name,
      matchers: rule.match.map(compileVmNamePattern).filter((matcher) => matcher !== null),
    }));
    this.prefix =
      grouping.namePrefixPattern === null
        ? null
        : compileLinearPattern(grouping.namePrefixPattern, { maxProgramSize: MAX_CAPTURE_PROGRAM_SIZE });
  }

  resolve(vm: InventoryVm): GroupCandidate | null {
    for (const [preference, kind] of this.grouping.keys.entries()) {
      const found = this.valueFor(kind, vm);
      if (found !== null) return { ...found, key: KEY_OF_KIND[kind], preference };
    }
    return null;
  }

  private valueFor(kind: GroupingKeyKind, vm: InventoryVm): { value: string; name: string } | null {
    switch (kind) {
      case 'rules': {
        const rule = this.rules.find((candidate) => candidate.matchers.some((matches) => matches(vm.name)));
        return rule ? { value: rule.name, name: rule.name } : null;
      }
      case 'attribute': {
        const attribute = this.grouping.attribute;
        const value = attribute === null ? null : attributeValue(vm, attribute);
        return value === null ? null : { value, name: `${attribute}=${value}` };
      }
      case 'vapp': {
        const value = nonEmpty(vm.vapp);
        return value === null ? null : { value, name: `vapp:${value}` };
      }
      case 'folder': {
        const value = nonEmpty(vm.folder);
        return value === null ? null : { value, name: `folder:${value}` };
      }
      case 'resource-pool': {
        const value = nonEmpty(vm.resourcePool);
        return value === null || value === ROOT_RESOURCE_POOL ? null : { value, name: `pool:${value}` };
      }
      case 'name-prefix': {
        const match = this.prefix?.exec(vm.name);
        const value = nonEmpty(match ? (match.groups[0] ?? match.match) : null);
        return value === null ? null : { value, name: `prefix:${value}` };
      }
    }
  }
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Groups VMs that must move together. A VM joins the group of the first enabled key that has a
 * value for it; VMs sharing a disk (same VMDK path, multi-writer or not) always end up in one
 * group, merging the groups they came from; everything else is a singleton.
 */
export function deriveMoveGroups(
  vms: InventoryVm[],
  assessments: VmAssessment[],
  settings: Pick<PlanSettings, 'grouping'>,
): MoveGroup[] {
  const assessmentByKey = new Map(assessments.map((assessment) => [assessment.vmKey, assessment]));
  return buildMoveGroups(
    vms,
    assessmentByKey,
    (vm) => diskTransfers(vm, assessmentByKey.get(vm.key)),
    settings.grouping,
  );
}

/** {@link deriveMoveGroups} with the per-VM transfers the caller already computed. */
export function buildMoveGroups(
  vms: readonly InventoryVm[],
  assessmentByKey: ReadonlyMap<string, VmAssessment>,
  transfersOf: (vm: InventoryVm) => DiskTransfer[],
  grouping: GroupingSettings,
): MoveGroup[] {
  const ordered = [...vms].sort((a, b) => byString(a.key, b.key));
  const resolver = new GroupKeyResolver(grouping);
  const sets = new DisjointSet(ordered.length);

  const candidates = ordered.map((vm) => resolver.resolve(vm));
  const firstOfCandidate = new Map<string, number>();
  candidates.forEach((candidate, index) => {
    if (candidate === null) return;
    const first = firstOfCandidate.get(candidate.name);
    if (first === undefined) firstOfCandidate.set(candidate.name, index);
    else sets.union(first, index);
  });

  const holdersOfDisk = new Map<string, number[]>();
  ordered.forEach((vm, index) => {
    for (const disk of vm.disks) {
      const path = normalizeDiskPath(disk.path);
      if (path === null) continue;
      const holders = holdersOfDisk.get(path);
      if (holders === undefined) holdersOfDisk.set(path, [index]);
      else if (holders[holders.length - 1] !== index) {
        holders.push(index);
        sets.union(holders[0], index);
      }
    }
  });
  const sharedPathsByRoot = new Map<number, Set<string>>();
  for (const [path, holders] of holdersOfDisk) {
    if (holders.length < 2) continue;
    const root = sets.find(holders[0]);
    const paths = sharedPathsByRoot.get(root) ?? new Set<string>();
    paths.add(path);
    sharedPathsByRoot.set(root, paths);
  }

  const members = new Map<number, number[]>();
  ordered.forEach((_, index) => {
    const root = sets.find(index);
    const list = members.get(root);
    if (list === undefined) members.set(root, [index]);
    else list.push(index);
  });

  const drafts: MoveGroup[] = [];
  for (const [root, indexes] of members) {
    const named = new Map<string, GroupCandidate>();
    for (const index of indexes) {
      const candidate = candidates[index];
      if (candidate !== null) named.set(candidate.name, candidate);
    }
    const ranked = [...named.values()].sort(
      (a, b) => a.preference - b.preference || byString(a.name, b.name),
    );
    const sharedDisks = [...(sharedPathsByRoot.get(root) ?? [])].sort(byString);
    const first = ordered[indexes[0]];
    const lead = ranked[0];
    let key: MoveGroupKey;
    let value: string | null;
    let name: string;
    if (lead !== undefined) {
      ({ key, value, name } = lead);
    } else if (indexes.length > 1) {
      key = 'shared-disk';
      value = null;
      name = `shared-disk:${[...indexes.map((index) => ordered[index].name)].sort(byString)[0]}`;
    } else {
      key = 'singleton';
      value = null;
      name = `vm:${first.name}`;
    }

    const groupVms = indexes.map((index) => ordered[index]);
    const rehost = groupVms.filter((vm) => notRehostReason(assessmentByKey.get(vm.key)) === null);
    let effortRank = -1;
    const diskData = new Map<string, number>();
    for (const vm of rehost) {
      const assessment = assessmentByKey.get(vm.key);
      if (assessment) effortRank = Math.max(effortRank, EFFORT_RANK[assessment.effort]);
      for (const transfer of transfersOf(vm)) {
        diskData.set(transfer.id, Math.max(diskData.get(transfer.id) ?? 0, transfer.dataMiB));
      }
    }
    const effort: Effort | null = effortRank < 0 ? null : EFFORTS[effortRank];
    drafts.push({
      name,
      key,
      value,
      vmKeys: groupVms.map((vm) => vm.key),
      vmNames: groupVms.map((vm) => vm.name),
      rehostVmKeys: rehost.map((vm) => vm.key),
      sharedDisks,
      mergedFrom: ranked.slice(1).map((candidate) => candidate.name),
      effort,
      dataMiB: [...diskData.values()].reduce((sum, data) => sum + data, 0),
    });
  }

  drafts.sort((a, b) => byString(a.name, b.name) || byString(a.vmKeys[0], b.vmKeys[0]));
  const taken = new Set<string>();
  for (const group of drafts) {
    let unique = group.name;
    for (let suffix = 2; taken.has(unique); suffix += 1) unique = `${group.name} (${suffix})`;
    taken.add(unique);
    group.name = unique;
  }
  return drafts;
}
