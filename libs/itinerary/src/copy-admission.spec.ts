import { describe, expect, it } from 'vitest';
import {
  admitCopies,
  type CopiesInFlight,
  type CopyCandidate,
  type CopyLimits,
  NO_COPIES_IN_FLIGHT,
  startOrder,
} from './copy-admission.js';

const UNLIMITED: CopyLimits = { perHost: 1_000, perDatastore: null, perExecution: null, global: null };

function candidate(
  vmKey: string,
  sourceHost: string,
  diskCount: number,
  options: { datastore?: string; executionId?: string } = {},
): CopyCandidate {
  return {
    executionId: options.executionId ?? 'e1',
    vmKey,
    sourceHost,
    disks: Array.from({ length: diskCount }, (_, index) => ({
      index,
      datastore: options.datastore ?? 'ds1',
      capacityBytes: 1,
    })),
  };
}

function inFlight(partial: Partial<Record<keyof CopiesInFlight, unknown>>): CopiesInFlight {
  return {
    byHost: new Map(Object.entries((partial.byHost as Record<string, number>) ?? {})),
    byDatastore: new Map(Object.entries((partial.byDatastore as Record<string, number>) ?? {})),
    byExecution: new Map(Object.entries((partial.byExecution as Record<string, number>) ?? {})),
    total: (partial.total as number) ?? 0,
  };
}

const keys = (admitted: CopyCandidate[]) => admitted.map((entry) => entry.vmKey);

