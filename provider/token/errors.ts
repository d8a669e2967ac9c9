/**
 * Errors the provider raises, members of the package's one family (core/errors.ts). Messages
 * say what happened, why, and how to fix it.
 */
import { MarinSocialError, type Refusal } from "../core";
import type { TokenOutputs } from "./outputs";

/** `account X does not exist` with the fix. */
export function notFoundMessage(accountId: string): string {
  return (
    `account ${accountId} does not exist in Marin Social (the API says it has no such account). ` +
    "Check the accountId where this token is declared; if the account was deleted at its publisher, remove the token there (`pulumi refresh` drops it from the stack's state)."
  );
}

/** The account does not exist (a definite answer of the API); `cause` is the client's error. */
export function accountMissingError(accountId: string, cause: MarinSocialError): MarinSocialError {
  return new MarinSocialError("account-not-found", notFoundMessage(accountId), cause);
}

/** The planner refused; nothing was changed. Its `code` is the refusal's (`revoked`, `agencies-differ`, ...). */
export function refusedError(refusal: Refusal): MarinSocialError {
  return new MarinSocialError(refusal.code, `${refusal.message} (nothing was changed)`);
}

/**
 * Some actions succeeded and some failed (code `partial-failure`). Thrown from create or update
 * with `id` and `properties` set: the SDK's provider host turns that into an
 * ErrorResourceInitFailed, so the engine records the progress in state and the
 * next `pulumi up` updates the resource, finishing from live state without
 * repeating what was done.
 *
 * `reasons` is what the engine prints (`1 error occurred: * <reason>`) and stores as the
 * resource's init error, so it is the whole message: what failed, and that `pulumi up` finishes.
 * `properties` must carry `__provider` (see lifecycle.ts): the SDK adds it to successful
 * results only, and state without it breaks the next refresh and destroy of the resource.
 */
export class PartialFailure extends MarinSocialError {
  readonly id: string;
  readonly properties: TokenOutputs & { __provider?: unknown };
  readonly reasons: string[];

  constructor(accountId: string, properties: TokenOutputs & { __provider?: unknown }, failures: Array<{ description: string; error: Error }>) {
    const steps = failures.map((f) => `${f.description}: ${f.error.message}`);
    super(
      "partial-failure",
      `account ${accountId} is only partly reconciled (${failures.length} step${failures.length === 1 ? "" : "s"} failed): ` +
        `${steps.join("; ")}. What succeeded is recorded; run \`pulumi up\` again to finish.`,
    );
    this.name = "PartialFailure";
    this.id = accountId;
    this.properties = properties;
    this.reasons = [this.message];
  }

  /** True when `e` is a PartialFailure, also one made by another copy of this package. */
  static override isInstance(e: unknown): e is PartialFailure {
    return MarinSocialError.isInstance(e, "partial-failure");
  }
}
