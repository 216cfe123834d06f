import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentSummary } from '#libs/assessment';
import { summarizeInventory } from '#libs/inventory';
import { admitCopies, type CopiesInFlight, type CopyCandidate, type CopyLimits } from '#libs/itinerary';
import { flotillaMigrations } from '#migrations';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { makeInventory } from '../../assessment/src/testing/index.js';
import { AssessmentStore } from './assessment-store.js';
import { type FlotillaDatabase, openDatabase } from './data-source.js';
import { ExecutionAlreadyActiveError, ExecutionStore, type NewExecutionVm } from './execution-store.js';
import { InventoryStore } from './inventory-store.js';
import { PlanStore } from './plan-store.js';

const GIB = 2 ** 30;

const policy = (limits: CopyLimits) => (candidates: CopyCandidate[], inFlight: CopiesInFlight) =>
  admitCopies(candidates, inFlight, limits);

function vm(key: string, host: string, sizesGiB: number[], datastore = 'ds1'): NewExecutionVm {
  return {
    vmKey: key,
    name: key,
    targetName: key,
    sourceHost: host,
    spec: { vmKey: key },
    firstPhase: 'Preflight',
    disks: sizesGiB.map((size, index) => ({ index, datastore, capacityBytes: size * GIB })),
  };
}

