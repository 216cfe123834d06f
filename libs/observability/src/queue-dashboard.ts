import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type QueueDashboardAccess = 'allowed' | 'unauthenticated' | 'forbidden';

export interface QueueDashboardOptions {
  /** Where it is served, e.g. `/admin/queues`. */
  basePath: string;
  queues: readonly Queue[];
  /**
   * Decides from the API token the caller presented (undefined when none) whether it holds the
   * `admin` role. The dashboard can retry, promote and delete jobs, so nothing less will do.
   */
  authorize: (token: string | undefined, request: Request) => Promise<QueueDashboardAccess>;
  /** Hide retry/clean/promote buttons (default false). */
  readOnly?: boolean;
}

/** What the helper needs of an Express app (or Nest's `INestApplication`, which forwards `use`). */
export interface MountableApp {
  use(path: string, ...handlers: RequestHandler[]): unknown;
}

const REALM = 'Basic realm="Flotilla queue dashboard", charset="UTF-8"';

/**
 * The API token from `Authorization: Bearer <token>`, or the password of HTTP Basic credentials.
 * Basic is accepted because a browser resends it on every request the Bull Board UI makes by
 * itself, which a Bearer header typed once cannot do: the operator enters any user name and the
 * API token as the password.
 */
export function presentedToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const password = separator >= 0 ? decoded.slice(separator + 1) : '';
  return password === '' ? undefined : password;
}

/** Mounts Bull Board behind the admin check at `basePath`. */
export function mountQueueDashboard(app: MountableApp, options: QueueDashboardOptions): void {
  const basePath = `/${options.basePath.replace(/^\/+|\/+$/g, '')}`;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly ?? false }),
    ),
    // @bull-board/express 9.10.1 pins its own @bull-board/api 9.10.1 beside our 9.10.2: the adapter
    // types differ only in private members; pinning @bull-board/api to 9.10.1 would dedupe them.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Flotilla queues' } },
  });
  const guard = (request: Request, response: Response, next: NextFunction) => {
    options.authorize(presentedToken(request), request).then(
      (access) => {
        if (access === 'allowed') return next();
        response.setHeader('Cache-Control', 'no-store');
        if (access === 'unauthenticated') {
          response.setHeader('WWW-Authenticate', REALM);
          response.status(401).json({ statusCode: 401, message: 'Send an API token with the admin role' });
          return;
        }
        response.status(403).json({ statusCode: 403, message: 'The queue dashboard needs the "admin" role' });
      },
      (error: unknown) => next(error),
    );
  };
  app.use(basePath, guard, serverAdapter.getRouter() as RequestHandler);
}
