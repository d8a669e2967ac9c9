/**
 * The client's error family: one class, a stable `code` per kind of failure,
 * and one factory per code whose message says what happened, why, and how to fix it.
 *
 * Nothing here ever sees the API key: the client scrubs problem details and
 * paths before calling a factory.
 */

/** The stable kinds of failure. Switch on these, never on messages. */
export type ErrorCode =
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "rate-limited"
  | "timeout"
  | "server"
  | "network"
  | "bad-request"
  | "insecure-transport"
  | "config";

/** An RFC 9457 problem document as the API sends it (`application/problem+json`). */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [k: string]: unknown;
}

/** Where and how a failure happened; every field optional. */
export interface ErrorContext {
  /** HTTP method of the call. */
  method?: string;
  /** Request path (with query, never a secret), e.g. `/v1/accounts/fb-1001`. */
  path?: string;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  /** Problem details of the last response, scrubbed of the key. */
  problem?: ProblemDetails;
  /** How many attempts were made (1 = no retry). */
  attempts?: number;
}

/** Constructor fields of {@link MarinSocialError} beyond code and message. */
export interface MarinSocialErrorInit extends ErrorContext {
  retryable?: boolean;
}

/**
 * Every failure of the Marin Social client. `code` is stable; `problem`
 * keeps the server's problem details; `retryable` says whether trying again
 * later may succeed (rate limits, server faults, timeouts, network blips).
 * The API key never appears in any field, the message or the stack.
 */
export class MarinSocialError extends Error {
  readonly code: ErrorCode;
  readonly status?: number;
  readonly problem?: ProblemDetails;
  readonly method?: string;
  readonly path?: string;
  readonly attempts?: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, init: MarinSocialErrorInit = {}) {
    super(message);
    this.name = "MarinSocialError";
    this.code = code;
    if (init.status !== undefined) this.status = init.status;
    if (init.problem !== undefined) this.problem = init.problem;
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
    if (init.attempts !== undefined) this.attempts = init.attempts;
    this.retryable = init.retryable ?? false;
  }

  /** A plain object for logs and JSON: name, code, message and the context fields. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      method: this.method,
      path: this.path,
      attempts: this.attempts,
      retryable: this.retryable,
      problem: this.problem,
    };
  }
}

/** True when `e` is a {@link MarinSocialError} with code `not-found` (an unknown account or link). */
export function isNotFound(e: unknown): boolean {
  return e instanceof MarinSocialError && e.code === "not-found";
}

/** True when `e` is a {@link MarinSocialError}, optionally of the given code. */
export function isMarinSocialError(e: unknown, code?: ErrorCode): e is MarinSocialError {
  return e instanceof MarinSocialError && (code === undefined || e.code === code);
}

const KEY_FIX =
  "Set a valid key with `pulumi config set --secret marin-social:apiKey <key>` or MARIN_SOCIAL_API_KEY.";
const URL_FIX =
  "Check `pulumi config get marin-social:apiUrl` (or MARIN_SOCIAL_API_URL) and that the server is running (`marin-social sandbox` for the local one).";

function where(ctx: ErrorContext): string {
  const call = ctx.method && ctx.path ? `${ctx.method} ${ctx.path}` : ctx.path ?? ctx.method ?? "the API";
  const status = ctx.status !== undefined ? `${ctx.status} at ` : "";
  const tries = ctx.attempts !== undefined && ctx.attempts > 1 ? `, after ${ctx.attempts} attempts` : "";
  return `(${status}${call}${tries})`;
}

function why(ctx: ErrorContext, fallback: string): string {
  const p = ctx.problem;
  const text = (typeof p?.detail === "string" && p.detail) || (typeof p?.title === "string" && p.title) || fallback;
  return text.replace(/[.\s]+$/, "");
}

function make(code: ErrorCode, message: string, ctx: ErrorContext, retryable: boolean): MarinSocialError {
  return new MarinSocialError(code, message, { ...ctx, retryable });
}

