import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { z } from 'zod';
import { type UserErrorKind, UserFacingError } from '#libs/application';
import type { apiError } from './api/common.schemas.js';

const STATUS_BY_KIND: Record<UserErrorKind, number> = {
  'invalid-input': 422,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  forbidden: 403,
  unavailable: 503,
  'precondition-required': 428,
};

interface JsonResponse {
  status(code: number): { json(body: unknown): void };
  setHeader(name: string, value: string): void;
  headersSent?: boolean;
}

/** Seconds a client should wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // SQLSTATE: the server is shutting down, starting up, or out of connection slots.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * True when `error` (or what it wraps: TypeORM's driverError, a cause, the attempts of an
 * AggregateError) says the database could not be reached, rather than that a query was wrong.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || error === null || typeof error !== 'object') return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const code = typeof candidate.code === 'string' ? candidate.code : '';
  // SQLSTATE class 08: connection exception.
  if (CONNECTION_ERROR_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  const message = typeof candidate.message === 'string' ? candidate.message : '';
  if (
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      message,
    )
  )
    return true;
  const nested = [
    candidate.driverError,
    candidate.cause,
    ...(Array.isArray(candidate.errors) ? candidate.errors : []),
  ];
  return nested.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

/** The JSON answer to a user's mistake: its status and the body every endpoint answers it with. */
export function userErrorBody(error: UserFacingError): z.output<typeof apiError> {
  const statusCode = STATUS_BY_KIND[error.kind];
  return { statusCode, error: error.code, message: error.message, details: error.details };
}

/** What an unexpected failure answers: nothing of its internals. */
export const INTERNAL_ERROR_BODY = {
  statusCode: 500,
  error: 'internal',
  message: 'Internal error; see the server log',
} as const;

/**
 * The body an error answers when it did not happen in a request (an import followed by polling):
 * the same as the filter below would send, without the HTTP-only cases.
 */
export function errorBodyOf(error: unknown): z.output<typeof apiError> {
  if (error instanceof UserFacingError) return userErrorBody(error);
  if (isDatabaseUnavailable(error)) return DATABASE_UNAVAILABLE_BODY;
  return INTERNAL_ERROR_BODY;
}

const DATABASE_UNAVAILABLE_BODY = {
  statusCode: 503,
  error: 'database-unavailable',
  message: `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`,
};

/** Turns domain errors into JSON answers; anything unexpected becomes a 500 without internals. */
@Catch()
export class UserErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (response.headersSent) return;
    if (error instanceof UserFacingError) {
      const body = userErrorBody(error);
      response.status(body.statusCode).json(body);
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      response
        .status(error.getStatus())
        .json(typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      this.logger.warn(`Database unavailable: ${error instanceof Error ? error.message : String(error)}`);
      response.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      response.status(503).json(DATABASE_UNAVAILABLE_BODY);
      return;
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    response.status(500).json(INTERNAL_ERROR_BODY);
  }
}
