/**
 * Drift between what Pulumi last recorded and what is live. Pure.
 */
import { isPulumiActor } from "./actor";
import type { LiveToken } from "./plan";
import type { Person, TokenState } from "./types";

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
 * - recorded invalid, live valid: `reauthorized`, naming who granted the token again and when.
 */
export function detectDrift(
  recorded: RecordedToken,
  live: LiveToken & { token: Partial<Pick<TokenState, "authorizedBy" | "authorizedAt">> },
): Drift | undefined {
  if (recorded.valid && !live.token.valid && !isPulumiActor(live.token.invalidatedBy)) {
    return {
      kind: "revoked-outside-pulumi",
      message: `revoked outside Pulumi by ${live.token.invalidatedBy ?? "an unknown actor"} at ${live.token.invalidatedAt ?? "an unknown time"}`,
    };
  }
  if (!recorded.valid && live.token.valid) {
    return {
      kind: "reauthorized",
      message: `${reauthorizedBy(live.token.authorizedBy, undefined, live.token.authorizedAt)}, after it was invalidated; the next \`pulumi up\` invalidates it again`,
    };
  }
  return undefined;
}

/**
 * What a refresh says of a drift against the token's resource. A token re-authorized after
 * Pulumi invalidated it is an error when the Offboarding that declared it (`offboarding`, its
 * name) offboards the person who granted it: the component asks for exactly their accounts, so
 * that person is offboarded in this stack and granted it again anyway. Otherwise it is drift, a
 * warning. `label` names the account.
 */
export function driftNotice(label: string, drift: Drift, offboarding: string | undefined): { severity: "warn" | "error"; message: string } {
  if (drift.kind === "reauthorized" && offboarding !== undefined) {
    return { severity: "error", message: `${label}: ${drift.message}; its authorizer is offboarded in this stack (Offboarding "${offboarding}")` };
  }
  return { severity: "warn", message: `${label}: ${drift.message}` };
}

/** True when the live token was revoked by someone other than Pulumi. */
export function revokedOutsidePulumi(live: LiveToken): boolean {
  return !live.token.valid && !isPulumiActor(live.token.invalidatedBy);
}

/** `Jane Doe <jane@agency.example> (u-7001)`: a publisher-side person, for messages (server text: shown through displayText). */
export function personLabel(p: Person): string {
  return `${p.name}${p.email ? ` <${p.email}>` : ""} (${p.id})`;
}

/**
 * `re-authorized by <person> at <when>`: the person who granted the token again (the token's or
 * the audit entry's `authorizedBy`), else the actor the audit log recorded, else unknown.
 */
export function reauthorizedBy(by: Person | null | undefined, actor: string | undefined, at: string | null | undefined): string {
  return `re-authorized by ${by ? personLabel(by) : (actor ?? "an unknown person")} at ${at ?? "an unknown time"}`;
}
