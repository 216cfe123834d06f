import { describe, expect, it } from 'vitest';
import { itineraryOf, phaseAfter, VmItinerary } from './itinerary.js';
import { FakeSource, FakeTarget, settings, specFor } from './testing/itinerary-fakes.js';
import type { PhaseName, StepResult, VmExecutionSpec, VmStep } from './types.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-12-01T20:00:00Z');

function warmSpec(cutoverAt: string | null, overrides: Partial<VmExecutionSpec> = {}): VmExecutionSpec {
  return specFor({ migrationType: 'warm', warm: { precopyIntervalMs: HOUR, cutoverAt }, ...overrides });
}

interface Drive {
  step: VmStep;
  visited: PhaseName[];
  results: StepResult[];
  failure: string | null;
  finished: boolean;
}

/**
 * Runs a warm VM as the runner would: each step persisted (in memory), waits advance the clock,
 * and by default every step first runs once without its result being kept (a worker that died
 * before committing), so each phase proves it is idempotent.
 */
async function drive(
  setup: { source: FakeSource; target: FakeTarget; clock: { now: number } },
  spec: VmExecutionSpec,
  options: { stopAt?: PhaseName; from?: VmStep; crashEachStep?: boolean; cutoverAt?: string | null } = {},
): Promise<Drive> {
  const itinerary = new VmItinerary(setup.source, setup.target, settings, () => setup.clock.now);
  let step: VmStep = options.from ?? {
    executionId: 'exec-1',
    spec,
    phase: 'Preflight',
    runtime: {},
    disks: [],
    powerStateBefore: null,
    phaseStartedAt: setup.clock.now,
    attempt: 1,
    cutoverAt: options.cutoverAt ?? null,
  };
  const visited: PhaseName[] = [];
  const results: StepResult[] = [];
  for (let guard = 0; guard < 400; guard += 1) {
    if (step.phase === options.stopAt) return { step, visited, results, failure: null, finished: false };
    if (visited.at(-1) !== step.phase) visited.push(step.phase);
    if (options.crashEachStep !== false) await itinerary.advance(step);
    const result = await itinerary.advance(step);
    results.push(result);
    if (result.decision.kind === 'fail')
      return { step, visited, results, failure: result.decision.message, finished: false };
    step = {
      ...step,
      runtime: result.runtime ?? step.runtime,
      disks: result.disks ?? step.disks,
      powerStateBefore: result.powerStateBefore ?? step.powerStateBefore,
    };
    if (result.decision.kind === 'wait') {
      setup.clock.now += result.decision.ms;
      continue;
    }
    if (result.finished) return { step, visited, results, failure: null, finished: true };
    if (result.nextPhase) step = { ...step, phase: result.nextPhase, phaseStartedAt: setup.clock.now };
  }
  throw new Error(`the itinerary did not end; last phases ${visited.slice(-8).join(', ')}`);
}

function world() {
  return { source: new FakeSource(), target: new FakeTarget(), clock: { now: START } };
}