/** One factory per error code. Each message says what happened, why, and how to fix it. */
export const errors = {
  /** 401: the key is missing or unknown. Never retried. */
  unauthorized(ctx: ErrorContext): MarinSocialError {
    return make("unauthorized", `Marin Social rejected the API key ${where(ctx)}: ${why(ctx, "missing or unknown key")}. ${KEY_FIX}`, ctx, false);
  },
  /** 403: the key lacks a scope or an agency. Never retried. */
  forbidden(ctx: ErrorContext): MarinSocialError {
    return make(
      "forbidden",
      `Marin Social refused the request ${where(ctx)}: ${why(ctx, "the key lacks the scope or the agency")}. ` +
        "Use a key with write access to every agency the account is linked to, or ask a Marin Social admin to widen this key.",
      ctx,
      false,
    );
  },
  /** 404: an unknown account or link. Callers decide whether that means "gone". */
  notFound(ctx: ErrorContext): MarinSocialError {
    return make(
      "not-found",
      `Marin Social has no such resource ${where(ctx)}: ${why(ctx, "unknown account or link")}. ` +
        "Check the id (`marin-social audit` lists live accounts), or whether it was removed.",
      ctx,
      false,
    );
  },
  /** A batched read (`GET /v1/accounts?ids=`) did not return `id`: reported as a 404 for that id. */
  accountNotFound(id: string, ctx: ErrorContext): MarinSocialError {
    return make(
      "not-found",
      `Marin Social has no account "${id}" ${where({ ...ctx, status: 404 })}: the batched lookup did not return it. ` +
        "Check the accountId (`marin-social audit` lists live accounts), or whether the account was removed.",
      { ...ctx, status: 404 },
      false,
    );
  },
  /** 409: version conflict. */
  conflict(ctx: ErrorContext): MarinSocialError {
    return make(
      "conflict",
      `Marin Social reported a conflict ${where(ctx)}: ${why(ctx, "the account changed since it was read")}. ` +
        "Run `pulumi refresh` to read the current state, then try again.",
      ctx,
      false,
    );
  },
  /** 429 that outlasted every retry. */
  rateLimited(ctx: ErrorContext): MarinSocialError {
    return make(
      "rate-limited",
      `Marin Social kept rate-limiting the request ${where(ctx)}: ${why(ctx, "too many requests")}. ` +
        "The client already slows down and honours Retry-After; lower the parallelism (`pulumi up --parallel 4`) or raise the deadline (timeouts.deadlineMs), then run again.",
      ctx,
      true,
    );
  },
  /** A connect, headers or body timeout, or the overall deadline. */
  timeout(ctx: ErrorContext & { phase: "connect" | "headers" | "body" | "deadline"; ms?: number }): MarinSocialError {
    const { phase, ms, ...rest } = ctx;
    const what =
      phase === "deadline"
        ? `the call did not finish within its deadline${ms !== undefined ? ` of ${ms} ms` : ""}`
        : `no ${phase === "connect" ? "connection" : phase === "headers" ? "response headers" : "response body data"} within ${ms !== undefined ? `${ms} ms` : "the timeout"}`;
    return make(
      "timeout",
      `Marin Social timed out ${where(rest)}: ${what}. ` +
        `The server is slow or unreachable; check it, or raise the client's timeouts (${phase === "deadline" ? "deadlineMs" : `${phase}Ms`}). ${URL_FIX}`,
      rest,
      true,
    );
  },
  /** 5xx that outlasted every retry, or a response the client cannot read. */
  server(ctx: ErrorContext, fallback = "server fault"): MarinSocialError {
    return make(
      "server",
      `Marin Social failed ${where(ctx)}: ${why(ctx, fallback)}. This is a fault on the server side; try again later, and report it if it persists.`,
      ctx,
      ctx.status !== undefined && ctx.status >= 500,
    );
  },
  /** The connection failed: refused, reset, DNS, TLS. `reason` is an error code such as ECONNREFUSED. */
  network(ctx: ErrorContext & { reason: string; origin?: string; retryable?: boolean }): MarinSocialError {
    const { reason, origin, retryable, ...rest } = ctx;
    return make(
      "network",
      `Could not talk to Marin Social${origin ? ` at ${origin}` : ""} ${where(rest)}: ${reason}. ${URL_FIX}`,
      rest,
      retryable ?? true,
    );
  },
  /** Any other 4xx: the request itself is wrong. */
  badRequest(ctx: ErrorContext): MarinSocialError {
    return make(
      "bad-request",
      `Marin Social rejected the request as invalid ${where(ctx)}: ${why(ctx, "bad request")}. ` +
        "Check the values passed (ids, reason, actor); this may also mean the client and server disagree on the API version.",
      ctx,
      false,
    );
  },
  /** 422: the Idempotency-Key was first sent with a different request, so the server ran nothing. */
  keyReused(ctx: ErrorContext): MarinSocialError {
    return make(
      "bad-request",
      `Marin Social did not run the request ${where(ctx)}: ${why(ctx, "Idempotency-Key reused with a different request body")}. ` +
        "An Idempotency-Key may only be repeated with the identical request (a retry); nothing was changed. Send a different request with a new key.",
      ctx,
      false,
    );
  },
  /** The caller passed a bad argument (`name`: `problem`); nothing was sent. */
  invalidArgument(name: string, problem: string): MarinSocialError {
    return make("bad-request", `Invalid argument ${name}: ${problem}. Nothing was sent to Marin Social; fix the value and call again.`, {}, false);
  },
  /** The client was closed; calls made after close() fail with this. */
  closed(): MarinSocialError {
    return make("config", "The Marin Social client is closed, so it cannot send this request. Create a new MarinSocialClient.", {}, false);
  },
  /** Plain http:// to a host that is not loopback, without the explicit opt-in. */
  insecureTransport(url: string, host: string): MarinSocialError {
    return make(
      "insecure-transport",
      `Refusing to send the Marin Social API key over plain HTTP to ${host} (${url}): anyone on the network path could read it. ` +
        "Use an https:// URL, or, on a network you trust, opt in with `pulumi config set marin-social:allowInsecureHttp true` or MARIN_SOCIAL_ALLOW_INSECURE_HTTP=true.",
      {},
      false,
    );
  },
  /** Bad configuration: `what` names the setting and the problem, `fix` says how to set it right. */
  config(what: string, fix: string): MarinSocialError {
    return make("config", `Invalid Marin Social configuration: ${what}. ${fix}`, {}, false);
  },
} as const;

/** Fix text for a missing or malformed API key (both ways to set it). */
export const API_KEY_FIX = KEY_FIX;

/**
 * The error for a response status: 401, 403, 404, 409, 422, 429, 5xx, other 4xx.
 * `ctx.status` must be set.
 */
export function errorForStatus(ctx: ErrorContext & { status: number }): MarinSocialError {
  const s = ctx.status;
  if (s === 401) return errors.unauthorized(ctx);
  if (s === 403) return errors.forbidden(ctx);
  if (s === 404 || s === 410) return errors.notFound(ctx);
  if (s === 409 || s === 412) return errors.conflict(ctx);
  if (s === 429) return errors.rateLimited(ctx);
  if (s >= 500) return errors.server(ctx);
  if (s === 422) return errors.keyReused(ctx);
  if (s >= 400) return errors.badRequest(ctx);
  return errors.server(ctx, `unexpected status ${s}`);
}
