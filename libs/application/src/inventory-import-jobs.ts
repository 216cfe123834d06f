import { randomUUID } from 'node:crypto';
import type { RvtoolsProgress } from '#libs/rvtools';
import { notFound } from './errors.js';
import type { ImportOptions, ImportResult, InventoryImportService } from './inventory-import.service.js';

/** Where an import is: reading the file (in its worker), storing it (one transaction), or over. */
export type ImportStage = 'reading' | 'storing' | 'succeeded' | 'failed';

export interface ImportProgress {
  /** The sheet being read (the last one read once storing). */
  sheet: string | null;
  /** Rows read in that sheet so far. */
  sheetRows: number;
  /** Rows read in every sheet so far. */
  rowsRead: number;
  vmsFound: number;
  vmsStored: number;
  /** Bytes of the zip inflated so far and in all; null for CSV files. */
  inflatedBytes: number | null;
  totalInflatedBytes: number | null;
  /** 0-100 when it can be told (a zip, or the storing), else null. */
  percent: number | null;
}

export interface ImportJob {
  id: string;
  fileName: string;
  /** Who started it: only they may follow it. */
  actor: string;
  stage: ImportStage;
  startedAt: string;
  finishedAt: string | null;
  progress: ImportProgress;
  result: ImportResult | null;
  /** Why it failed, as thrown (the HTTP edge turns it into the body POST /inventories would answer). */
  error: unknown;
}

/** A finished import stays readable this long, for a client that polls slowly or comes back. */
export const FINISHED_IMPORT_KEPT_MS = 15 * 60_000;
/** Reading is most of an import's time; storing the VMs is the rest of the bar. */
const READING_SHARE = 80;

function percentOf(job: ImportJob): number | null {
  const { progress } = job;
  if (job.stage === 'succeeded') return 100;
  if (job.stage === 'storing') {
    return READING_SHARE + ((100 - READING_SHARE) * progress.vmsStored) / Math.max(progress.vmsFound, 1);
  }
  if (progress.inflatedBytes === null || !progress.totalInflatedBytes) return null;
  return (
    (READING_SHARE * Math.min(progress.inflatedBytes, progress.totalInflatedBytes)) /
    progress.totalInflatedBytes
  );
}

/**
 * Imports that run after their request has been answered, followed by polling. Their progress is
 * held in this process's memory only: a client follows an import on the API instance that took
 * the upload, and an instance that restarts forgets its imports (their uploads are gone with it,
 * and a half-done import stored nothing: the store writes it in one transaction).
 */
export class InventoryImportJobs {
  private readonly jobs = new Map<string, ImportJob>();

  constructor(
    private readonly importer: InventoryImportService,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Starts importing `path` and returns at once. `settled` resolves when the import is over
   * (whichever way: the job says how) so the caller can clean up after it.
   */
  start(
    path: string,
    options: ImportOptions & { fileName: string; principal: { actor: string } },
  ): { job: ImportJob; settled: Promise<ImportJob> } {
    this.forgetExpired();
    const job: ImportJob = {
      id: randomUUID(),
      fileName: options.fileName,
      actor: options.principal.actor,
      stage: 'reading',
      startedAt: new Date(this.now()).toISOString(),
      finishedAt: null,
      progress: {
        sheet: null,
        sheetRows: 0,
        rowsRead: 0,
        vmsFound: 0,
        vmsStored: 0,
        inflatedBytes: null,
        totalInflatedBytes: null,
        percent: null,
      },
      result: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    const update = (change: Partial<ImportProgress>, stage: ImportStage = job.stage): void => {
      job.stage = stage;
      job.progress = { ...job.progress, ...change };
      job.progress.percent = percentOf(job);
    };
    const settled = this.importer
      .importFile(path, {
        ...options,
        onProgress: (read: RvtoolsProgress) =>
          update({
            sheet: read.sheet,
            sheetRows: read.rows,
            rowsRead: read.totalRows,
            vmsFound: read.vms,
            inflatedBytes: read.inflatedBytes,
            totalInflatedBytes: read.totalInflatedBytes,
          }),
        onVmsStored: (stored, total) => update({ vmsStored: stored, vmsFound: total }, 'storing'),
      })
      .then(
        (result) => {
          job.result = result;
          update({}, 'succeeded');
        },
        (error: unknown) => {
          job.error = error;
          update({}, 'failed');
        },
      )
      .then(() => {
        job.finishedAt = new Date(this.now()).toISOString();
        return job;
      });
    return { job, settled };
  }

  /** The import `id` as its starter sees it; anyone else (or an id this instance does not know) gets 404. */
  get(id: string, principal: { actor: string }): ImportJob {
    this.forgetExpired();
    const job = this.jobs.get(id);
    if (!job || job.actor !== principal.actor) throw notFound('Import', id);
    return job;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== null && now - Date.parse(job.finishedAt) > FINISHED_IMPORT_KEPT_MS) {
        this.jobs.delete(id);
      }
    }
  }
}
