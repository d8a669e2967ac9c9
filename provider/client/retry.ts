/**
 * The retry policy, as pure functions: which failures are retried, how long
 * to wait (exponential backoff with full jitter, or the server's Retry-After
 * up to a cap), and how transport errors are classified.
 *
 * Decisions:
 * - Retried: 429, 5xx except 501 and 505 (they will not change on retry),
 *   connection resets (ECONNRESET, EPIPE, UND_ERR_SOCKET "other side closed", ...),
 *   connect/headers/body timeouts.
 * - Refused connections (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EAI_AGAIN) are
 *   retried only `refusedAttempts` times in all (default 3): a sandbox that is
 *   restarting comes back quickly, a wrong URL should fail fast.
 * - Never retried: 401, 403 and every other 4xx; DNS NXDOMAIN (ENOTFOUND);
 *   TLS certificate errors; a closed client.
 * - Only idempotent calls are retried at all: GET, PUT, DELETE, and POST that
 *   carries an Idempotency-Key.
 * - A retry that would end after the call's deadline is not attempted: the
 *   last error is reported instead.
 *
 * Not undici's RetryHandler (`interceptors.retry`, `RetryAgent`): it sends a retry from inside
 * the dispatcher, past the limiter and the pacer; its final `RequestRetryError` drops the response
 * body (the problem details); it waits on the global timer, without jitter or a call deadline.
 */

/** Retry settings (see ClientOptions.retry). */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  refusedAttempts: number;
}

/** A failed attempt, as the retry policy sees it. */
export type Failure = { kind: "status"; status: number; retryAfterMs?: number } | TransportFailure;

/** A failure without a usable response. */
export interface TransportFailure {
  kind: "transport";
  /** The error code the client reports. */
  code: "timeout" | "network";
  /** Which timeout fired, for `timeout`. */
  phase?: "connect" | "headers" | "body";
  /** Description such as `ECONNRESET: other side closed` (not yet scrubbed or cut). */
  reason: string;
  /** Whether the same request may succeed if sent again. */
  retryable: boolean;
  /** Nothing accepted the connection: retried at most `refusedAttempts` times in all. */
  refused: boolean;
}

/**
 * Parses a Retry-After header: delay-seconds (`"2"`, decimals tolerated) or an
 * HTTP date. Returns milliseconds from `nowMs` (never negative), or undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined; // e.g. "-1": not a date either
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Full-jitter exponential backoff: a uniform delay in
 * `[0, min(maxDelayMs, baseDelayMs * 2^(retry-1)))`, `retry` counting from 1.
 */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const exp = Math.min(30, Math.max(0, retry - 1));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exp);
  return Math.floor(random() * ceiling);
}

/** True for statuses worth retrying: 429 and 5xx except 501 and 505. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

const REFUSED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "EAI_AGAIN"]);
const RESET = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "ERR_STREAM_PREMATURE_CLOSE",
]);
const TIMEOUTS: Record<string, "connect" | "headers" | "body"> = {
  UND_ERR_CONNECT_TIMEOUT: "connect",
  UND_ERR_HEADERS_TIMEOUT: "headers",
  UND_ERR_BODY_TIMEOUT: "body",
};

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  if (Array.isArray(e.errors))
    for (const inner of e.errors) {
      const c = errorCode(inner);
      if (c) return c;
    }
  if (e.cause !== undefined && e.cause !== err) return errorCode(e.cause);
  return undefined;
}

/** Classifies an error thrown by the transport (undici or Node's net/tls). */
export function classifyTransportError(err: unknown): TransportFailure {
  const code = errorCode(err) ?? "UNKNOWN";
  const message = err instanceof Error ? err.message : String(err);
  const reason = message && !message.includes(code) ? `${code}: ${message}` : message || code;
  const phase = TIMEOUTS[code];
  if (phase) return { kind: "transport", code: "timeout", phase, reason, retryable: true, refused: false };
  if (REFUSED.has(code)) return { kind: "transport", code: "network", reason, retryable: true, refused: true };
  if (RESET.has(code)) return { kind: "transport", code: "network", reason, retryable: true, refused: false };
  return { kind: "transport", code: "network", reason, retryable: false, refused: false };
}

/** Inputs of {@link decideRetry}. */
export interface RetryInput {
  /** Attempts made so far, the failed one included (1 after the first try). */
  attempt: number;
  /** Refused connections so far, the failed attempt included. */
  refusedCount: number;
  /** GET, PUT, DELETE, or POST with an Idempotency-Key. */
  idempotent: boolean;
  failure: Failure;
  policy: RetryPolicy;
  /** Time left before the call's deadline. */
  remainingMs: number;
  random?: () => number;
}

/** Whether to retry, and after how long. */
export interface RetryDecision {
  retry: boolean;
  delayMs: number;
}

/**
 * Decides whether a failed attempt is retried and the wait before it:
 * Retry-After (capped at `maxRetryAfterMs`) when the server sent one,
 * otherwise full-jitter backoff. No retry when the call is not idempotent,
 * the failure is permanent, the attempts are used up, or the wait would
 * outlast the deadline.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const { attempt, failure, policy } = input;
  const no = { retry: false, delayMs: 0 };
  if (!input.idempotent || attempt >= policy.maxAttempts) return no;
  let delayMs: number;
  if (failure.kind === "status") {
    if (!isRetryableStatus(failure.status)) return no;
    delayMs = failure.retryAfterMs !== undefined ? Math.min(failure.retryAfterMs, policy.maxRetryAfterMs) : backoffDelay(attempt, policy, input.random);
  } else {
    if (!failure.retryable) return no;
    if (failure.refused && input.refusedCount >= policy.refusedAttempts) return no;
    delayMs = backoffDelay(attempt, policy, input.random);
  }
  if (delayMs >= input.remainingMs) return no;
  return { retry: true, delayMs };
}
