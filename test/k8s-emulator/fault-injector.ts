/**
 * Programmable faults and request accounting for the emulator's HTTP front end. A fault matches
 * requests by Kubernetes verb, HTTP method, resource (plural, optionally `plural/status`),
 * namespace and name, and fires a number of times.
 */

export type KubeVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

export interface FaultMatch {
  verb?: KubeVerb;
  /** HTTP method, for callers who think in those (GET also matches list and watch). */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Resource plural (`datavolumes`), or `plural/status` for the subresource. */
  resource?: string;
  namespace?: string;
  name?: string;
}

export type FaultAction =
  /** Answer with a Kubernetes Status error (409, 429, 500, 503, 504...); 429 carries Retry-After (default 1 s). */
  | { type: 'error'; code: number; reason?: string; message?: string; retryAfterSeconds?: number }
  /** Hold the request, then serve it normally (or with the next matching fault). */
  | { type: 'delay'; ms: number }
  /** Close a watch stream after so many events or milliseconds (abruptly with `reset`). */
  | { type: 'dropWatch'; afterEvents?: number; afterMs?: number; reset?: boolean }
  /** Destroy the connection without any response. */
  | { type: 'reset' };

export interface FaultRule extends FaultMatch {
  action: FaultAction;
  /** How many matching requests it affects (default 1; Infinity for all). */
  times?: number;
  /** Skip this many matching requests first (default 0). */
  skip?: number;
}

export interface RequestInfo {
  verb: KubeVerb;
  method: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface RequestRecord extends RequestInfo {
  path: string;
  status: number;
  /** The fault that answered or shaped it, if any. */
  fault?: FaultAction['type'];
  at: number;
}

interface ActiveRule {
  id: number;
  rule: FaultRule;
  remaining: number;
  skip: number;
  hits: number;
}

const DEFAULT_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function defaultReason(code: number): string {
  return DEFAULT_REASONS[code] ?? 'Unknown';
}

export interface FaultHandle {
  readonly id: number;
  /** Requests this fault has affected so far. */
  hits(): number;
  remove(): void;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private readonly records: RequestRecord[] = [];

  inject(rule: FaultRule): FaultHandle {
    const active: ActiveRule = {
      id: this.nextId++,
      rule,
      remaining: rule.times ?? 1,
      skip: rule.skip ?? 0,
      hits: 0,
    };
    this.rules.push(active);
    return {
      id: active.id,
      hits: () => active.hits,
      remove: () => {
        this.rules = this.rules.filter((candidate) => candidate !== active);
      },
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** Faults still armed. */
  pending(): FaultRule[] {
    return this.rules.map((active) => active.rule);
  }

  private matches(match: FaultMatch, request: RequestInfo): boolean {
    if (match.verb && match.verb !== request.verb) return false;
    if (match.method && match.method !== request.method) return false;
    if (match.resource) {
      const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
      if (match.resource !== resource) return false;
    }
    if (match.namespace !== undefined && match.namespace !== request.namespace) return false;
    if (match.name !== undefined && match.name !== request.name) return false;
    return true;
  }

  /** Takes the next fault for this request, consuming one of its uses; `exclude` skips kinds already applied. */
  take(request: RequestInfo, exclude: ReadonlySet<FaultAction['type']> = new Set()): FaultAction | undefined {
    for (const active of this.rules) {
      if (exclude.has(active.rule.action.type)) continue;
      if (!this.matches(active.rule, request)) continue;
      if (active.rule.action.type === 'dropWatch' && request.verb !== 'watch') continue;
      if (active.skip > 0) {
        active.skip--;
        continue;
      }
      active.hits++;
      active.remaining--;
      if (active.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== active);
      return active.rule.action;
    }
    return undefined;
  }

  record(entry: RequestRecord): void {
    this.records.push(entry);
  }

  /** Every request served so far, in arrival order. */
  requests(): readonly RequestRecord[] {
    return this.records;
  }

  /** How many requests matched (e.g. `{ verb: 'create', resource: 'datavolumes' }`). */
  count(match: FaultMatch = {}): number {
    return this.records.filter((record) => this.matches(match, record)).length;
  }

  /** Request counts keyed `verb resource` (`create datavolumes`, `patch virtualmachines/status`). */
  counters(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const record of this.records) {
      const resource = record.subresource ? `${record.resource}/${record.subresource}` : record.resource;
      const key = `${record.verb} ${resource}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  resetCounters(): void {
    this.records.length = 0;
  }
}
