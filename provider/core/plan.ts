/**
 * The planner: desired token state + live account -> a plan. Pure: no I/O, no
 * Pulumi, no clock. Every adapter (provider, CLI audit, program audit) asks
 * this one function what `pulumi up` would do.
 */
import { isPulumiActor } from "./actor";
import { checkGuard, guardRefuses } from "./guard";
import type { Account, Agency, DesiredToken } from "./types";

/** Revoke the token. Marin Social kills it for every linked agency at once. */
export interface InvalidateAction {
  kind: "invalidate";
  accountId: string;
  actor: string;
  reason: string | null;
}

/** Remove one agency link from the account. */
export interface UnlinkAction {
  kind: "unlink";
  accountId: string;
  actor: string;
  agency: Agency;
}

/** One step of a plan, as data. */
export type Action = InvalidateAction | UnlinkAction;

/** Stable codes for the reasons the planner refuses to act. */
export type RefusalCode = "publisher-mismatch" | "agencies-differ" | "revoked";

/** Why nothing will be done, and how to fix it. A refused plan has no actions. */
export interface Refusal {
  code: RefusalCode;
  /** The property the refusal is about, for Pulumi check failures. */
  property: string;
  message: string;
  /** Set for `agencies-differ`. */
  unexpected?: Agency[];
  missing?: string[];
}

/** What `pulumi up` would do for one token. `actions` is empty when it is converged or refused. */
export interface Plan {
  accountId: string;
  actions: Action[];
  refusal?: Refusal;
  /** Said with the plan, never a reason to refuse: e.g. agencies the guard names that are no longer linked. */
  notes?: string[];
}

/** The live facts the planner needs; an `Account` satisfies it. */
export type LiveToken = Pick<Account, "id" | "publisher" | "name" | "agencies"> & {
  token: Pick<Account["token"], "valid" | "invalidatedAt" | "invalidatedBy" | "reason">;
};

/** Planning context: who acts. */
export interface PlanContext {
  /** Recorded as `invalidatedBy`, e.g. `pulumi:project/stack`. */
  actor: string;
}

/**
 * Plans one token.
 *
 * - `valid: false` on a valid token: invalidate, then unlink every linked agency.
 * - `valid: false` on an invalid token: unlink whatever is still linked (adoption, or finishing a
 *   partial run). Nothing is ever done twice: the plan is computed from live state.
 * - `valid: true` on a valid token: nothing.
 * - `valid: true` on an invalid token: refused; a revoked token can only be re-authorized in Marin Social.
 * - `publisher` set and different from live: refused.
 * - `expectAgencies` set, `valid: false`: the guard bounds the cut (see guard.ts). Refused when the
 *   run would unlink an agency it does not name; agencies it names that are not linked (already cut,
 *   or a token re-authorized with its links gone) never stop the invalidation, they are a note.
 * - `expectAgencies` set, `valid: true`: nothing is cut, so no revocation can be stopped; the guard
 *   asserts the live links exactly and refuses when they differ either way.
 */
export function planToken(desired: DesiredToken, live: LiveToken, ctx: PlanContext): Plan {
  const accountId = live.id;
  if (desired.publisher !== undefined && desired.publisher !== live.publisher) {
    return refuse(accountId, {
      code: "publisher-mismatch",
      property: "publisher",
      message:
        `account ${accountId} is a ${live.publisher} account, but publisher is declared as ${desired.publisher}. ` +
        `Check the accountId, or set publisher: ${live.publisher}.`,
    });
  }

  if (desired.valid && !live.token.valid) {
    return refuse(accountId, { code: "revoked", property: "valid", message: revokedMessage(live) });
  }

  const actions: Action[] = [];
  if (!desired.valid) {
    if (live.token.valid) {
      actions.push({ kind: "invalidate", accountId, actor: ctx.actor, reason: desired.reason ?? null });
    }
    for (const agency of sortAgencies(live.agencies)) {
      actions.push({ kind: "unlink", accountId, actor: ctx.actor, agency: { id: agency.id, name: agency.name } });
    }
  }

  if (desired.expectAgencies !== undefined) {
    const check = checkGuard(desired.expectAgencies, live.agencies, (a) => a.id);
    if (guardRefuses(check) || (desired.valid && check.absent.length > 0)) {
      return refuse(accountId, agenciesDiffer(live, sortAgencies(check.beyond), check.absent));
    }
    if (actions.length > 0 && check.absent.length > 0) {
      return { accountId, actions, notes: [`expectAgencies names ${check.absent.join(", ")}, no longer linked: nothing to cut there`] };
    }
  }
  return { accountId, actions };
}

/** True when the plan has nothing to do and nothing refused. */
export function isConverged(plan: Plan): boolean {
  return plan.actions.length === 0 && plan.refusal === undefined;
}

function agenciesDiffer(live: LiveToken, unexpected: Agency[], missing: string[]): Refusal {
  const parts: string[] = [];
  if (unexpected.length > 0) {
    parts.push(`linked but not expected: ${unexpected.map((a) => `${a.name} (${a.id})`).join(", ")}`);
  }
  if (missing.length > 0) parts.push(`expected but not linked: ${missing.join(", ")}`);
  const linked = sortAgencies(live.agencies).map((a) => a.id);
  return {
    code: "agencies-differ",
    property: "expectAgencies",
    unexpected,
    missing,
    message:
      `account ${live.id} ("${live.name}") is not linked to the agencies expectAgencies names (${parts.join("; ")}). ` +
      `Nothing was changed. Review who is affected, then set expectAgencies to [${linked.join(", ")}] or remove it.`,
  };
}

/** The message for `valid: true` on a token that is revoked: who, when, and how to restore it. */
export function revokedMessage(live: LiveToken): string {
  const who = live.token.invalidatedBy ?? "an unknown actor";
  const when = live.token.invalidatedAt ?? "an unknown time";
  const why = live.token.reason ? ` (reason: ${live.token.reason})` : "";
  return (
    `the ${live.publisher} token of "${live.name}" (${live.id}) was revoked by ${who} at ${when}${why}` +
    `${isPulumiActor(live.token.invalidatedBy) ? "" : ", outside Pulumi"}. A revoked token cannot be made valid by Pulumi. ` +
    `To restore it, re-authorize the account in Marin Social (Config > Accounts), then run \`pulumi refresh\`; ` +
    `or declare valid: false to accept the revocation.`
  );
}

function refuse(accountId: string, refusal: Refusal): Plan {
  return { accountId, actions: [], refusal };
}

/** Agencies sorted by id: plans and messages are deterministic. */
export function sortAgencies<T extends { id: string }>(agencies: readonly T[]): T[] {
  return [...agencies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
