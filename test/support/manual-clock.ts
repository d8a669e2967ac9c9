/**
 * A clock the test moves by hand, for the client's `clock` option (and its
 * limiter, pacer and batcher): no test waits on, or measures, real time.
 */
import type { Clock } from "../../provider/core/clock";

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/** Lets the event loop run once: queued promise continuations and I/O callbacks, with no fixed delay. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits, one event-loop turn at a time (never a fixed sleep), until `cond()`
 * holds. For conditions no event announces; the test's timeout catches one
 * that never comes.
 */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await turn();
}

/**
 * Runs `clock` until `done()`: while the client waits on a timer due within `horizonMs` (a pause,
 * a backoff, a pacing token, a batching window), time jumps to it; otherwise (requests on their
 * way) the event loop runs. Timers further out, such as a call's deadline, never fire.
 */
export async function runUntil(clock: ManualClock, done: () => boolean, horizonMs = 30_000): Promise<void> {
  while (!done()) {
    const soonest = clock.pending()[0];
    if (soonest !== undefined && soonest <= horizonMs) await clock.next();
    else await turn();
  }
}

/** Time stands still until {@link ManualClock.advance}; timers fire in due order as it moves. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Timers set so far: a test can wait for the client to start waiting. */
  scheduled = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.seq;
    this.timers.push({ id, due: this.t + Math.max(0, ms), fn });
    this.scheduled++;
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== handle);
  };

  /** How far ahead each pending timer is due, soonest first. */
  pending(): number[] {
    return this.timers.map((x) => x.due - this.t).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way
   * at its own time, in order, and letting the event loop run after each.
   */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.soonest();
      if (!next || next.due > end) break;
      this.t = Math.max(this.t, next.due);
      this.timers = this.timers.filter((x) => x !== next);
      next.fn();
      await turn();
    }
    this.t = end;
    await turn();
  }

  /** Moves time to the soonest pending timer and fires it; false when none is pending. */
  async next(): Promise<boolean> {
    const next = this.soonest();
    if (!next) return false;
    await this.advance(next.due - this.t);
    return true;
  }

  private soonest(): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (!best || x.due < best.due || (x.due === best.due && x.id < best.id)) best = x;
    return best;
  }
}
