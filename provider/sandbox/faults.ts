/**
 * Injected faults for `/v1` requests: latency, a token-bucket rate limit, failing routes and a
 * random error rate. They drive the reliability tests and benchmarks; `/_sandbox` is never affected.
 */
import { HttpError } from "./problem";

/** One failing route: requests to `route` whose path contains `match` fail with `status`, `count` times (or always). */
export interface FailRoute {
  route: string;
  match?: string;
  status?: number;
  count?: number;
}

/** The faults in force. */
export interface FaultConfig {
  latencyMs: number;
  errorRate: number;
  rateLimitPerSecond: number | null;
  /** Advertise the rate limit in `RateLimit-Policy` / `RateLimit` headers (default true); false plays a server that does not. */
  rateLimitHeaders: boolean;
  failRoutes: FailRoute[];
}

const NONE: FaultConfig = { latencyMs: 0, errorRate: 0, rateLimitPerSecond: null, rateLimitHeaders: true, failRoutes: [] };

/** The rate limit's state at one moment, for the `RateLimit` headers (see ratelimit-headers.ts). */
export interface RateLimitState {
  /** The limit, requests per second. */
  ratePerSecond: number;
  /** What the bucket holds when full (a second's worth, at least one request). */
  capacity: number;
  /** Tokens in the bucket now (fractional). */
  tokens: number;
}

/** The fault state of one sandbox. `clock` returns milliseconds (monotonic). */
export class Faults {
  private cfg: FaultConfig = { ...NONE, failRoutes: [] };
  private tokens = 0;
  private last = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** A copy of the faults in force (failing routes with their remaining counts). */
  get(): FaultConfig {
    return { ...this.cfg, failRoutes: this.cfg.failRoutes.map((r) => ({ ...r })) };
  }

  /**
   * Replaces the faults; members left out go back to none. Throws a 400 problem when a failing
   * route is not one of `routes` (the `/v1` route templates).
   */
  set(next: Partial<FaultConfig>, routes: readonly string[]): FaultConfig {
    const failRoutes = (next.failRoutes ?? []).map((r, i) => {
      if (!routes.includes(r.route)) {
        throw new HttpError(400, `body /failRoutes/${i}/route: unknown route "${r.route}"; use one of: ${routes.join(", ")}`);
      }
      return { ...r, status: r.status ?? 503 };
    });
    this.cfg = {
      latencyMs: next.latencyMs ?? 0,
      errorRate: next.errorRate ?? 0,
      rateLimitPerSecond: next.rateLimitPerSecond ?? null,
      rateLimitHeaders: next.rateLimitHeaders ?? true,
      failRoutes,
    };
    this.tokens = Math.max(1, this.cfg.rateLimitPerSecond ?? 0);
    this.last = this.clock();
    return this.get();
  }

  /** Back to no faults. */
  reset(): void {
    this.set({}, []);
  }

  get latencyMs(): number {
    return this.cfg.latencyMs;
  }

  /** Refills the bucket up to now; returns the rate, or null when no limit is set. */
  private refill(): number | null {
    const rate = this.cfg.rateLimitPerSecond;
    if (rate === null) return null;
    const now = this.clock();
    this.tokens = Math.min(Math.max(1, rate), this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
    return rate;
  }

  /** Takes one token from the bucket; returns null when allowed, else the `Retry-After` seconds (>= 1). */
  takeToken(): number | null {
    const rate = this.refill();
    if (rate === null) return null;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / rate));
  }

  /** The bucket as it is now (refilled, nothing taken), or null when no rate limit is set or `rateLimitHeaders` is off. */
  rateLimitState(): RateLimitState | null {
    if (!this.cfg.rateLimitHeaders) return null;
    const rate = this.refill();
    if (rate === null) return null;
    return { ratePerSecond: rate, capacity: Math.max(1, rate), tokens: this.tokens };
  }

  /** The status a matched request must fail with (failing routes first, then the error rate), or null. */
  failure(routeKey: string, path: string): number | null {
    const i = this.cfg.failRoutes.findIndex((r) => r.route === routeKey && (r.match === undefined || path.includes(r.match)));
    const hit = this.cfg.failRoutes[i];
    if (hit) {
      if (hit.count !== undefined && --hit.count <= 0) this.cfg.failRoutes.splice(i, 1);
      return hit.status ?? 503;
    }
    if (this.cfg.errorRate > 0 && Math.random() < this.cfg.errorRate) return 503;
    return null;
  }
}
