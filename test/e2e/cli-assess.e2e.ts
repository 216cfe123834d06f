import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEstateCommands } from '../../apps/cli/src/estate-commands.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rvtoolsSample, sharedSuite } from '../support/shared-files.js';

const KYLOW = rvtoolsSample('kylow-reference-RVTOOLEX.xlsx');
const suite = sharedSuite('flotilla assess: ages counted to the export, or to --as-of', KYLOW);

/** Runs one CLI command in-process on the test database and returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerEstateCommands(program);
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'flotilla', ...args]);
  } finally {
    write.mockRestore();
  }
  return printed.join('');
}

describe.skipIf(suite.skip)(suite.title, () => {
  let database: TestDatabase;
  const before = process.env.DATABASE_URL;

  beforeAll(async () => {
    database = await createTestDatabase();
    process.env.DATABASE_URL = database.url;
  });

  afterAll(async () => {
    if (before === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = before;
    await database?.drop();
  });

  it("prints countedTo: the export's date by default, the --as-of date when given", async () => {
    const byExport = JSON.parse(await cli('assess', KYLOW, '--json'));
    expect(byExport).toMatchObject({ countedTo: '2025-12-17T16:35:29.000Z', countedToBasis: 'export' });

    const asOf = JSON.parse(await cli('assess', byExport.inventoryId, '--json', '--as-of', '2027-06-01'));
    expect(asOf).toMatchObject({ countedTo: '2027-06-01T00:00:00.000Z', countedToBasis: 'as-of' });
    expect(asOf.summary.retire).toBeGreaterThan(byExport.summary.retire);

    const text = await cli('assess', byExport.inventoryId);
    expect(text).toContain("ages counted to 2025-12-17 (the export's date)");
  });

  it('refuses an --as-of that is not a date, saying what it expects', async () => {
    await expect(cli('assess', KYLOW, '--json', '--as-of', 'yesterday')).rejects.toThrow(
      /asOf "yesterday" is not a date: give YYYY-MM-DD/,
    );
  });
});
