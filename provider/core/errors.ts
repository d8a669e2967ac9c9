/**
 * The one error family of pulumi-marin-social. Every error the package raises on purpose is a
 * {@link MarinSocialError}: a stable `code` to switch on, the `kind` of failure it belongs to,
 * and a message that says what happened, why, and how to fix it.
 *
 * | kind | codes |
 * | --- | --- |
 * | `configuration` | `config`, `insecure-transport` |
 * | `api` | `unauthorized`, `forbidden`, `account-not-found`, `agency-not-found`, `link-not-found`, `route-not-found`, `conflict`, `rate-limited`, `timeout`, `server`, `network`, `bad-request` |
 * | `declaration` | `declaration-invalid`, `invalid-input` |
 * | `refusal` | the planner's refusal codes: `publisher-mismatch`, `agencies-differ`, `revoked` |
 * | `partial-failure` | `partial-failure` |
 *
 * Only `account-not-found` means "this account does not exist". A 404 the contract does not
 * explain (an unknown route, a wrong base URL, a proxy's page) is `route-not-found`, an error.
 *
 * Pure: no I/O. Adapters add subclasses with extra fields (DeclarationError, PartialFailure);
 * the client's factories (provider/client/errors.ts) build the API and configuration errors.
 */
import type { RefusalCode } from "./plan";

/** The kinds of failure; each code belongs to exactly one. */
export type ErrorKind = "configuration" | "api" | "declaration" | "refusal" | "partial-failure";

/** The stable codes. Switch on these, never on messages. */
export type ErrorCode =
  | "config"
  | "insecure-transport"
  | "unauthorized"
  | "forbidden"
  | "account-not-found"
  | "agency-not-found"
  | "link-not-found"
  | "route-not-found"
  | "conflict"
  | "rate-limited"
  | "timeout"
  | "server"
  | "network"
  | "bad-request"
  | "declaration-invalid"
  | "invalid-input"
  | "partial-failure"
  | RefusalCode;

const KINDS: Record<Exclude<ErrorCode, RefusalCode>, ErrorKind> = {
  config: "configuration",
  "insecure-transport": "configuration",
  unauthorized: "api",
  forbidden: "api",
  "account-not-found": "api",
  "agency-not-found": "api",
  "link-not-found": "api",
  "route-not-found": "api",
  conflict: "api",
  "rate-limited": "api",
  timeout: "api",
  server: "api",
  network: "api",
  "bad-request": "api",
  "declaration-invalid": "declaration",
  "invalid-input": "declaration",
  "partial-failure": "partial-failure",
};

/** The kind a code belongs to; codes outside the table are the planner's refusals. */
export function kindOf(code: ErrorCode): ErrorKind {
  return (KINDS as Record<string, ErrorKind | undefined>)[code] ?? "refusal";
}

/** An RFC 9457 problem document as the API sends it (`application/problem+json`). */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [k: string]: unknown;
}

/** Where and how an API call failed; every field optional. */
export interface ErrorContext {
  /** HTTP method of the call. */
  method?: string;
  /** Request path as sent (base path, path and query; never a secret), e.g. `/v1/accounts/fb-1001`. */
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
  /** Whether trying again later may succeed. Default false. */
  retryable?: boolean;
}

/**
 * The brand that makes {@link MarinSocialError.isInstance} work across copies of this package
 * loaded in one process (the program's and the provider shim's), where `instanceof` does not.
 */
const BRAND: unique symbol = Symbol.for("pulumi-marin-social.MarinSocialError") as never;

/**
 * Every failure pulumi-marin-social raises. `code` is stable; `kind` groups the codes;
 * `retryable` says whether trying again later may succeed (rate limits, server faults,
 * timeouts, network blips). API errors also carry `status`, `method`, `path`, `attempts` and the
 * server's `problem`. The API key never appears in any field, the message or the stack.
 */
export class MarinSocialError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly problem?: ProblemDetails;
  readonly method?: string;
  readonly path?: string;
  readonly attempts?: number;

  constructor(code: ErrorCode, message: string, init: MarinSocialErrorInit = {}) {
    super(message);
    Object.defineProperty(this, BRAND, { value: true });
    this.name = "MarinSocialError";
    this.code = code;
    this.kind = kindOf(code);
    this.retryable = init.retryable ?? false;
    if (init.status !== undefined) this.status = init.status;
    if (init.problem !== undefined) this.problem = init.problem;
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
    if (init.attempts !== undefined) this.attempts = init.attempts;
  }

  /**
   * True when `e` is a MarinSocialError (of any subclass), also one made by another copy of
   * this package in the same process. Optionally only of the given code.
   */
  static isInstance(e: unknown, code?: ErrorCode): e is MarinSocialError {
    return typeof e === "object" && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true && (code === undefined || (e as MarinSocialError).code === code);
  }

  /** A plain object for logs and JSON: name, code, kind, message and the context fields. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      kind: this.kind,
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
