import 'reflect-metadata';
import { Writable } from 'node:stream';
import { Controller, Get, Inject, Logger, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { expect, it } from 'vitest';
import {
  createFlotillaMetrics,
  createLogger,
  createRequestObservability,
  metricsHandler,
  PinoNestLogger,
} from './index.js';

class PlanReader {
  private readonly log = new Logger(PlanReader.name);
  read(planId: string) {
    this.log.log(`reading plan ${planId} from postgres://flotilla:pg-secret@db/flotilla`);
    return { planId };
  }
}

@Controller('plans')
class PlansController {
  constructor(@Inject(PlanReader) private readonly plans: PlanReader) {}

  @Get(':planId')
  get(@Param('planId') planId: string) {
    return this.plans.read(planId);
  }
}

@Module({ controllers: [PlansController], providers: [PlanReader] })
class PlansModule {}

it('wires into a Nest app: Nest logs as JSON with the request id, routes are labelled by template', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ service: 'assessment', destination });
  const metrics = createFlotillaMetrics({ component: 'assessment', defaultMetrics: false });
  const app = await NestFactory.create(PlansModule, { bufferLogs: true });
  app.useLogger(new PinoNestLogger(logger));
  app.use(createRequestObservability({ logger, metrics }));
  app.use('/metrics', metricsHandler(metrics));
  await app.init();
  try {
    const response = await request(app.getHttpServer())
      .get('/plans/p-1')
      .set('x-request-id', 'req-42')
      .expect(200);
    expect(response.headers['x-request-id']).toBe('req-42');
    const scrape = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(scrape.text).toContain('route="/plans/:planId"');
  } finally {
    await app.close();
  }
  expect(lines.find((line) => line.context === 'RouterExplorer')).toMatchObject({
    level: 'info',
    service: 'assessment',
  });
  const inService = lines.find((line) => line.context === 'PlanReader');
  expect(inService).toMatchObject({
    requestId: 'req-42',
    msg: 'reading plan p-1 from postgres://flotilla:[REDACTED]@db/flotilla',
  });
  expect(JSON.stringify(lines)).not.toContain('pg-secret');
});
