import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FlotillaDatabase } from '#libs/persistence';
import { PublicRoute } from './auth.js';
import { FLOTILLA_DATABASE } from './tokens.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(FLOTILLA_DATABASE) private readonly database: FlotillaDatabase) {}

  @Get('healthz')
  @PublicRoute()
  live() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @PublicRoute()
  async ready() {
    try {
      await this.database.dataSource.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', database: 'unreachable' });
    }
    return { status: 'ok', database: this.database.kind };
  }
}
