/**
 * Adaptive concurrency (AIMD): caps the requests in flight, halves the cap on
 * a 429 and pauses the queue until the server's Retry-After, then grows the
 * cap back by one after each streak of successes as long as the cap itself.
 *
 * One 429 burst halves the cap once: a 429 only cuts the cap when its request
 * was admitted after the last cut (the "epoch" of its permit is current),
 * like TCP congestion control reacting once per round trip.
 */

/** A slot held by one request attempt. Release it exactly once. */
export interface Permit {
  readonly epoch: number;
}

/** How an attempt ended, for the limiter. */
export type Outcome = { kind: "ok" } | { kind: "rate-limited"; pauseMs: number } | { kind: "neutral" };

interface Waiter {
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

/** The in-flight cap shared by every call of one client. */
export class AdaptiveLimiter {
  private current: number;
  private active = 0;
  private streak = 0;
  private epoch = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Waiter[] = [];
  private closedWith: unknown;

  /** `max` is the cap it starts at and never exceeds; `now` is injectable for tests. */
  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
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
    return Math.max(0, this.pausedUntil - this.now());
  }

  /**
   * Resolves with a permit once fewer than `limit` are in flight and no 429
   * pause is running; FIFO. Rejects with `signal.reason` if the signal aborts
   * first, or with the close error after {@link close}.
   */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length === 0 && this.canAdmit()) {
      this.active++;
      return Promise.resolve({ epoch: this.epoch });
    }
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  /** Returns a permit and feeds the outcome into the AIMD cap. */
  release(permit: Permit, outcome: Outcome): void {
    this.active = Math.max(0, this.active - 1);
    if (outcome.kind === "ok") {
      this.streak++;
      if (this.streak >= this.current && this.current < this.max) {
        this.current++;
        this.streak = 0;
      }
    } else if (outcome.kind === "rate-limited") {
      this.streak = 0;
      if (permit.epoch === this.epoch) {
        this.current = Math.max(1, Math.floor(this.current / 2));
        this.epoch++;
      }
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.max(0, outcome.pauseMs));
    }
    this.drain();
  }

  /** Rejects every waiter with `reason` and refuses new acquisitions. */
  close(reason: unknown): void {
    this.closedWith = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) {
      w.cleanup();
      w.reject(reason);
    }
  }

  private canAdmit(): boolean {
    return this.active < this.current && this.now() >= this.pausedUntil;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.canAdmit()) {
      const w = this.queue.shift()!;
      w.cleanup();
      this.active++;
      w.resolve({ epoch: this.epoch });
    }
    this.schedule();
  }

  /** While paused with waiters, wake up when the pause ends. */
  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = this.pausedUntil - this.now();
    if (wait <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait + 1);
  }
}
