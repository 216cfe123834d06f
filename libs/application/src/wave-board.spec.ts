import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AccessStore,
  AssessmentStore,
  CascadeStore,
  InventoryStore,
  PlanStore,
  type Principal,
} from '#libs/persistence';
import { openTestDatabase, seedAssessedInventory } from '../../../test/support/estate-rows.js';
import { makeDisk, makeVm } from '../../assessment/src/testing/index.js';
import { AssessmentService } from './assessment.service.js';
import { PlanningService } from './planning.service.js';
import { WaveBoardCache, type WaveBoardContent } from './wave-board.js';

const PLANNER: Principal = { actor: 'token:planner', roles: ['planner'] };

/** Board content told apart by its lower bound alone: enough for the cache, which never looks inside. */
function content(lowerBoundWaves: number): WaveBoardContent {
  return {
    lowerBoundWaves,
    cutoverWindowHours: 8,
    violations: { total: 0, errors: 0, byCode: [], listed: [] },
    waves: [],
  };
}

describe('WaveBoardCache', () => {
  it('answers the version it was given and nothing else', () => {
    const cache = new WaveBoardCache(2);
    cache.set('plan-a', '3@t3', content(3));
    expect(cache.get('plan-a', '3@t3')?.lowerBoundWaves).toBe(3);
    expect(cache.get('plan-a', '4@t4')).toBeUndefined();
    expect(cache.get('plan-b', '3@t3')).toBeUndefined();
  });

  it('keeps one version per plan: a newer one replaces the older', () => {
    const cache = new WaveBoardCache(2);
    cache.set('plan-a', '1@t1', content(1));
    cache.set('plan-a', '2@t2', content(2));
    expect(cache.size).toBe(1);
    expect(cache.get('plan-a', '1@t1')).toBeUndefined();
    expect(cache.get('plan-a', '2@t2')?.lowerBoundWaves).toBe(2);
  });

  it('holds at most its capacity, evicting the plan read least recently', () => {
    const cache = new WaveBoardCache(2);
    cache.set('plan-a', '1@t', content(1));
    cache.set('plan-b', '1@t', content(2));
    // Reading plan-a makes plan-b the least recently used.
    expect(cache.get('plan-a', '1@t')).toBeDefined();
    cache.set('plan-c', '1@t', content(3));
    expect(cache.size).toBe(2);
    expect(cache.get('plan-b', '1@t')).toBeUndefined();
    expect(cache.get('plan-a', '1@t')?.lowerBoundWaves).toBe(1);
    expect(cache.get('plan-c', '1@t')?.lowerBoundWaves).toBe(3);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new WaveBoardCache(0)).toThrow(/capacity must be a positive integer/);
    expect(() => new WaveBoardCache(1.5)).toThrow(/capacity must be a positive integer/);
  });
});

describe('PlanningService.board on a real plan (real Postgres)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let plans: PlanStore;
  let planning: PlanningService;
  let assessmentId: string;

  beforeAll(async () => {
    database = await openTestDatabase('flotilla_wave_board');
    const { dataSource } = database;
    const inventories = new InventoryStore(dataSource);
    const assessments = new AssessmentStore(dataSource);
    const access = new AccessStore(dataSource);
    const cascade = new CascadeStore(dataSource);
    plans = new PlanStore(dataSource);
    planning = new PlanningService(inventories, assessments, plans, access, cascade, new WaveBoardCache(2));
    // Each VM's own disk file: VMs sharing one would be a group of their own, in one wave.
    const vms = ['a', 'b', 'c', 'd', 'e', 'f'].map((name, i) =>
      makeVm({
        name: `app-${name}`,
        moref: `vm-${i + 1}`,
        disks: [makeDisk({ path: `[ds-ssd-01] app-${name}/app-${name}.vmdk` })],
      }),
    );
    const { inventoryId } = await seedAssessedInventory(database, vms);
    const assessed = await new AssessmentService(inventories, assessments, access, cascade).assess(
      inventoryId,
      {},
      PLANNER,
    );
    expect(assessed.summary.rehost).toBe(vms.length);
    assessmentId = assessed.assessmentId;
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await database?.drop();
  });

  async function createPlan(): Promise<string> {
    const plan = await planning.create(
      { assessmentId, settings: { constraints: { maxVmsPerWave: 3, pilot: null } } },
      PLANNER,
    );
    expect(plan.waves.length).toBeGreaterThanOrEqual(2);
    return plan.id;
  }

  it('loads the plan content once per version and never answers an edited plan with the old board', async () => {
    const planId = await createPlan();
    const fullReads = vi.spyOn(plans, 'get');
    const first = await planning.board(planId);
    const again = await planning.board(planId);
    expect(fullReads).toHaveBeenCalledTimes(1);
    expect(again).toEqual(first);

    const [from, to] = first.waves;
    const moved = from.vms[0];
    await planning.edit(planId, { kind: 'move-vm', vmKey: moved.key, toWave: to.number }, PLANNER);
    fullReads.mockClear();
    const edited = await planning.board(planId);
    expect(fullReads).toHaveBeenCalledTimes(1);
    expect(edited.version).toBe(first.version + 1);
    const waveOf = (number: number) => edited.waves.find((wave) => wave.number === number);
    expect(waveOf(to.number)?.vms.map((vm) => vm.key)).toContain(moved.key);
    expect(waveOf(from.number)?.vms.map((vm) => vm.key)).not.toContain(moved.key);
    fullReads.mockRestore();
  });

  it('shows a wave status changed without a new plan version, from the cached content', async () => {
    const planId = await createPlan();
    const before = await planning.board(planId);
    expect(before.waves[0].approval?.status).toBe('draft');
    await plans.setWaveStatus(planId, before.waves[0].number, 'executing');
    const fullReads = vi.spyOn(plans, 'get');
    const after = await planning.board(planId);
    expect(fullReads).not.toHaveBeenCalled();
    expect(after.version).toBe(before.version);
    expect(after.waves[0].approval?.status).toBe('executing');
    fullReads.mockRestore();
  });

  it('keeps the boards of at most its capacity of plans', async () => {
    const [first, second, third] = [await createPlan(), await createPlan(), await createPlan()];
    for (const planId of [first, second, third]) await planning.board(planId);
    const fullReads = vi.spyOn(plans, 'get');
    await planning.board(third);
    await planning.board(second);
    expect(fullReads).not.toHaveBeenCalled();
    // The cache holds two plans: the first, read least recently, was evicted.
    await planning.board(first);
    expect(fullReads).toHaveBeenCalledTimes(1);
    fullReads.mockRestore();
  });
});
