/**
 * Failures a user can cause, with a code the edges (HTTP, CLI) translate: the HTTP status and the
 * exit code come from `kind`, the message is shown as it is.
 */
export type UserErrorKind =
  | 'invalid-input'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'forbidden'
  | 'unavailable'
  /** A conditional request was required (what the caller reviewed), and none was made: HTTP 428. */
  | 'precondition-required';

export class UserFacingError extends Error {
  constructor(
    readonly kind: UserErrorKind,
    message: string,
    readonly code: string = kind,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export const notFound = (what: string, id: string): UserFacingError =>
  new UserFacingError('not-found', `${what} ${id} does not exist`, 'not-found');

/**
 * A delete that would cascade into an execution still acting on vCenter and the cluster: its rows
 * are the only record of what it powered off and created there.
 */
export const unfinishedExecutions = (
  what: string,
  id: string,
  executions: ReadonlyArray<{ id: string; planId: string; waveNumber: number; status: string }>,
): UserFacingError =>
  new UserFacingError(
    'conflict',
    `${what} ${id} has an unfinished execution: ${executions
      .map(
        (execution) =>
          `${execution.id} (plan ${execution.planId}, wave ${execution.waveNumber}, ${execution.status})`,
      )
      .join('; ')}; wait for it to end, cancel it, or have an admin abandon it before deleting`,
    'execution-unfinished',
    { executions },
  );
