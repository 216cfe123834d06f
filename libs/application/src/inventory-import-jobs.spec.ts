import { describe, expect, it } from 'vitest';
import type { Principal } from '#libs/persistence';
import { UserFacingError } from './errors.js';
import type { ImportOptions, ImportResult, InventoryImportService } from './inventory-import.service.js';
import { FINISHED_IMPORT_KEPT_MS, InventoryImportJobs } from './inventory-import-jobs.js';

/** An importer the test steps through: it reports what it is told, then ends as it is told. */
function steppedImporter() {
  let options: ImportOptions = {};
  let finish: (outcome: ImportResult | Error) => void = () => {};
  const importer = {
    importFile: (_path: string, given: ImportOptions) => {
      options = given;
      return new Promise<ImportResult>((resolve, reject) => {
        finish = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
      });
    },
  };
  return {
    importer: importer as unknown as InventoryImportService,
    options: () => options,
    finish: (outcome: ImportResult | Error) => finish(outcome),
  };
}

const planner: Principal = { actor: 'token:planner', roles: ['planner'] };
const reading = (rows: number, inflatedBytes: number | null) => ({
  sheet: 'vInfo',
  rows,
  totalRows: rows,
  vms: rows,
  inflatedBytes,
  totalInflatedBytes: inflatedBytes === null ? null : 1000,
});

describe('InventoryImportJobs', () => {
  it('follows an import through reading and storing to its result, the percentage only going up', async () => {
    const stepped = steppedImporter();
    const jobs = new InventoryImportJobs(stepped.importer);
    const { job, settled } = jobs.start('/tmp/upload', { fileName: 'estate.xlsx', principal: planner });
    expect(jobs.get(job.id, planner)).toMatchObject({ stage: 'reading', progress: { percent: null } });

    stepped.options().onProgress?.(reading(5000, 500));
    expect(jobs.get(job.id, planner).progress).toMatchObject({ rowsRead: 5000, vmsFound: 5000, percent: 40 });
    stepped.options().onVmsStored?.(0, 10_000);
    stepped.options().onVmsStored?.(5000, 10_000);
    expect(jobs.get(job.id, planner)).toMatchObject({
      stage: 'storing',
      progress: { vmsStored: 5000, percent: 90 },
    });

    stepped.finish({ inventoryId: 'inventory-1' } as ImportResult);
    await settled;
    expect(jobs.get(job.id, planner)).toMatchObject({
      stage: 'succeeded',
      progress: { percent: 100 },
      result: { inventoryId: 'inventory-1' },
    });
  });

  it('keeps the error of a failed import, and shows an import only to the one who started it', async () => {
    const stepped = steppedImporter();
    const jobs = new InventoryImportJobs(stepped.importer);
    const { job, settled } = jobs.start('/tmp/upload', { fileName: 'bad.csv', principal: planner });
    stepped.options().onProgress?.(reading(10, null));
    expect(jobs.get(job.id, planner).progress.percent).toBeNull();
    const refusal = new UserFacingError('invalid-input', 'bad.csv has no VM column', 'no-vm-column');
    stepped.finish(refusal);
    await settled;
    expect(jobs.get(job.id, planner)).toMatchObject({ stage: 'failed', error: refusal, result: null });
    expect(() => jobs.get(job.id, { actor: 'token:someone-else' })).toThrow(/Import .* does not exist/);
  });

  it('forgets a finished import once it has been kept long enough, never a running one', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const stepped = steppedImporter();
    const jobs = new InventoryImportJobs(stepped.importer, () => now);
    const finished = jobs.start('/tmp/a', { fileName: 'a.xlsx', principal: planner });
    stepped.finish({ inventoryId: 'a' } as ImportResult);
    await finished.settled;
    const running = jobs.start('/tmp/b', { fileName: 'b.xlsx', principal: planner });
    now += FINISHED_IMPORT_KEPT_MS;
    expect(jobs.get(finished.job.id, planner).stage).toBe('succeeded');
    now += FINISHED_IMPORT_KEPT_MS;
    expect(() => jobs.get(finished.job.id, planner)).toThrow(/does not exist/);
    expect(jobs.get(running.job.id, planner).stage).toBe('reading');
  });
});
