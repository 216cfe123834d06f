import { describe, expect, it } from 'vitest';
import { GroupDependencyGraph } from './dependency-graph.js';

const edges = (...pairs: [string, string][]) => pairs.map(([before, after]) => ({ before, after }));

describe('GroupDependencyGraph', () => {
  it('finds every cycle, self-loops included, and orders the rest by level', () => {
    const graph = new GroupDependencyGraph(
      ['a', 'b', 'c', 'd', 'e', 's', 'x'],
      edges(['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd'], ['d', 'e'], ['s', 's'], ['x', 'ghost']),
    );
    expect(graph.cycles).toEqual([['a', 'b', 'c'], ['s']]);
    expect(graph.unknown).toEqual(edges(['x', 'ghost']));
    expect(graph.inSameCycle('a', 'c')).toBe(true);
    expect(graph.inSameCycle('c', 'd')).toBe(false);
    expect(graph.predecessorsOf('a')).toEqual([]);
    expect(graph.levelOf('d')).toBe(1);
    expect(graph.levelOf('e')).toBe(2);
    expect(graph.topologicalOrder().indexOf('d')).toBeGreaterThan(graph.topologicalOrder().indexOf('c'));
  });

  it('looks through groups that move nothing and measures the longest active chain', () => {
    const graph = new GroupDependencyGraph(['a', 'b', 'c', 'd'], edges(['a', 'b'], ['b', 'c'], ['c', 'd']));
    const active = (group: string): boolean => group !== 'b';
    expect(graph.activePredecessorsOf('c', active)).toEqual(['a']);
    expect(graph.longestActiveChain(active)).toBe(3);
    expect(graph.longestActiveChain(() => true)).toBe(4);
  });

  it('handles long chains without recursion limits', () => {
    const names = Array.from({ length: 20_000 }, (_, index) => `g${index}`);
    const chain = names.slice(1).map((name, index) => ({ before: names[index], after: name }));
    const graph = new GroupDependencyGraph(names, [
      ...chain,
      { before: names[names.length - 1], after: names[0] },
    ]);
    expect(graph.cycles).toHaveLength(1);
    expect(graph.cycles[0]).toHaveLength(20_000);
  });
});
