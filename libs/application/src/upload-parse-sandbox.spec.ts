import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  writeHugeCellWorkbook,
  writeNumberedRowFloodWorkbook,
} from '../../../test/fixtures/hostile/hostile-workbooks.js';
import { UserFacingError } from './errors.js';
import {
  DEFAULT_PARSE_BUDGET,
  parseInventoryInSandbox,
  readWaveEditsInSandbox,
} from './upload-parse-sandbox.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-sandbox-'));
  await writeNumberedRowFloodWorkbook(join(dir, 'vms.xlsx'), 50_000);
  await writeHugeCellWorkbook(join(dir, 'huge-cell.xlsx'), 8 * 1024 * 1024);
  await writeHugeCellWorkbook(join(dir, 'huge-report.xlsx'), 8 * 1024 * 1024, '_flotilla');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<UserFacingError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof UserFacingError))
    throw new Error(`expected a UserFacingError, got ${String(error)}`);
  return error;
}

/** Largest gap between timer ticks of this thread while `work` runs: the API's event loop stays free. */
async function longestStall(work: Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    await work.catch(() => undefined);
  } finally {
    clearInterval(ticker);
  }
  return longest;
}

describe('parseInventoryInSandbox', () => {
  it('returns the inventory as plain data, parsed off this thread', async () => {
    const parsing = parseInventoryInSandbox(
      { path: join(dir, 'vms.xlsx'), fileName: 'vms.xlsx', limits: {} },
      DEFAULT_PARSE_BUDGET,
    );
    const stall = await longestStall(parsing);
    const inventory = await parsing;
    expect(inventory.vms).toHaveLength(50_000);
    expect(inventory.source.fileName).toBe('vms.xlsx');
    // Receiving 50,000 VMs (structured clone) is the only work here; the parse itself is not.
    expect(stall).toBeLessThan(1_000);
  });

  it('answers a limit as 413 with the reader message', async () => {
    const error = await failure(
      parseInventoryInSandbox(
        { path: join(dir, 'huge-cell.xlsx'), fileName: 'huge-cell.xlsx', limits: {} },
        DEFAULT_PARSE_BUDGET,
      ),
    );
    expect(error.kind).toBe('too-large');
    expect(error.code).toBe('too-large');
    expect(error.message).toContain(
      '"huge-cell.xlsx", sheet vInfo: cell A2 holds more than 1,048,576 characters',
    );
  });

  it('answers 422 for a file that is not an export', async () => {
    await writeFile(join(dir, 'notes.txt'), 'just some notes\n');
    const error = await failure(
      parseInventoryInSandbox(
        { path: join(dir, 'notes.txt'), fileName: 'notes.txt', limits: {} },
        DEFAULT_PARSE_BUDGET,
      ),
    );
    expect(error.kind).toBe('invalid-input');
    expect(error.code).toBe('not-a-workbook');
    expect(error.message).toContain('"notes.txt" is not an RVTools export');
  });

  it('ends a parse past its deadline with 413', async () => {
    const error = await failure(
      parseInventoryInSandbox(
        { path: join(dir, 'vms.xlsx'), fileName: 'vms.xlsx', limits: {} },
        { ...DEFAULT_PARSE_BUDGET, timeoutMs: 200 },
      ),
    );
    expect(error.kind).toBe('too-large');
    expect(error.code).toBe('parse-timeout');
    expect(error.message).toBe('"vms.xlsx" took longer than 0.2 s to read, the limit per upload.');
  });

  it('ends a parse that runs out of its heap with 413, the caller unharmed', async () => {
    const error = await failure(
      parseInventoryInSandbox(
        { path: join(dir, 'vms.xlsx'), fileName: 'vms.xlsx', limits: {} },
        { ...DEFAULT_PARSE_BUDGET, maxHeapMiB: 24 },
      ),
    );
    expect(error.kind).toBe('too-large');
    expect(error.code).toBe('parse-out-of-memory');
    expect(error.message).toBe('"vms.xlsx" needs more than 24 MiB of memory to read, the limit per upload.');
  });

  it('reads a wave-report load-back in the sandbox too: limits answer 413, other workbooks 422', async () => {
    const tooLarge = await failure(
      readWaveEditsInSandbox({ path: join(dir, 'huge-report.xlsx'), fileName: 'edited.xlsx', limits: {} }),
    );
    expect(tooLarge.kind).toBe('too-large');
    expect(tooLarge.message).toContain(
      '"edited.xlsx", sheet _flotilla: cell A2 holds more than 1,048,576 characters',
    );

    const notReport = await failure(
      readWaveEditsInSandbox({ path: join(dir, 'vms.xlsx'), fileName: 'vms.xlsx', limits: {} }),
    );
    expect(notReport.kind).toBe('invalid-input');
    expect(notReport.code).toBe('not-a-wave-report');
    expect(notReport.message).toBe(
      '"vms.xlsx" is not a Flotilla wave report: its hidden sheet "_flotilla" is missing',
    );
  });
});
