import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { ExecutionQueue } from '#libs/application';
import { runReadinessChecks } from '#libs/observability';
import type { FlotillaDatabase } from '#libs/persistence';
import { Returns } from './api/contract.js';
import { liveness, readiness } from './api/health.schemas.js';
import { PublicRoute } from './auth.js';
import { EXECUTION_QUEUE, FLOTILLA_DATABASE } from './tokens.js';

type PingableQueue = ExecutionQueue & { ping?: () => Promise<void> };

@ApiTags('health')
@Controller()
export class HealthController {
  private readonly logger = new Logger('Readiness');

  constructor(
    @Inject(FLOTILLA_DATABASE) private readonly database: FlotillaDatabase,
    @Inject(EXECUTION_QUEUE) private readonly queue: PingableQueue | null,
  ) {}

  @Get('healthz')
  @PublicRoute()
  @Returns(liveness)
  live(): z.output<typeof liveness> {
    return { status: 'ok' };
  }

  @Get('readyz')
  @PublicRoute()
  @Returns(readiness, { description: 'Ready; 503 names the check that failed' })
  async ready(): Promise<z.output<typeof readiness>> {
    const queue = this.queue;
    const report = await runReadinessChecks({
      database: () => this.database.dataSource.query('SELECT 1'),
      // Redis is needed only to execute waves; without REDIS_URL the API is ready for the rest.
      ...(queue?.ping ? { redis: () => (queue.ping as () => Promise<void>)() } : {}),
    });
    if (!report.ready) {
      // Why a check failed goes to the log; an unauthenticated probe only sees which one failed.
      this.logger.warn(`not ready: ${JSON.stringify(report.problems)}`);
      throw new ServiceUnavailableException({ status: 'unavailable', checks: report.checks });
    }
    return { status: 'ok', database: this.database.kind, redis: queue?.ping ? 'ok' : 'not configured' };
  }
}
