/**
 * The copy scheduler's policy (Forklift's per-host budget, plus per datastore, per execution and
 * global): which queued VMs may start copying now. Pure: the store reads the candidates and the
 * copies in flight under its lock, asks this function, and writes the slots it answers.
 */

/** In-flight disk limits; null means no limit of that kind. */
export interface CopyLimits {
  perHost: number;
  perDatastore: number | null;
  perExecution: number | null;
  global: number | null;
}

export interface CopyCandidate {
  executionId: string;
  vmKey: string;
  /** '' when the inventory did not say: those VMs share one budget. */
  sourceHost: string;
  /** One copy slot per disk while it copies; a VM without disks still takes one. */
  disks: ReadonlyArray<{ index: number; datastore: string; capacityBytes: number }>;
  /** The phase the VM continues in once admitted (a warm VM comes back for each pre-copy and its cutover). */
  phase?: string;
}

/**
 * Who goes first among the queued: a warm VM's cutover (its booked time has come), then first
 * copies (the wave gets cutover-ready soonest), then the next pre-copy of a VM already copied
 * once (a later delta only grows by what changed meanwhile).
 */
export function admissionRank(phase: string | undefined): number {
  if (phase === 'StorePowerState') return 0;
  if (phase === 'AddCheckpoint') return 2;
  return 1;
}

/** Disk copies already holding a slot, counted each way a limit applies. */
export interface CopiesInFlight {
  byHost: ReadonlyMap<string, number>;
  byDatastore: ReadonlyMap<string, number>;
  byExecution: ReadonlyMap<string, number>;
  total: number;
  /** Of `byHost`, the slots of full copies: cold VMs and warm VMs' first copies. */
  firstCopiesByHost?: ReadonlyMap<string, number>;
}

export const NO_COPIES_IN_FLIGHT: CopiesInFlight = {
  byHost: new Map(),
  byDatastore: new Map(),
  byExecution: new Map(),
  total: 0,
  firstCopiesByHost: new Map(),
};

/**
 * A VM fits a budget when its disks fit in what is left, or when the budget is idle: a VM with
 * more disks than a limit is admitted alone rather than never.
 */
function fits(current: number, need: number, limit: number | null): boolean {
  if (limit === null) return true;
  return current + need <= limit || current === 0;
}

/**
 * Admits candidates by {@link admissionRank}, then in the order given (the caller's priority:
 * largest disk first), skipping any that would cross a limit, so smaller VMs fill what the large
 * ones leave. Returns the admitted candidates in the order admitted.
 */
export function admitCopies<Candidate extends CopyCandidate>(
  candidates: readonly Candidate[],
  inFlight: CopiesInFlight,
  limits: CopyLimits,
): Candidate[] {
  const byHost = new Map(inFlight.byHost);
  const byDatastore = new Map(inFlight.byDatastore);
  const byExecution = new Map(inFlight.byExecution);
  let total = inFlight.total;
  const admitted: Candidate[] = [];
  // Stable: within a rank, the caller's order (largest disk first) holds.
  const ordered = candidates
    .map((candidate, position) => ({ candidate, position, rank: admissionRank(candidate.phase) }))
    .sort((a, b) => a.rank - b.rank || a.position - b.position)
    .map((entry) => entry.candidate);
  // A pre-copy never takes a slot on a host where a first copy or a cutover is left waiting, nor
  // shares one with a first copy still copying: the host's throughput is divided among its
  // imports, so a delta copied beside the host's last full copies holds back the moment the
  // whole wave is cutover-ready. It gets its turn once the host's full copies ended.
  const closedToPrecopies = new Set<string>(
    [...(inFlight.firstCopiesByHost ?? new Map<string, number>())]
      .filter(([, count]) => count > 0)
      .map(([host]) => host),
  );
  for (const candidate of ordered) {
    const rank = admissionRank(candidate.phase);
    if (rank === 2 && closedToPrecopies.has(candidate.sourceHost)) continue;
    const need = Math.max(1, candidate.disks.length);
    const host = byHost.get(candidate.sourceHost) ?? 0;
    const execution = byExecution.get(candidate.executionId) ?? 0;
    const perDatastore = new Map<string, number>();
    for (const disk of candidate.disks)
      perDatastore.set(disk.datastore, (perDatastore.get(disk.datastore) ?? 0) + 1);
    const fitsEverywhere =
      fits(host, need, limits.perHost) &&
      fits(total, need, limits.global) &&
      fits(execution, need, limits.perExecution) &&
      [...perDatastore].every(([datastore, count]) =>
        fits(byDatastore.get(datastore) ?? 0, count, limits.perDatastore),
      );
    if (!fitsEverywhere) {
      if (rank < 2) closedToPrecopies.add(candidate.sourceHost);
      continue;
    }
    if (rank === 1) closedToPrecopies.add(candidate.sourceHost);
    byHost.set(candidate.sourceHost, host + need);
    byExecution.set(candidate.executionId, execution + need);
    total += need;
    for (const [datastore, count] of perDatastore)
      byDatastore.set(datastore, (byDatastore.get(datastore) ?? 0) + count);
    admitted.push(candidate);
  }
  return admitted;
}

/**
 * The order to start admitted VMs in: every host's first, then every host's second, and so on
 * (each host's in admission order). A wave's start admits dozens of VMs at once and the worker
 * steps them concurrently: taken in admission order (largest disk first) one host can wait behind
 * the others' VMs before its first copy starts, while its throughput sits unused.
 */
export function startOrder<Candidate extends Pick<CopyCandidate, 'sourceHost'>>(
  admitted: readonly Candidate[],
): Candidate[] {
  const byHost = new Map<string, Candidate[]>();
  for (const candidate of admitted) {
    const list = byHost.get(candidate.sourceHost);
    if (list) list.push(candidate);
    else byHost.set(candidate.sourceHost, [candidate]);
  }
  const ordered: Candidate[] = [];
  for (let round = 0; ordered.length < admitted.length; round += 1) {
    for (const list of byHost.values()) {
      const candidate = list[round];
      if (candidate !== undefined) ordered.push(candidate);
    }
  }
  return ordered;
}
