import type { DataSource } from 'typeorm';
import { type DiskCopyState, itineraryOf, type VmExecutionSpec, type VmRuntime } from '#libs/itinerary';
import {
  type AccessStore,
  type AssessmentStore,
  ExecutionAlreadyActiveError,
  type ExecutionEventRecord,
  type ExecutionStore,
  type ExecutionVmRecord,
  type InventoryStore,
  type PlanStore,
  type Principal,
} from '#libs/persistence';
import { type PlanSettings, type WavePlan, waveContentHash } from '#libs/waves';
import { notFound, UserFacingError } from './errors.js';
import { ExecutionEventFeed, type ExecutionFeedListener } from './execution-event-feed.js';
import {
  finishExecutionIfDone,
  leftoversOf,
  UNTOUCHED_PHASES,
  type VmLeftovers,
  WARM_RETRY,
} from './execution-outcome.js';
import { type ExecutionQueue, nudgeJobId, startJobId } from './execution-queue.js';
import {
  buildWaveExecutionSpecs,
  DEFAULT_EXECUTION_OPTIONS,
  type ExecutionOptions,
  newExecutionVm,
} from './wave-execution-spec.js';

export interface DiskProgressView {
  index: number;
  label: string;
  dataVolume: string;
  phase: string | null;
  capacityBytes: number;
  bytesCopied: number;
  percent: number;
  restartCount: number;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds left at the rate seen so far; null before any progress or once done. */
  etaSeconds: number | null;
}

