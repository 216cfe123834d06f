/**
 * Simulated time for the emulator's controllers (CDI importer, KubeVirt, kubelet). It runs on
 * real timers multiplied by a speed factor, can be paused, and can be stepped by hand; stepping
 * splits at every timer and every participant event (an import finishing) so piecewise-constant
 * rates integrate exactly however large the step.
 */

export interface ClockParticipant {
  /** Earliest simulated time (epoch ms) at which this participant changes state by itself. */
  nextEventAt(now: number): number | undefined;
  /** Integrates the participant's state from `from` to `to`; no event lies strictly between them. */
  advance(from: number, to: number): void;
}

interface ScheduledTimer {
  id: number;
  at: number;
  callback: () => void;
}

export interface SimulationClockOptions {
  /** Simulated milliseconds per real millisecond (default 1). */
  speed?: number;
  /** Real interval of the driving tick in ms (default 20). */
  tickMs?: number;
  /** Simulated epoch ms at start (default: the real time now). */
  startTime?: number;
  /** Start paused: simulated time moves only through advance(). */
  paused?: boolean;
}

export class SimulationClock {
  private current: number;
  private speed: number;
  private paused: boolean;
  private readonly timers: ScheduledTimer[] = [];
  private readonly participants = new Set<ClockParticipant>();
  private nextTimerId = 1;
  private interval: NodeJS.Timeout | undefined;
  private lastRealTick = performance.now();
  private advancing = false;
  private pendingAdvance = 0;

  constructor(options: SimulationClockOptions = {}) {
    this.current = options.startTime ?? Date.now();
    this.speed = options.speed ?? 1;
    this.paused = options.paused ?? false;
    const tickMs = options.tickMs ?? 20;
    this.interval = setInterval(() => this.onRealTick(), tickMs);
    this.interval.unref();
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** RFC 3339 timestamp of the simulated now, at the second precision Kubernetes writes. */
  timestamp(): string {
    return `${new Date(this.current).toISOString().slice(0, 19)}Z`;
  }

  getSpeed(): number {
    return this.speed;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new Error('speed must be positive');
    this.onRealTick();
    this.speed = speed;
  }

  isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.onRealTick();
    this.paused = true;
  }

  resume(): void {
    this.lastRealTick = performance.now();
    this.paused = false;
  }

  setTimeout(callback: () => void, delayMs: number): number {
    const timer = { id: this.nextTimerId++, at: this.current + Math.max(0, delayMs), callback };
    const index = this.timers.findIndex((existing) => existing.at > timer.at);
    if (index < 0) this.timers.push(timer);
    else this.timers.splice(index, 0, timer);
    return timer.id;
  }

  clearTimeout(id: number | undefined): void {
    if (id === undefined) return;
    const index = this.timers.findIndex((timer) => timer.id === id);
    if (index >= 0) this.timers.splice(index, 1);
  }

  addParticipant(participant: ClockParticipant): void {
    this.participants.add(participant);
  }

  removeParticipant(participant: ClockParticipant): void {
    this.participants.delete(participant);
  }

  /** Moves simulated time forward by `ms`, firing timers and participant events in order. */
  advance(ms: number): void {
    if (ms < 0) throw new Error('cannot move simulated time backwards');
    if (this.advancing) {
      this.pendingAdvance += ms;
      return;
    }
    this.advancing = true;
    try {
      let target = this.current + ms;
      let guard = 0;
      for (;;) {
        if (++guard > 1_000_000) throw new Error('simulation clock made no progress');
        let stepTo = target;
        const nextTimer = this.timers[0]?.at;
        if (nextTimer !== undefined && nextTimer < stepTo) stepTo = nextTimer;
        for (const participant of this.participants) {
          const next = participant.nextEventAt(this.current);
          if (next !== undefined && next < stepTo) stepTo = Math.max(next, this.current);
        }
        const from = this.current;
        for (const participant of this.participants) participant.advance(from, stepTo);
        this.current = stepTo;
        while (this.timers.length > 0 && this.timers[0].at <= this.current) {
          const timer = this.timers.shift();
          timer?.callback();
        }
        if (this.pendingAdvance > 0) {
          target += this.pendingAdvance;
          this.pendingAdvance = 0;
        }
        if (this.current >= target) break;
      }
    } finally {
      this.advancing = false;
    }
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    this.timers.length = 0;
  }

  private onRealTick(): void {
    const realNow = performance.now();
    const elapsed = realNow - this.lastRealTick;
    this.lastRealTick = realNow;
    if (this.paused || elapsed <= 0) return;
    this.advance(elapsed * this.speed);
  }
}
