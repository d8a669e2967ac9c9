/**
 * RFC 9457 problem details: the one error shape of the API (`application/problem+json`).
 */

import { PROBLEM_BASE } from "../core/problem-types";
import type { Problem as ContractProblem } from "../generated/contract";

/** The 404s of the contract, each with its own problem `type` (see core/problem-types.ts). */
export type NotFoundKind = "account" | "agency" | "link" | "route";

const NOT_FOUND_TITLES: Record<NotFoundKind, string> = {
  account: "Account not found",
  agency: "Agency not found",
  link: "Link not found",
  route: "No such route",
};

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ["invalid-request", "Invalid request"],
  401: ["unauthorized", "Unauthorized"],
  403: ["forbidden", "Forbidden"],
  404: ["route-not-found", "No such route"],
  405: ["method-not-allowed", "Method not allowed"],
  409: ["conflict", "Conflict"],
  413: ["payload-too-large", "Payload too large"],
  415: ["unsupported-media-type", "Unsupported media type"],
  422: ["idempotency-key-reused", "Idempotency key reused"],
  429: ["rate-limited", "Too many requests"],
  500: ["internal-error", "Internal server error"],
  503: ["service-unavailable", "Service unavailable"],
};

/** A problem document, as the contract defines it; other extension members (e.g. `errors`) sit beside the standard ones. */
export type Problem = ContractProblem & { [extension: string]: unknown };

/**
 * An error that becomes a problem response. Throw it from a handler: `status` is the HTTP
 * status, `detail` says what went wrong and how to fix it, `extensions` are added members,
 * `headers` are added response headers (e.g. `Retry-After`, `Allow`).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    readonly slug?: string,
  ) {
    super(detail);
    this.name = "HttpError";
  }
}

/**
 * A 404 problem of the contract: `account-not-found` is the only one that means the account
 * does not exist; `route-not-found` is the answer to a path no route matches.
 */
export function notFound(kind: NotFoundKind, detail: string): HttpError {
  return new HttpError(404, detail, {}, {}, `${kind}-not-found`);
}

/** Builds the problem document for `status`, with a stable `type` and `title` per status (or `slug`). */
export function problem(status: number, detail: string, extensions: Record<string, unknown> = {}, slug?: string): Problem {
  const known = TITLES[status] ?? (status >= 500 ? ["server-fault", "Server fault"] : ["client-error", "Client error"]);
  const kind = slug?.endsWith("-not-found") ? (slug.slice(0, -"-not-found".length) as NotFoundKind) : undefined;
  const title = (kind && NOT_FOUND_TITLES[kind]) ?? known[1];
  return { type: PROBLEM_BASE + (slug ?? known[0]), title, status, detail, ...extensions };
}
