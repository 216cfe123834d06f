import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AssessmentService,
  ExecutionService,
  InventoryImportService,
  PlanningService,
  ReportService,
} from '#libs/application';
import { loadConfig } from '#libs/config';
import { AccessStore, AssessmentStore, ExecutionStore, InventoryStore, PlanStore } from '#libs/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { BullmqExecutionQueue } from './bullmq-execution-queue.js';
import { FlotillaCoreModule } from './flotilla-core.module.js';
import { EXECUTION_QUEUE, FLOTILLA_DATABASE } from './tokens.js';

const REDIS_URL = process.env.FLOTILLA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('FlotillaCoreModule', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('flotilla_core');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('provides every store and service on one migrated database, and no queue without Redis', async () => {
    const core = await NestFactory.createApplicationContext(
      FlotillaCoreModule.forRoot(loadConfig({ DATABASE_URL: database.url })),
      { logger: false },
    );
    try {
      for (const token of [
        InventoryStore,
        AccessStore,
        AssessmentStore,
        PlanStore,
        ExecutionStore,
        AssessmentService,
        PlanningService,
        ReportService,
        InventoryImportService,
        ExecutionService,
      ])
        expect(core.get(token)).toBeInstanceOf(token);
      expect(core.get(EXECUTION_QUEUE)).toBeNull();
      const { dataSource } = core.get(FLOTILLA_DATABASE);
      expect((await dataSource.query(`SELECT count(*)::int AS n FROM migrations`))[0].n).toBeGreaterThan(0);
      // Built once: the CLI, the API and the executor share the instances within a process.
      expect(core.get(PlanningService)).toBe(core.get(PlanningService));
    } finally {
      await core.close();
    }
  });

  it('adds jobs to the configured queue name under FLOTILLA_QUEUE_PREFIX', async () => {
    const prefix = `flotilla-core-${process.pid}-${Date.now().toString(36)}`;
    const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL, FLOTILLA_QUEUE_PREFIX: prefix });
    const core = await NestFactory.createApplicationContext(FlotillaCoreModule.forRoot(config), {
      logger: false,
    });
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const queue = core.get(EXECUTION_QUEUE);
      expect(queue).toBeInstanceOf(BullmqExecutionQueue);
      await queue?.enqueue('start-execution', { executionId: 'e-1' }, { jobId: 'start.e-1.0' });
      expect(await redis.exists(`${prefix}:flotilla-executor:start.e-1.0`)).toBe(1);
      expect(await redis.exists(`bull:flotilla-executor:start.e-1.0`)).toBe(0);
      await queue?.queue.obliterate({ force: true });
    } finally {
      redis.disconnect();
      await core.close();
    }
  });
});
