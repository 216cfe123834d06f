import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessInventory, defaultPolicy, NO_CLUSTER, type VmAssessment } from '#libs/assessment';
import { summarizeInventory } from '#libs/inventory';
import { flotillaMigrations } from '#migrations';
import { AssessmentVmFacets1796305000000 } from '../../../migrations/1796305000000-AssessmentVmFacets.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { inventoryOf, vm } from '../../../test/support/inventory-fixtures.js';
import { AssessmentStore, type AssessmentVmSort } from './assessment-store.js';
import { type FlotillaDatabase, openDatabase } from './data-source.js';
import { InventoryStore } from './inventory-store.js';

const EFFORT_RANK = { low: 0, medium: 1, high: 2 } as const;

/** 60 VMs over three clusters (one VM in none), RHEL and Windows, some with concerns. */
function estate() {
  return inventoryOf(
    Array.from({ length: 60 }, (_, index) =>
      vm(index, {
        name: `vm-${String(index).padStart(2, '0')}`,
        cluster: index === 7 ? null : index % 3 === 0 ? 'Cluster C' : index % 2 ? 'Cluster A' : 'Cluster B',
        guestOsConfig:
          index % 4 === 0 ? 'Microsoft Windows Server 2019 (64-bit)' : 'Red Hat Enterprise Linux 9 (64-bit)',
        cpuAffinity: index % 5 === 0 ? '0,1' : null,
        passthroughDevices: index % 6 === 0 ? ['PCI device 0'] : [],
        snapshots:
          index % 7 === 0
            ? [
                {
                  name: 'before-patch',
                  description: null,
                  createdAt: '2020-01-01T00:00:00.000Z',
                  sizeMiB: 100,
                  quiesced: null,
                },
              ]
            : [],
      }),
    ),
  );
}

