import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

const NUL = '\u0000';

/** Where in `value` (a parsed JSON body or query) a NUL character sits, as a field path, or null. */
export function findNulCharacter(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNulCharacter(item, `${path}.${index}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const shown = key.replaceAll(NUL, '\\u0000');
      if (key.includes(NUL)) return `${path}.${shown} (the key)`;
      const found = findNulCharacter(item, `${path}.${shown}`);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL cannot store U+0000 in text or jsonb, so a NUL anywhere in a request (names,
 * comments, map keys, filters) used to surface as a 500 from the database. Refused up front with
 * a 422 naming the field; multipart text fields are checked where they are read.
 */
export function refuseNulCharacters(request: Request, response: Response, next: NextFunction): void {
  const field = /%00/i.test(request.path)
    ? 'path'
    : (findNulCharacter(request.query, 'query') ?? findNulCharacter(request.body, 'body'));
  if (field === null) {
    next();
    return;
  }
  const message = `${field}: contains a NUL character (\\u0000), which no text field accepts`;
  response.status(422).json({ statusCode: 422, error: 'nul-character', message, details: [message] });
}

interface BodyParserError {
  type?: unknown;
  limit?: unknown;
  status?: unknown;
}

/**
 * body-parser's refusals as JSON answers like every other error (Express would answer HTML):
 * over the limit is a 413 naming the limit, sent before the token is looked up.
 */
export function answerBodyParserErrors(
  error: unknown,
  _request: Request,
  response: Response,
  next: NextFunction,
): void {
  const refusal = (error ?? {}) as BodyParserError;
  if (refusal.type === 'entity.too.large') {
    const message = `The request body is larger than the ${Number(refusal.limit)} bytes a JSON body may have; files go as multipart uploads`;
    response.status(413).json({ statusCode: 413, error: 'body-too-large', message });
    return;
  }
  if (refusal.type === 'entity.parse.failed') {
    response
      .status(400)
      .json({ statusCode: 400, error: 'invalid-json', message: 'The request body is not valid JSON' });
    return;
  }
  next(error);
}

/**
 * JSON and form bodies are parsed before any guard runs, so an oversized body is a 413 before
 * the token is even looked up; then the NUL check sees every parsed body.
 */
export function installRequestBodyGuards(app: NestExpressApplication, limit: string): void {
  // biome-ignore lint/correctness/useHookAtTopLevel: Nest's useBodyParser, not a React hook
  app.useBodyParser('json', { limit });
  // biome-ignore lint/correctness/useHookAtTopLevel: Nest's useBodyParser, not a React hook
  app.useBodyParser('urlencoded', { limit, extended: true });
  app.use(answerBodyParserErrors, refuseNulCharacters);
}
