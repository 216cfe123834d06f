import { z } from 'zod';
import { ROLES } from '#libs/persistence';

/** Shapes every area shares: ids, timestamps, pages, the error answer. */

export const uuid = z.uuid('must be a UUID');

/** ISO 8601 with a time zone, as the database and the services write them. */
export const timestamp = z.string().meta({ format: 'date-time' });

export const role = z.enum(ROLES).meta({ id: 'Role' });

export const effort = z.enum(['low', 'medium', 'high']);
export const severity = z.enum(['critical', 'warning', 'info']);
export const disposition = z.enum(['rehost', 'retain', 'retire']);

/** A JSON object whose fields the route does not fix (a stored spec, an audit snapshot). */
export const freeForm = z.unknown().meta({ description: 'Any JSON value' });

export const pageQuery = {
  offset: z.coerce.number().int().min(0).default(0).meta({ description: 'Items to skip' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .meta({ description: 'Items per page (1-1000)' }),
};

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().meta({ description: 'Items matching the filter, over all pages' }),
    offset: z.number().int(),
    limit: z.number().int(),
  });
}

/** `"true"`/`"false"` in a query string. */
export const booleanText = z.enum(['true', 'false']);

/** What every 4xx/5xx answer looks like (see user-error.filter.ts). */
export const apiError = z
  .object({
    statusCode: z.number().int(),
    error: z.string().optional().meta({ description: 'A stable code: validation, not-found, conflict, ...' }),
    message: z.string().meta({ description: 'What went wrong, naming the field, file, row or resource' }),
    details: z.unknown().optional(),
  })
  .meta({ id: 'ApiError' });

/** A wave number in a path. */
export const waveNumber = z.coerce.number().int().positive('must be a wave number (1, 2, ...)');
