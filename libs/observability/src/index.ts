export { currentLogContext, jobLogContext, type LogContext, withLogContext } from './log-context.js';
export {
  createLogger,
  type FlotillaLogger,
  isLogLevel,
  LOG_LEVELS,
  type LoggerOptions,
  redactLogLine,
} from './logger.js';
export {
  type CountableQueue,
  createFlotillaMetrics,
  type FlotillaMetrics,
  METRIC_NAMES,
  type MetricsOptions,
  type PhaseCountSources,
  type PhaseCounts,
  QUEUE_STATES,
  type QueueState,
  type TimedJob,
} from './metrics.js';
export { metricsHandler } from './metrics-endpoint.js';
export { PinoNestLogger } from './nest-logger.js';
export { type ProbeServer, type ProbeServerOptions, startProbeServer } from './probe-server.js';
export {
  type MountableApp,
  mountQueueDashboard,
  presentedToken,
  type QueueDashboardAccess,
  type QueueDashboardOptions,
} from './queue-dashboard.js';
export { type ReadinessCheck, type ReadinessReport, runReadinessChecks } from './readiness.js';
export {
  createRequestObservability,
  REQUEST_ID_HEADER,
  type RequestObservabilityOptions,
  requestIdOf,
} from './request-observability.js';
export {
  isSecretFieldName,
  REDACTED,
  redactSecrets,
  SECRET_FIELD_FRAGMENTS,
  scrubSecretText,
} from './secret-redaction.js';
