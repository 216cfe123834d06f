import type { z } from 'zod';
import { UserFacingError } from '#libs/application';

type Issue = z.core.$ZodIssue;

/**
 * When no branch of a union fits, zod reports one root "Invalid input"; the branch that got furthest
 * (its problems lie deepest in the value) is the one the caller meant, so its problems are named instead.
 */
function closestIssues(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const depth = (issues: Issue[]) => Math.max(...issues.map((candidate) => candidate.path.length));
  const closest = issue.errors.reduce((best, branch) => (depth(branch) > depth(best) ? branch : best));
  if (depth(closest) === 0) return [issue];
  return closest.flatMap((inner) => closestIssues({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** The one way input is validated at the HTTP edge: a zod schema, errors naming each field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .flatMap(closestIssues)
    .map((issue) => `${issue.path.join('.') || where}: ${issue.message}`);
  throw new UserFacingError(
    'invalid-input',
    `Invalid ${where}: ${problems.join('; ')}`,
    'validation',
    problems,
  );
}
