/**
 * Drift between what Pulumi last recorded and what is live. Pure.
 */
import { isPulumiActor } from "./actor";
import type { LiveToken } from "./plan";

/** Stable drift kinds. */
export type DriftKind = "revoked-outside-pulumi" | "reauthorized";

/** One drift finding, with a readable message. */
export interface Drift {
  kind: DriftKind;
  message: string;
}

/** What was last recorded for the token (state outputs, or a declaration plus audit history). */
export interface RecordedToken {
  /** Validity Pulumi last saw or made. */
  valid: boolean;
}

/**
 * Compares recorded and live validity.
 * - recorded valid, live invalid, revoked by someone other than Pulumi: `revoked-outside-pulumi`;
 * - recorded invalid, live valid: `reauthorized` (someone re-linked the account in Marin Social).
 */
export function detectDrift(recorded: RecordedToken, live: LiveToken): Drift | undefined {
  if (recorded.valid && !live.token.valid && !isPulumiActor(live.token.invalidatedBy)) {
    return {
      kind: "revoked-outside-pulumi",
      message: `revoked outside Pulumi by ${live.token.invalidatedBy ?? "an unknown actor"} at ${live.token.invalidatedAt ?? "an unknown time"}`,
    };
  }
  if (!recorded.valid && live.token.valid) {
    return { kind: "reauthorized", message: "re-authorized in Marin Social after it was invalidated" };
  }
  return undefined;
}

/** True when the live token was revoked by someone other than Pulumi. */
export function revokedOutsidePulumi(live: LiveToken): boolean {
  return !live.token.valid && !isPulumiActor(live.token.invalidatedBy);
}