export interface ExecutionVmView {
  vmKey: string;
  name: string;
  targetName: string;
  targetNamespace: string;
  sourceHost: string | null;
  status: string;
  phase: string;
  phaseState: string;
  itinerary: string[];
  attempt: number;
  powerStateBefore: string | null;
  cancelRequested: boolean;
  convertGuest: boolean;
  disks: DiskProgressView[];
  bytesTotal: number;
  bytesCopied: number;
  etaSeconds: number | null;
  error: { phase: string; message: string; at: string } | null;
  /** `executor`: the VM is active but no executor is running to move it (or to carry out its cancel). */
  waitingFor: 'executor' | null;
  migrationType: 'cold' | 'warm';
  /** A warm VM's pre-copies and cutover; null for a cold VM. */
  warm: WarmProgressView | null;
  startedAt: string | null;
  phaseStartedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** Where a warm VM stands: pre-copies done, the last delta, the next pre-copy, the cutover. */
export interface WarmProgressView {
  /** Checkpoints copied while the source ran (the first is the full copy). */
  precopies: number;
  lastPrecopy: {
    number: number;
    /** Bytes CDI copied for it when known (a delta's size is only estimated from its progress). */
    bytes: number | null;
    seconds: number;
    copiedAt: string;
  } | null;
  nextPrecopyAt: string | null;
  /** When the VM cuts over: the execution's time, else the wave's booking. */
  cutoverAt: string | null;
  /**
   * `precopying`: before its first copy ends or between pre-copies; `waiting-for-slots`: cutover
   * due, waiting for copy slots; `cutting-over`: source stopping, final delta, conversion;
   * `done`: the VM was created.
   */
  cutover: 'precopying' | 'waiting-for-slots' | 'cutting-over' | 'done';
  /** Importer restarts over every checkpoint. */
  importerRestarts: number;
  /** Source power-off to VM created, once both happened. */
  downtimeSeconds: number | null;
}

export interface ExecutionView {
  id: string;
  planId: string;
  waveNumber: number;
  waveHash: string;
  status: string;
  options: unknown;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Record<string, number>;
  bytesTotal: number;
  bytesCopied: number;
  percent: number;
  etaSeconds: number | null;
  /** Whether an executor wrote its heartbeat recently (see `EXECUTOR_STALE_AFTER_MS`). */
  executor: { live: boolean; lastSeenAt: string | null };
  /** When the warm VMs cut over (the wave's booking, or an operator's); null when none is set. */
  cutoverAt: string | null;
  vms: ExecutionVmView[];
}

/** What `abandon` answers and audits: everything the execution may have left in vCenter and the cluster. */
export interface AbandonOutcome {
  execution: ExecutionView;
  leftBehind: {
    /** Every object an execution creates carries it: `kubectl get all,dv,secret -A -l <selector>`. */
    labelSelector: string;
    clusterObjects: Array<{ namespace: string; kind: string; name: string; vmKey: string }>;
    poweredOffSourceVms: Array<{ vmKey: string; name: string; instanceUuid: string; moref: string | null }>;
    /** Per warm VM, the vSphere snapshots of its source its runtime says exist (taken, not removed). */
    sourceSnapshots: Array<{
      vmKey: string;
      name: string;
      instanceUuid: string;
      moref: string | null;
      snapshots: Array<{ name: string; ref: string | null }>;
    }>;
  };
}

/**
 * An executor counts as running when its heartbeat (written by every reconcile pass, every 30 s
 * by default) is younger than this: four missed passes.
 */
export const EXECUTOR_STALE_AFTER_MS = 120_000;

const ACTIVE_VM_STATUSES = new Set(['queued', 'running']);

export const REDIS_REQUIRED_MESSAGE = 'execution needs Redis: set REDIS_URL';

function diskView(disk: DiskCopyState, now: number): DiskProgressView {
  let eta: number | null = null;
  if (!disk.released && disk.bytesCopied > 0 && disk.startedAt) {
    const elapsed =
      ((disk.lastProgressAt ? Date.parse(disk.lastProgressAt) : now) - Date.parse(disk.startedAt)) / 1000;
    if (elapsed > 0) eta = Math.round((disk.capacityBytes - disk.bytesCopied) / (disk.bytesCopied / elapsed));
  }
  return {
    index: disk.index,
    label: disk.label,
    dataVolume: disk.dataVolume,
    phase: disk.phase,
    capacityBytes: disk.capacityBytes,
    bytesCopied: disk.bytesCopied,
    percent:
      disk.capacityBytes > 0 ? Math.round((disk.bytesCopied / disk.capacityBytes) * 10_000) / 100 : 100,
    restartCount: disk.restartCount,
    message: disk.message,
    startedAt: disk.startedAt,
    finishedAt: disk.finishedAt,
    etaSeconds: eta,
  };
}

const CUTTING_OVER_FROM = 'StorePowerState';

function warmView(
  record: ExecutionVmRecord,
  spec: VmExecutionSpec,
  cutoverAt: string | null,
): WarmProgressView {
  const runtime = record.runtime as VmRuntime;
  const precopies = (runtime.warm?.precopies ?? []).filter((precopy) => !precopy.final && precopy.copiedAt);
  const last = precopies.at(-1);
  const order = itineraryOf(spec, record.powerStateBefore);
  const reached = order.indexOf(record.phase as (typeof order)[number]);
  let cutover: WarmProgressView['cutover'] = 'precopying';
  if (runtime.vmCreatedAt) cutover = 'done';
  else if (reached >= order.indexOf(CUTTING_OVER_FROM))
    cutover = record.status === 'queued' ? 'waiting-for-slots' : 'cutting-over';
  const offAt = runtime.shutdownRequestedAt ?? runtime.hardPowerOffAt ?? runtime.sourceOffAt;
  return {
    precopies: precopies.length,
    lastPrecopy: last
      ? {
          number: last.number,
          bytes: last.bytes,
          seconds: Math.max(
            0,
            Math.round(
              (Date.parse(last.copiedAt ?? '') - Date.parse(last.copyStartedAt ?? last.requestedAt)) / 1000,
            ),
          ),
          copiedAt: last.copiedAt as string,
        }
      : null,
    nextPrecopyAt: cutover === 'precopying' ? (runtime.warm?.nextPrecopyAt ?? null) : null,
    cutoverAt: cutoverAt ?? spec.warm?.cutoverAt ?? null,
    cutover,
    importerRestarts: runtime.warm?.failures ?? 0,
    downtimeSeconds:
      offAt && runtime.vmCreatedAt
        ? Math.max(0, Math.round((Date.parse(runtime.vmCreatedAt) - Date.parse(offAt)) / 1000))
        : null,
  };
}

function vmView(
  record: ExecutionVmRecord,
  now: number,
  executorLive: boolean,
  cutoverAt: string | null = null,
): ExecutionVmView {
  const spec = record.spec as VmExecutionSpec;
  const copies = new Map((record.disks as DiskCopyState[]).map((disk) => [disk.index, disk]));
  const disks = spec.disks.map((planned) => {
    const copy = copies.get(planned.index);
    if (copy) return diskView(copy, now);
    return diskView(
      {
        index: planned.index,
        label: planned.label,
        dataVolume: planned.dataVolume,
        capacityBytes: planned.capacityBytes,
        phase: null,
        progressPct: 0,
        bytesCopied: 0,
        restartCount: 0,
        message: null,
        startedAt: null,
        lastProgressAt: null,
        finishedAt: null,
        released: false,
      },
      now,
    );
  });
  const etas = disks.map((disk) => disk.etaSeconds).filter((eta): eta is number => eta !== null);
  return {
    vmKey: record.vmKey,
    name: record.name,
    targetName: record.targetName,
    targetNamespace: spec.targetNamespace,
    sourceHost: record.sourceHost,
    status: record.status,
    phase: record.phase,
    phaseState: record.phaseState,
    itinerary: itineraryOf(spec, record.powerStateBefore),
    attempt: record.attempt,
    powerStateBefore: record.powerStateBefore,
    cancelRequested: record.cancelRequested,
    convertGuest: spec.convertGuest,
    disks,
    bytesTotal: disks.reduce((sum, disk) => sum + disk.capacityBytes, 0),
    bytesCopied: disks.reduce((sum, disk) => sum + disk.bytesCopied, 0),
    etaSeconds: etas.length > 0 ? Math.max(...etas) : null,
    error: record.error,
    waitingFor: !executorLive && ACTIVE_VM_STATUSES.has(record.status) ? 'executor' : null,
    migrationType: spec.migrationType ?? 'cold',
    warm: spec.migrationType === 'warm' ? warmView(record, spec, cutoverAt) : null,
    startedAt: record.startedAt,
    phaseStartedAt: record.phaseStartedAt,
    finishedAt: record.finishedAt,
    updatedAt: record.updatedAt,
  };
}

function describeLeftovers(
  labelSelector: string,
  vms: Array<VmLeftovers | null>,
): AbandonOutcome['leftBehind'] {
  const found = vms.filter((vm): vm is VmLeftovers => vm !== null);
  return {
    labelSelector,
    clusterObjects: found.flatMap((vm) =>
      vm.clusterObjects.map((object) => ({ namespace: vm.namespace, ...object, vmKey: vm.vmKey })),
    ),
    poweredOffSourceVms: found.flatMap((vm) =>
      vm.sourceMayBePoweredOff ? [{ vmKey: vm.vmKey, name: vm.name, ...vm.sourceMayBePoweredOff }] : [],
    ),
    sourceSnapshots: found.flatMap((vm) =>
      vm.snapshots.length > 0
        ? [
            {
              vmKey: vm.vmKey,
              name: vm.name,
              instanceUuid: vm.instanceUuid,
              moref: vm.sourceRef,
              snapshots: vm.snapshots,
            },
          ]
        : [],
    ),
  };
}

/**
 * The operator's use cases for running approved waves: start, watch, cancel, retry. The work
 * itself happens in the executor; this service writes the intent to the database and nudges the
 * queue.
 */
export class ExecutionService {
  private readonly feed: ExecutionEventFeed;

