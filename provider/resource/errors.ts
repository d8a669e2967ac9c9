/**
 * Errors the provider raises. Messages say what happened, why, and how to fix it.
 */
import type { Refusal } from "../core";
import type { TokenOutputs } from "./outputs";

/** `account X does not exist` with the fix. */
export function notFoundMessage(accountId: string): string {
  return (
    `account ${accountId} does not exist in Marin Social (the API answered 404). ` +
    "Check the accountId; `marin-social audit FILE` shows what is live."
  );
}

/** The planner refused; nothing was changed. */
export function refusedError(refusal: Refusal): Error {
  const err = new Error(`${refusal.message} (nothing was changed)`);
  (err as Error & { code: string }).code = refusal.code;
  return err;
}

/**
 * Some actions succeeded and some failed. Thrown from create or update with
 * `id` and `properties` set: the SDK's provider host turns that into an
 * ErrorResourceInitFailed, so the engine records the progress in state and the
 * next `pulumi up` updates the resource, finishing from live state without
 * repeating what was done.
 */
export class PartialFailure extends Error {
  readonly id: string;
  readonly properties: TokenOutputs;
  readonly reasons: string[];

  constructor(accountId: string, properties: TokenOutputs, failures: Array<{ description: string; error: Error }>) {
    const reasons = failures.map((f) => `${f.description}: ${f.error.message}`);
    super(
      `account ${accountId} is only partly reconciled (${failures.length} step${failures.length === 1 ? "" : "s"} failed): ` +
        `${reasons.join("; ")}. What succeeded is recorded; run \`pulumi up\` again to finish.`,
    );
    this.name = "PartialFailure";
    this.id = accountId;
    this.properties = properties;
    this.reasons = reasons;
  }
}
