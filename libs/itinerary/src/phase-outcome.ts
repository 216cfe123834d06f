import type { PhaseName, PhaseOutcome } from './types.js';

type Extra = Omit<PhaseOutcome, 'decision'>;

export const next = (extra: Extra = {}): PhaseOutcome => ({ decision: { kind: 'next' }, ...extra });

/** `next`, but to a phase other than the one after this one, and/or through the copy scheduler first. */
export const jump = (
  to: { goto?: PhaseName; needsCopySlots?: boolean },
  extra: Extra = {},
): PhaseOutcome => ({ decision: { kind: 'next', ...to }, ...extra });

export const wait = (ms: number, extra: Extra = {}): PhaseOutcome => ({
  decision: { kind: 'wait', ms },
  ...extra,
});

export const fail = (message: string, extra: Extra = {}): PhaseOutcome => ({
  decision: { kind: 'fail', message },
  ...extra,
});

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