  constructor(
    private readonly dataSource: DataSource,
    private readonly executions: ExecutionStore,
    private readonly plans: PlanStore,
    private readonly inventories: InventoryStore,
    private readonly assessments: AssessmentStore,
    private readonly access: AccessStore,
    /** Absent when Redis is not configured: every mutation answers 503. */
    private readonly queue: ExecutionQueue | undefined,
    private readonly clock: () => number = Date.now,
    private readonly executorStaleAfterMs = EXECUTOR_STALE_AFTER_MS,
    /** What warm VMs need from the executor's settings as this process knows them; absent = not checked. */
    private readonly warmPrerequisites?: { vddkInitImage: string | undefined },
  ) {
    this.feed = new ExecutionEventFeed(executions);
  }

  /** Executions per status and VMs per phase, counted in Postgres (what every replica shares), for metrics. */
  async countsForMetrics(): Promise<{ executions: Record<string, number>; vms: Record<string, number> }> {
    const [executions, vms] = await Promise.all([
      this.executions.executionCountsByStatus(),
      this.executions.vmCountsByPhase(),
    ]);
    return { executions, vms };
  }

  /**
   * Server-sent events: the execution's events after `afterId` as they land, then its end. Every
   * subscriber of one execution shares one poll of new events and of the status (never the VMs).
   */
  follow(executionId: string, afterId: number, listener: ExecutionFeedListener): () => void {
    return this.feed.subscribe(executionId, afterId, listener);
  }

