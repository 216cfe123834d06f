import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { ExecutionService } from '#libs/application';
import type { Principal } from '#libs/persistence';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { validate } from './validation.js';

const uuid = z.string().uuid('must be a UUID');
const waveNumber = z.coerce.number().int().positive('must be a wave number (1, 2, ...)');
const afterId = z.coerce.number().int().nonnegative('must be an event id (0 for the start)').default(0);

const executeSchema = z
  .object({
    convertGuest: z.enum(['auto', 'always', 'never']).optional(),
    allowHardPowerOff: z.boolean().optional(),
    startVms: z.boolean().optional(),
  })
  .strict();

const cancelSchema = z.object({ vmKeys: z.array(z.string().min(1)).min(1).optional() }).strict();

/** How often the event stream looks for new events; the database is the only source. */
const STREAM_POLL_MS = 1_000;

interface StreamMessage {
  id: string;
  type: string;
  data: unknown;
}

@ApiTags('executions')
@ApiBearerAuth()
@Controller()
export class ExecutionsController {
  constructor(@Inject(ExecutionService) private readonly executions: ExecutionService) {}

  /** Starts an approved wave, unchanged since approval; the executor does the work. */
  @Post('plans/:id/waves/:number/execute')
  @HttpCode(202)
  @RequireRole('operator')
  execute(
    @Param('id') id: string,
    @Param('number') number: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    const options = validate(executeSchema, body ?? {}, 'body');
    const cleaned = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    return this.executions.startWave(id, validate(waveNumber, number, 'wave number'), principal, cleaned);
  }

  @Get('executions/:id')
  @RequireRole('viewer')
  get(@Param('id') id: string) {
    validate(uuid, id, 'execution id');
    return this.executions.get(id);
  }

  /** Polling-friendly: `?after=<last event id seen>`. */
  @Get('executions/:id/events')
  @RequireRole('viewer')
  events(
    @Param('id') id: string,
    @Query('after') after: string | undefined,
    @Query('limit') limit: string | undefined,
  ) {
    validate(uuid, id, 'execution id');
    return this.executions.events(
      id,
      validate(afterId, after, 'after'),
      validate(z.coerce.number().int().positive().max(5_000).default(500), limit, 'limit'),
    );
  }

  /** Server-sent events: each execution event as it lands, then `end` when the execution is over. */
  @Sse('executions/:id/stream')
  @RequireRole('viewer')
  async stream(
    @Param('id') id: string,
    @Query('after') after: string | undefined,
  ): Promise<Observable<StreamMessage>> {
    validate(uuid, id, 'execution id');
    let cursor = validate(afterId, after, 'after');
    // Before any header is sent: an unknown execution is a 404, not a 200 with an error event.
    await this.executions.get(id);
    return new Observable<StreamMessage>((subscriber) => {
      let stopped = false;
      const tick = async () => {
        while (!stopped) {
          const batch = await this.executions.events(id, cursor, 500);
          for (const event of batch) {
            cursor = event.id;
            subscriber.next({ id: String(event.id), type: event.kind, data: event });
          }
          if (batch.length < 500) {
            const execution = await this.executions.get(id);
            if (!['queued', 'running', 'cancelling'].includes(execution.status)) {
              subscriber.next({ id: String(cursor), type: 'end', data: { status: execution.status } });
              subscriber.complete();
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS));
          }
        }
      };
      tick().catch((error: unknown) => subscriber.error(error));
      return () => {
        stopped = true;
      };
    });
  }

  @Post('executions/:id/cancel')
  @HttpCode(202)
  @RequireRole('operator')
  cancel(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    validate(uuid, id, 'execution id');
    const { vmKeys } = validate(cancelSchema, body ?? {}, 'body');
    return this.executions.cancel(id, vmKeys, principal);
  }

  @Post('executions/:id/retry')
  @HttpCode(202)
  @RequireRole('operator')
  retry(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    validate(uuid, id, 'execution id');
    return this.executions.retry(id, principal);
  }
}
