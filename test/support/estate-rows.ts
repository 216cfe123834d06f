import type { AssessmentSummary } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { summarizeInventory } from '#libs/inventory';
import {
  AssessmentStore,
  type FlotillaDatabase,
  InventoryStore,
  openDatabase,
  PlanStore,
} from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { makeInventory } from '../../libs/assessment/src/testing/index.js';
import { createTestDatabase } from './database.js';

/** A migrated database of its own for one test file; `close` drops it. */
export async function openTestDatabase(
  prefix: string,
): Promise<FlotillaDatabase & { drop(): Promise<void> }> {
  const testDatabase = await createTestDatabase(prefix);
  const database = await openDatabase({ databaseUrl: testDatabase.url, migrations: flotillaMigrations });
  return {
    ...database,
    async drop() {
      await database.close();
      await testDatabase.drop();
    },
  };
}

/** An inventory of `vms` and an (empty) assessment of it: the rows plans and executions hang from. */
export async function seedAssessedInventory(
  database: FlotillaDatabase,
  vms: InventoryVm[] = [],
): Promise<{ inventoryId: string; assessmentId: string }> {
  const inventory = makeInventory(vms);
  const inventoryId = await new InventoryStore(database.dataSource).save(
    inventory,
    'estate',
    summarizeInventory(inventory),
  );
  const assessmentId = await new AssessmentStore(database.dataSource).save({
    inventoryId,
    policy: {},
    policyHash: 'p',
    assessedAt: new Date(),
    summary: {} as AssessmentSummary,
    vms: [],
  });
  return { inventoryId, assessmentId };
}

/** A plan with one draft wave (content hash `h`) and no planned VMs. */
export function seedPlan(
  database: FlotillaDatabase,
  estate: { inventoryId: string; assessmentId: string },
): Promise<string> {
  return new PlanStore(database.dataSource).create({
    name: 'plan',
    ...estate,
    createdBy: 'test',
    content: { settings: {}, result: { waves: [] }, waveHashes: [{ number: 1, hash: 'h' }] },
  });
}
