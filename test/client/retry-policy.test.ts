import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, classifyTransportError, decideRetry, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "../../provider/client";
import { fuzzSeeds } from "../support/seeds";

const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5000, maxRetryAfterMs: 30_000, refusedAttempts: 3 };
const NOW = Date.parse("2026-03-01T12:00:00Z");

function coded(code: string, message = "boom"): Error {
  return Object.assign(new Error(message), { code });
}

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("1", NOW)).toBe(1000);
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter("1.5", NOW)).toBe(1500);
    expect(parseRetryAfter(["2", "9"], NOW)).toBe(2000);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:05 GMT", NOW)).toBe(5000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:59:00 GMT", NOW)).toBe(0);
  });

  it("ignores absent or unreadable values", () => {
    for (const v of [undefined, "", "-1", "soon", "1e3", "12abc"]) expect(parseRetryAfter(v, NOW), String(v)).toBeUndefined();
  });
});

describe("backoffDelay (full jitter)", () => {
  it("spans [0, min(max, base*2^(n-1)))", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(50, policy, () => 0.999)).toBe(4995);
  });

  it.each(fuzzSeeds("backoffDelay property", [20261125]))("stays within bounds for any retry number and random value (seed %i)", (seed) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
        const d = backoffDelay(n, policy, () => r);
        return d >= 0 && d < Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)) + 1e-9 && Number.isInteger(d);
      }),
      { seed },
    );
  });
});

describe("isRetryableStatus", () => {
  it("retries 429 and 5xx except 501 and 505", () => {
    expect([429, 500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 409, 422, 501, 505].some(isRetryableStatus)).toBe(false);
  });
});

describe("classifyTransportError", () => {
  it("maps undici timeouts to 'timeout' with their phase", () => {
    expect(classifyTransportError(coded("UND_ERR_CONNECT_TIMEOUT"))).toMatchObject({ code: "timeout", phase: "connect", retryable: true });
    expect(classifyTransportError(coded("UND_ERR_HEADERS_TIMEOUT"))).toMatchObject({ code: "timeout", phase: "headers" });
    expect(classifyTransportError(coded("UND_ERR_BODY_TIMEOUT"))).toMatchObject({ code: "timeout", phase: "body" });
  });

  it("retries resets, limits refusals, and gives up on permanent failures", () => {
    for (const c of ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"])
      expect(classifyTransportError(coded(c))).toMatchObject({ code: "network", retryable: true, refused: false });
    expect(classifyTransportError(coded("ECONNREFUSED"))).toMatchObject({ code: "network", retryable: true, refused: true });
    for (const c of ["ENOTFOUND", "UND_ERR_CLOSED", "DEPTH_ZERO_SELF_SIGNED_CERT"]) expect(classifyTransportError(coded(c)).retryable).toBe(false);
    expect(classifyTransportError(new Error("no code"))).toMatchObject({ code: "network", retryable: false, reason: "UNKNOWN: no code" });
  });

  it("finds the code inside an AggregateError (happy eyeballs) or a cause", () => {
    const agg = Object.assign(new AggregateError([coded("ECONNREFUSED")], "all failed"));
    expect(classifyTransportError(agg).refused).toBe(true);
    expect(classifyTransportError(new Error("wrapped", { cause: coded("ECONNRESET") })).retryable).toBe(true);
  });
});

describe("decideRetry", () => {
  const base = { attempt: 1, refusedCount: 0, idempotent: true, policy, remainingMs: 60_000, random: () => 0.5 };

  it("uses Retry-After, capped, over backoff", () => {
    expect(decideRetry({ ...base, failure: { kind: "status", status: 429, retryAfterMs: 2000 } })).toEqual({ retry: true, delayMs: 2000 });
    expect(decideRetry({ ...base, failure: { kind: "status", status: 503, retryAfterMs: 3_600_000 } })).toEqual({ retry: true, delayMs: 30_000 });
    expect(decideRetry({ ...base, failure: { kind: "status", status: 503 } })).toEqual({ retry: true, delayMs: 50 });
  });

  it("never retries 401, 403, other 4xx, or a non-idempotent call", () => {
    for (const status of [400, 401, 403, 404, 409, 422]) expect(decideRetry({ ...base, failure: { kind: "status", status } }).retry).toBe(false);
    expect(decideRetry({ ...base, idempotent: false, failure: { kind: "status", status: 503 } }).retry).toBe(false);
  });

  it("stops at maxAttempts, at refusedAttempts, and before the deadline", () => {
    expect(decideRetry({ ...base, attempt: 6, failure: { kind: "status", status: 503 } }).retry).toBe(false);
    const refused = classifyTransportError(coded("ECONNREFUSED"));
    expect(decideRetry({ ...base, refusedCount: 2, failure: refused }).retry).toBe(true);
    expect(decideRetry({ ...base, refusedCount: 3, failure: refused }).retry).toBe(false);
    expect(decideRetry({ ...base, remainingMs: 1000, failure: { kind: "status", status: 429, retryAfterMs: 1000 } }).retry).toBe(false);
  });
});
