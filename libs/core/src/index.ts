export { BullmqExecutionQueue, executorQueueConnection } from './bullmq-execution-queue.js';
export {
  EMBEDDED_LOCK_FILE,
  EmbeddedDatabaseInUseError,
  lockEmbeddedDatabase,
} from './embedded-database-lock.js';
export {
  type CoreOptions,
  FlotillaCoreModule,
  type FlotillaProcess,
  openConfiguredDatabase,
} from './flotilla-core.module.js';
export {
  EXECUTION_QUEUE,
  FLOTILLA_CONFIG,
  FLOTILLA_DATABASE,
  FLOTILLA_METRICS,
  IMPORT_LIMITS,
  type InjectionKey,
  REPORT_LOAD_BACK_LIMITS,
} from './tokens.js';
