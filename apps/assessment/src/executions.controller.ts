import { Controller, Get, HttpCode, Inject, Post, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import type { z } from 'zod';
import { ExecutionService } from '#libs/application';
import type { ExecutionEventRecord, Principal } from '#libs/persistence';
import { waveNumber } from './api/common.schemas.js';
import {
  Returns,
  ReturnsEventStream,
  UuidParam,
  ValidBody,
  ValidParam,
  ValidQueryParam,
} from './api/contract.js';
import {
  abandonOutcome,
  afterEventId,
  cancelBody,
  cutoverBody,
  eventLimit,
  executeBody,
  executionEvent,
  executionView,
  streamData,
} from './api/executions.schemas.js';
import { CurrentPrincipal, RequireRole } from './auth.js';

type ExecutionView = z.output<typeof executionView>;
const ExecutionId = () => UuidParam('id', 'execution id');
const AfterEventId = () => ValidQueryParam('after', afterEventId, 'The last event id seen (0 for the start)');

/**
 * Every subscriber of an execution receives the same event objects (one shared poll): each is
 * serialized once, not once per subscriber (Nest writes string data as it is).
 */
const serializedEvents = new WeakMap<ExecutionEventRecord, string>();
function serialized(event: ExecutionEventRecord): string {
  let text = serializedEvents.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    serializedEvents.set(event, text);
  }
  return text;
}

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
  @ApiOperation({
    summary: 'Execute an approved wave',
    description:
      'Step 6: the executor migrates the wave VM by VM; needs Redis (503 without) and the operator role.',
  })
  @Returns(executionView, { status: 202, description: 'The queued execution; follow it on /executions/{id}' })
  execute(
    @UuidParam('id', 'plan id') id: string,
    @ValidParam('number', waveNumber, 'wave number') number: number,
    @ValidBody(executeBody, {
      examples: {
        defaults: { summary: 'Execute with the default options', value: {} },
        windows: {
          summary: 'Convert guests, allow a hard power-off, start the VMs',
          value: { convertGuest: 'always', allowHardPowerOff: true, startVms: true },
        },
      },
    })
    options: z.output<typeof executeBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ExecutionView> {
    const cleaned = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    return this.executions.startWave(id, number, principal, cleaned);
  }

  @Get('executions/:id')
  @RequireRole('viewer')
  @Returns(executionView)
  get(@ExecutionId() id: string): Promise<ExecutionView> {
    return this.executions.get(id);
  }

  /** Polling-friendly: `?after=<last event id seen>`. */
  @Get('executions/:id/events')
  @RequireRole('viewer')
  @Returns(executionEvent.array())
  events(
    @ExecutionId() id: string,
    @AfterEventId() after: number,
    @ValidQueryParam('limit', eventLimit, 'Events at most (1-5000)') limit: number,
  ): Promise<Array<z.output<typeof executionEvent>>> {
    return this.executions.events(id, after, limit);
  }

  /** Server-sent events: each execution event as it lands, then `end` when the execution is over. */
  @Sse('executions/:id/stream')
  @RequireRole('viewer')
  @ReturnsEventStream(streamData, 'Execution events as they land (`event:` is the kind), then `end`')
  async stream(@ExecutionId() id: string, @AfterEventId() after: number): Promise<Observable<StreamMessage>> {
    // Before any header is sent: an unknown execution is a 404, not a 200 with an error event.
    await this.executions.status(id);
    return new Observable<StreamMessage>((subscriber) =>
      this.executions.follow(id, after, {
        event: (event) =>
          subscriber.next({ id: String(event.id), type: event.kind, data: serialized(event) }),
        end: (status, last) => {
          subscriber.next({ id: String(last), type: 'end', data: { status } });
          subscriber.complete();
        },
        error: (error) => subscriber.error(error),
      }),
    );
  }

  @Post('executions/:id/cancel')
  @HttpCode(202)
  @RequireRole('operator')
  @Returns(executionView, { status: 202, description: 'The execution, cancelling' })
  cancel(
    @ExecutionId() id: string,
    @ValidBody(cancelBody, {
      examples: {
        all: { summary: 'Cancel the whole execution', value: {} },
        some: { summary: 'Cancel two VMs', value: { vmKeys: ['vc01/vm-1042', 'vc01/vm-1043'] } },
      },
    })
    { vmKeys }: z.output<typeof cancelBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ExecutionView> {
    return this.executions.cancel(id, vmKeys, principal);
  }

  /** Warm VMs pre-copy until the cutover time; this sets it, or brings it to now. */
  @Post('executions/:id/cutover')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Cut over the warm VMs now or at a given time',
    description:
      'Operator. Warm VMs keep pre-copying until the cutover time, then stop the source and copy the last delta. Audited.',
  })
  @Returns(executionView, { status: 202, description: 'The execution with its new cutover time' })
  cutover(
    @ExecutionId() id: string,
    @ValidBody(cutoverBody, {
      examples: {
        now: { summary: 'Cut over now', value: {} },
        at: { summary: 'Cut over at a given time', value: { at: '2026-01-10T22:00:00Z' } },
      },
    })
    { at }: z.output<typeof cutoverBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ExecutionView> {
    return this.executions.cutover(id, at, principal);
  }

  /**
   * Admin only: gives up on an execution no executor will finish; the answer (and the audit log)
   * lists what may be left behind: cluster objects by name and source VMs left powered off.
   */
  @Post('executions/:id/abandon')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Abandon an execution no executor will finish',
    description:
      'Admin only. Its VMs stop where they are, the wave ends cancelled (plan edits work again); the answer and the audit log list what may be left behind.',
  })
  @Returns(abandonOutcome, { description: 'The abandoned execution and what it may have left behind' })
  abandon(
    @ExecutionId() id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof abandonOutcome>> {
    return this.executions.abandon(id, principal);
  }

  @Post('executions/:id/retry')
  @HttpCode(202)
  @RequireRole('operator')
  @Returns(executionView, { status: 202, description: 'The execution, its failed VMs queued again' })
  retry(@ExecutionId() id: string, @CurrentPrincipal() principal: Principal): Promise<ExecutionView> {
    return this.executions.retry(id, principal);
  }
}
