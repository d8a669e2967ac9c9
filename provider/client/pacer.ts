/**
 * Client-side pacing under a server rate limit: a token bucket whose rate is
 * known (configured), advertised by the server, or learned from its 429s.
 *
 * Why: the server answers a request over its limit with 429 and a Retry-After
 * of at least a second, and the client honours it by pausing. Sending just
 * under the limit instead avoids both the 429s and the pauses.
 *
 * Where the rate comes from, first match wins:
 * 1. `initialRate` (the `rateLimitPerSecond` option): paced from the start; an
 *    advertised policy never changes it.
 * 2. The server's `RateLimit-Policy` header (draft-ietf-httpapi-ratelimit-headers-11,
 *    see ratelimit-headers.ts), via {@link RatePacer.advertise}: from the first
 *    response that carries it, the pace is `margin` of its q/w, before any 429.
 *    A later response advertising a different policy moves the pace to it; a
 *    429 may still lower the pace (the quota may be shared with other clients),
 *    and probing never raises it above `margin` of the policy.
 * 3. Learned from 429s, for servers that advertise nothing (below).
 *
 * The `RateLimit` header's `r` (quota available now) keeps the bucket from
 * bursting into an exhausted window: the bucket never holds more than `r`
 * minus the requests already in flight (which `r` does not count yet), and may
 * go below zero (a wait of `(1 - tokens) / pace`) when those exceed `r`. The
 * server's quota is taken to come back gradually (section 8.4 of the draft
 * allows it before `t` ends), as the sandbox's token bucket does, so the
 * client does not stall for `t`; a server whose quota comes back only at the
 * end of `t` answers the excess with 429 and Retry-After, which still pause.
 *
 * How the rate is learned when nothing is advertised (the server only says "429, Retry-After: n"):
 * - A 429 means the server's bucket was empty at that moment. Between two
 *   such moments, the server admitted exactly what it refilled, so the
 *   admitted responses counted between two 429 bursts, divided by the time
 *   between them, is the server's rate (an underestimate if its bucket
 *   overflowed while we were idle, never an overestimate).
 * - On the first 429 there is no earlier one; the admitted responses of the
 *   last second are the starting estimate (an overestimate by up to the
 *   server's burst: the next 429 corrects it).
 * - The pace is set to `margin` (0.95) of the estimate, and never raised by a 429.
 * - Two 429 bursts less than a second apart are too close to measure: the
 *   pace is then lowered by the margin alone.
 * - Probing: after `probeAfterMs` (5 s) with no 429 during which the pace held
 *   requests back, the pace rises by 5%, so an underestimate recovers; the 429
 *   that probing eventually meets re-measures the rate.
 * A 429 burst (responses within `burstMs` of the first) counts once.
 *
 * Ours: undici has no pacing interceptor, and the token bucket is the small part of this file;
 * the rest is where the rate comes from.
 */

/** Settings of {@link RatePacer}. */
export interface PacerSettings {
  /** Known rate limit, requests/s: pace to it from the start; wins over an advertised policy. Undefined: unpaced until a policy is advertised or the first 429 (when learning). */
  initialRate?: number;
  /** Learn the rate from 429s. Default true. */
  learn?: boolean;
  /** Share of the estimated rate to pace at. Default 0.95. */
  margin?: number;
  /** Quiet time (no 429) at the pace before probing 5% higher, ms. Default 5000. */
  probeAfterMs?: number;
  /** 429s within this long of the first one of a burst count once, ms. Default 250. */
  burstMs?: number;
}

/** A token bucket with a learned rate. Times are milliseconds from `now()`. */
export class RatePacer {
  private ratePerSecond: number | undefined;
  private tokens = 0;
  private refilledAt: number;
  private readonly learn: boolean;
  private readonly margin: number;
  private readonly probeAfterMs: number;
  private readonly burstMs: number;
  /** Time of the first 429 of the last burst. */
  private limitedAt: number | undefined;
  /** Admitted (non-429) responses since `limitedAt`. */
  private admittedSince = 0;
  /** Admitted response times in the last second (for the first estimate). */
  private readonly recent: number[] = [];
  /** When the pace was last set or raised (probing clock). */
  private pacedSince: number;
  /** Whether the pace held a request back since `pacedSince`. */
  private heldBack = false;
  private limitedCount = 0;
  /** The rate given as `initialRate`: advertised policies do not change the pace. */
  private readonly configured: boolean;
  /** The rate of the last advertised policy, requests/s. */
  private advertisedRate: number | undefined;

  constructor(
    settings: PacerSettings = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.learn = settings.learn ?? true;
    this.margin = settings.margin ?? 0.95;
    this.probeAfterMs = settings.probeAfterMs ?? 5000;
    this.burstMs = settings.burstMs ?? 250;
    this.refilledAt = this.now();
    this.pacedSince = this.refilledAt;
    this.configured = settings.initialRate !== undefined;
    if (settings.initialRate !== undefined) this.setRate(settings.initialRate);
  }

