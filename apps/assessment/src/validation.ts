import type { z } from 'zod';
import { UserFacingError } from '#libs/application';

/** The one way input is validated at the HTTP edge: a zod schema, errors naming each field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`);
  throw new UserFacingError(
    'invalid-input',
    `Invalid ${where}: ${problems.join('; ')}`,
    'validation',
    problems,
  );
}
