import {
  admitCopies,
  type CopyLimits,
  type DiskCopyState,
  isPhaseName,
  type PhaseName,
  type SourcePowerState,
  type StepEvent,
  type StepResult,
  startOrder,
  type VmExecutionSpec,
  type VmItinerary,
  type VmRuntime,
  type VmStep,
} from '#libs/itinerary';
import type {
  ExecutionStatus,
  ExecutionStore,
  ExecutionVmRecord,
  PlanStore,
  StepCommit,
} from '#libs/persistence';
import { finishExecutionIfDone } from './execution-outcome.js';
import { type ExecutionQueue, nudgeJobId, stepJobId } from './execution-queue.js';

export interface ExecutionRunnerOptions {
  /** Identifies this worker in leases (`host:pid:random`). */
  workerId: string;
  limits: CopyLimits;
  /** How long a claimed VM stays this worker's without renewal. */
  leaseMs: number;
  /** Unexpected errors (API unreachable...) in a row before the VM fails with the last one. */
  maxTransientFailures: number;
  /** Back-off after the first unexpected error; doubled per further one. */
  transientBackoffMs: number;
  /** A VM whose step is overdue by this much is re-enqueued by the reconciler. */
  reconcileGraceMs: number;
  clock?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Called with the bytes a step saw copied for a VM on `host` (the copy throughput metrics). */
  onBytesCopied?: (host: string, bytes: number) => void;
}

/** Phases one job may take a VM through when each ends in `next` (Preflight to CopyDisks is 6). */
const MAX_INLINE_PHASES = 8;

interface TransientState extends VmRuntime {
  transientFailures?: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Drives VMs through the itinerary from queue jobs. The database decides everything: a job only
 * names a VM; `claim` (a conditional UPDATE with a lease) decides whether this worker may act,
 * and `commit` (conditional on the same lease, phase and revision) persists the outcome, so a
 * lost, duplicated or replayed job, or a worker dying mid-step, changes nothing but timing.
 */
export class ExecutionRunner {
  private readonly clock: () => number;
  private readonly log: NonNullable<ExecutionRunnerOptions['log']>;
  /** VMs this worker is acting on now: their leases are renewed, and released on shutdown. */
  private readonly inFlight = new Set<string>();
  /** The admission pass running now, and the one that callers arriving meanwhile wait for. */
  private admissionPass: Promise<number> | null = null;
  private followingPass: Promise<number> | null = null;

