import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { tmpdir } from 'node:os';
import { AssessmentService, InventoryImportService, PlanningService } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import {
  AccessStore,
  AssessmentStore,
  type FlotillaDatabase,
  InventoryStore,
  openDatabase,
  PlanStore,
} from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { TokenAuthGuard } from './auth.js';
import { AccessController } from './access.controller.js';
import { AssessmentsController } from './assessments.controller.js';
import { HealthController } from './health.controller.js';
import { InventoriesController } from './inventories.controller.js';
import { PlansController } from './plans.controller.js';
import { FLOTILLA_CONFIG, FLOTILLA_DATABASE } from './tokens.js';
import { UserErrorFilter } from './user-error.filter.js';

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(FLOTILLA_DATABASE) private readonly database: FlotillaDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

const fromDatabase = <T>(token: new (...args: never[]) => T, build: (database: FlotillaDatabase) => T): Provider => ({
  provide: token,
  useFactory: build,
  inject: [FLOTILLA_DATABASE],
});

@Module({})
export class AssessmentApiModule {
  static register(config: FlotillaConfig): DynamicModule {
    return {
      module: AssessmentApiModule,
      // Uploads stream to disk, never into memory; the size limit answers 413 as soon as it is crossed.
      imports: [MulterModule.register({ dest: tmpdir(), limits: { fileSize: config.uploadLimitBytes, files: 1 } })],
      controllers: [HealthController, InventoriesController, AssessmentsController, PlansController, AccessController],
      providers: [
        { provide: FLOTILLA_CONFIG, useValue: config },
        {
          provide: FLOTILLA_DATABASE,
          useFactory: () =>
            openDatabase({
              databaseUrl: config.databaseUrl,
              embeddedDataDir: config.embeddedDatabaseDir,
              migrations: flotillaMigrations,
            }),
        },
        DatabaseLifecycle,
        fromDatabase(InventoryStore, (database) => new InventoryStore(database.dataSource)),
        fromDatabase(AccessStore, (database) => new AccessStore(database.dataSource)),
        fromDatabase(AssessmentStore, (database) => new AssessmentStore(database.dataSource)),
        fromDatabase(PlanStore, (database) => new PlanStore(database.dataSource)),
        {
          provide: AssessmentService,
          useFactory: (inventories: InventoryStore, assessments: AssessmentStore, access: AccessStore) =>
            new AssessmentService(inventories, assessments, access),
          inject: [InventoryStore, AssessmentStore, AccessStore],
        },
        {
          provide: PlanningService,
          useFactory: (inventories: InventoryStore, assessments: AssessmentStore, plans: PlanStore, access: AccessStore) =>
            new PlanningService(inventories, assessments, plans, access),
          inject: [InventoryStore, AssessmentStore, PlanStore, AccessStore],
        },
        {
          provide: InventoryImportService,
          useFactory: (store: InventoryStore) =>
            new InventoryImportService(store, { maxInflatedBytes: config.maxInflatedBytes }),
          inject: [InventoryStore],
        },
        { provide: APP_GUARD, useClass: TokenAuthGuard },
        { provide: APP_FILTER, useClass: UserErrorFilter },
      ],
    };
  }
}
