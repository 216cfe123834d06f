import type { Request, Response } from 'express';
import type { FlotillaMetrics } from './metrics.js';

/** An Express handler serving the registry in the Prometheus text format. */
export function metricsHandler(metrics: FlotillaMetrics) {
  return function serveMetrics(_request: Request, response: Response): void {
    metrics.exposition().then(
      ({ contentType, body }) => {
        response.setHeader('Content-Type', contentType);
        response.setHeader('Cache-Control', 'no-store');
        response.status(200).send(body);
      },
      () => {
        response.status(500).type('text/plain').send('metrics collection failed\n');
      },
    );
  };
}