describe('ExecutionStore', () => {
  let testDatabase: TestDatabase;
  let database: FlotillaDatabase;
  let replicas: FlotillaDatabase[];
  let store: ExecutionStore;
  let inventoryId: string;
  let assessmentId: string;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('flotilla_exec_store');
    database = await openDatabase({ databaseUrl: testDatabase.url, migrations: flotillaMigrations });
    // Separate pools stand for separate executor replicas.
    replicas = await Promise.all(
      [1, 2, 3].map(() =>
        openDatabase({
          databaseUrl: testDatabase.url,
          migrations: flotillaMigrations,
          migrationMode: 'none',
        }),
      ),
    );
    store = new ExecutionStore(database.dataSource);
    const inventory = makeInventory([]);
    inventoryId = await new InventoryStore(database.dataSource).save(
      inventory,
      'empty',
      summarizeInventory(inventory),
    );
    assessmentId = await new AssessmentStore(database.dataSource).save({
      inventoryId,
      policy: {},
      policyHash: 'p',
      assessedAt: new Date(),
      summary: {} as AssessmentSummary,
      vms: [],
    });
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await database?.close();
    await testDatabase?.drop();
  });

  async function newPlan(): Promise<string> {
    return new PlanStore(database.dataSource).create({
      name: `plan ${randomUUID()}`,
      inventoryId,
      assessmentId,
      createdBy: 'test',
      content: { settings: {}, result: {}, waveHashes: [{ number: 1, hash: 'h' }] },
    });
  }

  /** A new execution of one 1 GiB VM on `host`, admitted (running, its slot taken). */
  async function admittedVm(key: string, host: string): Promise<string> {
    const executionId = await store.create({
      planId: await newPlan(),
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms: [vm(key, host, [1])],
    });
    await store.admitQueuedVms(policy({ perHost: 10, perDatastore: null, perExecution: null, global: null }));
    return executionId;
  }

  async function clearSlots(): Promise<void> {
    await database.dataSource.query('DELETE FROM copy_slots');
    await database.dataSource.query(`UPDATE executions SET status = 'completed'`);
  }

  it('refuses a second active execution of the same wave', async () => {
    const planId = await newPlan();
    const input = {
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms: [vm('a', 'h1', [1])],
    };
    await store.create(input);
    await expect(store.create(input)).rejects.toBeInstanceOf(ExecutionAlreadyActiveError);
    await clearSlots();
  });

  it('counts executions by status and unfinished VMs by phase, for the metrics', async () => {
    const before = await store.vmCountsByPhase();
    const planId = await newPlan();
    await store.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms: [vm('m1', 'h1', [1]), vm('m2', 'h1', [1])],
    });
    const after = await store.vmCountsByPhase();
    expect((after.Preflight ?? 0) - (before.Preflight ?? 0)).toBe(2);
    const statuses = await store.executionCountsByStatus();
    expect(Object.values(statuses).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(1);
    await clearSlots();
  });

  it('admits largest disks first and never past the per-host limit, even with replicas racing', async () => {
    const planId = await newPlan();
    const vms = Array.from({ length: 30 }, (_, index) =>
      vm(`vm-${String(index).padStart(2, '0')}`, index % 2 ? 'esx-b' : 'esx-a', [index + 1, 1]),
    );
    const executionId = await store.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms,
    });
    const limits = { perHost: 10, perDatastore: null, perExecution: null, global: null };
    const answers = await Promise.all(
      replicas.flatMap((replica) =>
        [1, 2].map(() => new ExecutionStore(replica.dataSource).admitQueuedVms(policy(limits))),
      ),
    );
    const admitted = answers.flat();
    // 2 disks each, 10 per host: 5 VMs per host, the largest ones.
    expect(admitted).toHaveLength(10);
    const slots = await store.slotsInUse();
    const perHost = new Map<string, number>();
    for (const slot of slots) perHost.set(slot.sourceHost, (perHost.get(slot.sourceHost) ?? 0) + 1);
    expect(Object.fromEntries(perHost)).toEqual({ 'esx-a': 10, 'esx-b': 10 });
    // Each replica's answer is in the order its policy admitted (largest disk first).
    for (const answer of answers) {
      const sizes = answer.map((entry) => Number(entry.vmKey.slice(3)));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      for (const entry of answer)
        expect(entry.sourceHost).toBe(Number(entry.vmKey.slice(3)) % 2 ? 'esx-b' : 'esx-a');
    }
    expect(admitted.map((entry) => entry.vmKey).sort()).toEqual([
      'vm-20',
      'vm-21',
      'vm-22',
      'vm-23',
      'vm-24',
      'vm-25',
      'vm-26',
      'vm-27',
      'vm-28',
      'vm-29',
    ]);
    // A finished disk frees one slot: not enough for a 2-disk VM until a second one is freed.
    await store.releaseSlots(executionId, 'vm-29', [0]);
    expect(await store.admitQueuedVms(policy(limits))).toEqual([]);
    await store.releaseSlots(executionId, 'vm-29', [1]);
    expect((await store.admitQueuedVms(policy(limits))).map((entry) => entry.vmKey)).toEqual(['vm-19']);
    await clearSlots();
  });

  it('takes back the slots of a VM committed to the queue or to its end by a worker that died before releasing them', async () => {
    const planId = await newPlan();
    const executionId = await store.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms: [vm('warm-1', 'esx-z', [2, 1]), vm('done-1', 'esx-z', [1])],
    });
    const limits = { perHost: 3, perDatastore: null, perExecution: null, global: null };
    expect((await store.admitQueuedVms(policy(limits))).map((entry) => entry.vmKey).sort()).toEqual([
      'done-1',
      'warm-1',
    ]);
    // The commits landed (a pre-copy ended: back to the queue; the other VM finished); the
    // releases never ran.
    await database.dataSource.query(
      `UPDATE execution_vms SET status = CASE vm_key WHEN 'warm-1' THEN 'queued' ELSE 'succeeded' END
       WHERE execution_id = $1`,
      [executionId],
    );
    expect(await store.slotsInUse()).toHaveLength(3);
    // Its own leftover slots would fill its host for ever: admission takes them back first.
    expect((await store.admitQueuedVms(policy(limits))).map((entry) => entry.vmKey)).toEqual(['warm-1']);
    expect((await store.slotsInUse()).map((slot) => slot.vmKey).sort()).toEqual(['warm-1', 'warm-1']);
    await clearSlots();
  });

  it("tells the policy which copies in flight are full copies: cold VMs and warm VMs' first stage", async () => {
    const planId = await newPlan();
    const executionId = await store.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms: [vm('full-1', 'esx-f', [3, 2]), vm('delta-1', 'esx-f', [1]), vm('later', 'esx-f', [1])],
    });
    const limits = { perHost: 3, perDatastore: null, perExecution: null, global: null };
    expect((await store.admitQueuedVms(policy(limits))).map((entry) => entry.vmKey)).toEqual([
      'full-1',
      'delta-1',
    ]);
    // delta-1 copied its first stage already (a pre-copy now); full-1 has not.
    await database.dataSource.query(
      `UPDATE execution_vms SET runtime = jsonb_build_object('warm', jsonb_build_object('precopies',
         jsonb_build_array(jsonb_build_object('number', 1, 'copiedAt', CASE vm_key WHEN 'delta-1' THEN '2026-01-01T00:00:00Z' END))))
       WHERE execution_id = $1 AND vm_key IN ('full-1', 'delta-1')`,
      [executionId],
    );
    let seen: CopiesInFlight | undefined;
    await store.admitQueuedVms((_candidates, inFlight) => {
      seen = inFlight;
      return [];
    });
    expect(seen?.byHost.get('esx-f')).toBe(3);
    expect(seen?.firstCopiesByHost?.get('esx-f')).toBe(2);
    await clearSlots();
  });

  it('honours the per-datastore, per-execution and global limits, and admits an oversized VM alone', async () => {
    const planId = await newPlan();
    const executionId = await store.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 't',
      spec: {},
      vms: [
        vm('big', 'esx-c', [9, 9, 9, 9], 'ds-x'),
        vm('s1', 'esx-d', [5], 'ds-y'),
        vm('s2', 'esx-d', [4], 'ds-y'),
        vm('s3', 'esx-e', [3], 'ds-z'),
      ],
    });
    const byDatastore = await store.admitQueuedVms(
      policy({
        perHost: 2,
        perDatastore: 1,
        perExecution: null,
        global: null,
      }),
    );
    expect(byDatastore.map((entry) => entry.vmKey)).toEqual(['big', 's1', 's3']);
    await store.releaseSlots(executionId, 's1');
    const capped = await store.admitQueuedVms(
      policy({
        perHost: 10,
        perDatastore: null,
        perExecution: 5,
        global: 100,
      }),
    );
    expect(capped).toEqual([]);
    await store.releaseSlots(executionId, 's3');
    expect(
      await store.admitQueuedVms(policy({ perHost: 10, perDatastore: null, perExecution: 100, global: 4 })),
    ).toEqual([]);
    expect(
      (
        await store.admitQueuedVms(policy({ perHost: 10, perDatastore: null, perExecution: 100, global: 5 }))
      ).map((e) => e.vmKey),
    ).toEqual(['s2']);
    await clearSlots();
  });

  it('lets one worker claim a VM at a time and drops a commit whose lease was lost', async () => {
    const executionId = await admittedVm('solo', 'esx-f');
    const claims = await Promise.all(
      replicas.map((replica, index) =>
        new ExecutionStore(replica.dataSource).claim(executionId, 'solo', `worker-${index}`, 200),
      ),
    );
    const winners = claims.filter((claim) => claim !== null);
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    if (!winner) throw new Error('no winner');
    // The lease runs out; another worker takes over; the first one's result is refused.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await store.claim(executionId, 'solo', 'worker-late', 10_000);
    expect(second).not.toBeNull();
    expect(
      await store.commit(winner, winner.leaseOwner ?? '', {
        phase: 'StorePowerState',
        phaseState: 'pending',
        phaseChanged: true,
      }),
    ).toBeNull();
    const revision = await store.commit(second as NonNullable<typeof second>, 'worker-late', {
      phase: 'StorePowerState',
      phaseState: 'pending',
      phaseChanged: true,
    });
    expect(revision).toEqual({ revision: (second?.revision ?? 0) + 1, nudged: false, keptForCancel: false });
    expect((await store.getVm(executionId, 'solo'))?.phase).toBe('StorePowerState');
    // A step timer that is not due yet does not claim.
    await store.commit(
      (await store.claim(executionId, 'solo', 'w', 10_000)) as NonNullable<typeof second>,
      'w',
      {
        phase: 'StorePowerState',
        phaseState: 'waiting',
        phaseChanged: false,
        wakeAt: new Date(Date.now() + 60_000),
      },
    );
    expect(await store.claim(executionId, 'solo', 'w', 10_000, { onlyIfDue: true })).toBeNull();
    expect(await store.claim(executionId, 'solo', 'w', 10_000)).not.toBeNull();
    await clearSlots();
  });

  it('claims the next phase in the commit of one that ended in next, when asked to keep the lease', async () => {
    const executionId = await admittedVm('inline', 'esx-k');
    const first = await store.claim(executionId, 'inline', 'w', 10_000);
    if (!first) throw new Error('not claimed');
    const committed = await store.commit(first, 'w', {
      phase: 'StorePowerState',
      phaseState: 'pending',
      phaseChanged: true,
      wakeAt: null,
      events: [{ phase: 'StorePowerState', kind: 'phase', message: 'Preflight done; StorePowerState' }],
      keepLease: { leaseMs: 10_000 },
    });
    const next = committed?.continued;
    expect(next).toMatchObject({
      phase: 'StorePowerState',
      phaseState: 'running',
      status: 'running',
      leaseOwner: 'w',
      revision: first.revision + 1,
    });
    expect(next?.phaseStartedAt).not.toBeNull();
    // The lease is held: no other worker claims the VM between the two phases.
    expect(await store.claim(executionId, 'inline', 'other', 10_000)).toBeNull();
    // The continued record commits like a claimed one; a cancel asked for meanwhile is on it.
    await store.requestCancel(executionId, ['inline']);
    const after = await store.commit(next as NonNullable<typeof next>, 'w', {
      phase: 'PowerOffSource',
      phaseState: 'pending',
      phaseChanged: true,
      keepLease: { leaseMs: 10_000 },
    });
    expect(after?.continued).toMatchObject({
      phase: 'PowerOffSource',
      cancelRequested: true,
      leaseOwner: 'w',
    });
    // A commit that ends the VM keeps no lease, even when asked to.
    const ended = await store.commit(after?.continued as NonNullable<typeof next>, 'w', {
      phase: 'PowerOffSource',
      phaseState: 'waiting',
      status: 'failed',
      phaseChanged: false,
      finished: true,
      keepLease: { leaseMs: 10_000 },
    });
    expect(ended?.continued).toBeUndefined();
    expect((await store.getVm(executionId, 'inline'))?.leaseOwner).toBeNull();
    await clearSlots();
  });

  it('keeps running a VM that a step sends back to the queue after a cancel was asked for meanwhile', async () => {
    const executionId = await admittedVm('requeued', 'esx-q');
    const step = await store.claim(executionId, 'requeued', 'w', 10_000);
    if (!step) throw new Error('not claimed');
    // The operator cancels while the step (a warm VM's pre-copy done) runs...
    expect((await store.requestCancel(executionId, ['requeued'])).flagged).toEqual(['requeued']);
    // ...and the step sends the VM back to the queue for its next pre-copy.
    const committed = await store.commit(step, 'w', {
      phase: 'AddCheckpoint',
      phaseState: 'pending',
      status: 'queued',
      phaseChanged: true,
      wakeAt: null,
    });
    expect(committed).toMatchObject({ keptForCancel: true });
    const after = await store.getVm(executionId, 'requeued');
    expect(after).toMatchObject({ status: 'running', cancelRequested: true });
    // A worker can take it (the queue never admits a VM whose cancel is pending).
    expect(await store.claim(executionId, 'requeued', 'w', 10_000, { onlyIfDue: true })).toMatchObject({
      cancelRequested: true,
    });
    await clearSlots();
  });

  it('moves the cutover while a step commits its events, without a deadlock', async () => {
    const executionId = await admittedVm('paused', 'esx-d');
    const claimed = await store.claim(executionId, 'paused', 'w', 10_000);
    if (!claimed) throw new Error('not claimed');
    await store.commit(claimed, 'w', { phase: 'CopyingPaused', phaseState: 'waiting', phaseChanged: true });
    // A step's commit, as one transaction on another connection: the VM row first, then an event
    // (whose foreign key takes KEY SHARE on the execution row).
    const step = replicas[0]?.dataSource.createQueryRunner();
    if (!step) throw new Error('no replica');
    await step.connect();
    await step.startTransaction();
    try {
      await step.query(
        `UPDATE execution_vms SET updated_at = now() WHERE execution_id = $1 AND vm_key = 'paused'`,
        [executionId],
      );
      // Meanwhile an operator moves the cutover: it locks the execution, then waits for the VM row.
      const cutover = store.setCutover(executionId, new Date());
      await new Promise((resolve) => setTimeout(resolve, 300));
      await step.query(
        `INSERT INTO execution_events (execution_id, vm_key, phase, kind, message) VALUES ($1, 'paused', 'CopyingPaused', 'info', 'step')`,
        [executionId],
      );
      await step.commitTransaction();
      expect((await cutover)?.waiting.map((waiting) => waiting.vmKey)).toEqual(['paused']);
    } finally {
      if (step.isTransactionActive) await step.rollbackTransaction();
      await step.release();
    }
    await clearSlots();
  });

  it('remembers a nudge that finds the VM leased, so the step in progress commits a wake-up now', async () => {
    const executionId = await admittedVm('nudged', 'esx-n');
    const waitAMinute = { phase: 'Preflight', phaseState: 'waiting', phaseChanged: false } as const;
    // Without a nudge the step's own timer stands.
    const quiet = await store.claim(executionId, 'nudged', 'worker-a', 10_000);
    if (!quiet) throw new Error('not claimed');
    const later = new Date(Date.now() + 60_000);
    expect(await store.commit(quiet, 'worker-a', { ...waitAMinute, wakeAt: later })).toMatchObject({
      nudged: false,
    });
    expect(Date.parse((await store.getVm(executionId, 'nudged'))?.wakeAt ?? '')).toBe(later.getTime());
    // A nudge (not a step timer) while worker-a holds the VM: not claimed, but remembered.
    const busy = await store.claim(executionId, 'nudged', 'worker-a', 10_000);
    if (!busy) throw new Error('not claimed');
    expect(await store.claim(executionId, 'nudged', 'worker-b', 10_000)).toBeNull();
    // A step timer of an older revision that finds the VM leased is not a nudge.
    expect(await store.claim(executionId, 'nudged', 'worker-c', 10_000, { onlyIfDue: true })).toBeNull();
    const committed = await store.commit(busy, 'worker-a', { ...waitAMinute, wakeAt: later });
    expect(committed).toMatchObject({ revision: busy.revision + 1, nudged: true });
    const woken = await store.getVm(executionId, 'nudged');
    expect(Date.parse(woken?.wakeAt ?? '')).toBeLessThanOrEqual(Date.now() + 1_000);
    // Due now: the step timer claims it, and the claim clears the nudge.
    const next = await store.claim(executionId, 'nudged', 'worker-a', 10_000, { onlyIfDue: true });
    if (!next) throw new Error('the woken VM was not due');
    expect(await store.commit(next, 'worker-a', { ...waitAMinute, wakeAt: later })).toMatchObject({
      nudged: false,
    });
    await clearSlots();
  });
});
