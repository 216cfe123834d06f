import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flotillaMigrations } from '#migrations';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { AccessStore } from './access-store.js';
import { type FlotillaDatabase, openDatabase } from './data-source.js';
import { containsLikePattern } from './like-pattern.js';

describe.each(['postgres', 'embedded'] as const)('AccessStore on %s', (kind) => {
  let testDb: TestDatabase | undefined;
  let database: FlotillaDatabase;
  let store: AccessStore;

  beforeAll(async () => {
    testDb = kind === 'postgres' ? await createTestDatabase() : undefined;
    database = await openDatabase({
      databaseUrl: testDb?.url,
      embeddedDataDir: 'memory://',
      migrations: flotillaMigrations,
    });
    store = new AccessStore(database.dataSource);
  });

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('revokes an active token once, and says so only when it did', async () => {
    const { record } = await store.createToken('ci', ['viewer'], 'test');
    // TypeORM answers [rows, count] for UPDATE ... RETURNING: an unknown id used to count as revoked.
    expect(await store.revokeToken('00000000-0000-4000-8000-000000000000')).toBe(false);
    expect(await store.revokeToken(record.id)).toBe(true);
    expect(await store.revokeToken(record.id)).toBe(false);
  });

  it('refuses to update, delete or truncate the audit log', async () => {
    await store.appendAudit({ actor: 'test', action: 'probe', resourceType: 'test', resourceId: null });
    const query = (sql: string) => database.dataSource.query(sql);
    await expect(query(`UPDATE audit_log SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await store.listAudit({ limit: 10 })).map((entry) => entry.action)).toContain('probe');
  });

  it('matches LIKE wildcards literally in contains-searches', async () => {
    const rows: Array<{ name: string }> = await database.dataSource.query(
      `SELECT name FROM (VALUES ('100%'), ('a_b'), ('axb'), ('c:\\x'), ('plain')) AS t(name)
       WHERE name ILIKE $1 ESCAPE '\\' OR name ILIKE $2 ESCAPE '\\' OR name ILIKE $3 ESCAPE '\\' ORDER BY name`,
      [containsLikePattern('%'), containsLikePattern('_'), containsLikePattern(':\\')],
    );
    expect(rows.map((row) => row.name)).toEqual(['100%', 'a_b', 'c:\\x']);
  });
});