  constructor(
    private readonly executions: ExecutionStore,
    private readonly plans: PlanStore,
    private readonly queue: ExecutionQueue,
    private readonly itinerary: VmItinerary,
    private readonly options: ExecutionRunnerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** `start-execution`: admits what the copy limits allow; the rest is admitted as slots free up. */
  async startExecution(executionId: string): Promise<void> {
    await this.executions.recordHeartbeat(this.options.workerId);
    await this.executions.markStarted(executionId);
    await this.schedule();
    await this.finishIfDone(executionId);
  }

  /**
   * Grants copy slots to queued VMs (every execution) and nudges the admitted ones. One admission
   * pass runs at a time in this worker: a call made while one runs joins the single pass that
   * follows it (which sees every slot released until it starts), instead of queueing a pass of its
   * own on the scheduler's lock, where each waiting pass would hold a database connection. When
   * many copies end together, that is one pass for all of them rather than one per copy.
   */
  schedule(): Promise<number> {
    if (this.admissionPass === null) {
      this.admissionPass = this.admitQueued().finally(() => {
        this.admissionPass = null;
      });
      return this.admissionPass;
    }
    if (this.followingPass === null) {
      this.followingPass = this.admissionPass
        .catch(() => 0)
        .then(() => {
          this.followingPass = null;
          return this.schedule();
        });
    }
    return this.followingPass;
  }

  private async admitQueued(): Promise<number> {
    const limits = this.options.limits;
    const admitted = await this.executions.admitQueuedVms((candidates, inFlight) =>
      admitCopies(candidates, inFlight, limits),
    );
    for (const vm of startOrder(admitted)) {
      await this.queue.enqueue(
        'advance-vm',
        { executionId: vm.executionId, vmKey: vm.vmKey },
        { jobId: stepJobId(vm.executionId, vm.vmKey, vm.revision) },
      );
    }
    return admitted.length;
  }

  /** `reconcile`: VMs whose job was lost or whose worker died, and queued VMs slots may now fit. */
  async reconcile(): Promise<number> {
    // The API reads these to know whether a cancel will be carried out (see ExecutionService.cancel).
    await this.executions.recordHeartbeat(this.options.workerId);
    const due = await this.executions.dueVms(this.options.reconcileGraceMs);
    for (const vm of due) {
      await this.queue.enqueue(
        'advance-vm',
        { executionId: vm.executionId, vmKey: vm.vmKey },
        { jobId: stepJobId(vm.executionId, vm.vmKey, vm.revision) },
      );
    }
    await this.schedule();
    for (const executionId of await this.executions.activeExecutionIds())
      await this.finishIfDone(executionId);
    return due.length;
  }

  /**
   * `advance-vm`. `onlyIfDue` for a VM's own timer (see `isStepJob`): a timer that a nudge made
   * stale finds the VM not due and does nothing. Phases that end in `next` are followed at once in
   * the same job (each still claimed and committed on its own), up to `MAX_INLINE_PHASES`, so a
   * VM goes from admission to copying without a queue round trip per phase.
   */
  async advanceVm(executionId: string, vmKey: string, options: { onlyIfDue?: boolean } = {}): Promise<void> {
    let claimed = await this.executions.claim(
      executionId,
      vmKey,
      this.options.workerId,
      this.options.leaseMs,
      {
        onlyIfDue: options.onlyIfDue === true,
      },
    );
    for (let hop = 1; hop <= MAX_INLINE_PHASES && claimed !== null; hop += 1) {
      const key = `${executionId}/${vmKey}`;
      this.inFlight.add(key);
      const renew = setInterval(
        () => {
          void this.executions
            .renewLease(executionId, vmKey, this.options.workerId, this.options.leaseMs)
            .catch(() => undefined);
        },
        Math.max(1_000, Math.floor(this.options.leaseMs / 3)),
      );
      renew.unref();
      const current: ExecutionVmRecord = claimed;
      claimed = null;
      try {
        if (current.cancelRequested) await this.cancelStep(current);
        else claimed = await this.step(current, hop < MAX_INLINE_PHASES);
      } finally {
        clearInterval(renew);
        this.inFlight.delete(key);
      }
    }
  }

  /** Graceful shutdown: leases held now go back so another replica resumes those VMs at once. */
  async releaseLeases(): Promise<void> {
    const released = await this.executions.releaseAllLeases(this.options.workerId);
    for (const vm of released) {
      await this.queue
        .enqueue('advance-vm', vm, { jobId: nudgeJobId('released', vm.executionId, vm.vmKey, this.clock()) })
        .catch(() => undefined);
    }
  }

  private toStep(record: ExecutionVmRecord): VmStep {
    if (!isPhaseName(record.phase))
      throw new Error(`VM ${record.vmKey} is in an unknown phase "${record.phase}"`);
    return {
      executionId: record.executionId,
      spec: record.spec as VmExecutionSpec,
      phase: record.phase,
      runtime: record.runtime as VmRuntime,
      disks: record.disks as DiskCopyState[],
      powerStateBefore: (record.powerStateBefore as SourcePowerState | null) ?? null,
      phaseStartedAt: record.phaseStartedAt ? Date.parse(record.phaseStartedAt) : this.clock(),
      attempt: record.attempt,
      cutoverAt: record.cutoverAt ?? null,
    };
  }

  /**
   * One phase of one VM. When it ended in `next` and `mayContinue`, its commit also claims the next
   * phase, and the VM comes back for the caller to run that phase now; otherwise null.
   */
  private async step(record: ExecutionVmRecord, mayContinue: boolean): Promise<ExecutionVmRecord | null> {
    const step = this.toStep(record);
    let result: StepResult;
    try {
      result = await this.itinerary.advance(step);
    } catch (error) {
      await this.transientFailure(record, step, error);
      return null;
    }
    const runtime: TransientState = { ...(result.runtime ?? step.runtime) };
    delete runtime.transientFailures;
    const events: NonNullable<StepCommit['events']> = (result.events ?? []).map((event) => ({
      phase: step.phase,
      kind: event.kind,
      message: event.message,
    }));
    const decision = result.decision;
    let commit: StepCommit;
    let wakeMs: number | null = null;
    if (decision.kind === 'next' && result.finished) {
      commit = {
        phase: step.phase,
        phaseState: 'waiting',
        status: 'succeeded',
        phaseChanged: false,
        finished: true,
      };
    } else if (decision.kind === 'next' && result.needsCopySlots) {
      // A warm VM's next pre-copy or its cutover: back to the scheduler, holding no slot meanwhile.
      commit = {
        phase: result.nextPhase as PhaseName,
        phaseState: 'pending',
        status: 'queued',
        phaseChanged: true,
        wakeAt: null,
      };
      events.push({
        phase: result.nextPhase as string,
        kind: 'phase',
        message: `${step.phase} done; ${result.nextPhase} once copy slots are free`,
      });
    } else if (decision.kind === 'next') {
      commit = {
        phase: result.nextPhase as PhaseName,
        phaseState: 'pending',
        phaseChanged: true,
        wakeAt: null,
        ...(mayContinue ? { keepLease: { leaseMs: this.options.leaseMs } } : {}),
      };
      events.push({
        phase: result.nextPhase as string,
        kind: 'phase',
        message: `${step.phase} done; ${result.nextPhase}`,
      });
      wakeMs = 0;
    } else if (decision.kind === 'wait') {
      wakeMs = decision.ms;
      commit = {
        phase: step.phase,
        phaseState: 'waiting',
        phaseChanged: false,
        wakeAt: new Date(this.clock() + decision.ms),
      };
    } else {
      try {
        const cleanup = await this.itinerary.afterFailure({ ...step, disks: result.disks ?? step.disks });
        events.push(
          ...cleanup.map((event) => ({ phase: step.phase, kind: event.kind, message: event.message })),
        );
      } catch (error) {
        events.push({
          phase: step.phase,
          kind: 'warning',
          message: `cleanup after the failure did not finish: ${errorText(error)}`,
        });
      }
      commit = {
        phase: step.phase,
        phaseState: 'waiting',
        status: 'failed',
        phaseChanged: false,
        error: { phase: step.phase, message: decision.message, at: new Date(this.clock()).toISOString() },
        finished: true,
      };
      events.push({ phase: step.phase, kind: 'error', message: decision.message });
    }
    commit.runtime = runtime as Record<string, unknown>;
    commit.events = events;
    if (result.disks) commit.disks = result.disks;
    if (result.powerStateBefore) commit.powerStateBefore = result.powerStateBefore;
    const committed = await this.executions.commit(record, this.options.workerId, commit);
    if (committed === null) {
      this.log(
        'warn',
        `lost the lease on ${record.vmKey} of execution ${record.executionId}; its step result was dropped`,
      );
      return null;
    }
    try {
      if (result.disks && this.options.onBytesCopied) {
        const before = new Map(
          (record.disks as DiskCopyState[]).map((disk) => [disk.index, disk.bytesCopied]),
        );
        const copied = result.disks.reduce(
          (sum, disk) => sum + Math.max(0, disk.bytesCopied - (before.get(disk.index) ?? 0)),
          0,
        );
        if (copied > 0) this.options.onBytesCopied(record.sourceHost ?? 'unknown', copied);
      }
      const ended = commit.finished === true;
      let released = 0;
      if (ended || commit.status === 'queued')
        released = await this.executions.releaseSlots(record.executionId, record.vmKey);
      else if (result.releasedDisks?.length) {
        released = await this.executions.releaseSlots(record.executionId, record.vmKey, result.releasedDisks);
      }
      if (released > 0 || ended || commit.status === 'queued') await this.schedule();
      if (ended) await this.finishIfDone(record.executionId);
    } catch (error) {
      // The commit kept the lease for the next phase this job will not run now: give it back, so
      // the reconciler hands the VM on after its grace period, not after the whole lease.
      if (committed.continued)
        await this.executions
          .releaseLease(record.executionId, record.vmKey, this.options.workerId, null)
          .catch(() => undefined);
      throw error;
    }
    // A nudge during the step (a DataVolume finished, say) may be news the step did not see; a VM
    // the step sent back to the queue but that stayed running for a cancel asked for meanwhile
    // (its slots went back above) has that cancel to run now.
    if ((committed.nudged && wakeMs !== null) || committed.keptForCancel) wakeMs = 0;
    if (committed.continued) return committed.continued;
    if (wakeMs === 0 && mayContinue && commit.keepLease === undefined) {
      // A wait cut short by a nudge, or a cancel to run: claimed like any job would.
      return this.executions.claim(
        record.executionId,
        record.vmKey,
        this.options.workerId,
        this.options.leaseMs,
      );
    }
    if (wakeMs !== null) {
      await this.queue.enqueue(
        'advance-vm',
        { executionId: record.executionId, vmKey: record.vmKey },
        {
          jobId: stepJobId(record.executionId, record.vmKey, committed.revision),
          ...(wakeMs > 0 ? { delayMs: wakeMs } : {}),
        },
      );
    }
    return null;
  }

  /** Network errors, API 5xx after retries, vCenter hiccups: try again later, fail after a few in a row. */
  private async transientFailure(record: ExecutionVmRecord, step: VmStep, error: unknown): Promise<void> {
    const runtime = step.runtime as TransientState;
    const failures = (runtime.transientFailures ?? 0) + 1;
    const message = errorText(error);
    if (failures >= this.options.maxTransientFailures) {
      let cleanup: StepEvent[] = [];
      try {
        cleanup = await this.itinerary.afterFailure(step);
      } catch {
        // The same outage may prevent cleanup; cancel removes the leftovers later.
      }
      const text = `${message} (failed ${failures} times in a row)`;
      const committed = await this.executions.commit(record, this.options.workerId, {
        phase: step.phase,
        phaseState: 'waiting',
        status: 'failed',
        phaseChanged: false,
        runtime: { ...runtime, transientFailures: failures } as Record<string, unknown>,
        error: { phase: step.phase, message: text, at: new Date(this.clock()).toISOString() },
        finished: true,
        events: [...cleanup, { kind: 'error', message: text }].map((event) => ({
          phase: step.phase,
          kind: event.kind,
          message: event.message,
        })),
      });
      if (committed === null) return;
      await this.executions.releaseSlots(record.executionId, record.vmKey);
      await this.schedule();
      await this.finishIfDone(record.executionId);
      return;
    }
    const backoff = this.options.transientBackoffMs * 2 ** (failures - 1);
    const committed = await this.executions.commit(record, this.options.workerId, {
      phase: step.phase,
      phaseState: 'waiting',
      phaseChanged: false,
      runtime: { ...runtime, transientFailures: failures } as Record<string, unknown>,
      wakeAt: new Date(this.clock() + backoff),
      events: [
        {
          phase: step.phase,
          kind: 'warning',
          message: `${message}; trying again in ${Math.round(backoff / 1000)} s (${failures}/${this.options.maxTransientFailures})`,
        },
      ],
    });
    if (committed === null) return;
    await this.queue.enqueue(
      'advance-vm',
      { executionId: record.executionId, vmKey: record.vmKey },
      { jobId: stepJobId(record.executionId, record.vmKey, committed.revision), delayMs: backoff },
    );
  }

  private async cancelStep(record: ExecutionVmRecord): Promise<void> {
    const step = this.toStep(record);
    let outcome: Awaited<ReturnType<VmItinerary['cancel']>>;
    try {
      outcome = await this.itinerary.cancel(step);
    } catch (error) {
      await this.transientFailure(record, step, error);
      return;
    }
    const events: Array<{
      executionId: string;
      vmKey: string;
      phase: string;
      kind: string;
      message: string;
    }> = outcome.events.map((event) => ({
      executionId: record.executionId,
      vmKey: record.vmKey,
      phase: step.phase,
      kind: event.kind,
      message: event.message,
    }));
    if (!outcome.done) {
      const committed = await this.executions.commit(record, this.options.workerId, {
        phase: step.phase,
        phaseState: 'waiting',
        phaseChanged: false,
        wakeAt: new Date(this.clock() + outcome.waitMs),
        events,
        ...(outcome.runtime ? { runtime: outcome.runtime as Record<string, unknown> } : {}),
      });
      if (committed === null) return;
      await this.queue.enqueue(
        'advance-vm',
        { executionId: record.executionId, vmKey: record.vmKey },
        {
          jobId: stepJobId(record.executionId, record.vmKey, committed.revision),
          ...(committed.nudged ? {} : { delayMs: outcome.waitMs }),
        },
      );
      return;
    }
    if (!(await this.executions.markCancelled(record.executionId, record.vmKey, this.options.workerId)))
      return;
    events.push({
      executionId: record.executionId,
      vmKey: record.vmKey,
      phase: step.phase,
      kind: 'cancelled',
      message: `cancelled during ${step.phase}`,
    });
    await this.executions.appendEvents(events);
    await this.executions.releaseSlots(record.executionId, record.vmKey);
    await this.schedule();
    await this.finishIfDone(record.executionId);
  }

  private async finishIfDone(executionId: string): Promise<ExecutionStatus | null> {
    const status = await finishExecutionIfDone(this.executions, this.plans, executionId);
    if (status !== null) this.log('info', `execution ${executionId} ${status}`);
    return status;
  }
}

/**
 * Builds the executor's runner on the application core's stores and queue, so the executor app
 * brings only what is its own (the itinerary with its vCenter and cluster, and the options).
 */
export class ExecutionRunnerFactory {
  constructor(
    private readonly executions: ExecutionStore,
    private readonly plans: PlanStore,
    private readonly queue: ExecutionQueue | null,
  ) {}

  create(itinerary: VmItinerary, options: ExecutionRunnerOptions): ExecutionRunner {
    if (!this.queue)
      throw new Error('The executor needs Redis (REDIS_URL): no execution queue is configured');
    return new ExecutionRunner(this.executions, this.plans, this.queue, itinerary, options);
  }
}
