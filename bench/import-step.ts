/**
 * One measured import step, run in a child process by import.bench.ts:
 *   exceljs <file>          the bare exceljs streaming read of every sheet (the baseline)
 *   parse <file>            our reader alone
 *   import <file> <dbUrl>   parse + normalize + persist, as `flotilla import` does
 */
import ExcelJS from 'exceljs';
import { InventoryImportService } from '#libs/application';
import { AccessStore, InventoryStore, openDatabase } from '#libs/persistence';
import { readRvtoolsInventory } from '#libs/rvtools';
import { flotillaMigrations } from '#migrations';
import { reportFromChild } from './bench-support.js';

const [mode, file, databaseUrl] = process.argv.slice(2);
if (!mode || !file) throw new Error('usage: import-step.js exceljs|parse|import FILE [DATABASE_URL]');

async function exceljsRead(path: string) {
  let rows = 0;
  let cells = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  for await (const worksheet of reader) {
    for await (const row of worksheet) {
      rows += 1;
      cells += row.cellCount;
    }
  }
  return { rows, cells };
}

const started = performance.now();
let result: Record<string, unknown>;
if (mode === 'exceljs') {
  result = await exceljsRead(file);
} else if (mode === 'parse') {
  const inventory = await readRvtoolsInventory({ path: file }, { maxInflatedBytes: 4 * 1024 ** 3 });
  result = { vms: inventory.vms.length, diagnostics: inventory.diagnostics.length };
} else {
  // The database is opened (and migrated) before the clock starts: a server is already running in production.
  const database = await openDatabase({
    databaseUrl,
    embeddedDataDir: 'memory://',
    migrations: flotillaMigrations,
  });
  const importStarted = performance.now();
  const imported = await new InventoryImportService(
    new InventoryStore(database.dataSource),
    new AccessStore(database.dataSource),
    {
      maxInflatedBytes: 4 * 1024 ** 3,
    },
  ).importFile(file);
  result = { vms: imported.summary.vms, seconds: (performance.now() - importStarted) / 1000 };
  await database.close();
}
reportFromChild({
  ...result,
  seconds: (result.seconds as number | undefined) ?? (performance.now() - started) / 1000,
});
