/**
 * The client's error factories: one per code, each message saying what happened, why, and
 * how to fix it. The error class and codes are the package's one family (provider/core/errors.ts).
 *
 * Nothing here ever sees the API key: the client scrubs problem details and
 * paths before calling a factory.
 *
 * A 404 is "gone" only when the contract says so: `application/problem+json` whose `type` is
 * the contract's account-not-found (code `account-not-found`). Agency- and link-not-found have
 * codes of their own; every other 404 (an unknown route, a wrong base URL, a proxy's HTML page,
 * a problem type the contract does not define) is `route-not-found`, an error.
 */
import { type ErrorCode, type ErrorContext, MarinSocialError, PROBLEM_TYPES } from "../core";
import { PULUMI_SETTINGS, type SettingHelp } from "./settings";

export { type ErrorCode, type ErrorContext, type ErrorKind, MarinSocialError, type ProblemDetails } from "../core";

/**
 * True only for a definite "this account does not exist": code `account-not-found` (the
 * contract's problem type, or an id absent from a successful batched read). A 404 for an
 * unknown route, agency or link is not.
 */
export function isNotFound(e: unknown): boolean {
  return MarinSocialError.isInstance(e, "account-not-found");
}

/** True when `e` is a {@link MarinSocialError} (from any copy of this package), optionally of the given code. */
export function isMarinSocialError(e: unknown, code?: ErrorCode): e is MarinSocialError {
  return MarinSocialError.isInstance(e, code);
}

/** The fix for a rejected key, in the words of the entry point (`help`). */
const keyFix = (help: SettingHelp) => `Set a valid key with ${help.set("apiKey", "<key>")}.`;
/** The fix when the server could not be reached or did not answer as the API. */
const urlFix = (help: SettingHelp) => `Check the API URL, ${help.show("apiUrl")}, and that the server is running (\`marin-social sandbox\` for the local one).`;

