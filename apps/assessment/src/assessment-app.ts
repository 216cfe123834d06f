import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ExecutionQueue } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { AssessmentApiModule } from './app.module.js';

/** Builds the HTTP API; used by main.ts and by the end-to-end tests. */
export async function createAssessmentApp(
  config: FlotillaConfig,
  options: { logger?: false; executionQueue?: ExecutionQueue } = {},
): Promise<INestApplication> {
  const moduleOptions = options.executionQueue ? { executionQueue: options.executionQueue } : {};
  const app = await NestFactory.create<NestExpressApplication>(
    AssessmentApiModule.register(config, moduleOptions),
    {
      logger: options.logger ?? ['log', 'warn', 'error'],
    },
  );
  app.useBodyParser('json', { limit: '10mb' });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Flotilla API')
      .setDescription('Assess, plan and execute vSphere to KubeVirt migrations in waves')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  app.enableShutdownHooks();
  return app;
}
