import { Worker } from 'node:worker_threads';
import type { Inventory } from '#libs/inventory';
import type { WaveEdits } from '#libs/reports';
import type { RvtoolsProgress, RvtoolsReadLimits } from '#libs/rvtools';
import { UserFacingError } from './errors.js';
import { runningFromSource, typescriptWorkerBootstrap } from './typescript-worker-loader.js';

/** The budget of one parse, beyond the read limits the reader enforces itself. */
export interface ParseBudget {
  /** Heap (old generation) of the parsing worker, MiB: past it the worker dies, not the API. */
  maxHeapMiB: number;
  /** Wall-clock deadline of one parse, milliseconds. */
  timeoutMs: number;
}

/**
 * A generated 100,000-VM export parses in about 30 s with a 1.5-2 GiB heap on a developer
 * machine; the defaults leave room for slower hosts while still ending a runaway parse.
 */
export const DEFAULT_PARSE_BUDGET: Readonly<ParseBudget> = { maxHeapMiB: 3072, timeoutMs: 300_000 };
/**
 * A wave report holds one row per VM of a plan: a fraction of its export. The defaults of
 * FLOTILLA_REPORT_PARSE_HEAP_MB and FLOTILLA_REPORT_PARSE_TIMEOUT_S, which the API passes.
 */
export const WAVE_REPORT_PARSE_BUDGET: Readonly<ParseBudget> = { maxHeapMiB: 1024, timeoutMs: 120_000 };

/**
 * What one parse may cost, as the config gives it: the reader's limits (unset ones keep the
 * rvtools defaults) and the parsing worker's heap and deadline (unset ones keep a default budget).
 */
export type ParseLimits = Partial<RvtoolsReadLimits> & Partial<ParseBudget>;

/** Splits configured limits into what the reader enforces and the worker's budget. */
export function splitParseLimits(
  limits: ParseLimits,
  defaults: Readonly<ParseBudget>,
): { readLimits: Partial<RvtoolsReadLimits>; budget: ParseBudget } {
  const { maxHeapMiB, timeoutMs, ...readLimits } = limits;
  return {
    readLimits,
    budget: { maxHeapMiB: maxHeapMiB ?? defaults.maxHeapMiB, timeoutMs: timeoutMs ?? defaults.timeoutMs },
  };
}

export interface UploadParseJob {
  kind: 'inventory' | 'wave-edits';
  path: string;
  fileName: string;
  limits: Partial<RvtoolsReadLimits>;
}

export type UploadParseReply =
  | { kind: 'progress'; progress: RvtoolsProgress }
  | { kind: 'inventory'; inventory: Inventory }
  | { kind: 'wave-edits'; edits: WaveEdits }
  | { kind: 'refused'; tooLarge: boolean; code: string; message: string; sheet: string | null }
  | { kind: 'crashed'; message: string };

const WORKER_ENTRY = new URL(
  runningFromSource() ? './upload-parse.worker.ts' : './upload-parse.worker.js',
  import.meta.url,
);

/**
 * Parses an upload off the request thread: in a worker thread with its own heap limit
 * (`resourceLimits`) and a deadline. The API's event loop only receives the finished result
 * (structured clone) or the refusal, so a hostile file can slow or kill its worker, never the
 * API: a worker that runs out of heap or time is terminated and the upload fails with 413.
 */
function parseInSandbox<T>(
  job: UploadParseJob,
  budget: ParseBudget,
  result: (reply: UploadParseReply) => T | undefined,
  onProgress?: (progress: RvtoolsProgress) => void,
): Promise<T> {
  const fromSource = runningFromSource();
  const worker = new Worker(fromSource ? typescriptWorkerBootstrap(WORKER_ENTRY) : WORKER_ENTRY, {
    eval: fromSource,
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: budget.maxHeapMiB, stackSizeMb: 4 },
  });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outcome();
      void worker.terminate();
    };
    const fail = (error: Error): void => settle(() => reject(error));
    const deadline = setTimeout(
      () =>
        fail(
          new UserFacingError(
            'too-large',
            `"${job.fileName}" took longer than ${budget.timeoutMs / 1000} s to read, the limit per upload.`,
            'parse-timeout',
          ),
        ),
      budget.timeoutMs,
    );
    worker.on('message', (message: UploadParseReply) => {
      if (message.kind === 'progress') {
        onProgress?.(message.progress);
      } else if (message.kind === 'refused') {
        fail(
          new UserFacingError(
            message.tooLarge ? 'too-large' : 'invalid-input',
            message.message,
            message.code,
            message.sheet ? { sheet: message.sheet } : undefined,
          ),
        );
      } else if (message.kind === 'crashed') {
        fail(new Error(`reading "${job.fileName}" failed: ${message.message}`));
      } else {
        const value = result(message);
        if (value !== undefined) settle(() => resolve(value));
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail(
          new UserFacingError(
            'too-large',
            `"${job.fileName}" needs more than ${budget.maxHeapMiB} MiB of memory to read, the limit per upload.`,
            'parse-out-of-memory',
          ),
        );
      } else {
        fail(error);
      }
    });
    worker.on('exit', (code) => {
      fail(new Error(`reading "${job.fileName}" stopped: its worker exited with code ${code}`));
    });
  });
}

/** An RVTools export, read in the sandbox. */
export function parseInventoryInSandbox(
  request: Omit<UploadParseJob, 'kind'>,
  budget: ParseBudget,
  onProgress?: (progress: RvtoolsProgress) => void,
): Promise<Inventory> {
  return parseInSandbox(
    { kind: 'inventory', ...request },
    budget,
    (reply) => (reply.kind === 'inventory' ? reply.inventory : undefined),
    onProgress,
  );
}

/** The wave edits of an uploaded wave report, read in the sandbox (422 `not-a-wave-report` when it is not one). */
export function readWaveEditsInSandbox(
  request: Omit<UploadParseJob, 'kind'>,
  budget: ParseBudget = WAVE_REPORT_PARSE_BUDGET,
): Promise<WaveEdits> {
  return parseInSandbox({ kind: 'wave-edits', ...request }, budget, (reply) =>
    reply.kind === 'wave-edits' ? reply.edits : undefined,
  );
}