function where(ctx: ErrorContext): string {
  const call = ctx.method && ctx.path ? `${ctx.method} ${ctx.path}` : (ctx.path ?? ctx.method ?? "the API");
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
  unauthorized(ctx: ErrorContext, help: SettingHelp = PULUMI_SETTINGS): MarinSocialError {
    return make("unauthorized", `Marin Social rejected the API key ${where(ctx)}: ${why(ctx, "missing or unknown key")}. ${keyFix(help)}`, ctx, false);
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
  /** 404 with the contract's account-not-found problem: the account does not exist. */
  accountNotFound(ctx: ErrorContext): MarinSocialError {
    return make(
      "account-not-found",
      `Marin Social says the account does not exist ${where(ctx)}: ${why(ctx, "unknown account")}. ` +
        "Check the accountId, or whether the account was deleted at its publisher.",
      ctx,
      false,
    );
  },
  /** A successful batched read (`GET /v1/accounts?ids=`, 200) did not return `id`: the account does not exist. */
  accountAbsent(id: string, ctx: ErrorContext): MarinSocialError {
    return make(
      "account-not-found",
      `Marin Social has no account "${id}" ${where(ctx)}: the batched lookup succeeded without it. ` +
        "Check the accountId, or whether the account was deleted at its publisher.",
      ctx,
      false,
    );
  },
  /** 404 with the contract's agency-not-found problem. */
  agencyNotFound(ctx: ErrorContext): MarinSocialError {
    return make(
      "agency-not-found",
      `Marin Social says the agency does not exist ${where(ctx)}: ${why(ctx, "unknown agency")}. Check the agency id (GET /v1/agencies lists them).`,
      ctx,
      false,
    );
  },
  /** 404 with the contract's link-not-found problem: account and agency exist, but are not linked. */
  linkNotFound(ctx: ErrorContext): MarinSocialError {
    return make(
      "link-not-found",
      `Marin Social says the account is not linked to that agency ${where(ctx)}: ${why(ctx, "no such link")}. Someone else may have unlinked it already.`,
      ctx,
      false,
    );
  },
  /**
   * Any other 404: no route of the API answered (a wrong base URL, a typo, a proxy's page, a
   * problem type the contract does not define). Never an answer about an account, so never "gone".
   */
  routeNotFound(ctx: ErrorContext, response: StatusResponse): MarinSocialError {
    const help = response.settings ?? PULUMI_SETTINGS;
    const { method = "", path = "", attempts } = ctx;
    const tries = attempts !== undefined && attempts > 1 ? ` (after ${attempts} attempts)` : "";
    const p = ctx.problem;
    const problemJson = response.contentType?.toLowerCase().startsWith("application/problem+json") === true;
    const said =
      typeof p?.detail === "string" && p.detail
        ? p.detail
            .replace(/\s+/g, " ")
            .slice(0, 200)
            .replace(/[.\s]+$/, "")
        : "";
    const quoted = said ? ` ("${said}")` : "";
    const answer = !problemJson
      ? `answered 404 for an unknown route: a ${response.contentType ? response.contentType.split(";")[0] : "body without a content type"}${quoted}, not a problem document of the Marin Social API`
      : p?.type === PROBLEM_TYPES.routeNotFound
        ? `answered 404 for an unknown route: the server knows no such route${quoted}`
        : `answered 404 with a problem of type ${JSON.stringify(p?.type ?? null)}${quoted}, which the Marin Social API does not define for a 404`;
    const base = response.baseUrl ?? "the API URL";
    const endsInV1 = /\/v1\/*$/i.test(base);
    const fix = endsInV1
      ? `The API URL ${base} looks wrong: it ends in /v1, and the client adds /v1 itself. ` + `Set ${help.set("apiUrl", base.replace(/\/v1\/*$/i, ""))}.`
      : `The API URL ${base} looks wrong, or something other than the Marin Social API (a proxy, another service) answered. ` +
        `Check ${help.show("apiUrl")}: it is the API's base URL, without /v1.`;
    return make(
      "route-not-found",
      `${method} ${path} ${answer}${tries}. ${fix} This is not an answer about any account, so nothing was treated as gone.`,
      ctx,
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
  timeout(ctx: ErrorContext & { phase: "connect" | "headers" | "body" | "deadline"; ms?: number }, help: SettingHelp = PULUMI_SETTINGS): MarinSocialError {
    const { phase, ms, ...rest } = ctx;
    const what =
      phase === "deadline"
        ? `the call did not finish within its deadline${ms !== undefined ? ` of ${ms} ms` : ""}`
        : `no ${phase === "connect" ? "connection" : phase === "headers" ? "response headers" : "response body data"} within ${ms !== undefined ? `${ms} ms` : "the timeout"}`;
    return make(
      "timeout",
      `Marin Social timed out ${where(rest)}: ${what}. ` +
        `The server is slow or unreachable; check it, or raise the client's timeouts (${phase === "deadline" ? "deadlineMs" : `${phase}Ms`}). ${urlFix(help)}`,
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
  network(ctx: ErrorContext & { reason: string; origin?: string; retryable?: boolean }, help: SettingHelp = PULUMI_SETTINGS): MarinSocialError {
    const { reason, origin, retryable, ...rest } = ctx;
    return make(
      "network",
      `Could not talk to Marin Social${origin ? ` at ${origin}` : ""} ${where(rest)}: ${reason}. ${urlFix(help)}`,
      rest,
      retryable ?? true,
    );
  },
  /** A 2xx whose body does not match the contract (`what` says how). Never read as data, never as "gone". */
  badResponse(ctx: ErrorContext, what: string, help: SettingHelp = PULUMI_SETTINGS): MarinSocialError {
    return make(
      "server",
      `Marin Social answered ${where(ctx)} with a body that does not match the API contract: ${what}. ` +
        "Nothing was read from it. The API URL may point at something other than the Marin Social API, or client and server disagree on the API version. " +
        urlFix(help),
      ctx,
      false,
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
  insecureTransport(url: string, host: string, from?: string, help: SettingHelp = PULUMI_SETTINGS): MarinSocialError {
    return make(
      "insecure-transport",
      `Refusing to send the Marin Social API key over plain HTTP to ${host} (${url}${from ? `, from ${from}` : ""}): anyone on the network path could read it. ` +
        `Use an https:// URL, or, on a network you trust, opt in with ${help.set("allowInsecureHttp", "true")}.`,
      {},
      false,
    );
  },
  /** Bad configuration: `what` names the setting and the problem, `fix` says how to set it right. */
  config(what: string, fix: string): MarinSocialError {
    return make("config", `Invalid Marin Social configuration: ${what}. ${fix}`, {}, false);
  },
} as const;

/** What {@link errorForStatus} needs of the response and the client beyond the status. */
export interface StatusResponse {
  contentType?: string;
  /** The client's base URL as shown in messages. */
  baseUrl?: string;
  /** How the user sets the URL and key where the client is used (default {@link PULUMI_SETTINGS}). */
  settings?: SettingHelp;
}

/**
 * The error for a response status: 401, 403, 404 (by the contract's problem type), 409, 422,
 * 429, 5xx, other 4xx. `ctx.status` must be set; `response` gives the content type and the
 * client's base URL, which a 404 needs to tell a definite answer from a wrong route.
 */
export function errorForStatus(ctx: ErrorContext & { status: number }, response: StatusResponse = {}): MarinSocialError {
  const s = ctx.status;
  if (s === 401) return errors.unauthorized(ctx, response.settings);
  if (s === 403) return errors.forbidden(ctx);
  if (s === 404 || s === 410) {
    const problemJson = response.contentType?.toLowerCase().startsWith("application/problem+json") === true;
    const p = ctx.problem;
    const definite = s === 404 && problemJson && (p?.status === undefined || p.status === 404) ? p?.type : undefined;
    if (definite === PROBLEM_TYPES.accountNotFound) return errors.accountNotFound(ctx);
    if (definite === PROBLEM_TYPES.agencyNotFound) return errors.agencyNotFound(ctx);
    if (definite === PROBLEM_TYPES.linkNotFound) return errors.linkNotFound(ctx);
    return errors.routeNotFound(ctx, response);
  }
  if (s === 409 || s === 412) return errors.conflict(ctx);
  if (s === 429) return errors.rateLimited(ctx);
  if (s >= 500) return errors.server(ctx);
  if (s === 422) return errors.keyReused(ctx);
  if (s >= 400) return errors.badRequest(ctx);
  return errors.server(ctx, `unexpected status ${s}`);
}
