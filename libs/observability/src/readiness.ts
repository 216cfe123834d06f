import { scrubSecretText } from './secret-redaction.js';

/** A dependency check: resolves when the dependency answers, rejects (or hangs) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessReport {
  ready: boolean;
  /** `ok`, `failed` or `timeout` per dependency: safe for an unauthenticated probe to see. */
  checks: Record<string, 'ok' | 'failed' | 'timeout'>;
  /** Why each failing check failed, secrets scrubbed: for the log, not for the response. */
  problems: Record<string, string>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs` (a probe that outlives the kubelet's
 * timeout counts as failed anyway, and a hung socket must not pile up probes).
 */
export async function runReadinessChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 2_000,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await settle(check, timeoutMs)] as const),
  );
  const report: ReadinessReport = { ready: true, checks: {}, problems: {} };
  for (const [name, outcome] of entries) {
    report.checks[name] = outcome.status;
    if (outcome.status !== 'ok') {
      report.ready = false;
      report.problems[name] = outcome.problem;
    }
  }
  return report;
}

type Outcome = { status: 'ok' } | { status: 'failed' | 'timeout'; problem: string };

function settle(check: ReadinessCheck, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ status: 'timeout', problem: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    timer.unref();
    Promise.resolve()
      .then(check)
      .then(
        () => resolve({ status: 'ok' }),
        (error: unknown) =>
          resolve({
            status: 'failed',
            problem: scrubSecretText(error instanceof Error ? error.message : String(error)),
          }),
      )
      .finally(() => clearTimeout(timer));
  });
}
