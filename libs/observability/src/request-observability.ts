import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withLogContext } from './log-context.js';
import type { FlotillaLogger } from './logger.js';
import type { FlotillaMetrics } from './metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** An id a client or proxy sent is kept only when it is short and plain (it lands in every log line). */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestObservabilityOptions {
  logger: FlotillaLogger;
  metrics?: FlotillaMetrics;
  /** Paths logged at debug only (probes and scrapes arrive every few seconds). */
  quietPaths?: readonly string[];
  newRequestId?: () => string;
}

/** The request id a request runs under (also in the log context inside it). */
export function requestIdOf(request: Request): string | undefined {
  const value = request.headers[REQUEST_ID_HEADER];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Express middleware, mounted before everything else: keeps the caller's `x-request-id` (or makes
 * one), echoes it on the response, runs the rest of the request inside a log context carrying it,
 * then logs method, path, status and duration and observes the latency histogram labelled with
 * the matched route template (never the raw path: ids in paths would explode the series). The
 * query string is never logged: tokens have been seen there.
 */
export function createRequestObservability(options: RequestObservabilityOptions) {
  const quiet = new Set(options.quietPaths ?? ['/healthz', '/readyz', '/metrics']);
  const newRequestId = options.newRequestId ?? randomUUID;

  return function requestObservability(request: Request, response: Response, next: NextFunction): void {
    const offered = request.headers[REQUEST_ID_HEADER];
    const requestId =
      typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : newRequestId();
    request.headers[REQUEST_ID_HEADER] = requestId;
    response.setHeader(REQUEST_ID_HEADER, requestId);
    const started = process.hrtime.bigint();
    const path = (request.originalUrl ?? request.url ?? '').split('?')[0] ?? '';
    let reported = false;

    const report = (aborted: boolean) => {
      if (reported) return;
      reported = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = aborted && !response.writableFinished ? 499 : response.statusCode;
      const route = routeTemplate(request);
      options.metrics?.httpRequestDuration.observe(
        { method: request.method, route, status_code: String(status) },
        seconds,
      );
      const level = quiet.has(path) && status < 400 ? 'debug' : status >= 500 ? 'error' : 'info';
      options.logger[level](
        {
          requestId,
          req: { method: request.method, path, route },
          res: { statusCode: status },
          durationMs: Math.round(seconds * 1000 * 10) / 10,
          ...(aborted && !response.writableFinished ? { aborted: true } : {}),
        },
        `${request.method} ${path} ${status}`,
      );
    };
    response.once('finish', () => report(false));
    response.once('close', () => report(true));
    withLogContext({ requestId }, () => next());
  };
}

/** Express's matched route (`/plans/:planId`), or `unmatched` for 404s and static files. */
function routeTemplate(request: Request): string {
  const route: unknown = (request as Request & { route?: { path?: unknown } }).route?.path;
  if (typeof route === 'string') return `${request.baseUrl ?? ''}${route}` || '/';
  return 'unmatched';
}