  /** Live when some executor's reconcile pass wrote its heartbeat within `executorStaleAfterMs`. */
  private async executorPresence(): Promise<{ live: boolean; lastSeenAt: string | null }> {
    const presence = await this.executions.executorPresence();
    return {
      live: presence.ageMs !== null && presence.ageMs <= this.executorStaleAfterMs,
      lastSeenAt: presence.lastSeenAt,
    };
  }

  private requireQueue(): ExecutionQueue {
    if (!this.queue) throw new UserFacingError('unavailable', REDIS_REQUIRED_MESSAGE, 'redis-not-configured');
    return this.queue;
  }

  private requireOperator(principal: Principal): void {
    if (!principal.roles.includes('operator') && !principal.roles.includes('admin')) {
      throw new UserFacingError('forbidden', 'Executing waves needs the "operator" role', 'forbidden');
    }
  }

  async startWave(
    planId: string,
    waveNumber: number,
    principal: Principal,
    requested: Partial<ExecutionOptions> = {},
  ): Promise<ExecutionView> {
    this.requireOperator(principal);
    const queue = this.requireQueue();
    const plan = await this.plans.get<PlanSettings, WavePlan>(planId);
    if (!plan) throw notFound('Plan', planId);
    const wave = plan.result.waves.find((candidate) => candidate.number === waveNumber);
    const approval = plan.waves.find((candidate) => candidate.number === waveNumber);
    if (!wave || !approval) throw notFound(`Wave ${waveNumber} of plan`, planId);
    if (approval.status !== 'approved') {
      throw new UserFacingError(
        'conflict',
        `Wave ${waveNumber} is ${approval.status}; only an approved wave can be executed`,
        'wave-not-approved',
      );
    }
    const currentHash = waveContentHash(wave, plan.settings);
    if (
      approval.approvedHash === null ||
      currentHash !== approval.approvedHash ||
      approval.contentHash !== approval.approvedHash
    ) {
      throw new UserFacingError(
        'conflict',
        `Wave ${waveNumber} changed since it was approved; review and approve it again`,
        'wave-changed-since-approval',
      );
    }
    const options: ExecutionOptions = { ...DEFAULT_EXECUTION_OPTIONS, ...requested };
    const inventory = await this.inventories.load(plan.inventoryId, { withSource: false });
    if (!inventory) throw notFound('Inventory', plan.inventoryId);
    const assessments = await this.assessments.allVms(plan.assessmentId);
    const specs = buildWaveExecutionSpecs({
      planId,
      wave,
      settings: plan.settings,
      inventoryVms: inventory.vms,
      inventoryHosts: inventory.hosts,
      assessments,
      options,
      executionId: 'pending',
      ...(this.warmPrerequisites ? { warmPrerequisites: this.warmPrerequisites } : {}),
    });
    let executionId: string;
    try {
      executionId = await this.dataSource.transaction(async (tx) => {
        const id = await this.executions.create(
          {
            planId,
            waveNumber,
            waveHash: approval.approvedHash as string,
            requestedBy: principal.actor,
            spec: { options, vms: specs.length },
            vms: specs.map(newExecutionVm),
            cutoverAt: specs.find((spec) => spec.warm?.cutoverAt)?.warm?.cutoverAt ?? null,
          },
          tx,
        );
        await this.plans.setWaveStatus(planId, waveNumber, 'executing', tx);
        await this.access.appendAudit(
          {
            actor: principal.actor,
            action: 'wave.execute',
            resourceType: 'wave',
            resourceId: `${planId}/${waveNumber}`,
            before: { status: 'approved' },
            after: { status: 'executing', executionId: id, vms: specs.length, options },
          },
          tx,
        );
        return id;
      });
    } catch (error) {
      if (error instanceof ExecutionAlreadyActiveError)
        throw new UserFacingError('conflict', error.message, 'wave-executing');
      throw error;
    }
    await this.executions.appendEvents([
      {
        executionId,
        vmKey: null,
        phase: null,
        kind: 'execution',
        message: `execution queued by ${principal.actor}`,
      },
    ]);
    await queue.enqueue('start-execution', { executionId }, { jobId: startJobId(executionId, 0) });
    return this.get(executionId);
  }

