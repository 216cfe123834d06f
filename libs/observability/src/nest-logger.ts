import type { LoggerService, LogLevel } from '@nestjs/common';
import type { Level } from 'pino';
import type { FlotillaLogger } from './logger.js';

const NEST_TO_PINO: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

const VERBOSITY: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

const looksLikeStack = (text: string) => /\n\s+at /.test(text);

/**
 * NestJS's `LoggerService` over pino (nestjs-pino needs Node 22). Nest calls
 * `log(message, context)` and `error(message, stack, context)`; the trailing string is the
 * context (the class that logs), an error's stack travels as `err.stack`, anything else as `detail`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: FlotillaLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the levels it wants; pino has one threshold, so the most verbose one wins. */
  setLogLevels(levels: LogLevel[]): void {
    const wanted = levels.map((level) => NEST_TO_PINO[level]);
    const mostVerbose = VERBOSITY.filter((level) => wanted.includes(level)).at(-1);
    this.logger.level = mostVerbose ?? 'silent';
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest.at(-1);
    if (typeof last === 'string' && !(level === 'error' && rest.length === 1 && looksLikeStack(last))) {
      fields.context = last;
      rest.pop();
    }
    if (level === 'error' && typeof rest[0] === 'string' && looksLikeStack(rest[0])) {
      fields.err = { message: typeof message === 'string' ? message : String(message), stack: rest.shift() };
    }
    if (rest.length > 0) fields.detail = rest.length === 1 ? rest[0] : rest;
    const pinoLevel = NEST_TO_PINO[level];
    if (message instanceof Error) {
      this.logger[pinoLevel]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'string') {
      this.logger[pinoLevel](fields, message);
    } else {
      this.logger[pinoLevel]({ ...fields, data: message });
    }
  }
}
