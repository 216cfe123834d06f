/** Injection tokens for values that are not classes. */
export const FLOTILLA_CONFIG = Symbol('FLOTILLA_CONFIG');
export const FLOTILLA_DATABASE = Symbol('FLOTILLA_DATABASE');
/** The executor queue (`ExecutionQueue`), or null when REDIS_URL is not set. */
export const EXECUTION_QUEUE = Symbol('EXECUTION_QUEUE');
/** The app's Prometheus metrics (`FlotillaMetrics`). */
export const FLOTILLA_METRICS = Symbol('FLOTILLA_METRICS');
