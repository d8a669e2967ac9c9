/**
 * Offboarding a person: from the accounts whose tokens they authorized (asked again on every run)
 * to the tokens to declare `valid: false`, the ones kept, and the `expectAccounts` guard. Pure.
 */
import { accountLabel } from "./describe";
import { personLabel } from "./drift";
import { checkGuard, guardRefuses } from "./guard";
import type { Account } from "./types";

/** What a user declares to offboard one person. */
export interface DesiredOffboarding {
  /** Their publisher-side user id, or their email, as `authorizedBy` carries them. */
  person: string;
  /** Recorded with each invalidation. */
  reason?: string;
  /** Account ids never touched, even when the person authorized them. */
  keep?: readonly string[];
  /** A guard: the account ids this offboarding may cut. */
  expectAccounts?: readonly string[];
}

/** An account as the offboarding needs it. */
export type PersonAccount = Pick<Account, "id" | "publisher" | "name" | "token">;

/** What one run does for one person. */
export interface OffboardingPlan {
  person: string;
  /** The declared reason, recorded with each invalidation. */
  reason?: string;
  /** The accounts to declare `valid: false`, in id order: found, not kept. Empty when refused. */
  cut: PersonAccount[];
  /** Keep-listed accounts the person authorized: never touched. */
  kept: PersonAccount[];
  /** Set when the guard refuses: nothing of this person's is cut. */
  refusal?: { code: "accounts-differ"; property: "expectAccounts"; unexpected: string[]; missing: string[]; message: string };
  /** Lines for the preview: what is kept, and what the guard names that is not there to cut. */
  notes: string[];
}

const byId = (a: PersonAccount, b: PersonAccount) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Plans one person's offboarding from `found`, the accounts whose token they authorized (as the
 * API lists them now). Every found account not on `keep` is cut; `expectAccounts` bounds that cut
 * (guard.ts): an account it does not name refuses the whole entry, and one it names that is not
 * found (or is kept) is only noted.
 */
export function planOffboarding(desired: DesiredOffboarding, found: readonly PersonAccount[]): OffboardingPlan {
  const keep = new Set(desired.keep ?? []);
  const sorted = [...found].sort(byId);
  const cut = sorted.filter((a) => !keep.has(a.id));
  const kept = sorted.filter((a) => keep.has(a.id));
  const who = sorted[0]?.token.authorizedBy ? personLabel(sorted[0].token.authorizedBy) : desired.person;
  const notes = kept.map((a) => `${accountLabel(a)} is on the keep list: not touched`);
  const notFoundKept = [...keep].filter((id) => !sorted.some((a) => a.id === id)).sort();
  if (notFoundKept.length > 0) notes.push(`keep lists ${notFoundKept.join(", ")}, not authorized by ${who}: nothing to keep there`);
  if (desired.expectAccounts !== undefined) {
    const check = checkGuard(desired.expectAccounts, cut, (a) => a.id);
    if (guardRefuses(check)) {
      const unexpected = check.beyond.map((a) => a.id);
      const parts = [`found but not expected: ${check.beyond.map(accountLabel).join(", ")}`];
      if (check.absent.length > 0) parts.push(`expected but not found: ${check.absent.join(", ")}`);
      return {
        person: desired.person,
        ...(desired.reason !== undefined ? { reason: desired.reason } : {}),
        cut: [],
        kept,
        notes,
        refusal: {
          code: "accounts-differ",
          property: "expectAccounts",
          unexpected,
          missing: check.absent,
          message:
            `the accounts whose token ${who} authorized are not the ones expectAccounts names (${parts.join("; ")}). ` +
            `Nothing of theirs was changed. Review who is affected, then set expectAccounts to [${cut.map((a) => a.id).join(", ")}], ` +
            `add the accounts to keep, or remove expectAccounts.`,
        },
      };
    }
    if (check.absent.length > 0) notes.push(`expectAccounts names ${check.absent.join(", ")}, not found to cut: nothing to cut there`);
  }
  return { person: desired.person, ...(desired.reason !== undefined ? { reason: desired.reason } : {}), cut, kept, notes };
}
