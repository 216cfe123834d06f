import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { tmpdir } from 'node:os';
import { InventoryImportService } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { AccessStore, type FlotillaDatabase, InventoryStore, openDatabase } from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { TokenAuthGuard } from './auth.js';
import { HealthController } from './health.controller.js';
import { InventoriesController } from './inventories.controller.js';
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
      controllers: [HealthController, InventoriesController],
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
