import { Worker } from 'node:worker_threads';
import type { Inventory } from '#libs/inventory';
import type { RvtoolsImportErrorCode, RvtoolsProgress, RvtoolsReadLimits } from '#libs/rvtools';
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

export interface InventoryParseRequest {
  path: string;
  fileName: string;
  limits: Partial<RvtoolsReadLimits>;
}

export type InventoryParseReply =
  | { kind: 'progress'; progress: RvtoolsProgress }
  | { kind: 'inventory'; inventory: Inventory }
  | { kind: 'refused'; code: RvtoolsImportErrorCode; message: string; sheet: string | null }
  | { kind: 'crashed'; message: string };

/** RvtoolsImportError codes answered 413; the others (not a workbook, no vInfo, ...) are 422. */
const TOO_LARGE_CODES = new Set<string>(['too-large']);

const WORKER_ENTRY = new URL(
  runningFromSource() ? './inventory-parse.worker.ts' : './inventory-parse.worker.js',
  import.meta.url,
);

/**
 * Parses an upload off the request thread: in a worker thread with its own heap limit
 * (`resourceLimits`) and a deadline. The API's event loop only receives the finished inventory
 * (structured clone) or the refusal, so a hostile file can slow or kill its worker, never the
 * API: a worker that runs out of heap or time is terminated and the import fails with 413.
 */
export function parseInventoryInSandbox(
  request: InventoryParseRequest,
  budget: ParseBudget,
  onProgress?: (progress: RvtoolsProgress) => void,
): Promise<Inventory> {
  const fromSource = runningFromSource();
  const worker = new Worker(fromSource ? typescriptWorkerBootstrap(WORKER_ENTRY) : WORKER_ENTRY, {
    eval: fromSource,
    workerData: request,
    resourceLimits: { maxOldGenerationSizeMb: budget.maxHeapMiB, stackSizeMb: 4 },
  });
  return new Promise<Inventory>((resolve, reject) => {
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
            `"${request.fileName}" took longer than ${budget.timeoutMs / 1000} s to read, the limit per import.`,
            'parse-timeout',
          ),
        ),
      budget.timeoutMs,
    );
    worker.on('message', (message: InventoryParseReply) => {
      switch (message.kind) {
        case 'progress':
          onProgress?.(message.progress);
          return;
        case 'inventory':
          settle(() => resolve(message.inventory));
          return;
        case 'refused':
          fail(
            new UserFacingError(
              TOO_LARGE_CODES.has(message.code) ? 'too-large' : 'invalid-input',
              message.message,
              message.code,
              message.sheet ? { sheet: message.sheet } : undefined,
            ),
          );
          return;
        case 'crashed':
          fail(new Error(`reading "${request.fileName}" failed: ${message.message}`));
          return;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail(
          new UserFacingError(
            'too-large',
            `"${request.fileName}" needs more than ${budget.maxHeapMiB} MiB of memory to read, the limit per import.`,
            'parse-out-of-memory',
          ),
        );
      } else {
        fail(error);
      }
    });
    worker.on('exit', (code) => {
      fail(new Error(`reading "${request.fileName}" stopped: its worker exited with code ${code}`));
    });
  });
}
