/**
 * The request pipeline behind every client call: adaptive concurrency
 * limiter -> one attempt on the keep-alive pool -> retry policy -> error
 * family, under an overall deadline. Knows nothing about endpoints.
 */
import type { Clock } from "../core/clock";
import { type ErrorContext, errorForStatus, errors, type MarinSocialError, type ProblemDetails } from "./errors";
import { AdaptiveLimiter, type Permit } from "./limiter";
import type { RequestEvent, ResolvedOptions } from "./options";
import { RatePacer } from "./pacer";
import { readAdvertisement } from "./ratelimit-headers";
import { makeRedactor, type Redactor } from "./redact";
import { backoffDelay, classifyTransportError, decideRetry, type Failure, parseRetryAfter, type RetryDecision } from "./retry";
import { type AttemptResponse, leasePool, type PoolLease, sendAttempt } from "./transport";
import { USER_AGENT } from "./version";

/** One logical API call. */
export interface CallSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the base URL, with query. */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as Idempotency-Key, the same on every attempt; makes a POST retryable. */
  idempotencyKey?: string;
  /** Retry a POST even without a key (for routes idempotent by nature). GET, PUT and DELETE always are. */
  idempotent?: boolean;
  headers?: Record<string, string>;
  /** Order in the client's queue, lower first (see AdaptiveLimiter.clock); default: arrival order. */
  orderKey?: number;
}

/** The 2xx outcome of a call. */
export interface CallResult {
  status: number;
  /** Parsed JSON body, or undefined for an empty body. */
  data: unknown;
}

/** Counters kept by the pipeline. */
export interface CallCounters {
  requests: number;
  retries: number;
  rateLimited: number;
  batches: number;
}

/** Reason given to the abort signal when a call's deadline passes. */
class DeadlinePassed extends Error {}

/** The one abort reason for every call's deadline (each call has its own AbortController). */
const DEADLINE = new DeadlinePassed("deadline");

/** Resolves after `ms` on `clock`, or rejects with `signal.reason` when it aborts first. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(t);
      reject(signal.reason);
    };
    const t = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** What the attempts of one call share; `attempt` counts from 1, `refused` counts refused connections. */
interface Attempts {
  spec: CallSpec;
  ctx: ErrorContext;
  shownPath: string;
  idempotent: boolean;
  /** When the first attempt left the queue, on the client's clock. */
  started: number;
  signal: AbortSignal;
  attempt: number;
  refused: number;
  deadlineError(attempts: number): MarinSocialError;
}