describe('admitCopies', () => {
  it('admits nothing from nothing', () => {
    expect(admitCopies([], NO_COPIES_IN_FLIGHT, UNLIMITED)).toEqual([]);
  });

  it('fills each host up to its budget, in the order given, one slot per disk', () => {
    const candidates = [
      candidate('a1', 'esx-a', 2),
      candidate('a2', 'esx-a', 2),
      candidate('a3', 'esx-a', 2),
      candidate('b1', 'esx-b', 3),
      candidate('b2', 'esx-b', 2),
    ];
    const limits = { ...UNLIMITED, perHost: 4 };
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, limits))).toEqual(['a1', 'a2', 'b1']);
  });

  it('lets a smaller VM use what a larger one left', () => {
    const candidates = [candidate('big', 'h', 3), candidate('too-big', 'h', 2), candidate('small', 'h', 1)];
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, { ...UNLIMITED, perHost: 4 }))).toEqual([
      'big',
      'small',
    ]);
  });

  it('counts copies already in flight', () => {
    const candidates = [candidate('a', 'h', 2), candidate('b', 'h', 1)];
    const limits = { ...UNLIMITED, perHost: 4 };
    expect(keys(admitCopies(candidates, inFlight({ byHost: { h: 3 }, total: 3 }), limits))).toEqual(['b']);
    expect(keys(admitCopies(candidates, inFlight({ byHost: { h: 4 }, total: 4 }), limits))).toEqual([]);
  });

  it('admits a VM with more disks than a budget alone on an idle host, never beside others', () => {
    const limits = { ...UNLIMITED, perHost: 2 };
    expect(keys(admitCopies([candidate('wide', 'h', 5)], NO_COPIES_IN_FLIGHT, limits))).toEqual(['wide']);
    expect(
      keys(admitCopies([candidate('wide', 'h', 5)], inFlight({ byHost: { h: 1 }, total: 1 }), limits)),
    ).toEqual([]);
    expect(
      keys(admitCopies([candidate('wide', 'h', 5), candidate('next', 'h', 1)], NO_COPIES_IN_FLIGHT, limits)),
    ).toEqual(['wide']);
  });

  it('gives a VM without disks one slot', () => {
    const limits = { ...UNLIMITED, perHost: 1 };
    expect(
      keys(
        admitCopies([candidate('diskless', 'h', 0), candidate('other', 'h', 1)], NO_COPIES_IN_FLIGHT, limits),
      ),
    ).toEqual(['diskless']);
  });

  it('honours the per-datastore limit per disk, across hosts', () => {
    const candidates = [
      candidate('x', 'h1', 2, { datastore: 'ds-x' }),
      candidate('y1', 'h2', 1, { datastore: 'ds-y' }),
      candidate('y2', 'h3', 1, { datastore: 'ds-y' }),
      candidate('x2', 'h4', 1, { datastore: 'ds-x' }),
    ];
    const limits = { ...UNLIMITED, perDatastore: 2 };
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, limits))).toEqual(['x', 'y1', 'y2']);
  });

  it('counts a VM whose disks sit on two datastores against each', () => {
    const split: CopyCandidate = {
      executionId: 'e1',
      vmKey: 'split',
      sourceHost: 'h',
      disks: [
        { index: 0, datastore: 'ds-a', capacityBytes: 1 },
        { index: 1, datastore: 'ds-b', capacityBytes: 1 },
      ],
    };
    const limits = { ...UNLIMITED, perDatastore: 1 };
    expect(keys(admitCopies([split], inFlight({ byDatastore: { 'ds-b': 1 }, total: 1 }), limits))).toEqual(
      [],
    );
    expect(keys(admitCopies([split], inFlight({ byDatastore: { 'ds-c': 1 }, total: 1 }), limits))).toEqual([
      'split',
    ]);
  });

  it('honours the per-execution limit separately for each execution', () => {
    const candidates = [
      candidate('e1-a', 'h1', 2, { executionId: 'e1' }),
      candidate('e1-b', 'h2', 2, { executionId: 'e1' }),
      candidate('e2-a', 'h3', 2, { executionId: 'e2' }),
    ];
    const limits = { ...UNLIMITED, perExecution: 3 };
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, limits))).toEqual(['e1-a', 'e2-a']);
    expect(keys(admitCopies(candidates, inFlight({ byExecution: { e2: 3 }, total: 3 }), limits))).toEqual([
      'e1-a',
    ]);
  });

  it('honours the global limit over every host and execution', () => {
    const candidates = [candidate('a', 'h1', 2), candidate('b', 'h2', 2), candidate('c', 'h3', 1)];
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, { ...UNLIMITED, global: 4 }))).toEqual([
      'a',
      'b',
    ]);
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, { ...UNLIMITED, global: 3 }))).toEqual([
      'a',
      'c',
    ]);
    expect(keys(admitCopies(candidates, inFlight({ total: 4 }), { ...UNLIMITED, global: 4 }))).toEqual([]);
  });

  it('treats an unknown host as one shared budget', () => {
    const candidates = [candidate('u1', '', 1), candidate('u2', '', 1), candidate('u3', '', 1)];
    expect(keys(admitCopies(candidates, NO_COPIES_IN_FLIGHT, { ...UNLIMITED, perHost: 2 }))).toEqual([
      'u1',
      'u2',
    ]);
  });

  it('does not change the in-flight counts it was given', () => {
    const given = inFlight({ byHost: { h: 1 }, byDatastore: { ds1: 1 }, byExecution: { e1: 1 }, total: 1 });
    admitCopies([candidate('a', 'h', 2)], given, UNLIMITED);
    expect(given.byHost.get('h')).toBe(1);
    expect(given.byDatastore.get('ds1')).toBe(1);
    expect(given.total).toBe(1);
  });

  it('never grants past any limit, over many random estates', () => {
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 500; round += 1) {
      const limits: CopyLimits = {
        perHost: 1 + Math.floor(random() * 6),
        perDatastore: random() < 0.5 ? null : 1 + Math.floor(random() * 6),
        perExecution: random() < 0.5 ? null : 1 + Math.floor(random() * 8),
        global: random() < 0.5 ? null : 1 + Math.floor(random() * 12),
      };
      const candidates = Array.from({ length: 1 + Math.floor(random() * 30) }, (_, index) =>
        candidate(`vm-${index}`, `h${Math.floor(random() * 4)}`, 1 + Math.floor(random() * 3), {
          datastore: `ds${Math.floor(random() * 3)}`,
          executionId: `e${Math.floor(random() * 2)}`,
        }),
      );
      const admitted = admitCopies(candidates, NO_COPIES_IN_FLIGHT, limits);
      const hosts = new Map<string, number[]>();
      const executions = new Map<string, number[]>();
      const datastores = new Map<string, number>();
      for (const vm of admitted) {
        hosts.set(vm.sourceHost, [...(hosts.get(vm.sourceHost) ?? []), vm.disks.length]);
        executions.set(vm.executionId, [...(executions.get(vm.executionId) ?? []), vm.disks.length]);
        for (const disk of vm.disks)
          datastores.set(disk.datastore, (datastores.get(disk.datastore) ?? 0) + 1);
      }
      // Past a limit only as the one oversized VM on an idle budget.
      const within = (needs: number[], limit: number | null) =>
        limit === null || needs.reduce((sum, n) => sum + n, 0) <= limit || needs.length === 1;
      for (const needs of hosts.values()) expect(within(needs, limits.perHost)).toBe(true);
      for (const needs of executions.values()) expect(within(needs, limits.perExecution)).toBe(true);
      expect(
        within(
          admitted.map((vm) => vm.disks.length),
          limits.global,
        ),
      ).toBe(true);
      if (limits.perDatastore !== null && admitted.length > 1) {
        const singleVm = (datastore: string) =>
          admitted.filter((vm) => vm.disks.some((disk) => disk.datastore === datastore)).length === 1;
        for (const [datastore, count] of datastores)
          expect(count <= limits.perDatastore || singleVm(datastore)).toBe(true);
      }
      // Nothing left out would have fitted beside what was admitted (greedy is maximal).
      expect(
        admitCopies(
          candidates.filter((c) => !admitted.includes(c)),
          countOf(admitted),
          limits,
        ),
      ).toEqual([]);
    }
  });
});