  async get(executionId: string): Promise<ExecutionView> {
    const execution = await this.executions.get(executionId);
    if (!execution) throw notFound('Execution', executionId);
    const now = this.clock();
    const executor = await this.executorPresence();
    const vms = (await this.executions.listVms(executionId)).map((vm) =>
      vmView(vm, now, executor.live, execution.cutoverAt),
    );
    const counts: Record<string, number> = {};
    for (const vm of vms) counts[vm.status] = (counts[vm.status] ?? 0) + 1;
    const bytesTotal = vms.reduce((sum, vm) => sum + vm.bytesTotal, 0);
    const bytesCopied = vms.reduce((sum, vm) => sum + vm.bytesCopied, 0);
    const etas = vms.map((vm) => vm.etaSeconds).filter((eta): eta is number => eta !== null);
    return {
      id: execution.id,
      planId: execution.planId,
      waveNumber: execution.waveNumber,
      waveHash: execution.waveHash,
      status: execution.status,
      options: (execution.spec as { options?: unknown } | null)?.options ?? null,
      requestedBy: execution.requestedBy,
      createdAt: execution.createdAt,
      startedAt: execution.startedAt,
      finishedAt: execution.finishedAt,
      counts,
      bytesTotal,
      bytesCopied,
      percent: bytesTotal > 0 ? Math.round((bytesCopied / bytesTotal) * 10_000) / 100 : 0,
      etaSeconds: etas.length > 0 ? Math.max(...etas) : null,
      executor,
      cutoverAt: execution.cutoverAt,
      vms,
    };
  }

  /** The execution's status alone (no VM rows): a 404 for an unknown execution, cheaply. */
  async status(executionId: string): Promise<string> {
    const status = await this.executions.statusOf(executionId);
    if (status === null) throw notFound('Execution', executionId);
    return status;
  }

  async events(executionId: string, afterId = 0, limit = 500): Promise<ExecutionEventRecord[]> {
    if (!(await this.executions.get(executionId))) throw notFound('Execution', executionId);
    return this.executions.events(executionId, afterId, Math.min(Math.max(limit, 1), 5_000));
  }

