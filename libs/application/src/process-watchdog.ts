import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Runs in its own thread: a main thread whose heartbeat has not moved for `stallMs` is stuck
 * (a GC death spiral near the heap limit, a runaway loop) and never recovers on its own, so the
 * whole process is killed and its supervisor starts a fresh one. A signal from this thread still
 * lands while the main thread cannot run JavaScript.
 */
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = new Int32Array(workerData.beat);
let seen = Atomics.load(beat, 0);
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== seen) {
    seen = now;
    since = Date.now();
  } else if (Date.now() - since > workerData.stallMs) {
    writeSync(2, workerData.name + ': the main thread has not run for ' + Math.round((Date.now() - since) / 1000) + ' s; exiting so the supervisor restarts it\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 1000);
`;

const HEARTBEAT_MS = 1000;

/**
 * Makes a fatal condition end the process instead of leaving it half alive: an uncaught exception
 * or unhandled rejection is logged and exits with 70 (EX_SOFTWARE), and a main thread stuck for
 * `stallMs` (default 60 s, far above any legitimate pause) is killed by a watchdog thread.
 */
export function exitOnFatalErrors(name: string, stallMs = 60_000): void {
  const fatal = (kind: string) => (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    writeSync(2, `${name}: ${kind}, exiting: ${detail}\n`);
    process.exit(70);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));

  const shared = new SharedArrayBuffer(4);
  const beat = new Int32Array(shared);
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: { beat: shared, stallMs, name },
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  });
  watchdog.unref();
  setInterval(() => Atomics.add(beat, 0, 1), HEARTBEAT_MS).unref();
}
