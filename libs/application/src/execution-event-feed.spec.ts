import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutionEventRecord, type ExecutionStatus, ExecutionStore } from '#libs/persistence';
import { openTestDatabase, seedAssessedInventory, seedPlan } from '../../../test/support/estate-rows.js';
import { ExecutionEventFeed } from './execution-event-feed.js';

const POLL_MS = 50;

/** Every statement this process sends to Postgres while `work` runs. */
async function statementsDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    const text = args[0];
    seen.push(typeof text === 'string' ? text : String((text as { text?: string })?.text));
    return (original as (...values: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return seen;
}

interface Received {
  events: ExecutionEventRecord[];
  ended: Promise<{ status: ExecutionStatus; cursor: number }>;
  stop: () => void;
}

describe('ExecutionEventFeed', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let executions: ExecutionStore;
  let feed: ExecutionEventFeed;
  let executionId: string;

  beforeAll(async () => {
    database = await openTestDatabase('flotilla_event_feed');
    executions = new ExecutionStore(database.dataSource);
    feed = new ExecutionEventFeed(executions, POLL_MS);
    const planId = await seedPlan(database, await seedAssessedInventory(database));
    // 500 VMs with a sizeable spec each: what a stream must not re-read.
    executionId = await executions.create({
      planId,
      waveNumber: 1,
      waveHash: 'h',
      requestedBy: 'test',
      spec: {},
      vms: Array.from({ length: 500 }, (_, index) => ({
        vmKey: `vm-${index}`,
        name: `vm-${index}`,
        targetName: `vm-${index}`,
        sourceHost: 'esx-1',
        spec: { padding: 'x'.repeat(4_000) },
        firstPhase: 'Preflight',
        disks: [{ index: 0, datastore: 'ds1', capacityBytes: 1 }],
      })),
    });
  });

  afterAll(async () => {
    await database?.drop();
  });

  const event = (message: string) => ({ executionId, vmKey: null, phase: null, kind: 'info', message });

  function listen(afterId: number): Received {
    const events: ExecutionEventRecord[] = [];
    let stop: () => void = () => undefined;
    const ended = new Promise<{ status: ExecutionStatus; cursor: number }>((resolve, reject) => {
      stop = feed.subscribe(executionId, afterId, {
        event: (received) => events.push(received),
        end: (status, cursor) => resolve({ status, cursor }),
        error: reject,
      });
    });
    return { events, ended, stop };
  }

  it('serves 100 subscribers from one poll of new events and the status, never the VM rows', async () => {
    await executions.appendEvents([event('first'), event('second')]);
    const subscribers: Received[] = [];
    const statements = await statementsDuring(async () => {
      for (let index = 0; index < 100; index += 1) subscribers.push(listen(0));
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 6));
      await executions.appendEvents([event('third')]);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 4));
    });
    for (const subscriber of subscribers) {
      expect(subscriber.events.map((received) => received.message)).toEqual(['first', 'second', 'third']);
      subscriber.stop();
    }
    expect(statements.filter((sql) => sql.includes('execution_vms'))).toEqual([]);
    // About two statements per poll for all 100 together (10 polls here), not per subscriber.
    const reads = statements.filter((sql) => /^\s*SELECT/i.test(sql));
    expect(reads.length).toBeGreaterThan(4);
    expect(reads.length).toBeLessThan(40);
  });

  it('gives a late subscriber only what follows its cursor, and every event before the end', async () => {
    const before = await executions.events(executionId, 0, 1_000);
    const cursor = before.at(-1)?.id ?? 0;
    const late = listen(cursor);
    await executions.appendEvents([event('fourth')]);
    await database.dataSource.query(`UPDATE executions SET status = 'completed' WHERE id = $1`, [
      executionId,
    ]);
    await executions.appendEvents([event('written as it ended')]);
    const ended = await late.ended;
    expect(ended.status).toBe('completed');
    expect(late.events.map((received) => received.message)).toEqual(['fourth', 'written as it ended']);
    expect(ended.cursor).toBe(late.events.at(-1)?.id);
  });

  it('reports an execution that does not exist', async () => {
    const missing = new Promise((resolve) => {
      feed.subscribe('00000000-0000-4000-8000-000000000000', 0, {
        event: () => undefined,
        end: () => resolve('ended'),
        error: (error: unknown) => resolve(error),
      });
    });
    expect(String(await missing)).toContain('does not exist');
  });
});
