import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeInventory } from '#libs/inventory';
import { flotillaMigrations } from '#migrations';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { inventoryOf, vm } from '../../../test/support/inventory-fixtures.js';
import { type FlotillaDatabase, openDatabase, pendingMigrations } from './data-source.js';
import { InventoryStore } from './inventory-store.js';

describe.each(['postgres', 'embedded'] as const)('InventoryStore on %s', (kind) => {
  let testDb: TestDatabase | undefined;
  let database: FlotillaDatabase;
  let store: InventoryStore;

  beforeAll(async () => {
    testDb = kind === 'postgres' ? await createTestDatabase() : undefined;
    database = await openDatabase({
      databaseUrl: testDb?.url,
      embeddedDataDir: 'memory://',
      migrations: flotillaMigrations,
    });
    store = new InventoryStore(database.dataSource);
  });

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('applies every migration and has none pending', async () => {
    expect(await pendingMigrations(database.dataSource)).toEqual([]);
  });

  it('saves, lists, filters, loads and deletes an inventory with Unicode names kept exactly', async () => {
    const names = ['Сервер-01', '数据库 服务器', `long-${'x'.repeat(300)}`];
    const vms = [
      ...Array.from({ length: 1200 }, (_, index) => vm(index)),
      ...names.map((name, i) => vm(5000 + i, { name, cluster: 'Cluster C' })),
    ];
    const inventory = inventoryOf(vms);
    const id = await store.save(inventory, 'My estate', summarizeInventory(inventory));

    const listed = await store.list();
    expect(listed.find((entry) => entry.id === id)?.summary.vms).toBe(1203);

    const page = await store.listVms(id, { cluster: 'Cluster A' }, 0, 10);
    expect(page.total).toBe(600);
    expect(page.items).toHaveLength(10);
    expect(page.items.every((item) => item.cluster === 'Cluster A')).toBe(true);

    const searched = await store.listVms(id, { search: '数据库' }, 0, 10);
    expect(searched.items.map((item) => item.name)).toEqual(['数据库 服务器']);

    const byMoref = await store.getVm(id, 'vm-5000');
    expect(byMoref?.name).toBe('Сервер-01');
    expect(byMoref?.source.vInfo?.[0]?.['Custom column']).toBe('kept');
    const byId = await store.getVm(id, String(byMoref?.id));
    expect(byId?.key).toBe('vc-1/vm-5000');

    const loaded = await store.load(id);
    expect(loaded?.vms).toHaveLength(1203);
    expect(loaded?.vms[1202]?.name).toBe(names[2]);
    expect(loaded?.diagnostics[0]?.column).toBe('Capacity MiB');
    expect(loaded?.datacenters).toEqual([{ name: 'DC1' }]);

    expect(await store.delete(id)).toBe(true);
    expect(await store.get(id)).toBeNull();
    expect((await store.listVms(id, {}, 0, 10)).total).toBe(0);
  });

  it("keeps the export's date, and null for an export that does not say", async () => {
    const dated = inventoryOf([vm(1)]);
    dated.source.exportedAt = '2025-12-17T16:35:29.000Z';
    dated.source.exportedAtBasis = 'vMetaData';
    const datedId = await store.save(dated, 'dated', summarizeInventory(dated));
    expect(await store.get(datedId)).toMatchObject({
      exportedAt: '2025-12-17T16:35:29.000Z',
      exportedAtBasis: 'vMetaData',
      summary: { exportedAt: '2025-12-17T16:35:29.000Z' },
    });
    const undated = inventoryOf([vm(2)]);
    const undatedId = await store.save(undated, 'undated', summarizeInventory(undated));
    expect((await store.list()).find((entry) => entry.id === undatedId)).toMatchObject({
      exportedAt: null,
      exportedAtBasis: null,
    });
  });

  it('stores nothing when a batch fails half way', async () => {
    const before = (await store.list()).length;
    const broken = vm(2, { key: 'vc-1/vm-1' });
    const inventory = inventoryOf([vm(1), ...Array.from({ length: 700 }, (_, i) => vm(100 + i)), broken]);
    await expect(store.save(inventory, 'duplicate keys', summarizeInventory(inventory))).rejects.toThrow();
    expect((await store.list()).length).toBe(before);
  });
});

describe('schema checks', () => {
  it('refuses to start on a schema that is behind when asked to verify', async () => {
    const testDb = await createTestDatabase();
    try {
      const partial = await openDatabase({
        databaseUrl: testDb.url,
        migrations: flotillaMigrations.slice(0, 2),
      });
      await partial.close();
      await expect(
        openDatabase({ databaseUrl: testDb.url, migrations: flotillaMigrations, migrationMode: 'verify' }),
      ).rejects.toThrow(/schema is behind.*run `flotilla migrate`/);
      const migrated = await openDatabase({ databaseUrl: testDb.url, migrations: flotillaMigrations });
      await migrated.close();
      const verified = await openDatabase({
        databaseUrl: testDb.url,
        migrations: flotillaMigrations,
        migrationMode: 'verify',
      });
      expect(await pendingMigrations(verified.dataSource)).toEqual([]);
      await verified.close();
    } finally {
      await testDb.drop();
    }
  });
});