describe.each(['postgres', 'embedded'] as const)('AssessmentStore on %s', (kind) => {
  let testDb: TestDatabase | undefined;
  let database: FlotillaDatabase;
  let store: AssessmentStore;
  let assessmentId: string;
  let assessed: VmAssessment[];
  const clusterOf = new Map<string, string | null>();

  beforeAll(async () => {
    testDb = kind === 'postgres' ? await createTestDatabase() : undefined;
    database = await openDatabase({
      databaseUrl: testDb?.url,
      embeddedDataDir: 'memory://',
      migrations: flotillaMigrations,
    });
    store = new AssessmentStore(database.dataSource);
    const inventory = estate();
    for (const entry of inventory.vms) clusterOf.set(entry.key, entry.cluster);
    const inventoryId = await new InventoryStore(database.dataSource).save(
      inventory,
      'estate',
      summarizeInventory(inventory),
    );
    const result = assessInventory(inventory, {
      policy: defaultPolicy,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    assessed = result.vms;
    assessmentId = await store.save({
      inventoryId,
      policy: defaultPolicy,
      policyHash: result.policyHash,
      assessedAt: new Date(result.assessedAt),
      summary: result.summary,
      vms: result.vms,
    });
  });

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const ordinalOf = (vmKey: string) => assessed.findIndex((entry) => entry.vmKey === vmKey);
  const list = async (sort: AssessmentVmSort, filter = {}) =>
    (await store.listVms(assessmentId, filter, 0, 1000, sort)).items;

  /** Each row's key is not before the previous one's, and equal keys keep the export order. */
  function expectOrdered(
    items: VmAssessment[],
    key: (vm: VmAssessment) => number | string,
    descending: boolean,
  ) {
    expect(items).toHaveLength(60);
    for (let index = 1; index < items.length; index += 1) {
      const [before, after] = [key(items[index - 1]), key(items[index])];
      if (before === after)
        expect(ordinalOf(items[index].vmKey)).toBeGreaterThan(ordinalOf(items[index - 1].vmKey));
      else expect(descending ? before > after : before < after, `${before} then ${after}`).toBe(true);
    }
  }

  it('sorts by score both ways, ties in export order, and pages through the same order', async () => {
    expect(new Set(assessed.map((entry) => entry.score)).size).toBeGreaterThan(1);
    expectOrdered(await list('score'), (entry) => entry.score, false);
    const descending = await list('-score');
    expectOrdered(descending, (entry) => entry.score, true);
    const pages = [
      ...(await store.listVms(assessmentId, {}, 0, 25, '-score')).items,
      ...(await store.listVms(assessmentId, {}, 25, 25, '-score')).items,
      ...(await store.listVms(assessmentId, {}, 50, 25, '-score')).items,
    ];
    expect(pages.map((entry) => entry.vmKey)).toEqual(descending.map((entry) => entry.vmKey));
  });

  it('sorts by name, effort (low before high), OS family, concern count and disposition', async () => {
    expectOrdered(await list('-name'), (entry) => entry.name, true);
    expectOrdered(await list('effort'), (entry) => EFFORT_RANK[entry.effort], false);
    expectOrdered(await list('os'), (entry) => entry.os.family, false);
    expectOrdered(await list('-concerns'), (entry) => entry.concerns.length, true);
    expectOrdered(await list('disposition'), (entry) => entry.disposition, false);
    expect(new Set(assessed.map((entry) => entry.concerns.length)).size).toBeGreaterThan(1);
  });

  it('filters by cluster, by no cluster and by OS family, combined with sort and the other filters', async () => {
    const inA = await store.listVms(assessmentId, { cluster: 'Cluster A' }, 0, 1000, 'name');
    const expectedA = assessed.filter((entry) => clusterOf.get(entry.vmKey) === 'Cluster A');
    expect(inA.total).toBe(expectedA.length);
    expect(inA.items.map((entry) => entry.name)).toEqual(expectedA.map((entry) => entry.name).sort());

    const none = await store.listVms(assessmentId, { cluster: NO_CLUSTER }, 0, 10);
    expect(none.items.map((entry) => entry.name)).toEqual(['vm-07']);

    const windows = await store.listVms(assessmentId, { os: 'windows', cluster: 'Cluster C' }, 0, 1000);
    const expectedWindows = assessed.filter(
      (entry) => entry.os.family === 'windows' && clusterOf.get(entry.vmKey) === 'Cluster C',
    );
    expect(expectedWindows.length).toBeGreaterThan(0);
    expect(windows.items.map((entry) => entry.vmKey)).toEqual(expectedWindows.map((entry) => entry.vmKey));

    expect((await store.listVms(assessmentId, { cluster: 'Cluster%' }, 0, 10)).total).toBe(0);
    expect((await store.listVms(assessmentId, { os: 'plan9' }, 0, 10)).total).toBe(0);
  });
});

describe('the AssessmentVmFacets migration on PostgreSQL', () => {
  it('backfills the cluster and OS family of assessments made before it', async () => {
    const testDb = await createTestDatabase();
    try {
      const before = await openDatabase({
        databaseUrl: testDb.url,
        // The schema as it was before this migration, whatever lands after it.
        migrations: flotillaMigrations.slice(0, flotillaMigrations.indexOf(AssessmentVmFacets1796305000000)),
      });
      const inventory = estate();
      const inventoryId = await new InventoryStore(before.dataSource).save(
        inventory,
        'estate',
        summarizeInventory(inventory),
      );
      const { vms, summary } = assessInventory(inventory, {
        policy: defaultPolicy,
        now: new Date('2026-01-01'),
      });
      const assessmentId = '00000000-0000-4000-8000-000000000001';
      await before.dataSource.query(
        `INSERT INTO assessments (id, inventory_id, policy, policy_hash, summary, assessed_at)
         VALUES ($1, $2, '{}', 'hash', $3, now())`,
        [assessmentId, inventoryId, JSON.stringify(summary)],
      );
      for (const [ordinal, verdict] of vms.entries()) {
        await before.dataSource.query(
          `INSERT INTO assessment_vms (assessment_id, vm_key, ordinal, name, disposition, effort, score, concern_ids, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8)`,
          [
            assessmentId,
            verdict.vmKey,
            ordinal,
            verdict.name,
            verdict.disposition,
            verdict.effort,
            verdict.score,
            JSON.stringify(verdict),
          ],
        );
      }
      await before.close();

      const after = await openDatabase({ databaseUrl: testDb.url, migrations: flotillaMigrations });
      try {
        const store = new AssessmentStore(after.dataSource);
        const inA = await store.listVms(assessmentId, { cluster: 'Cluster A' }, 0, 100);
        expect(inA.total).toBe(inventory.vms.filter((entry) => entry.cluster === 'Cluster A').length);
        expect(
          (await store.listVms(assessmentId, { cluster: NO_CLUSTER }, 0, 100)).items.map(
            (entry) => entry.name,
          ),
        ).toEqual(['vm-07']);
        const windows = await store.listVms(assessmentId, { os: 'windows' }, 0, 100);
        expect(windows.total).toBe(vms.filter((entry) => entry.os.family === 'windows').length);
        expect(windows.total).toBeGreaterThan(0);
      } finally {
        await after.close();
      }
    } finally {
      await testDb.drop();
    }
  });
});