  async cancel(
    executionId: string,
    vmKeys: string[] | undefined,
    principal: Principal,
  ): Promise<ExecutionView> {
    this.requireOperator(principal);
    const queue = this.requireQueue();
    const execution = await this.executions.get(executionId);
    if (!execution) throw notFound('Execution', executionId);
    if (vmKeys !== undefined) {
      const known = new Set((await this.executions.listVms(executionId)).map((vm) => vm.vmKey));
      const unknown = vmKeys.filter((key) => !known.has(key));
      if (unknown.length > 0) throw notFound(`VM(s) ${unknown.join(', ')} in execution`, executionId);
    }
    const executor = await this.executorPresence();
    const { flagged, cancelledNow } = await this.executions.requestCancel(executionId, vmKeys);
    // No executor to clean up: what never changed anything outside the database is cancelled here;
    // the rest keeps its cancel request and waits for an executor (or an admin's abandon).
    const cancelledWithoutExecutor = executor.live
      ? []
      : await this.executions.cancelUntouched(
          executionId,
          UNTOUCHED_PHASES,
          'cancelled at once: no executor is running and the VM had changed nothing in vCenter or the cluster',
        );
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'execution.cancel',
      resourceType: 'execution',
      resourceId: executionId,
      before: { status: execution.status },
      after: {
        vmKeys: vmKeys ?? 'all',
        flagged: flagged.length,
        cancelledBeforeStart: cancelledNow.length,
        executorLive: executor.live,
        cancelledWithoutExecutor: cancelledWithoutExecutor.length,
      },
    });
    const waiting = executor.live ? '' : '; no executor is running: VMs that changed something wait for one';
    await this.executions.appendEvents([
      {
        executionId,
        vmKey: null,
        phase: null,
        kind: 'execution',
        message: `cancel requested by ${principal.actor} for ${vmKeys ? vmKeys.join(', ') : 'the whole wave'}${waiting}`,
      },
    ]);
    if (!executor.live) await finishExecutionIfDone(this.executions, this.plans, executionId);
    const round = this.clock();
    const stillFlagged = flagged.filter((vmKey) => !cancelledWithoutExecutor.includes(vmKey));
    for (const vmKey of stillFlagged) {
      await queue.enqueue(
        'advance-vm',
        { executionId, vmKey },
        { jobId: nudgeJobId('cancel', executionId, vmKey, round) },
      );
    }
    // The executor closes the execution (and the wave) when nothing is left running.
    await queue.enqueue(
      'start-execution',
      { executionId },
      { jobId: startJobId(executionId, `cancel${round}`) },
    );
    return this.get(executionId);
  }

  /**
   * Sets when the execution's warm VMs cut over: `at` (ISO), or now ("cut over now"). Warm VMs
   * pre-copy until then; those sleeping between pre-copies are woken at that time. Audited.
   */
  async cutover(executionId: string, at: string | undefined, principal: Principal): Promise<ExecutionView> {
    this.requireOperator(principal);
    const queue = this.requireQueue();
    const execution = await this.executions.get(executionId);
    if (!execution) throw notFound('Execution', executionId);
    const when = at === undefined ? new Date(this.clock()) : new Date(at);
    if (Number.isNaN(when.getTime()))
      throw new UserFacingError(
        'invalid-input',
        `"at" must be an ISO 8601 date-time, got "${at}"`,
        'invalid-time',
      );
    const vms = await this.executions.listVms(executionId);
    if (!vms.some((vm) => (vm.spec as VmExecutionSpec).migrationType === 'warm')) {
      throw new UserFacingError(
        'conflict',
        `Execution ${executionId} has no warm VM: a cold migration stops each source when it starts copying`,
        'no-warm-vms',
      );
    }
    const changed = await this.executions.setCutover(executionId, when);
    if (!changed) {
      throw new UserFacingError(
        'conflict',
        `Execution ${executionId} is ${execution.status}; only a queued or running execution can be cut over`,
        'execution-finished',
      );
    }
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'execution.cutover',
      resourceType: 'execution',
      resourceId: executionId,
      before: { cutoverAt: changed.before },
      after: { cutoverAt: changed.after, now: at === undefined },
    });
    await this.executions.appendEvents([
      {
        executionId,
        vmKey: null,
        phase: null,
        kind: 'cutover',
        message:
          at === undefined
            ? `cutover now, asked by ${principal.actor}`
            : `cutover set to ${changed.after} by ${principal.actor}${changed.before ? ` (was ${changed.before})` : ''}`,
      },
    ]);
    const delayMs = Math.max(0, when.getTime() - this.clock());
    for (const vm of changed.waiting) {
      // Its sleep may end later than the new time: a nudge at that time wakes it.
      await queue.enqueue(
        'advance-vm',
        { executionId, vmKey: vm.vmKey },
        {
          jobId: nudgeJobId('cutover', executionId, vm.vmKey, when.getTime()),
          ...(delayMs > 0 ? { delayMs } : {}),
        },
      );
    }
    return this.get(executionId);
  }

  /**
   * Gives up on an unfinished execution that no executor will finish (admins only): its VMs stop
   * where they are, the wave ends `cancelled` so the plan can be edited again, and the audit log
   * and the events record by name what may be left behind, for someone to clean up by hand.
   */
  async abandon(executionId: string, principal: Principal): Promise<AbandonOutcome> {
    if (!principal.roles.includes('admin'))
      throw new UserFacingError('forbidden', 'Abandoning an execution needs the "admin" role', 'forbidden');
    const before = await this.executions.get(executionId);
    if (!before) throw notFound('Execution', executionId);
    const labelSelector = `flotilla.io/execution=${executionId}`;
    let leftBehind: AbandonOutcome['leftBehind'] = {
      labelSelector,
      clusterObjects: [],
      poweredOffSourceVms: [],
      sourceSnapshots: [],
    };
    const abandoned = await this.executions.abandon(executionId, async ({ execution, unfinishedVms }, tx) => {
      leftBehind = describeLeftovers(labelSelector, unfinishedVms.map(leftoversOf));
      await this.plans.setWaveStatus(execution.planId, execution.waveNumber, 'cancelled', tx);
      await this.access.appendAudit(
        {
          actor: principal.actor,
          action: 'execution.abandon',
          resourceType: 'execution',
          resourceId: executionId,
          before: { status: before.status },
          after: { status: 'abandoned', unfinishedVms: unfinishedVms.map((vm) => vm.vmKey), leftBehind },
        },
        tx,
      );
      await this.executions.appendEvents(
        [
          {
            executionId,
            vmKey: null,
            phase: null,
            kind: 'execution',
            message: `execution abandoned by ${principal.actor}: ${leftBehind.clusterObjects.length} cluster object(s), ${leftBehind.poweredOffSourceVms.length} powered-off source VM(s) and ${leftBehind.sourceSnapshots.reduce((sum, vm) => sum + vm.snapshots.length, 0)} vSphere snapshot(s) may be left behind (label ${labelSelector}; the audit log lists them)`,
          },
        ],
        tx,
      );
    });
    if (!abandoned) {
      throw new UserFacingError(
        'conflict',
        `Execution ${executionId} is ${before.status}; only an unfinished execution (queued, running, cancelling) can be abandoned`,
        'execution-finished',
      );
    }
    return { execution: await this.get(executionId), leftBehind };
  }

  async retry(executionId: string, principal: Principal): Promise<ExecutionView> {
    this.requireOperator(principal);
    const queue = this.requireQueue();
    const execution = await this.executions.get(executionId);
    if (!execution) throw notFound('Execution', executionId);
    const retried = await this.executions.retryFailed(executionId, WARM_RETRY);
    if (retried.length === 0) {
      throw new UserFacingError(
        'conflict',
        `Execution ${executionId} has no failed VM to retry`,
        'nothing-to-retry',
      );
    }
    await this.plans.setWaveStatus(execution.planId, execution.waveNumber, 'executing');
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'execution.retry',
      resourceType: 'execution',
      resourceId: executionId,
      before: { status: execution.status },
      after: { vmKeys: retried },
    });
    await this.executions.appendEvents([
      {
        executionId,
        vmKey: null,
        phase: null,
        kind: 'execution',
        message: `retry of ${retried.length} failed VM(s) by ${principal.actor}`,
      },
    ]);
    await queue.enqueue(
      'start-execution',
      { executionId },
      { jobId: startJobId(executionId, `retry${this.clock()}`) },
    );
    return this.get(executionId);
  }
}
