/**
 * Admission control for requests: adaptive concurrency (AIMD) plus optional
 * pacing. Caps the requests in flight, halves the cap on a 429 and pauses the
 * queue until the server's Retry-After, then grows the cap back by one after
 * each streak of successes as long as the cap itself. With a pacer, a request
 * also needs one of its tokens (see pacer.ts), and responses feed its rate.
 *
 * One 429 burst halves the cap once: a 429 only cuts the cap when its request
 * was admitted after the last cut (the "epoch" of its permit is current),
 * like TCP congestion control reacting once per round trip.
 *
 * Waiters are served in order of their `key` (lower first; by default the
 * order they arrived in), except that priority waiters (retries of calls
 * already under way) go before every other one. The client keys calls about
 * one account by when it first saw that account, so work already started
 * (an unlink after its invalidation) goes before work on accounts it has not
 * touched yet: operations finish in the order they began, instead of all at
 * the end.
 *
 * Not p-queue: it is ESM only (no `require` on Node 20.18, which our engines allow), its rate
 * option is a fixed window where admission here waits for the pacer's token and a Retry-After,
 * and it holds a slot per task where a permit here covers one attempt.
 */
import { type Clock, realClock } from "../core/clock";
import type { RatePacer } from "./pacer";

/** A slot held by one request attempt. Release it exactly once. */
export interface Permit {
  readonly epoch: number;
}

/**
 * How an attempt ended, for the limiter. `neutral` (5xx, network) leaves the
 * cap alone; `responded` says the server answered it (a 5xx), which the pacer
 * counts as admitted.
 */
export type Outcome = { kind: "ok" } | { kind: "rate-limited"; pauseMs: number } | { kind: "neutral"; responded?: boolean };

interface Waiter {
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
  priority: boolean;
  key: number;
  seq: number;
}

/** Options of {@link AdaptiveLimiter.acquire}. */
export interface AcquireOptions {
  /** Go before every non-priority waiter (retries). */
  priority?: boolean;
  /** Order among waiters, lower first; default: arrival order. Compare with {@link AdaptiveLimiter.clock}. */
  key?: number;
}

/** True when `a` is served before `b`. */
function before(a: Waiter, b: Waiter): boolean {
  if (a.priority !== b.priority) return a.priority;
  if (a.key !== b.key) return a.key < b.key;
  return a.seq < b.seq;
}

const noop = (): void => undefined;

/** The in-flight cap shared by every call of one client. */
export class AdaptiveLimiter {
  private current: number;
  private active = 0;
  private streak = 0;
  private epoch = 0;
  private pausedUntil = 0;
  private timer: unknown;
  /** Waiters in service order. */
  private readonly queue: Waiter[] = [];
  private seq = 0;
  private closedWith: unknown;

  /**
   * `max` is the cap it starts at and never exceeds; `time` (the clock of its
   * pauses and wake-ups) is injectable for tests. With `adaptive` false the cap
   * stays at `max` (429s still pause the queue). With a `pacer`, admissions
   * also wait for its tokens.
   */
  constructor(
    readonly max: number,
    private readonly time: Clock = realClock,
    readonly adaptive: boolean = true,
    readonly pacer?: RatePacer,
  ) {
    this.current = max;
  }

  /** The current cap (1..max). */
  get limit(): number {
    return this.current;
  }

  /** Permits held right now. */
  get inFlight(): number {
    return this.active;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Milliseconds until the 429 pause ends (0 when not paused). */
  get pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.time.now());
  }

  /**
   * Resolves with a permit once fewer than `limit` are in flight, no 429
   * pause is running and the pacer (if any) has a token; in order, priority
   * waiters first. Rejects with `signal.reason` if the signal aborts first, or
   * with the close error after {@link close}.
   */
  acquire(signal?: AbortSignal, opts: AcquireOptions = {}): Promise<Permit> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const priority = opts.priority === true;
    const key = opts.key ?? this.clock();
    if (this.queue.length === 0 && this.canAdmit() && this.takeToken()) {
      this.active++;
      return Promise.resolve({ epoch: this.epoch });
    }
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, cleanup: noop, priority, key, seq: this.seq++ };
      if (signal) {
        const onAbort = (): void => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
        };
        waiter.cleanup = () => signal.removeEventListener("abort", onAbort);
        signal.addEventListener("abort", onAbort, { once: true });
      }
      this.enqueue(waiter);
      this.drain();
    });
  }

  /** The clock of default keys (milliseconds, the limiter's clock): keys given to {@link acquire} should use it. */
  clock(): number {
    return this.time.now();
  }

  /** Inserts in service order: binary search from the back (most waiters arrive last). */
  private enqueue(w: Waiter): void {
    const q = this.queue;
    if (q.length === 0 || before(q[q.length - 1]!, w)) {
      q.push(w);
      return;
    }
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(q[mid]!, w)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, w);
  }

  /** Returns a permit and feeds the outcome into the AIMD cap. */
  release(permit: Permit, outcome: Outcome): void {
    this.active = Math.max(0, this.active - 1);
    if (outcome.kind === "ok" || (outcome.kind === "neutral" && outcome.responded)) this.pacer?.admitted();
    if (outcome.kind === "rate-limited") this.pacer?.rateLimited();
    if (outcome.kind === "ok") {
      this.streak++;
      if (this.streak >= this.current && this.current < this.max) {
        this.current++;
        this.streak = 0;
      }
    } else if (outcome.kind === "rate-limited") {
      this.streak = 0;
      if (this.adaptive && permit.epoch === this.epoch) {
        this.current = Math.max(1, Math.floor(this.current / 2));
        this.epoch++;
      }
      this.pausedUntil = Math.max(this.pausedUntil, this.time.now() + Math.max(0, outcome.pauseMs));
    }
    this.drain();
  }

  /** Rejects every waiter with `reason` and refuses new acquisitions. */
  close(reason: unknown): void {
    this.closedWith = reason;
    if (this.timer !== undefined) this.time.clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) {
      w.cleanup();
      w.reject(reason);
    }
  }

  private canAdmit(): boolean {
    return this.active < this.current && this.time.now() >= this.pausedUntil;
  }

  /** Milliseconds the pacer wants before the next request, or 0 (a token was taken, or no pacer). */
  private tokenWaitMs = 0;

  private takeToken(): boolean {
    this.tokenWaitMs = this.pacer ? this.pacer.take() : 0;
    return this.tokenWaitMs === 0;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.canAdmit() && this.takeToken()) {
      const w = this.queue.shift()!;
      w.cleanup();
      this.active++;
      w.resolve({ epoch: this.epoch });
    }
    this.schedule();
  }

  /** While paused or paced with waiters, wake up when the pause ends or the next token is due. */
  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0 || this.active >= this.current) return;
    const paused = this.pausedUntil - this.time.now();
    const wait = paused > 0 ? paused + 1 : this.tokenWaitMs;
    if (wait <= 0) return;
    this.timer = this.time.setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
  }
}
