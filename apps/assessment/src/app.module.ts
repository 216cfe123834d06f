import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import type { FlotillaConfig } from '#libs/config';
import { FlotillaCoreModule } from '#libs/core';
import type { FlotillaMetrics } from '#libs/observability';
import { AccessController } from './access.controller.js';
import { AssessmentsController } from './assessments.controller.js';
import { TokenAuthGuard } from './auth.js';
import { ExecutionsController } from './executions.controller.js';
import { HealthController } from './health.controller.js';
import { InventoriesController } from './inventories.controller.js';
import { InventoryImportsController } from './inventory-imports.controller.js';
import { PlansController } from './plans.controller.js';
import { ReportsController } from './reports.controller.js';
import { uploadDirectory } from './upload-files.js';
import { UserErrorFilter } from './user-error.filter.js';
import { WaveManifestsController } from './wave-manifests.controller.js';

/** The HTTP API: the application core plus controllers, the token guard, the error filter and uploads. */
@Module({})
export class AssessmentApiModule {
  static register(config: FlotillaConfig, options: { metrics?: FlotillaMetrics } = {}): DynamicModule {
    return {
      module: AssessmentApiModule,
      imports: [
        FlotillaCoreModule.forRoot(config, { process: 'api', ...options }),
        // Uploads stream to disk, never into memory; the size limit answers 413 as soon as it is crossed.
        // File names are UTF-8 as browsers and curl send them (multer's default reads them as latin1).
        MulterModule.register({
          dest: uploadDirectory(),
          defParamCharset: 'utf8',
          limits: { fileSize: config.api.uploadLimitBytes, files: 1 },
        }),
      ],
      controllers: [
        HealthController,
        InventoriesController,
        InventoryImportsController,
        AssessmentsController,
        PlansController,
        ReportsController,
        AccessController,
        ExecutionsController,
        WaveManifestsController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: TokenAuthGuard },
        { provide: APP_FILTER, useClass: UserErrorFilter },
      ],
    };
  }
}
