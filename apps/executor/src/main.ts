import { Logger } from '@nestjs/common';
import { ExecutionService } from '#libs/application';
import { ConfigurationError, describeConfig, loadConfig } from '#libs/config';
import { EmbeddedDatabaseInUseError } from '#libs/core';
import {
  createFlotillaMetrics,
  createLogger,
  PinoNestLogger,
  type ProbeServer,
  runReadinessChecks,
  startProbeServer,
} from '#libs/observability';
import { createExecutorApp } from './executor-app.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'executor');
  // Structured JSON logs; the logger redacts secrets and carries execution/VM ids from the log context.
  const nestLogger = new PinoNestLogger(createLogger({ service: 'executor', level: config.logLevel }));
  Logger.overrideLogger(nestLogger);
  const logger = new Logger('Flotilla');
  logger.log(`Executor starting: ${JSON.stringify(describeConfig(config))}`);
  const metrics = createFlotillaMetrics({ component: 'executor' });
  const executor = await createExecutorApp(config, { logger: nestLogger, metrics });
  let probes: ProbeServer | undefined;
  if (config.executor.probePort > 0) {
    // Counted in Postgres, the truth every replica shares, when Prometheus scrapes.
    const executions = executor.app.get(ExecutionService);
    metrics.observePhases({
      executions: async () => (await executions.countsForMetrics()).executions,
      vms: async () => (await executions.countsForMetrics()).vms,
    });
    probes = await startProbeServer({
      port: config.executor.probePort,
      ready: () => runReadinessChecks(executor.readinessChecks),
      metrics,
    });
  }
  logger.log(`Executor ${executor.workerId} is taking jobs${probes ? ` (probes on :${probes.port})` : ''}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing running steps, then closing`);
    probes?.drain();
    executor
      .close()
      .then(() => probes?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(
            `flotilla-executor did not close cleanly: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError || error instanceof EmbeddedDatabaseInUseError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `flotilla-executor failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