  /** The rate the server last advertised (q/w of its `RateLimit-Policy`), requests/s, or undefined. */
  get advertised(): number | undefined {
    return this.advertisedRate;
  }

  /** The pace in requests/s, or undefined while unpaced. */
  get rate(): number | undefined {
    return this.ratePerSecond;
  }

  /** 429 bursts that lowered (or set) the pace so far. */
  get adjustments(): number {
    return this.limitedCount;
  }

  /** Bucket size: a tenth of a second of the pace, at least one request. */
  private get capacity(): number {
    return Math.max(1, (this.ratePerSecond ?? 0) / 10);
  }

  private setRate(rate: number): void {
    this.refill();
    this.ratePerSecond = Math.max(0.01, rate);
    this.tokens = Math.min(this.tokens, this.capacity);
    this.pacedSince = this.now();
    this.heldBack = false;
  }

  private refill(): void {
    const t = this.now();
    if (this.ratePerSecond !== undefined) {
      this.tokens = Math.min(this.capacity, this.tokens + ((t - this.refilledAt) / 1000) * this.ratePerSecond);
    }
    this.refilledAt = t;
  }

  /**
   * Milliseconds until a request may be sent; 0 means now, and then a token
   * has been taken. Call again after waiting.
   */
  take(): number {
    if (this.ratePerSecond === undefined) return 0;
    this.refill();
    this.maybeProbe();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    this.heldBack = true;
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
  }

  /**
   * Records what a response advertised (any status, 429s included): `ratePerSecond`
   * (the policy's q/w) sets the pace to `margin` of it unless a rate was
   * configured, when it differs from the last one advertised; `remaining` (`r`)
   * caps the bucket at `remaining - inFlight` while paced, where `inFlight` is
   * the number of other requests sent and not yet answered.
   */
  advertise(a: { ratePerSecond?: number; remaining?: number }, inFlight: number): void {
    const rate = a.ratePerSecond;
    if (rate !== undefined && Number.isFinite(rate) && rate > 0 && rate !== this.advertisedRate) {
      this.advertisedRate = rate;
      if (!this.configured) this.setRate(rate * this.margin);
    }
    if (a.remaining !== undefined && this.ratePerSecond !== undefined) {
      this.refill();
      const available = a.remaining - Math.max(0, inFlight);
      // At most a second's wait, whatever a server says.
      this.tokens = Math.min(this.tokens, Math.max(available, -this.ratePerSecond));
    }
  }

  /** Records a response the server admitted (anything but a 429). */
  admitted(): void {
    const t = this.now();
    this.admittedSince++;
    if (this.limitedAt === undefined) {
      this.recent.push(t);
      while (this.recent.length > 0 && this.recent[0]! < t - 1000) this.recent.shift();
    }
  }

  /** Records a 429: lowers the pace to `margin` of the measured rate (once per burst), when learning. */
  rateLimited(): void {
    const t = this.now();
    if (this.limitedAt !== undefined && t - this.limitedAt < this.burstMs) return;
    if (this.learn) {
      let next: number | undefined;
      if (this.limitedAt !== undefined && t - this.limitedAt >= 1000) {
        next = (this.admittedSince / ((t - this.limitedAt) / 1000)) * this.margin;
      } else if (this.limitedAt !== undefined || this.ratePerSecond !== undefined) {
        next = this.ratePerSecond !== undefined ? this.ratePerSecond * this.margin : undefined;
      } else {
        const cutoff = t - 1000;
        next = this.recent.filter((x) => x >= cutoff).length * this.margin;
        this.recent.length = 0;
      }
      // Nothing admitted says nothing about the rate (e.g. the very first request was limited).
      if (next !== undefined && next > 0) {
        this.setRate(this.ratePerSecond === undefined ? next : Math.min(this.ratePerSecond, next));
        this.limitedCount++;
      }
    }
    this.limitedAt = t;
    this.admittedSince = 0;
    this.pacedSince = t;
  }

  /** While pacing without 429s for probeAfterMs, raise the pace by 5% (learning only), up to `margin` of an advertised policy. */
  private maybeProbe(): void {
    if (!this.learn || this.ratePerSecond === undefined || this.limitedAt === undefined) return;
    const ceiling = this.advertisedRate !== undefined && !this.configured ? this.advertisedRate * this.margin : Infinity;
    if (this.ratePerSecond >= ceiling) return;
    const t = this.now();
    if (this.heldBack && t - this.pacedSince >= this.probeAfterMs) {
      this.ratePerSecond = Math.min(ceiling, this.ratePerSecond * 1.05);
      this.pacedSince = t;
      this.heldBack = false;
    }
  }
}
