/**
 * The rate-limit headers the sandbox sends on every `/v1` response while a rate limit is set,
 * in the syntax of draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026; RFC 9651 structured
 * fields), one policy named `default`:
 *
 *   RateLimit-Policy: "default";q=200;w=1      quota q requests per window of w seconds
 *   RateLimit: "default";r=187;t=1             r requests available now; the full quota is back within t s
 *
 * The limit is a token bucket (faults.ts) holding one second's worth and refilling continuously,
 * so `q`/`w` is the rate (q and w are integers: 0.5/s is `q=1;w=2`), `r` is the whole tokens left
 * in the bucket when the response is sent (after this request's token was taken), and `t` is the
 * whole seconds until the bucket is full again (0 when it is full). Quota comes back gradually
 * during `t`, as section 8.4 of the draft allows. On a 429 `r` is 0 and `t` is never later than
 * `Retry-After` (section 6).
 */
import type { RateLimitState } from "./faults";

/** The name of the sandbox's one quota policy. */
export const POLICY_NAME = "default";

/** The longest window used to express a fractional rate with integer q and w, seconds. */
const MAX_WINDOW = 3600;

let memo: { rate: number; policy: { quota: number; windowSeconds: number } } | undefined;

/**
 * The policy's integer quota and window for `ratePerSecond` (> 0): the shortest window, up to an
 * hour, in which the rate is a whole number of requests (200/s: q=200, w=1; 0.5/s: q=1, w=2).
 * A rate with no such window gets a one-hour window and the quota rounded down, so the policy
 * never promises more than the bucket gives.
 */
export function policyOf(ratePerSecond: number): { quota: number; windowSeconds: number } {
  if (memo?.rate === ratePerSecond) return { ...memo.policy };
  let found: { quota: number; windowSeconds: number } | undefined;
  for (let w = 1; w <= MAX_WINDOW && !found; w++) {
    const q = ratePerSecond * w;
    const whole = Math.round(q);
    if (whole >= 1 && Math.abs(q - whole) <= 1e-9 * q) found = { quota: whole, windowSeconds: w };
  }
  found ??= { quota: Math.floor(ratePerSecond * MAX_WINDOW), windowSeconds: MAX_WINDOW };
  memo = { rate: ratePerSecond, policy: found };
  return { ...found };
}

/** The `RateLimit-Policy` and `RateLimit` headers for the bucket state `s`. */
export function rateLimitHeaders(s: RateLimitState): Record<string, string> {
  const { quota, windowSeconds } = policyOf(s.ratePerSecond);
  const remaining = Math.max(0, Math.floor(s.tokens + 1e-9));
  const reset = Math.max(0, Math.ceil((s.capacity - s.tokens) / s.ratePerSecond - 1e-9));
  return {
    "RateLimit-Policy": `"${POLICY_NAME}";q=${quota};w=${windowSeconds}`,
    RateLimit: `"${POLICY_NAME}";r=${remaining};t=${reset}`,
  };
}
