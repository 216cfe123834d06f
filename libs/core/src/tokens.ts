import type { ImportLimits } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import type { FlotillaMetrics } from '#libs/observability';
import type { FlotillaDatabase } from '#libs/persistence';
import type { BullmqExecutionQueue } from './bullmq-execution-queue.js';

/** A symbol that remembers what it provides, so a factory's dependencies are type-checked. */
export type InjectionKey<T> = symbol & { readonly provides?: T };

const key = <T>(name: string) => Symbol(name) as InjectionKey<T>;

/** Injection tokens for values that are not classes. */
export const FLOTILLA_CONFIG = key<FlotillaConfig>('FLOTILLA_CONFIG');
export const FLOTILLA_DATABASE = key<FlotillaDatabase>('FLOTILLA_DATABASE');
/** The executor queue (`BullmqExecutionQueue`), or null when REDIS_URL is not set. */
export const EXECUTION_QUEUE = key<BullmqExecutionQueue | null>('EXECUTION_QUEUE');
/** The process's Prometheus metrics (`FlotillaMetrics`). */
export const FLOTILLA_METRICS = key<FlotillaMetrics>('FLOTILLA_METRICS');
/** What an import may inflate to, from the config. */
export const IMPORT_LIMITS = key<ImportLimits>('IMPORT_LIMITS');
/** What reading an edited wave report back may cost, from the config. */
export const REPORT_LOAD_BACK_LIMITS = key<ImportLimits>('REPORT_LOAD_BACK_LIMITS');
