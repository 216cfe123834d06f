/**
 * Which sources point at a target (the Pods and VMIs using a claim, the VMs naming it), kept from
 * store events so a controller reacting to a change need not scan every object of a kind.
 */
export class ReverseIndex {
  private readonly targetsOf = new Map<string, readonly string[]>();
  private readonly sourcesOf = new Map<string, Set<string>>();

  /** Sets what `source` points at now (empty: nothing, or gone); returns what it pointed at before. */
  replace(source: string, targets: readonly string[]): readonly string[] {
    const before = this.targetsOf.get(source) ?? [];
    for (const target of before) {
      const sources = this.sourcesOf.get(target);
      sources?.delete(source);
      if (sources?.size === 0) this.sourcesOf.delete(target);
    }
    for (const target of targets) {
      let sources = this.sourcesOf.get(target);
      if (!sources) {
        sources = new Set();
        this.sourcesOf.set(target, sources);
      }
      sources.add(source);
    }
    if (targets.length > 0) this.targetsOf.set(source, targets);
    else this.targetsOf.delete(source);
    return before;
  }

  /** The sources pointing at `target` now. */
  sources(target: string): ReadonlySet<string> {
    return this.sourcesOf.get(target) ?? new Set();
  }
}
