import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { CopiesInFlight, CopyCandidate } from '#libs/itinerary';

/** `abandoned`: an admin gave up on it without an executor's cleanup (see `abandon`). */
export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'cancelling'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'abandoned';
export type ExecutionVmStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'abandoned';
/** `pending`: the phase has not acted yet; `running`: a worker holds it; `waiting`: it acted and waits. */
export type PhaseState = 'pending' | 'running' | 'waiting';

export const ACTIVE_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'cancelling'];

export interface ExecutionRecord {
  id: string;
  planId: string;
  waveNumber: number;
  waveHash: string;
  status: ExecutionStatus;
  spec: unknown;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Warm migration: when the warm VMs cut over (the wave's booking, or an operator's). */
  cutoverAt: string | null;
}

export interface VmErrorRecord {
  phase: string;
  message: string;
  at: string;
}

export interface ExecutionVmRecord {
  executionId: string;
  vmKey: string;
  name: string;
  targetName: string;
  sourceHost: string | null;
  spec: unknown;
  phase: string;
  phaseState: PhaseState;
  status: ExecutionVmStatus;
  attempt: number;
  powerStateBefore: string | null;
  disks: unknown[];
  runtime: Record<string, unknown>;
  error: VmErrorRecord | null;
  cancelRequested: boolean;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  wakeAt: string | null;
  phaseStartedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  revision: number;
  /** The execution's cutover time, read with the VM when a worker claims it (warm VMs act on it). */
  cutoverAt?: string | null;
}

export interface ExecutionEventRecord {
  id: number;
  executionId: string;
  vmKey: string | null;
  at: string;
  phase: string | null;
  kind: string;
  message: string;
}

export interface NewExecutionVm {
  vmKey: string;
  name: string;
  targetName: string;
  sourceHost: string | null;
  spec: unknown;
  firstPhase: string;
  /** Disks as the copy scheduler counts them: one slot each while it copies. */
  disks: Array<{ index: number; datastore: string; capacityBytes: number }>;
}

/**
 * The admission policy the store applies under its lock (`admitCopies` of libs/itinerary, with
 * the configured limits): it sees the candidates, largest disk first, and the copies in flight.
 */
export type CopyAdmissionPolicy = (candidates: CopyCandidate[], inFlight: CopiesInFlight) => CopyCandidate[];

export interface AdmittedVm {
  executionId: string;
  vmKey: string;
  /** '' when the inventory did not say. */
  sourceHost: string;
  revision: number;
}

/** What a phase step persists when it ends. */
/** A step's commit: the VM's new revision, and whether a nudge came while the step ran. */
export interface CommittedStep {
  revision: number;
  nudged: boolean;
  /** The step sent the VM back to the queue, but a cancel came meanwhile: it stays running for it. */
  keptForCancel: boolean;
  /**
   * With `keepLease`: the VM as the next phase's claim would have returned it (lease renewed, the
   * phase running), or absent when it is no longer running and must not be acted on.
   */
  continued?: ExecutionVmRecord;
}

export interface StepCommit {
  phase: string;
  phaseState: PhaseState;
  status?: ExecutionVmStatus;
  /** The phase changed: its start time resets. */
  phaseChanged: boolean;
  runtime?: Record<string, unknown>;
  disks?: unknown[];
  powerStateBefore?: string;
  error?: VmErrorRecord | null;
  wakeAt?: Date | null;
  finished?: boolean;
  /** Recorded in the same statement, only if the commit lands. */
  events?: Array<{ phase: string | null; kind: string; message: string }>;
  /**
   * The worker goes on with the next phase at once: the commit also claims it (the lease is kept
   * for this long and the phase marked running), sparing a claim's round trip per phase.
   */
  keepLease?: { leaseMs: number };
}

/** An execution that has just ended, as the caller needs it to end its wave in the same transaction. */
export interface FinishedExecution {
  id: string;
  planId: string;
  waveNumber: number;
  status: ExecutionStatus;
}

/** Work done in the same transaction as a state change of the execution (the wave's status, the audit). */
export type InSameTransaction<T> = (subject: T, manager: EntityManager) => Promise<void>;

/** What the executor heartbeats say: the latest one, and how long ago it was by the database's clock. */
export interface ExecutorPresence {
  lastSeenAt: string | null;
  ageMs: number | null;
}

export class ExecutionAlreadyActiveError extends Error {
  constructor(
    readonly planId: string,
    readonly waveNumber: number,
  ) {
    super(`Wave ${waveNumber} of plan ${planId} is already executing`);
    this.name = 'ExecutionAlreadyActiveError';
  }
}

/** Any key works as long as every replica uses the same one: it serializes copy-slot grants. */
const COPY_SCHEDULER_LOCK_KEY = 4_170_221_312;

/** node-postgres through TypeORM returns [rows, count] for UPDATE/DELETE ... RETURNING. */
function rowsOf(result: unknown): Array<Record<string, unknown>> {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as Array<Record<string, unknown>>;
  }
  return Array.isArray(result) ? (result as Array<Record<string, unknown>>) : [];
}

const iso = (value: unknown): string | null => (value ? new Date(value as string).toISOString() : null);

