import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AccessService } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { BullmqExecutionQueue, EXECUTION_QUEUE } from '#libs/core';
import {
  createFlotillaMetrics,
  createLogger,
  createRequestObservability,
  type FlotillaMetrics,
  metricsHandler,
  mountQueueDashboard,
  PinoNestLogger,
} from '#libs/observability';
import { contractOperationId, withContractSchemas } from './api/contract.js';
import { AssessmentApiModule } from './app.module.js';
import { adminAccessCheck, adminOnly } from './auth.js';
import { mountConsole } from './console-assets.js';
import { installRequestBodyGuards } from './request-body-guard.js';
import { removeUploadsWhenDone } from './upload-files.js';

/** JSON bodies are settings, edits and policies: far below this. Uploads are multipart, with their own limit. */
const JSON_BODY_LIMIT = '1mb';

/** Builds the HTTP API; used by main.ts and by the end-to-end tests. */
export async function createAssessmentApp(
  config: FlotillaConfig,
  options: { logger?: false; metrics?: FlotillaMetrics } = {},
): Promise<INestApplication> {
  // One registry per app: tests build several apps in one process.
  const metrics = options.metrics ?? createFlotillaMetrics({ component: 'assessment' });
  const logger = createLogger({
    service: 'assessment',
    level: options.logger === false ? 'silent' : config.logLevel,
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AssessmentApiModule.register(config, { metrics }),
    {
      bufferLogs: true,
      ...(options.logger === false ? { logger: false } : {}),
    },
  );
  // biome-ignore lint/correctness/useHookAtTopLevel: Nest's useLogger, not a React hook
  if (options.logger !== false) app.useLogger(new PinoNestLogger(logger));
  if (config.api.authDisabled) {
    // Refused outside development by the config; still said loudly at every start.
    logger.error(
      'FLOTILLA_AUTH_DISABLED=true: authentication is OFF, every caller (tokens or none) is an admin. Development only.',
    );
  }
  const adminCheck = adminAccessCheck(config.api, app.get(AccessService));
  // Request ids and latency for every request; /metrics is plain Express, outside Nest's token guard.
  app.use(createRequestObservability({ logger, metrics }));
  app.use('/metrics', adminOnly(adminCheck, 'The metrics endpoint'), metricsHandler(metrics));
  installRequestBodyGuards(app, JSON_BODY_LIMIT);
  app.use(removeUploadsWhenDone);
  // The web console (apps/console, built by `npm run build`) at `/`, beside the API's paths.
  mountConsole(app);
  // Request and response schemas come from the routes' zod schemas (api/contract.ts).
  const document = withContractSchemas(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Flotilla API')
        .setDescription('Assess, plan and execute vSphere to KubeVirt migrations in waves')
        .setVersion('1')
        .addBearerAuth()
        .build(),
      { operationIdFactory: contractOperationId },
    ),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  const queue = app.get(EXECUTION_QUEUE);
  if (queue instanceof BullmqExecutionQueue) {
    metrics.trackQueue(queue.queue);
    // Bull Board can retry and delete jobs: admins only, with the same tokens as the API.
    mountQueueDashboard(app, { basePath: '/admin/queues', queues: [queue.queue], authorize: adminCheck });
  }
  app.enableShutdownHooks();
  return app;
}