/** Runs calls for one client: owns its limiter, its pool lease and its counters. */
export class Caller {
  /** Counters since creation; `batches` is maintained by the client. */
  readonly counters: CallCounters = { requests: 0, retries: 0, rateLimited: 0, batches: 0 };
  readonly limiter: AdaptiveLimiter;
  readonly redact: Redactor;
  private readonly lease: PoolLease;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: ResolvedOptions) {
    this.redact = makeRedactor(o.apiKey);
    const pacer =
      o.adaptiveConcurrency || o.rateLimitPerSecond !== undefined
        ? new RatePacer({ learn: o.adaptiveConcurrency, ...(o.rateLimitPerSecond !== undefined ? { initialRate: o.rateLimitPerSecond } : {}) }, () =>
            o.clock.now(),
          )
        : undefined;
    this.limiter = new AdaptiveLimiter(o.maxConcurrency, o.clock, o.adaptiveConcurrency, pacer);
    this.lease = leasePool(o.origin, { connections: o.connections, connectTimeoutMs: o.timeouts.connectMs });
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Fails queued calls with `reason` and releases the pool lease (idempotent). */
  close(reason: unknown): Promise<void> {
    if (!this.closing) {
      this.limiter.close(reason);
      this.closing = this.lease.release();
    }
    return this.closing;
  }

  private emit(e: RequestEvent): void {
    if (!this.o.onRequest) return;
    try {
      this.o.onRequest(e);
    } catch {
      // An observer must not break the call.
    }
  }

  private problemOf(res: AttemptResponse): ProblemDetails | undefined {
    const text = res.text.trim();
    if (!text) return undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return this.redact.deep(parsed as ProblemDetails);
      return { detail: this.redact.clip(text, 500) };
    } catch {
      return { detail: this.redact.clip(text.replace(/\s+/g, " "), 500) };
    }
  }

  /**
   * Runs one call: waits for a limiter slot, sends, classifies, retries per
   * the policy, all under the call's deadline. Resolves with the status and
   * parsed body of the 2xx; rejects with a scrubbed MarinSocialError.
   */
  async call(spec: CallSpec): Promise<{ status: number; data: unknown }> {
    if (this.closed) throw errors.closed();
    const body = spec.body !== undefined ? JSON.stringify(spec.body) : undefined;
    // Queue first, holding as little as possible: a big stack queues thousands of calls here,
    // behind the client's own pacing and in-flight cap. The deadline starts when the first
    // attempt leaves the queue (that wait is not the server's slowness); retries re-enter
    // the queue ahead of new calls.
    const firstPermit = await this.limiter.acquire(undefined, spec.orderKey !== undefined ? { key: spec.orderKey } : {});
    const { timeouts, clock } = this.o;
    const shownPath = this.redact.clip(this.o.basePath + spec.path, 300);
    const ctx: ErrorContext = { method: spec.method, path: shownPath };
    const headers = this.requestHeaders(spec, body);
    const ac = new AbortController();
    const a: Attempts = {
      spec,
      ctx,
      shownPath,
      idempotent: spec.method !== "POST" || spec.idempotent === true || spec.idempotencyKey !== undefined,
      started: clock.now(),
      signal: ac.signal,
      attempt: 0,
      refused: 0,
      deadlineError: (attempts) => errors.timeout({ ...ctx, attempts, phase: "deadline", ms: timeouts.deadlineMs }, this.o.settings),
    };
    const timer = clock.setTimeout(() => ac.abort(DEADLINE), timeouts.deadlineMs);
    try {
      for (;;) {
        const attempt = ++a.attempt;
        let permit: Permit;
        try {
          // The first attempt already holds its permit: no await, so no extra tick.
          permit = attempt === 1 ? firstPermit : await this.limiter.acquire(ac.signal, { priority: true });
        } catch (e) {
          if (e === DEADLINE) throw a.deadlineError(attempt - 1);
          throw e;
        }
        if (attempt > 1) this.counters.retries++;
        this.counters.requests++;
        let res: AttemptResponse;
        try {
          res = await sendAttempt(this.lease.pool, {
            method: spec.method,
            path: this.o.basePath + spec.path,
            headers,
            ...(body !== undefined ? { body } : {}),
            signal: ac.signal,
            headersTimeoutMs: timeouts.headersMs,
            bodyTimeoutMs: timeouts.bodyMs,
          });
        } catch (e) {
          await this.pause(this.afterTransportError(a, permit, e), ac.signal, DEADLINE, () => a.deadlineError(attempt));
          continue;
        }
        const outcome = this.afterResponse(a, permit, res);
        if ("result" in outcome) return outcome.result;
        await this.pause(outcome.delayMs, ac.signal, DEADLINE, () => a.deadlineError(attempt));
      }
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** The headers every attempt of `spec` sends. */
  private requestHeaders(spec: CallSpec, body: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.o.apiKey}`,
      accept: "application/json",
      "user-agent": this.o.userAgent ?? USER_AGENT,
      ...spec.headers,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (spec.idempotencyKey !== undefined) headers["idempotency-key"] = spec.idempotencyKey;
    return headers;
  }

  /** After an attempt that got no response: returns the wait before the retry, or throws the call's error. */
  private afterTransportError(a: Attempts, permit: Permit, e: unknown): number {
    const { timeouts } = this.o;
    this.limiter.release(permit, { kind: "neutral" });
    if (a.signal.aborted) {
      this.emit({ method: a.spec.method, path: a.shownPath, attempt: a.attempt, error: "deadline" });
      throw a.deadlineError(a.attempt);
    }
    const failure = classifyTransportError(e);
    const reason = this.redact.clip(failure.reason, 200);
    this.emit({ method: a.spec.method, path: a.shownPath, attempt: a.attempt, error: reason });
    if (failure.refused) a.refused++;
    const decision = this.decide(a, failure);
    if (decision.retry) return decision.delayMs;
    if (failure.code === "timeout") {
      const phase = failure.phase ?? "headers";
      const ms = phase === "connect" ? timeouts.connectMs : phase === "headers" ? timeouts.headersMs : timeouts.bodyMs;
      throw errors.timeout({ ...a.ctx, attempts: a.attempt, phase, ms }, this.o.settings);
    }
    throw errors.network({ ...a.ctx, attempts: a.attempt, reason, origin: this.o.displayUrl, retryable: failure.retryable }, this.o.settings);
  }

  /**
   * After an attempt that got a response: releases its permit (telling the limiter about a 429
   * or 5xx), then returns the 2xx result or the wait before the retry, or throws the call's error.
   */
  private afterResponse(a: Attempts, permit: Permit, res: AttemptResponse): { result: CallResult } | { delayMs: number } {
    const { retry } = this.o;
    const status = res.status;
    this.emit({ method: a.spec.method, path: a.shownPath, status, attempt: a.attempt });
    this.observeLimits(res);
    if (status >= 200 && status < 300) {
      this.limiter.release(permit, { kind: "ok" });
      return { result: { status, data: this.parseBody(res, { ...a.ctx, status, attempts: a.attempt }) } };
    }
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"], Date.now());
    if (status === 429) {
      this.counters.rateLimited++;
      const pauseMs = retryAfterMs !== undefined ? Math.min(retryAfterMs, retry.maxRetryAfterMs) : backoffDelay(a.attempt, retry);
      this.limiter.release(permit, { kind: "rate-limited", pauseMs });
    } else {
      this.limiter.release(permit, status >= 500 ? { kind: "neutral", responded: true } : { kind: "ok" });
    }
    const decision = this.decide(a, { kind: "status", status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    if (decision.retry) return { delayMs: decision.delayMs };
    const problem = this.problemOf(res);
    const contentType = res.headers["content-type"];
    throw errorForStatus(
      { ...a.ctx, status, attempts: a.attempt, ...(problem ? { problem } : {}) },
      { ...(typeof contentType === "string" ? { contentType } : {}), baseUrl: this.o.displayUrl, settings: this.o.settings },
    );
  }

  /** The retry policy's verdict on the failed attempt `a.attempt`, with the time left before the deadline. */
  private decide(a: Attempts, failure: Failure): RetryDecision {
    const { timeouts, retry, clock } = this.o;
    return decideRetry({
      attempt: a.attempt,
      refusedCount: a.refused,
      idempotent: a.idempotent,
      failure,
      policy: retry,
      remainingMs: timeouts.deadlineMs - (clock.now() - a.started),
    });
  }

  /**
   * Feeds the pacer what the response's `RateLimit-Policy` and `RateLimit` headers advertise
   * (malformed ones are ignored), before its permit is released: with `adaptiveConcurrency` only,
   * so the naive mode stays naive. Other requests in flight are not counted in `r` yet.
   */
  private observeLimits(res: AttemptResponse): void {
    const pacer = this.limiter.pacer;
    if (!pacer || !this.o.adaptiveConcurrency) return;
    const ad = readAdvertisement(res.headers);
    if (ad) pacer.advertise(ad, this.limiter.inFlight - 1);
  }

  private async pause(ms: number, signal: AbortSignal, deadline: DeadlinePassed, onDeadline: () => MarinSocialError): Promise<void> {
    try {
      await sleep(this.o.clock, ms, signal);
    } catch (e) {
      if (e === deadline) throw onDeadline();
      throw e;
    }
  }

  private parseBody(res: AttemptResponse, ctx: ErrorContext): unknown {
    const text = res.text.trim();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw errors.server(
        { ...ctx, problem: { detail: `the response is not JSON: ${this.redact.clip(text.replace(/\s+/g, " "), 200)}` } },
        "unreadable response",
      );
    }
  }
}
