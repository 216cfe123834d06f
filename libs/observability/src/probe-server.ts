import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlotillaLogger } from './logger.js';
import type { FlotillaMetrics } from './metrics.js';
import type { ReadinessReport } from './readiness.js';

export interface ProbeServerOptions {
  port: number;
  /** Default all interfaces: the kubelet and Prometheus reach the pod IP. */
  host?: string;
  /** Liveness: false only when the process is wedged beyond recovery (default: always alive). */
  live?: () => boolean;
  ready: () => Promise<ReadinessReport>;
  metrics?: FlotillaMetrics;
  logger?: FlotillaLogger;
}

export interface ProbeServer {
  readonly port: number;
  /** From now on `/readyz` answers 503 (shutdown has begun: take no new work from the Service). */
  drain(): void;
  close(): Promise<void>;
}

/**
 * The executor has no HTTP API, so `/healthz`, `/readyz` and `/metrics` get a small server of
 * their own on a separate port, outside Nest, so it answers even while Nest is starting or
 * shutting down.
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  let draining = false;
  const send = (response: ServerResponse, status: number, type: string, body: string) => {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    response.end(body);
  };
  const json = (response: ServerResponse, status: number, body: unknown) =>
    send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return json(response, 405, { status: 'method not allowed' });
    if (path === '/healthz') {
      const alive = options.live?.() ?? true;
      return json(response, alive ? 200 : 503, { status: alive ? 'ok' : 'unhealthy' });
    }
    if (path === '/readyz') {
      if (draining) return json(response, 503, { status: 'draining' });
      const report = await options.ready();
      if (!report.ready) options.logger?.warn({ checks: report.problems }, 'not ready');
      return json(response, report.ready ? 200 : 503, {
        status: report.ready ? 'ok' : 'unavailable',
        checks: report.checks,
      });
    }
    if (path === '/metrics' && options.metrics) {
      const { contentType, body } = await options.metrics.exposition();
      return send(response, 200, contentType, body);
    }
    return json(response, 404, { status: 'not found' });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'probe request failed');
      if (!response.headersSent) json(response, 500, { status: 'error' });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    drain() {
      draining = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