function toExecution(row: Record<string, unknown>): ExecutionRecord {
  return {
    id: String(row.id),
    planId: String(row.plan_id),
    waveNumber: Number(row.wave_number),
    waveHash: String(row.wave_hash),
    status: row.status as ExecutionStatus,
    spec: row.spec,
    requestedBy: String(row.requested_by),
    createdAt: iso(row.created_at) as string,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    cutoverAt: iso(row.cutover_at),
  };
}

function toVm(row: Record<string, unknown>): ExecutionVmRecord {
  return {
    executionId: String(row.execution_id),
    vmKey: String(row.vm_key),
    name: String(row.name),
    targetName: String(row.target_name),
    sourceHost: (row.source_host as string | null) ?? null,
    spec: row.spec,
    phase: String(row.phase),
    phaseState: row.phase_state as PhaseState,
    status: row.status as ExecutionVmStatus,
    attempt: Number(row.attempt),
    powerStateBefore: (row.power_state_before as string | null) ?? null,
    disks: (row.disks as unknown[]) ?? [],
    runtime: (row.runtime as Record<string, unknown>) ?? {},
    error: (row.error as VmErrorRecord | null) ?? null,
    cancelRequested: Boolean(row.cancel_requested),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseExpiresAt: iso(row.lease_expires_at),
    wakeAt: iso(row.wake_at),
    phaseStartedAt: iso(row.phase_started_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    updatedAt: iso(row.updated_at) as string,
    revision: Number(row.revision),
    ...(row.execution_cutover_at === undefined ? {} : { cutoverAt: iso(row.execution_cutover_at) }),
  };
}

function toEvent(row: Record<string, unknown>): ExecutionEventRecord {
  return {
    id: Number(row.id),
    executionId: String(row.execution_id),
    vmKey: (row.vm_key as string | null) ?? null,
    at: iso(row.at) as string,
    phase: (row.phase as string | null) ?? null,
    kind: String(row.kind),
    message: String(row.message),
  };
}

/**
 * Owns every query on executions, their VMs, events and copy slots. The rows are the truth: a
 * queue job only asks "advance this VM", and the conditional updates here decide whether the
 * asking worker may.
 */
export class ExecutionStore {
  constructor(private readonly dataSource: DataSource) {}

  private query(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<unknown> {
    return (manager ?? this.dataSource.manager).query(sql, params);
  }

  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Creates the execution and its VMs (all `queued`) in one transaction; the caller may pass its own. */
  async create(
    input: {
      planId: string;
      waveNumber: number;
      waveHash: string;
      requestedBy: string;
      spec: unknown;
      vms: NewExecutionVm[];
      /** The wave's booked cutover (warm VMs); null when none is booked. */
      cutoverAt?: string | null;
    },
    manager?: EntityManager,
  ): Promise<string> {
    const id = randomUUID();
    const run = async (tx: EntityManager) => {
      try {
        await this.query(
          `INSERT INTO executions (id, plan_id, wave_number, wave_hash, status, spec, requested_by, cutover_at)
           VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7)`,
          [
            id,
            input.planId,
            input.waveNumber,
            input.waveHash,
            JSON.stringify(input.spec),
            input.requestedBy,
            input.cutoverAt ?? null,
          ],
          tx,
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23505')
          throw new ExecutionAlreadyActiveError(input.planId, input.waveNumber);
        throw error;
      }
      for (let offset = 0; offset < input.vms.length; offset += 200) {
        const batch = input.vms.slice(offset, offset + 200);
        const params: unknown[] = [];
        const values = batch.map((vm) => {
          const largest = Math.max(0, ...vm.disks.map((disk) => disk.capacityBytes));
          const total = vm.disks.reduce((sum, disk) => sum + disk.capacityBytes, 0);
          params.push(
            id,
            vm.vmKey,
            vm.name,
            vm.targetName,
            vm.sourceHost,
            JSON.stringify(vm.spec),
            vm.firstPhase,
            JSON.stringify(vm.disks),
            largest,
            total,
          );
          const base = params.length - 10;
          return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, 'pending', 'queued', $${base + 8}, $${base + 9}, $${base + 10})`;
        });
        await this.query(
          `INSERT INTO execution_vms (execution_id, vm_key, name, target_name, source_host, spec, phase, phase_state, status,
             copy_disks, largest_disk_bytes, total_bytes)
           VALUES ${values.join(', ')}`,
          params,
          tx,
        );
      }
    };
    if (manager) await run(manager);
    else await this.transaction(run);
    return id;
  }

  async get(id: string): Promise<ExecutionRecord | null> {
    const rows = rowsOf(await this.query('SELECT * FROM executions WHERE id = $1', [id]));
    return rows[0] ? toExecution(rows[0]) : null;
  }

  /** The execution's status alone: what a progress stream polls (no VM rows, no JSON specs). */
  async statusOf(executionId: string): Promise<ExecutionStatus | null> {
    const rows = rowsOf(await this.query('SELECT status FROM executions WHERE id = $1', [executionId]));
    return rows[0] ? (rows[0].status as ExecutionStatus) : null;
  }

  async listVms(executionId: string): Promise<ExecutionVmRecord[]> {
    const rows = rowsOf(
      await this.query('SELECT * FROM execution_vms WHERE execution_id = $1 ORDER BY vm_key', [executionId]),
    );
    return rows.map(toVm);
  }

  async getVm(executionId: string, vmKey: string): Promise<ExecutionVmRecord | null> {
    const rows = rowsOf(
      await this.query('SELECT * FROM execution_vms WHERE execution_id = $1 AND vm_key = $2', [
        executionId,
        vmKey,
      ]),
    );
    return rows[0] ? toVm(rows[0]) : null;
  }

  /**
   * Sets the execution's cutover time (warm VMs cut over once it passes) while it is unfinished.
   * Warm VMs sleeping between pre-copies are made due at that time; they are returned so the
   * caller can nudge them. Null when the execution is not unfinished.
   */
  async setCutover(
    executionId: string,
    at: Date,
  ): Promise<{
    before: string | null;
    after: string;
    waiting: Array<{ executionId: string; vmKey: string; revision: number }>;
  } | null> {
    return this.transaction(async (tx) => {
      // NO KEY UPDATE, not UPDATE: a step's commit inserts events whose foreign key takes KEY SHARE
      // on this row while it holds its VM's row, which the update below needs (a deadlock).
      const locked = rowsOf(
        await this.query(
          `SELECT cutover_at FROM executions WHERE id = $1 AND status IN ('queued', 'running') FOR NO KEY UPDATE`,
          [executionId],
          tx,
        ),
      );
      if (!locked[0]) return null;
      await this.query('UPDATE executions SET cutover_at = $2 WHERE id = $1', [executionId, at], tx);
      const waiting = rowsOf(
        await this.query(
          `UPDATE execution_vms SET wake_at = LEAST(COALESCE(wake_at, $2), $2), updated_at = now()
           WHERE execution_id = $1 AND status = 'running' AND phase = 'CopyingPaused' AND NOT cancel_requested
           RETURNING execution_id, vm_key, revision`,
          [executionId, at],
          tx,
        ),
      ).map((row) => ({
        executionId: String(row.execution_id),
        vmKey: String(row.vm_key),
        revision: Number(row.revision),
      }));
      return { before: iso(locked[0].cutover_at), after: at.toISOString(), waiting };
    });
  }

  /** Moves a queued execution to running (once); later calls change nothing. */
  async markStarted(executionId: string): Promise<boolean> {
    const rows = rowsOf(
      await this.query(
        `UPDATE executions SET status = 'running', started_at = COALESCE(started_at, now())
         WHERE id = $1 AND status = 'queued' RETURNING id`,
        [executionId],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Takes the VM for one step: only when it is active and nobody holds an unexpired lease (so only
   * one worker advances a VM, across every replica). The phase is marked running before the
   * handler acts, so a crash is visible as a running phase with an expired lease.
   */
  async claim(
    executionId: string,
    vmKey: string,
    owner: string,
    leaseMs: number,
    options: { onlyIfDue?: boolean } = {},
  ): Promise<ExecutionVmRecord | null> {
    const claimed = await this.tryClaim(executionId, vmKey, owner, leaseMs, options);
    if (claimed || options.onlyIfDue === true) return claimed;
    // A nudge that finds a step in progress is remembered, so that step's commit wakes the VM at
    // once; if that commit came between the two statements, the VM is free now: claim it.
    const remembered = await this.query(
      `UPDATE execution_vms SET nudged_at = now()
       WHERE execution_id = $1 AND vm_key = $2 AND status = 'running' AND lease_expires_at >= now()
       RETURNING vm_key`,
      [executionId, vmKey],
    );
    if (rowsOf(remembered).length === 0) return this.tryClaim(executionId, vmKey, owner, leaseMs, options);
    return null;
  }

  private async tryClaim(
    executionId: string,
    vmKey: string,
    owner: string,
    leaseMs: number,
    options: { onlyIfDue?: boolean },
  ): Promise<ExecutionVmRecord | null> {
    const rows = rowsOf(
      await this.query(
        `UPDATE execution_vms SET
           nudged_at = NULL,
           lease_owner = $3,
           lease_expires_at = now() + make_interval(secs => $4::double precision / 1000),
           phase_started_at = CASE WHEN phase_state = 'pending' OR phase_started_at IS NULL THEN now() ELSE phase_started_at END,
           phase_state = 'running',
           revision = revision + 1,
           updated_at = now()
         WHERE execution_id = $1 AND vm_key = $2 AND status = 'running'
           AND (lease_expires_at IS NULL OR lease_expires_at < now())
           AND (NOT $5 OR wake_at IS NULL OR wake_at <= now() + interval '250 milliseconds')
         RETURNING *, (SELECT e.cutover_at FROM executions e WHERE e.id = execution_vms.execution_id) AS execution_cutover_at`,
        [executionId, vmKey, owner, leaseMs, options.onlyIfDue === true],
      ),
    );
    return rows[0] ? toVm(rows[0]) : null;
  }

  /**
   * Persists the end of a step and its events in one statement, only if this worker still holds
   * the lease on the same phase and revision it claimed. Returns the new revision, and whether a
   * nudge came while the step ran (its wait is then cut short: wake now); null means another
   * worker took over (our lease ran out) and our result is dropped.
   */
  async commit(
    claimed: Pick<ExecutionVmRecord, 'executionId' | 'vmKey' | 'phase' | 'revision'>,
    owner: string,
    step: StepCommit,
  ): Promise<CommittedStep | null> {
    // Only when asked, and only for a VM that stays running (a phase that ended in `next`).
    const keepsLease = `($18::double precision IS NOT NULL AND COALESCE($7, status) = 'running')`;
    const rows = rowsOf(
      await this.query(
        `WITH updated AS (
         UPDATE execution_vms SET
           phase = $5,
           phase_state = CASE WHEN ${keepsLease} THEN 'running' ELSE $6 END,
           -- A cancel asked for while the step ran keeps a VM the step sends back to the queue
           -- running: the queue never admits a VM whose cancel is pending, a worker must clean it up.
           status = CASE WHEN $7 = 'queued' AND cancel_requested THEN status ELSE COALESCE($7, status) END,
           phase_started_at = CASE WHEN ${keepsLease} THEN now() WHEN $8 THEN NULL ELSE phase_started_at END,
           runtime = COALESCE($9::jsonb, runtime),
           disks = COALESCE($10::jsonb, disks),
           power_state_before = COALESCE(power_state_before, $11),
           error = CASE WHEN $12 THEN $13::jsonb ELSE error END,
           wake_at = CASE WHEN nudged_at IS NOT NULL AND $14::timestamptz IS NOT NULL THEN now() ELSE $14::timestamptz END,
           finished_at = CASE WHEN $15 THEN now() ELSE finished_at END,
           -- keepLease: what the next phase's claim would set, for a VM still running.
           lease_owner = CASE WHEN ${keepsLease} THEN lease_owner END,
           lease_expires_at = CASE WHEN ${keepsLease} THEN now() + make_interval(secs => $18::double precision / 1000) END,
           nudged_at = CASE WHEN ${keepsLease} THEN NULL ELSE nudged_at END,
           revision = revision + 1,
           updated_at = now()
         WHERE execution_id = $1 AND vm_key = $2 AND lease_owner = $3 AND phase = $4 AND revision = $16
         RETURNING ${step.keepLease ? '*, ' : 'revision, '}nudged_at IS NOT NULL AS nudged,
           ($7 = 'queued' AND cancel_requested) AS kept_for_cancel),
         events AS (
           INSERT INTO execution_events (execution_id, vm_key, phase, kind, message)
           SELECT $1, $2, e.phase, e.kind, e.message
           FROM json_to_recordset($17::json) AS e(ordinal int, phase text, kind text, message text)
           WHERE EXISTS (SELECT 1 FROM updated)
           ORDER BY e.ordinal)
         SELECT updated.*${step.keepLease ? ', (SELECT e.cutover_at FROM executions e WHERE e.id = updated.execution_id) AS execution_cutover_at' : ''}
         FROM updated`,
        [
          claimed.executionId,
          claimed.vmKey,
          owner,
          claimed.phase,
          step.phase,
          step.phaseState,
          step.status ?? null,
          step.phaseChanged,
          step.runtime === undefined ? null : JSON.stringify(step.runtime),
          step.disks === undefined ? null : JSON.stringify(step.disks),
          step.powerStateBefore ?? null,
          step.error !== undefined,
          step.error ? JSON.stringify(step.error) : null,
          step.wakeAt ?? null,
          step.finished === true,
          claimed.revision,
          JSON.stringify((step.events ?? []).map((event, ordinal) => ({ ordinal, ...event }))),
          step.keepLease?.leaseMs ?? null,
        ],
      ),
    );
    const row = rows[0];
    if (!row) return null;
    return {
      revision: Number(row.revision),
      nudged: row.nudged === true,
      keptForCancel: row.kept_for_cancel === true,
      ...(step.keepLease && row.lease_owner === owner ? { continued: toVm(row) } : {}),
    };
  }

  /** Gives back a lease without changing the VM (a worker shutting down, or a transient error). */
  async releaseLease(executionId: string, vmKey: string, owner: string, wakeAt: Date | null): Promise<void> {
    await this.query(
      `UPDATE execution_vms SET lease_owner = NULL, lease_expires_at = NULL,
         phase_state = CASE WHEN phase_state = 'running' THEN 'waiting' ELSE phase_state END,
         wake_at = $4, updated_at = now()
       WHERE execution_id = $1 AND vm_key = $2 AND lease_owner = $3`,
      [executionId, vmKey, owner, wakeAt],
    );
  }

  /** Releases every lease a worker holds (graceful shutdown): other replicas pick the VMs up at once. */
  async releaseAllLeases(owner: string): Promise<Array<{ executionId: string; vmKey: string }>> {
    const rows = rowsOf(
      await this.query(
        `UPDATE execution_vms SET lease_owner = NULL, lease_expires_at = NULL,
           phase_state = CASE WHEN phase_state = 'running' THEN 'waiting' ELSE phase_state END, wake_at = now()
         WHERE lease_owner = $1 RETURNING execution_id, vm_key`,
        [owner],
      ),
    );
    return rows.map((row) => ({ executionId: String(row.execution_id), vmKey: String(row.vm_key) }));
  }

  async renewLease(executionId: string, vmKey: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = rowsOf(
      await this.query(
        `UPDATE execution_vms SET lease_expires_at = now() + make_interval(secs => $4::double precision / 1000)
         WHERE execution_id = $1 AND vm_key = $2 AND lease_owner = $3 RETURNING vm_key`,
        [executionId, vmKey, owner, leaseMs],
      ),
    );
    return rows.length > 0;
  }

  async appendEvents(
    events: Array<{
      executionId: string;
      vmKey: string | null;
      phase: string | null;
      kind: string;
      message: string;
    }>,
    manager?: EntityManager,
  ): Promise<void> {
    if (events.length === 0) return;
    const params: unknown[] = [];
    const values = events.map((event) => {
      params.push(event.executionId, event.vmKey, event.phase, event.kind, event.message);
      const base = params.length - 5;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5})`;
    });
    await this.query(
      `INSERT INTO execution_events (execution_id, vm_key, phase, kind, message) VALUES ${values.join(', ')}`,
      params,
      manager,
    );
  }

  async events(executionId: string, afterId: number, limit: number): Promise<ExecutionEventRecord[]> {
    const rows = rowsOf(
      await this.query(
        `SELECT * FROM execution_events WHERE execution_id = $1 AND id > $2 ORDER BY id LIMIT ${Math.max(1, Math.floor(limit))}`,
        [executionId, afterId],
      ),
    );
    return rows.map(toEvent);
  }

  /**
   * Grants copy slots: under a transaction-scoped advisory lock, so replicas never grant past a
   * limit together, it reads the queued VMs (largest disk first) and the copies in flight, lets
   * `admit` choose, and writes one slot per disk of each VM it chose.
   */
  async admitQueuedVms(admit: CopyAdmissionPolicy, maxCandidates = 2_000): Promise<AdmittedVm[]> {
    return this.transaction(async (tx) => {
      await this.query('SELECT pg_advisory_xact_lock($1)', [COPY_SCHEDULER_LOCK_KEY], tx);
      // Only a running VM holds slots. A worker that died between committing a VM back to the
      // queue (a warm pre-copy ended) or to its end and giving its slots back left them here: they
      // would count against the VM's own host for ever, so they go before anything is counted.
      await this.query(
        `DELETE FROM copy_slots s USING execution_vms v
         WHERE v.execution_id = s.execution_id AND v.vm_key = s.vm_key AND v.status <> 'running'`,
        [],
        tx,
      );
      const candidates = rowsOf(
        await this.query(
          `SELECT v.execution_id, v.vm_key, COALESCE(v.source_host, '') AS source_host, v.copy_disks, v.phase
           FROM execution_vms v JOIN executions e ON e.id = v.execution_id
           WHERE v.status = 'queued' AND NOT v.cancel_requested AND e.status IN ('queued', 'running')
           ORDER BY v.largest_disk_bytes DESC, v.total_bytes DESC, e.created_at, v.vm_key
           LIMIT ${Math.floor(maxCandidates)}`,
          [],
          tx,
        ),
      ).map(
        (row): CopyCandidate => ({
          executionId: String(row.execution_id),
          vmKey: String(row.vm_key),
          sourceHost: String(row.source_host),
          disks: row.copy_disks as CopyCandidate['disks'],
          phase: String(row.phase),
        }),
      );
      if (candidates.length === 0) return [];
      const inFlight = rowsOf(
        await this.query(
          // Full copies: a cold VM's, or a warm VM's before its first stage was copied.
          `SELECT s.source_host, s.datastore, s.execution_id, count(*)::int AS n,
                  count(*) FILTER (WHERE v.runtime->'warm'->'precopies'->0->>'copiedAt' IS NULL)::int AS full_copies
           FROM copy_slots s LEFT JOIN execution_vms v ON v.execution_id = s.execution_id AND v.vm_key = s.vm_key
           GROUP BY GROUPING SETS ((s.source_host), (s.datastore), (s.execution_id), ())`,
          [],
          tx,
        ),
      );
      const byHost = new Map<string, number>();
      const firstCopiesByHost = new Map<string, number>();
      const byDatastore = new Map<string, number>();
      const byExecution = new Map<string, number>();
      let total = 0;
      for (const row of inFlight) {
        const n = Number(row.n);
        if (row.source_host !== null) {
          byHost.set(String(row.source_host), n);
          firstCopiesByHost.set(String(row.source_host), Number(row.full_copies));
        } else if (row.datastore !== null) byDatastore.set(String(row.datastore), n);
        else if (row.execution_id !== null) byExecution.set(String(row.execution_id), n);
        else total = n;
      }
      const admitted = admit(candidates, { byHost, byDatastore, byExecution, total, firstCopiesByHost });
      if (admitted.length === 0) return [];
      const params: unknown[] = [];
      const values: string[] = [];
      for (const vm of admitted) {
        const disks = vm.disks.length > 0 ? vm.disks : [{ index: 0, datastore: '', capacityBytes: 0 }];
        for (const disk of disks) {
          params.push(
            vm.executionId,
            vm.vmKey,
            disk.index,
            vm.sourceHost,
            disk.datastore,
            disk.capacityBytes,
          );
          const base = params.length - 6;
          values.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`);
        }
      }
      await this.query(
        `INSERT INTO copy_slots (execution_id, vm_key, disk_index, source_host, datastore, bytes) VALUES ${values.join(', ')}
         ON CONFLICT DO NOTHING`,
        params,
        tx,
      );
      const updated = await this.query(
        `UPDATE execution_vms v SET status = 'running', admitted_at = now(), started_at = COALESCE(v.started_at, now()),
           wake_at = NULL, updated_at = now()
         FROM unnest($1::uuid[], $2::text[]) AS a(execution_id, vm_key)
         WHERE v.execution_id = a.execution_id AND v.vm_key = a.vm_key AND v.status = 'queued'
         RETURNING v.execution_id, v.vm_key, v.revision`,
        [admitted.map((vm) => vm.executionId), admitted.map((vm) => vm.vmKey)],
        tx,
      );
      await this.query(
        `UPDATE executions SET status = 'running', started_at = COALESCE(started_at, now())
         WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
        [[...new Set(admitted.map((vm) => vm.executionId))]],
        tx,
      );
      const revisions = new Map(
        rowsOf(updated).map((row) => [`${row.execution_id}/${row.vm_key}`, Number(row.revision)]),
      );
      // In the order the policy admitted them (RETURNING's order is the table's).
      return admitted.flatMap((vm) => {
        const revision = revisions.get(`${vm.executionId}/${vm.vmKey}`);
        return revision === undefined
          ? []
          : [{ executionId: vm.executionId, vmKey: vm.vmKey, sourceHost: vm.sourceHost, revision }];
      });
    });
  }

  /** Gives copy slots back (a disk's copy ended); all of the VM's when `diskIndexes` is absent. */
  async releaseSlots(executionId: string, vmKey: string, diskIndexes?: number[]): Promise<number> {
    if (diskIndexes !== undefined && diskIndexes.length === 0) return 0;
    const rows = rowsOf(
      diskIndexes === undefined
        ? await this.query(
            'DELETE FROM copy_slots WHERE execution_id = $1 AND vm_key = $2 RETURNING disk_index',
            [executionId, vmKey],
          )
        : await this.query(
            'DELETE FROM copy_slots WHERE execution_id = $1 AND vm_key = $2 AND disk_index = ANY($3::int[]) RETURNING disk_index',
            [executionId, vmKey, diskIndexes],
          ),
    );
    return rows.length;
  }

  async slotsInUse(): Promise<
    Array<{ sourceHost: string; datastore: string; executionId: string; vmKey: string; diskIndex: number }>
  > {
    const rows = rowsOf(await this.query('SELECT * FROM copy_slots ORDER BY acquired_at'));
    return rows.map((row) => ({
      sourceHost: String(row.source_host),
      datastore: String(row.datastore),
      executionId: String(row.execution_id),
      vmKey: String(row.vm_key),
      diskIndex: Number(row.disk_index),
    }));
  }

  /**
   * Asks for VMs to be cancelled. Those never admitted are cancelled at once (nothing was done);
   * running ones are flagged for a worker to clean up. Succeeded VMs are never touched.
   */
  async requestCancel(
    executionId: string,
    vmKeys: string[] | undefined,
  ): Promise<{ flagged: string[]; cancelledNow: string[] }> {
    return this.transaction(async (tx) => {
      const keyFilter = vmKeys === undefined ? '' : 'AND vm_key = ANY($2::text[])';
      const params = vmKeys === undefined ? [executionId] : [executionId, vmKeys];
      const cancelledNow = rowsOf(
        await this.query(
          `UPDATE execution_vms SET status = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now()
           WHERE execution_id = $1 AND status = 'queued' AND started_at IS NULL ${keyFilter} RETURNING vm_key`,
          params,
          tx,
        ),
      ).map((row) => String(row.vm_key));
      // Failed VMs may have left copies behind, and queued VMs that already ran (a warm VM waiting
      // for slots between pre-copies, a retried one) snapshots and copies: a worker cleans them up.
      const flagged = rowsOf(
        await this.query(
          `UPDATE execution_vms SET cancel_requested = true,
             status = CASE WHEN status IN ('failed', 'queued') THEN 'running' ELSE status END, wake_at = NULL,
             updated_at = now()
           WHERE execution_id = $1 AND status IN ('running', 'failed', 'queued') AND NOT cancel_requested ${keyFilter}
           RETURNING vm_key`,
          params,
          tx,
        ),
      ).map((row) => String(row.vm_key));
      if (vmKeys === undefined) {
        await this.query(
          `UPDATE executions SET status = 'cancelling' WHERE id = $1 AND status IN ('queued', 'running', 'failed')`,
          [executionId],
          tx,
        );
      } else if (flagged.length > 0) {
        await this.query(
          `UPDATE executions SET status = 'running' WHERE id = $1 AND status = 'failed'`,
          [executionId],
          tx,
        );
      }
      return { flagged, cancelledNow };
    });
  }

  /** Cancel finished for a VM: whatever it was doing, it is cancelled now. */
  async markCancelled(executionId: string, vmKey: string, owner: string): Promise<boolean> {
    const rows = rowsOf(
      await this.query(
        `UPDATE execution_vms SET status = 'cancelled', phase_state = 'waiting', lease_owner = NULL, lease_expires_at = NULL,
           wake_at = NULL, finished_at = now(), updated_at = now(), revision = revision + 1
         WHERE execution_id = $1 AND vm_key = $2 AND lease_owner = $3 RETURNING vm_key`,
        [executionId, vmKey, owner],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Failed VMs go back to the scheduler's queue, keeping the phase they failed in (the itinerary
   * resumes there; a failed copy goes back to CreateDataVolumes to replace the failed import).
   * Succeeded and cancelled VMs are never touched.
   */
  async retryFailed(
    executionId: string,
    warm: { restartPhases: readonly string[]; restartAt: string } = { restartPhases: [], restartAt: '' },
  ): Promise<string[]> {
    return this.transaction(async (tx) => {
      const rows = rowsOf(
        await this.query(
          `UPDATE execution_vms SET status = 'queued', error = NULL, attempt = attempt + 1, phase_state = 'pending',
             phase = CASE
               WHEN spec->>'migrationType' = 'warm' AND phase = ANY($2::text[]) THEN $3
               WHEN phase = 'CopyDisks' THEN 'CreateDataVolumes' ELSE phase END,
             phase_started_at = NULL, admitted_at = NULL, finished_at = NULL, wake_at = NULL,
             lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
           WHERE execution_id = $1 AND status = 'failed' AND NOT cancel_requested RETURNING vm_key`,
          [executionId, [...warm.restartPhases], warm.restartAt],
          tx,
        ),
      ).map((row) => String(row.vm_key));
      if (rows.length > 0) {
        await this.query(
          `UPDATE executions SET status = 'running', finished_at = NULL WHERE id = $1 AND status IN ('failed', 'running')`,
          [executionId],
          tx,
        );
      }
      return rows;
    });
  }

  /**
   * Ends the execution once no VM is active; returns the final status only to the one caller that
   * made the change. `andThen` (the wave's status) runs in the same transaction: a crash between
   * the two writes cannot leave a finished execution with its wave still executing.
   */
  async finishIfDone(
    executionId: string,
    andThen?: InSameTransaction<FinishedExecution>,
  ): Promise<ExecutionStatus | null> {
    // Most calls (a VM ended, others still run) end nothing: one read answers them without
    // holding a connection for a transaction. The conditional UPDATE below still decides.
    const [open] = rowsOf(
      await this.query(
        `SELECT EXISTS (SELECT 1 FROM executions WHERE id = $1 AND status IN ('queued', 'running', 'cancelling'))
           AND NOT EXISTS (SELECT 1 FROM execution_vms WHERE execution_id = $1 AND status IN ('queued', 'running'))
           AS finishable`,
        [executionId],
      ),
    );
    if (!open?.finishable) return null;
    return this.transaction(async (tx) => {
      const rows = rowsOf(
        await this.query(
          `WITH tally AS (
             SELECT count(*) FILTER (WHERE status IN ('queued', 'running')) AS active,
                    count(*) FILTER (WHERE status = 'failed') AS failed,
                    count(*) FILTER (WHERE status = 'cancelled') AS cancelled
             FROM execution_vms WHERE execution_id = $1)
           UPDATE executions e SET
             status = CASE WHEN tally.failed > 0 THEN 'failed' WHEN tally.cancelled > 0 THEN 'cancelled' ELSE 'completed' END,
             finished_at = now()
           FROM tally
           WHERE e.id = $1 AND tally.active = 0 AND e.status IN ('queued', 'running', 'cancelling')
           RETURNING e.status, e.plan_id, e.wave_number`,
          [executionId],
          tx,
        ),
      );
      const row = rows[0];
      if (!row) return null;
      const finished: FinishedExecution = {
        id: executionId,
        planId: String(row.plan_id),
        waveNumber: Number(row.wave_number),
        status: row.status as ExecutionStatus,
      };
      await this.appendEvents(
        [
          {
            executionId,
            vmKey: null,
            phase: null,
            kind: 'execution',
            message: `execution ${finished.status}`,
          },
        ],
        tx,
      );
      if (andThen) await andThen(finished, tx);
      return finished.status;
    });
  }

  /**
   * Cancels at once VMs flagged for cancel that are still in `phases` (the ones that never changed
   * anything in vCenter or the cluster): used when no executor runs to do it. Their leases are
   * cleared so a step still in flight cannot commit over the cancel.
   */
  async cancelUntouched(
    executionId: string,
    phases: { cold: readonly string[]; warm: readonly string[] },
    reason: string,
  ): Promise<string[]> {
    return this.transaction(async (tx) => {
      const cancelled = rowsOf(
        await this.query(
          `UPDATE execution_vms SET status = 'cancelled', phase_state = 'waiting', lease_owner = NULL,
             lease_expires_at = NULL, wake_at = NULL, finished_at = now(), updated_at = now(), revision = revision + 1
           WHERE execution_id = $1 AND cancel_requested AND status = 'running'
             AND phase = ANY(CASE WHEN spec->>'migrationType' = 'warm' THEN $3::text[] ELSE $2::text[] END)
           RETURNING vm_key, phase`,
          [executionId, [...phases.cold], [...phases.warm]],
          tx,
        ),
      );
      if (cancelled.length === 0) return [];
      const vmKeys = cancelled.map((row) => String(row.vm_key));
      await this.query(
        'DELETE FROM copy_slots WHERE execution_id = $1 AND vm_key = ANY($2::text[])',
        [executionId, vmKeys],
        tx,
      );
      await this.appendEvents(
        cancelled.map((row) => ({
          executionId,
          vmKey: String(row.vm_key),
          phase: String(row.phase),
          kind: 'cancelled',
          message: reason,
        })),
        tx,
      );
      return vmKeys;
    });
  }

  /**
   * Gives up on an unfinished execution without an executor: its active VMs become `abandoned`,
   * every lease is cleared (a step still in flight cannot commit), its copy slots are freed and the
   * execution ends `abandoned`. Returns the VMs that had not succeeded or been cancelled, as they
   * were, so the caller can say what may be left behind; null when the execution is not unfinished.
   * `andThen` (the wave, the audit) runs in the same transaction.
   */
  async abandon(
    executionId: string,
    andThen: InSameTransaction<{ execution: ExecutionRecord; unfinishedVms: ExecutionVmRecord[] }>,
  ): Promise<{ execution: ExecutionRecord; unfinishedVms: ExecutionVmRecord[] } | null> {
    return this.transaction(async (tx) => {
      const locked = rowsOf(
        await this.query(
          `SELECT * FROM executions WHERE id = $1 AND status IN ('queued', 'running', 'cancelling') FOR NO KEY UPDATE`,
          [executionId],
          tx,
        ),
      );
      if (!locked[0]) return null;
      const unfinishedVms = rowsOf(
        await this.query(
          `SELECT * FROM execution_vms WHERE execution_id = $1 AND status NOT IN ('succeeded', 'cancelled')
           ORDER BY vm_key FOR UPDATE`,
          [executionId],
          tx,
        ),
      ).map(toVm);
      await this.query(
        `UPDATE execution_vms SET status = CASE WHEN status IN ('queued', 'running') THEN 'abandoned' ELSE status END,
           lease_owner = NULL, lease_expires_at = NULL, wake_at = NULL,
           finished_at = COALESCE(finished_at, now()), updated_at = now(), revision = revision + 1
         WHERE execution_id = $1 AND status NOT IN ('succeeded', 'cancelled')`,
        [executionId],
        tx,
      );
      await this.query('DELETE FROM copy_slots WHERE execution_id = $1', [executionId], tx);
      const updated = rowsOf(
        await this.query(
          `UPDATE executions SET status = 'abandoned', finished_at = now() WHERE id = $1 RETURNING *`,
          [executionId],
          tx,
        ),
      );
      const result = { execution: toExecution(updated[0] as Record<string, unknown>), unfinishedVms };
      await andThen(result, tx);
      return result;
    });
  }

  /** An executor's reconcile pass says it is alive; rows of executors gone for a day are dropped. */
  async recordHeartbeat(workerId: string): Promise<void> {
    await this.query(
      `WITH gone AS (DELETE FROM executor_heartbeats WHERE seen_at < now() - interval '1 day')
       INSERT INTO executor_heartbeats (worker_id) VALUES ($1)
       ON CONFLICT (worker_id) DO UPDATE SET seen_at = now()`,
      [workerId],
    );
  }

  async executorPresence(): Promise<ExecutorPresence> {
    const rows = rowsOf(
      await this.query(
        `SELECT max(seen_at) AS seen, (extract(epoch FROM now() - max(seen_at)) * 1000)::float8 AS age_ms
         FROM executor_heartbeats`,
      ),
    );
    const row = rows[0];
    return {
      lastSeenAt: iso(row?.seen),
      ageMs: row?.age_ms === null || row?.age_ms === undefined ? null : Number(row.age_ms),
    };
  }

  /**
   * VMs a worker should look at now: active, lease free (never taken or expired after a crash),
   * and due (`wake_at` passed by `graceMs`, or never set). Their advance jobs were lost or their
   * worker died.
   */
  async dueVms(
    graceMs: number,
    limit = 1_000,
  ): Promise<Array<{ executionId: string; vmKey: string; revision: number }>> {
    const rows = rowsOf(
      await this.query(
        `SELECT execution_id, vm_key, revision FROM execution_vms
         WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < now())
           AND (wake_at IS NULL OR wake_at < now() - make_interval(secs => $1::double precision / 1000))
           AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY updated_at LIMIT ${Math.floor(limit)}`,
        [graceMs],
      ),
    );
    return rows.map((row) => ({
      executionId: String(row.execution_id),
      vmKey: String(row.vm_key),
      revision: Number(row.revision),
    }));
  }

  /** Executions with queued VMs (for the scheduler's periodic pass) or with nothing left to do. */
  async activeExecutionIds(): Promise<string[]> {
    const rows = rowsOf(
      await this.query(
        `SELECT id FROM executions WHERE status IN ('queued', 'running', 'cancelling') ORDER BY created_at`,
      ),
    );
    return rows.map((row) => String(row.id));
  }

  /** Counts per VM status, for progress summaries. */
  async statusCounts(executionId: string): Promise<Record<string, number>> {
    const rows = rowsOf(
      await this.query(
        'SELECT status, count(*)::int AS n FROM execution_vms WHERE execution_id = $1 GROUP BY status',
        [executionId],
      ),
    );
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  }

  /** Executions per status, over every plan: the gauge Prometheus scrapes. */
  async executionCountsByStatus(): Promise<Record<string, number>> {
    const rows = rowsOf(
      await this.query('SELECT status, count(*)::int AS n FROM executions GROUP BY status', []),
    );
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  }

  /** VMs of unfinished executions per phase (finished VMs are counted by their outcome). */
  async vmCountsByPhase(): Promise<Record<string, number>> {
    const rows = rowsOf(
      await this.query(
        `SELECT CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN status ELSE phase END AS phase,
           count(*)::int AS n
         FROM execution_vms GROUP BY 1`,
        [],
      ),
    );
    return Object.fromEntries(rows.map((row) => [String(row.phase), Number(row.n)]));
  }
}
