import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { type UserErrorKind, UserFacingError } from '#libs/application';

const STATUS_BY_KIND: Record<UserErrorKind, number> = {
  'invalid-input': 422,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  forbidden: 403,
  unavailable: 503,
};

interface JsonResponse {
  status(code: number): { json(body: unknown): void };
  headersSent?: boolean;
}

/** Turns domain errors into JSON answers; anything unexpected becomes a 500 without internals. */
@Catch()
export class UserErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (response.headersSent) return;
    if (error instanceof UserFacingError) {
      response.status(STATUS_BY_KIND[error.kind]).json({
        statusCode: STATUS_BY_KIND[error.kind],
        error: error.code,
        message: error.message,
        details: error.details,
      });
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      response
        .status(error.getStatus())
        .json(typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body);
      return;
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    response
      .status(500)
      .json({ statusCode: 500, error: 'internal', message: 'Internal error; see the server log' });
  }
}
