import type { GroupDependency } from './settings.js';

/**
 * "Group A before group B" edges between move groups. Cycles are collapsed (their members have no
 * order among themselves and are reported); the rest is a DAG whose levels drive wave order.
 */
export class GroupDependencyGraph {
  /** Dependencies naming a group that does not exist. */
  readonly unknown: GroupDependency[] = [];
  /** Groups of each cycle, sorted. */
  readonly cycles: string[][] = [];
  private readonly component = new Map<string, number>();
  private readonly predecessors = new Map<string, string[]>();
  private readonly successors = new Map<string, string[]>();
  private readonly levels = new Map<string, number>();
  private readonly order: string[] = [];

  constructor(groupNames: readonly string[], dependencies: readonly GroupDependency[]) {
    const known = new Set(groupNames);
    const edges = new Map<string, Set<string>>();
    for (const dependency of dependencies) {
      if (!known.has(dependency.before) || !known.has(dependency.after)) {
        this.unknown.push(dependency);
        continue;
      }
      const targets = edges.get(dependency.before) ?? new Set<string>();
      targets.add(dependency.after);
      edges.set(dependency.before, targets);
    }
    const involved = [
      ...new Set([...edges.keys(), ...[...edges.values()].flatMap((targets) => [...targets])]),
    ].sort();
    this.findComponents(involved, edges);
    for (const [before, targets] of edges) {
      for (const after of targets) {
        if (this.component.get(before) === this.component.get(after)) continue;
        this.link(this.successors, before, after);
        this.link(this.predecessors, after, before);
      }
    }
    this.assignLevels(involved);
  }

  /** Direct predecessors outside the group's own cycle. */
  predecessorsOf(group: string): readonly string[] {
    return this.predecessors.get(group) ?? [];
  }

  successorsOf(group: string): readonly string[] {
    return this.successors.get(group) ?? [];
  }

  /** Longest chain of predecessors before the group (0 for a group nothing precedes). */
  levelOf(group: string): number {
    return this.levels.get(group) ?? 0;
  }

  /** Groups with dependencies, predecessors before successors. */
  topologicalOrder(): readonly string[] {
    return this.order;
  }

  inSameCycle(a: string, b: string): boolean {
    const component = this.component.get(a);
    return component !== undefined && component === this.component.get(b);
  }

  /**
   * Nearest predecessors that are `active` (hold VMs), looking through inactive ones: if B depends
   * on X and X on A, and X moves nothing, A must still come before B.
   */
  activePredecessorsOf(group: string, active: (group: string) => boolean): string[] {
    const found = new Set<string>();
    const seen = new Set<string>([group]);
    const stack = [...this.predecessorsOf(group)];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      if (active(current)) found.add(current);
      else stack.push(...this.predecessorsOf(current));
    }
    return [...found].sort();
  }

  /** Length, in active groups, of the longest dependency chain. */
  longestActiveChain(active: (group: string) => boolean): number {
    const chain = new Map<string, number>();
    let longest = 0;
    for (const group of this.order) {
      let before = 0;
      for (const predecessor of this.predecessorsOf(group))
        before = Math.max(before, chain.get(predecessor) ?? 0);
      const length = before + (active(group) ? 1 : 0);
      chain.set(group, length);
      longest = Math.max(longest, length);
    }
    return longest;
  }

  private link(map: Map<string, string[]>, from: string, to: string): void {
    const list = map.get(from);
    if (list === undefined) map.set(from, [to]);
    else if (!list.includes(to)) list.push(to);
  }

  /** Tarjan's strongly connected components, iterative so long chains cannot overflow the stack. */
  private findComponents(nodes: readonly string[], edges: Map<string, Set<string>>): void {
    const index = new Map<string, number>();
    const lowLink = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    let counter = 0;
    let componentId = 0;
    for (const start of nodes) {
      if (index.has(start)) continue;
      const work: { node: string; targets: string[]; next: number }[] = [];
      const open = (node: string): void => {
        index.set(node, counter);
        lowLink.set(node, counter);
        counter += 1;
        stack.push(node);
        onStack.add(node);
        work.push({ node, targets: [...(edges.get(node) ?? [])].sort(), next: 0 });
      };
      open(start);
      while (work.length > 0) {
        const frame = work[work.length - 1];
        if (frame.next < frame.targets.length) {
          const target = frame.targets[frame.next];
          frame.next += 1;
          if (!index.has(target)) open(target);
          else if (onStack.has(target)) {
            lowLink.set(frame.node, Math.min(lowLink.get(frame.node) as number, index.get(target) as number));
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent) {
          lowLink.set(
            parent.node,
            Math.min(lowLink.get(parent.node) as number, lowLink.get(frame.node) as number),
          );
        }
        if (lowLink.get(frame.node) === index.get(frame.node)) {
          const members: string[] = [];
          let member: string;
          do {
            member = stack.pop() as string;
            onStack.delete(member);
            this.component.set(member, componentId);
            members.push(member);
          } while (member !== frame.node);
          const selfLoop = edges.get(frame.node)?.has(frame.node) ?? false;
          if (members.length > 1 || selfLoop) this.cycles.push(members.sort());
          componentId += 1;
        }
      }
    }
    this.cycles.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private assignLevels(nodes: readonly string[]): void {
    const remaining = new Map<string, number>();
    for (const node of nodes) remaining.set(node, this.predecessorsOf(node).length);
    let ready = nodes.filter((node) => remaining.get(node) === 0);
    for (const node of ready) this.levels.set(node, 0);
    while (ready.length > 0) {
      const next: string[] = [];
      for (const node of ready) {
        this.order.push(node);
        for (const successor of this.successorsOf(node)) {
          this.levels.set(successor, Math.max(this.levels.get(successor) ?? 0, this.levelOf(node) + 1));
          const left = (remaining.get(successor) as number) - 1;
          remaining.set(successor, left);
          if (left === 0) next.push(successor);
        }
      }
      ready = next.sort();
    }
  }
}
