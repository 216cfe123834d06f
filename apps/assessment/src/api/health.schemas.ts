import { z } from 'zod';

/** Probes: liveness and readiness. */

export const liveness = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

export const readiness = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['postgres', 'embedded']),
    redis: z.enum(['ok', 'not configured']),
  })
  .meta({ id: 'Readiness' });
