/** An event-loop stall: when it was noticed (real epoch ms) and how long the loop was late. */
export interface EventLoopStall {
  at: number;
  ms: number;
}

/**
 * Records this process's event-loop stalls over `thresholdMs` from now on (a timer every 50 ms
 * that notes how late it fired). At a simulated clock of ×782 a stalled emulator or executor
 * delays every copy hand-off by minutes, so the benchmark reports them next to its gaps.
 */
export function watchEventLoopStalls(thresholdMs = 100): EventLoopStall[] {
  const stalls: EventLoopStall[] = [];
  let expected = Date.now() + 50;
  setInterval(() => {
    const now = Date.now();
    if (now - expected > thresholdMs) stalls.push({ at: now, ms: now - expected });
    expected = now + 50;
  }, 50).unref();
  return stalls;
}
