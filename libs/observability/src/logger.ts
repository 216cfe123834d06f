import { type DestinationStream, type Level, type Logger, pino } from 'pino';
import { currentLogContext } from './log-context.js';
import { redactSecrets, scrubSecretText } from './secret-redaction.js';

export type FlotillaLogger = Logger;

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface LoggerOptions {
  /** `assessment`, `executor`, `cli`: written as `service` on every line. */
  service: string;
  /** Default `info`. */
  level?: Level | 'silent';
  /** Default stdout; tests pass a stream they read back. */
  destination?: DestinationStream;
}

/**
 * One JSON object per line on stdout, for the cluster's log collector. Every finished line goes
 * through the redaction once more as data: fields with secret names are replaced at any depth,
 * credentials in strings (connection URLs, bearer tokens, `password=`) are scrubbed. Doing it on the
 * finished line rather than in pino's formatters also covers child bindings (pino resets the
 * bindings formatter for children), serialized errors and interpolated messages. The request,
 * execution, VM and job ids in force (`withLogContext`) are added to every line.
 */
export function createLogger(options: LoggerOptions): FlotillaLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...currentLogContext() }),
      hooks: { streamWrite: redactLogLine },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A serialized log line with its secrets removed (text scrubbing alone if it is not JSON). */
export function redactLogLine(line: string): string {
  try {
    return `${JSON.stringify(redactSecrets(JSON.parse(line)))}\n`;
  } catch {
    return scrubSecretText(line);
  }
}

/** `LOG_LEVEL` values accepted by `createLogger` (for the config schema). */
export function isLogLevel(value: string): value is Level | 'silent' {
  return value === 'silent' || (LOG_LEVELS as readonly string[]).includes(value);
}