describe('warm itinerary', () => {
  it('lists Forklift’s warm phases, loops AddCheckpoint back to CopyDisks and leaves the loop at cutover', () => {
    const spec = warmSpec(null);
    expect(itineraryOf(spec, 'poweredOn')).toEqual([
      'Preflight',
      'CreateInitialSnapshot',
      'WaitForInitialSnapshot',
      'StoreInitialSnapshotDeltas',
      'CreateDataVolumes',
      'CopyDisks',
      'CopyingPaused',
      'RemovePreviousSnapshot',
      'WaitForPreviousSnapshotRemoval',
      'CreateSnapshot',
      'WaitForSnapshot',
      'StoreSnapshotDeltas',
      'AddCheckpoint',
      'StorePowerState',
      'PowerOffSource',
      'WaitForPowerOff',
      'RemovePenultimateSnapshot',
      'WaitForPenultimateSnapshotRemoval',
      'CreateFinalSnapshot',
      'WaitForFinalSnapshot',
      'AddFinalCheckpoint',
      'Finalize',
      'CreateVM',
      'RemoveFinalSnapshot',
      'WaitForVMReady',
      'WaitForFinalSnapshotRemoval',
      'Completed',
    ]);
    expect(phaseAfter('AddCheckpoint', spec, null)).toBe('CopyDisks');
    expect(phaseAfter('CopyDisks', spec, null)).toBe('CopyingPaused');
    expect(phaseAfter('CopyDisks', specFor(), null)).toBe('CreateVM');
  });

  it('pre-copies every interval until the booked cutover, then stops the source for the last delta only', async () => {
    const setup = world();
    // Three pre-copies an hour apart (the first at START), cutover booked 2.5 h in.
    const cutoverAt = new Date(START + 2.5 * HOUR).toISOString();
    const run = await drive(setup, warmSpec(cutoverAt));
    expect(run.failure).toBeNull();
    expect(run.finished).toBe(true);
    const warm = run.step.runtime.warm;
    expect(warm?.precopies.map((precopy) => precopy.snapshotName)).toEqual([
      'flotilla-precopy-1',
      'flotilla-precopy-2',
      'flotilla-precopy-3',
      'flotilla-final',
    ]);
    // One CreateSnapshot task per snapshot although every step ran twice; every snapshot removed.
    expect(setup.source.createTasks).toEqual([
      'flotilla-precopy-1',
      'flotilla-precopy-2',
      'flotilla-precopy-3',
      'flotilla-final',
    ]);
    expect(setup.source.snapshots.size).toBe(0);
    expect(warm?.precopies.every((precopy) => precopy.removed && precopy.copiedAt !== null)).toBe(true);
    // The DataVolume carries CDI's checkpoints: a full copy, then deltas from each change ID.
    const refs = warm?.precopies.map((precopy) => precopy.snapshotRef) ?? [];
    expect(setup.target.checkpointsWritten.get('app01-disk-0')).toEqual({
      checkpoints: [
        { previous: '', current: refs[0] },
        { previous: `52 de c0 d9/${refs[0]}`, current: refs[1] },
        { previous: `52 de c0 d9/${refs[1]}`, current: refs[2] },
        { previous: `52 de c0 d9/${refs[2]}`, current: refs[3] },
      ],
      final: true,
    });
    const dataVolume = setup.target.createdBodies.DataVolume;
    expect(dataVolume?.spec.checkpoints).toEqual([{ previous: '', current: refs[0] }]);
    expect(dataVolume?.spec.finalCheckpoint).toBe(false);
    expect(dataVolume?.metadata.annotations?.['cdi.kubevirt.io/storage.usePopulator']).toBe('false');
    // The source was shut down once, after the booked time, and the VM created.
    expect(setup.source.calls).toEqual(['shutdownGuest']);
    expect(Date.parse(run.step.runtime.sourceOffAt ?? '')).toBeGreaterThanOrEqual(Date.parse(cutoverAt));
    expect(setup.target.creates).toContain('VirtualMachine/app01');
    // Leaving CopyingPaused asks for copy slots: for each later pre-copy and for the cutover.
    const slotAsks = run.results.filter((result) => result.needsCopySlots);
    expect(slotAsks.map((result) => result.nextPhase)).toEqual([
      'AddCheckpoint',
      'AddCheckpoint',
      'StorePowerState',
    ]);
    expect(run.visited.filter((phase) => phase === 'CopyDisks')).toHaveLength(3);
    const events = run.results.flatMap((result) => result.events ?? []);
    expect(events.filter((event) => event.kind === 'precopy' && /copied/.test(event.message))).toHaveLength(
      3,
    );
    expect(events.some((event) => event.kind === 'cutover' && /final delta copied/.test(event.message))).toBe(
      true,
    );
  });

  it('waits in CopyingPaused until the next pre-copy or the cutover, whichever is first; the execution’s cutover time wins', async () => {
    const setup = world();
    const paused = await drive(setup, warmSpec(null), { stopAt: 'CopyingPaused' });
    const itinerary = new VmItinerary(setup.source, setup.target, settings, () => setup.clock.now);
    const sleeping = await itinerary.advance(paused.step);
    expect(sleeping.decision).toEqual({ kind: 'wait', ms: 10 * 60_000 });
    setup.clock.now += HOUR;
    const due = await itinerary.advance(paused.step);
    expect(due).toMatchObject({ nextPhase: 'RemovePreviousSnapshot' });
    expect(due.needsCopySlots).toBeUndefined();
    const now = await itinerary.advance({
      ...paused.step,
      cutoverAt: new Date(setup.clock.now).toISOString(),
    });
    expect(now).toMatchObject({ nextPhase: 'StorePowerState', needsCopySlots: true });
  });

  it.each([
    [
      'CBT disabled on the VM',
      (source: FakeSource) => Object.assign(source, { cbtEnabled: false }),
      /changed block tracking \(CBT\) is disabled/,
    ],
    [
      'CBT off on a disk',
      (source: FakeSource) => source.cbtOffDisks.add(source.disks[0]?.backingFile ?? ''),
      /not active on disk "Hard disk 1"/,
    ],
    [
      'a snapshot already there',
      (source: FakeSource) =>
        source.snapshots.set('snapshot-7', { ref: 'snapshot-7', name: 'before-patch', createdAt: null }),
      /has 1 snapshot\(s\) \(before-patch\)/,
    ],
  ])('refuses a warm VM at Preflight with %s', async (_what, arrange, message) => {
    const setup = world();
    arrange(setup.source);
    const run = await drive(setup, warmSpec(null));
    expect(run.visited).toEqual(['Preflight']);
    expect(run.failure).toMatch(message);
    expect(setup.source.createTasks).toEqual([]);
  });

  it('fails a snapshot that vCenter cannot take, and its cleanup removes every snapshot taken', async () => {
    const setup = world();
    setup.source.failCreate.add('flotilla-precopy-2');
    const run = await drive(setup, warmSpec(null), { crashEachStep: false });
    expect(run.failure).toMatch(/snapshot flotilla-precopy-2 failed: quiescing/);
    setup.source.snapshots.set('snapshot-900', {
      ref: 'snapshot-900',
      name: 'flotilla-precopy-1',
      createdAt: null,
    });
    const itinerary = new VmItinerary(setup.source, setup.target, settings, () => setup.clock.now);
    const events = await itinerary.afterFailure(run.step);
    expect(events.map((event) => event.message).join('\n')).toMatch(/removal of 1 snapshot/);
    await itinerary.afterFailure(run.step);
    expect(setup.source.snapshots.size).toBe(0);
  });

  it('only warns when the final snapshot cannot be removed, and still creates the VM', async () => {
    const setup = world();
    const cutover = await drive(setup, warmSpec(new Date(START).toISOString()), {
      stopAt: 'RemoveFinalSnapshot',
    });
    const final = cutover.step.runtime.warm?.precopies.at(-1)?.snapshotRef ?? '';
    setup.source.failRemove.add(final);
    const run = await drive(setup, warmSpec(null), { from: cutover.step });
    expect(run.failure).toBeNull();
    expect(run.finished).toBe(true);
    expect(run.step.runtime.warm?.finalSnapshotWarning).toMatch(/consolidation needed/);
    expect(setup.target.creates).toContain('VirtualMachine/app01');
  });

  const cancellable: PhaseName[] = [
    'CreateInitialSnapshot',
    'WaitForInitialSnapshot',
    'CreateDataVolumes',
    'CopyingPaused',
    'RemovePreviousSnapshot',
    'CreateSnapshot',
    'WaitForSnapshot',
    'AddCheckpoint',
    'WaitForPowerOff',
    'CreateFinalSnapshot',
    'WaitForFinalSnapshot',
    'Finalize',
    'CreateVM',
  ];
  it.each(cancellable)(
    'cancel in %s removes every snapshot and object and powers the source back on',
    async (phase) => {
      const setup = world();
      const cutoverAt = [
        'WaitForPowerOff',
        'CreateFinalSnapshot',
        'WaitForFinalSnapshot',
        'Finalize',
        'CreateVM',
      ].includes(phase)
        ? new Date(START + 1.5 * HOUR).toISOString()
        : null;
      // Stop at the phase's second visit when there is one (inside the pre-copy loop).
      let run = await drive(setup, warmSpec(cutoverAt), { stopAt: phase });
      const inLoop: Partial<Record<PhaseName, number>> = {
        RemovePreviousSnapshot: 1,
        CreateSnapshot: 1,
        WaitForSnapshot: 2,
        AddCheckpoint: 2,
      };
      if (inLoop[phase]) expect(run.step.runtime.warm?.precopies.length).toBe(inLoop[phase]);
      // The worker died inside the phase: it acted once, nothing of it was persisted.
      const itinerary = new VmItinerary(setup.source, setup.target, settings, () => setup.clock.now);
      await itinerary.advance(run.step);
      run = { ...run };
      for (let pass = 0; pass < 10; pass += 1) {
        const outcome = await itinerary.cancel(run.step);
        if (outcome.runtime) run.step = { ...run.step, runtime: outcome.runtime };
        if (outcome.done) break;
        expect(pass).toBeLessThan(9);
      }
      expect(setup.source.snapshots.size).toBe(0);
      expect(await setup.target.countOwned()).toBe(0);
      expect(setup.source.powerState).toBe('poweredOn');
    },
  );

  it('starts a retried VM over: the failed attempt’s snapshots and DataVolumes go first', async () => {
    const setup = world();
    const first = await drive(setup, warmSpec(null), { stopAt: 'CopyingPaused' });
    expect(setup.source.snapshots.size).toBe(1);
    const retry: VmStep = { ...first.step, phase: 'CreateInitialSnapshot', attempt: 2 };
    const run = await drive(setup, warmSpec(null), { from: retry, stopAt: 'CopyingPaused' });
    expect(run.failure).toBeNull();
    expect(run.step.runtime.warm).toMatchObject({ attempt: 2 });
    expect(run.step.runtime.warm?.precopies).toHaveLength(1);
    expect(setup.source.snapshots.size).toBe(1);
    const current = run.step.runtime.warm?.precopies[0]?.snapshotRef;
    expect(setup.target.checkpoints.get('app01-disk-0')?.checkpoints).toEqual([{ previous: '', current }]);
    expect(setup.source.createTasks).toEqual(['flotilla-precopy-1', 'flotilla-precopy-1']);
  });

  it('waits for each checkpoint until CDI marks it copied on the PVC, and fails a DataVolume that disappears', async () => {
    const setup2 = world();
    setup2.target.checkpointCopy = 'manual';
    const at = await drive(setup2, warmSpec(null), { stopAt: 'CopyDisks' });
    const itinerary = new VmItinerary(setup2.source, setup2.target, settings, () => setup2.clock.now);
    setup2.target.dvPhase = 'Paused';
    expect((await itinerary.advance(at.step)).decision.kind).toBe('wait');
    const current = at.step.runtime.warm?.precopies[0]?.snapshotRef;
    setup2.target.copied.add(`app01-disk-0/${current}`);
    const done = await itinerary.advance(at.step);
    expect(done).toMatchObject({ nextPhase: 'CopyingPaused', releasedDisks: [0] });
    expect(done.runtime?.warm?.nextPrecopyAt).toBe(new Date(setup2.clock.now + HOUR).toISOString());
    await setup2.target.deleteDataVolume('migrated', 'app01-disk-0');
    const gone = await itinerary.advance({ ...at.step, phase: 'AddCheckpoint', runtime: done.runtime ?? {} });
    expect(gone.decision).toMatchObject({
      kind: 'fail',
      message: expect.stringMatching(/disappeared between pre-copies/),
    });
  });
});
