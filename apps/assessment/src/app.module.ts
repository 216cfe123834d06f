import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import {
  AccessService,
  AssessmentService,
  type ExecutionQueue,
  ExecutionService,
  InventoryImportService,
  InventoryService,
  PlanningService,
  ReportService,
} from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { parseSentinels } from '#libs/jobs';
import { createFlotillaMetrics, type FlotillaMetrics } from '#libs/observability';
import {
  AccessStore,
  AssessmentStore,
  CascadeStore,
  ExecutionStore,
  type FlotillaDatabase,
  InventoryStore,
  openDatabase,
  PlanStore,
} from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { AccessController } from './access.controller.js';
import { AssessmentsController } from './assessments.controller.js';
import { TokenAuthGuard } from './auth.js';
import { ApiExecutionQueue } from './execution-queue.provider.js';
import { ExecutionsController } from './executions.controller.js';
import { HealthController } from './health.controller.js';
import { InventoriesController } from './inventories.controller.js';
import { PlansController } from './plans.controller.js';
import { ReportsController } from './reports.controller.js';
import { EXECUTION_QUEUE, FLOTILLA_CONFIG, FLOTILLA_DATABASE, FLOTILLA_METRICS } from './tokens.js';
import { uploadDirectory } from './upload-files.js';
import { UserErrorFilter } from './user-error.filter.js';

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(FLOTILLA_DATABASE) private readonly database: FlotillaDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

const fromDatabase = <T>(
  token: new (...args: never[]) => T,
  build: (database: FlotillaDatabase) => T,
): Provider => ({
  provide: token,
  useFactory: build,
  inject: [FLOTILLA_DATABASE],
});

@Module({})
export class AssessmentApiModule {
  /** `executionQueue` replaces the BullMQ queue REDIS_URL would give (tests use their own prefix). */
  static register(
    config: FlotillaConfig,
    options: { executionQueue?: ExecutionQueue; metrics?: FlotillaMetrics } = {},
  ): DynamicModule {
    return {
      module: AssessmentApiModule,
      // Uploads stream to disk, never into memory; the size limit answers 413 as soon as it is crossed.
      // File names are UTF-8 as browsers and curl send them (multer's default reads them as latin1).
      imports: [
        MulterModule.register({
          dest: uploadDirectory(),
          defParamCharset: 'utf8',
          limits: { fileSize: config.uploadLimitBytes, files: 1 },
        }),
      ],
      controllers: [
        HealthController,
        InventoriesController,
        AssessmentsController,
        PlansController,
        ReportsController,
        AccessController,
        ExecutionsController,
      ],
      providers: [
        { provide: FLOTILLA_CONFIG, useValue: config },
        {
          provide: FLOTILLA_METRICS,
          useValue: options.metrics ?? createFlotillaMetrics({ component: 'assessment' }),
        },
        {
          provide: FLOTILLA_DATABASE,
          useFactory: () =>
            openDatabase({
              databaseUrl: config.databaseUrl,
              embeddedDataDir: config.embeddedDatabaseDir,
              migrations: flotillaMigrations,
              migrationMode: config.migrationMode,
            }),
        },
        DatabaseLifecycle,
        fromDatabase(InventoryStore, (database) => new InventoryStore(database.dataSource)),
        fromDatabase(AccessStore, (database) => new AccessStore(database.dataSource)),
        fromDatabase(AssessmentStore, (database) => new AssessmentStore(database.dataSource)),
        fromDatabase(PlanStore, (database) => new PlanStore(database.dataSource)),
        fromDatabase(CascadeStore, (database) => new CascadeStore(database.dataSource)),
        {
          provide: AccessService,
          useFactory: (access: AccessStore) => new AccessService(access),
          inject: [AccessStore],
        },
        {
          provide: InventoryService,
          useFactory: (inventories: InventoryStore, cascade: CascadeStore, access: AccessStore) =>
            new InventoryService(inventories, cascade, access),
          inject: [InventoryStore, CascadeStore, AccessStore],
        },
        {
          provide: AssessmentService,
          useFactory: (
            inventories: InventoryStore,
            assessments: AssessmentStore,
            access: AccessStore,
            cascade: CascadeStore,
          ) => new AssessmentService(inventories, assessments, access, cascade),
          inject: [InventoryStore, AssessmentStore, AccessStore, CascadeStore],
        },
        {
          provide: PlanningService,
          useFactory: (
            inventories: InventoryStore,
            assessments: AssessmentStore,
            plans: PlanStore,
            access: AccessStore,
            cascade: CascadeStore,
          ) => new PlanningService(inventories, assessments, plans, access, cascade),
          inject: [InventoryStore, AssessmentStore, PlanStore, AccessStore, CascadeStore],
        },
        {
          provide: ReportService,
          useFactory: (
            inventories: InventoryStore,
            assessments: AssessmentStore,
            planning: PlanningService,
            access: AccessStore,
          ) => new ReportService(inventories, assessments, planning, access),
          inject: [InventoryStore, AssessmentStore, PlanningService, AccessStore],
        },
        fromDatabase(ExecutionStore, (database) => new ExecutionStore(database.dataSource)),
        {
          provide: EXECUTION_QUEUE,
          useFactory: () =>
            options.executionQueue ??
            (config.redisUrl
              ? new ApiExecutionQueue(config.redisUrl, undefined, {
                  sentinels: parseSentinels(config.redisSentinels),
                  name: config.redisSentinelName,
                })
              : null),
        },
        {
          provide: ExecutionService,
          useFactory: (
            database: FlotillaDatabase,
            executions: ExecutionStore,
            plans: PlanStore,
            inventories: InventoryStore,
            assessments: AssessmentStore,
            access: AccessStore,
            queue: ExecutionQueue | null,
          ) =>
            new ExecutionService(
              database.dataSource,
              executions,
              plans,
              inventories,
              assessments,
              access,
              queue ?? undefined,
            ),
          inject: [
            FLOTILLA_DATABASE,
            ExecutionStore,
            PlanStore,
            InventoryStore,
            AssessmentStore,
            AccessStore,
            EXECUTION_QUEUE,
          ],
        },
        {
          provide: InventoryImportService,
          useFactory: (store: InventoryStore, access: AccessStore) =>
            new InventoryImportService(store, access, { maxInflatedBytes: config.maxInflatedBytes }),
          inject: [InventoryStore, AccessStore],
        },
        { provide: APP_GUARD, useClass: TokenAuthGuard },
        { provide: APP_FILTER, useClass: UserErrorFilter },
      ],
    };
  }
}