function countOf(admitted: CopyCandidate[]): CopiesInFlight {
  const byHost = new Map<string, number>();
  const byDatastore = new Map<string, number>();
  const byExecution = new Map<string, number>();
  let total = 0;
  for (const vm of admitted) {
    const need = Math.max(1, vm.disks.length);
    byHost.set(vm.sourceHost, (byHost.get(vm.sourceHost) ?? 0) + need);
    byExecution.set(vm.executionId, (byExecution.get(vm.executionId) ?? 0) + need);
    for (const disk of vm.disks) byDatastore.set(disk.datastore, (byDatastore.get(disk.datastore) ?? 0) + 1);
    total += need;
  }
  return { byHost, byDatastore, byExecution, total };
}

describe('admitCopies with warm VMs', () => {
  const limits: CopyLimits = { perHost: 4, perDatastore: null, perExecution: null, global: null };
  const withPhase = (entry: CopyCandidate, phase: string): CopyCandidate => ({ ...entry, phase });

  it('admits cutovers first, then first copies, then later pre-copies', () => {
    const admitted = admitCopies(
      [
        withPhase(candidate('precopy', 'esx2', 1), 'AddCheckpoint'),
        withPhase(candidate('first', 'esx1', 1), 'Preflight'),
        withPhase(candidate('cutover', 'esx1', 1), 'StorePowerState'),
      ],
      NO_COPIES_IN_FLIGHT,
      limits,
    );
    expect(keys(admitted)).toEqual(['cutover', 'first', 'precopy']);
  });

  it('never lets a pre-copy take a slot on a host where a first copy is left waiting', () => {
    const admitted = admitCopies(
      [
        withPhase(candidate('big-first', 'esx1', 3), 'Preflight'),
        withPhase(candidate('precopy-esx1', 'esx1', 1), 'AddCheckpoint'),
        withPhase(candidate('precopy-esx2', 'esx2', 1), 'AddCheckpoint'),
      ],
      inFlight({ byHost: { esx1: 2 }, total: 2 }),
      limits,
    );
    expect(keys(admitted)).toEqual(['precopy-esx2']);
  });

  it('keeps pre-copies off a host while a full copy there is still copying, or was admitted in the same pass', () => {
    const precopy = (key: string, host: string) => withPhase(candidate(key, host, 1), 'AddCheckpoint');
    // esx1 has room, but one of its two copies in flight is a full copy: its delta waits.
    const copying = admitCopies(
      [precopy('precopy-esx1', 'esx1'), precopy('precopy-esx2', 'esx2')],
      {
        ...inFlight({ byHost: { esx1: 2, esx2: 1 }, total: 3 }),
        firstCopiesByHost: new Map([
          ['esx1', 1],
          ['esx2', 0],
        ]),
      },
      limits,
    );
    expect(keys(copying)).toEqual(['precopy-esx2']);
    const samePass = admitCopies(
      [withPhase(candidate('first', 'esx1', 1), 'Preflight'), precopy('precopy-esx1', 'esx1')],
      NO_COPIES_IN_FLIGHT,
      limits,
    );
    expect(keys(samePass)).toEqual(['first']);
    // Once the host's full copies ended, its pre-copies go.
    const after = admitCopies(
      [precopy('precopy-esx1', 'esx1')],
      { ...inFlight({ byHost: { esx1: 2 }, total: 2 }), firstCopiesByHost: new Map([['esx1', 0]]) },
      limits,
    );
    expect(keys(after)).toEqual(['precopy-esx1']);
  });
});

describe('startOrder', () => {
  it("starts every host's first admitted VM before any host's second, keeping each host's order", () => {
    const admitted = [
      candidate('a1', 'esx-a', 1),
      candidate('a2', 'esx-a', 1),
      candidate('a3', 'esx-a', 1),
      candidate('b1', 'esx-b', 1),
      candidate('c1', 'esx-c', 1),
      candidate('b2', 'esx-b', 1),
    ];
    expect(keys(startOrder(admitted))).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    expect(startOrder([])).toEqual([]);
  });
});
