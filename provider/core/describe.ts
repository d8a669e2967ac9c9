/**
 * Readable descriptions of plans and live state: the words `pulumi preview`,
 * `marin-social audit` and the tests share. Pure.
 */
import { isPulumiActor } from "./actor";
import { type Action, type LiveToken, type Plan, sortAgencies } from "./plan";
import type { Agency } from "./types";

/** `North Agency (ag-north)` */
export function agencyLabel(a: Agency): string {
  return `${a.name} (${a.id})`;
}

/** `facebook account "Acme Coffee" (fb-1001)` */
export function accountLabel(live: Pick<LiveToken, "id" | "publisher" | "name">): string {
  return `${live.publisher} account "${live.name}" (${live.id})`;
}

function agencyList(agencies: readonly Agency[]): string {
  return sortAgencies(agencies).map(agencyLabel).join(", ");
}

/** One line per action, e.g. `invalidate token of fb-1001 (reason: ...)` or `unlink North Agency (ag-north) from fb-1001`. */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case "invalidate":
      return `invalidate token of ${action.accountId} as ${action.actor}${action.reason ? ` (reason: ${action.reason})` : ""}`;
    case "unlink":
      return `unlink ${agencyLabel(action.agency)} from ${action.accountId}`;
  }
}

/** The plan as lines: its actions, `refuse: <message>`, or `nothing to do`. */
export function describePlan(plan: Plan): string[] {
  if (plan.refusal) return [`refuse ${plan.accountId}: ${plan.refusal.message}`];
  if (plan.actions.length === 0) return [`nothing to do for ${plan.accountId}`];
  return plan.actions.map(describeAction);
}

/** A one-phrase summary of what `pulumi up` would do, for tables. */
export function summarizePlan(plan: Plan): string {
  if (plan.refusal) return `refuse (${plan.refusal.code})`;
  const invalidate = plan.actions.some((a) => a.kind === "invalidate");
  const unlinks = plan.actions.filter((a) => a.kind === "unlink").length;
  if (invalidate) return unlinks > 0 ? `invalidate, unlink ${agenciesPhrase(unlinks)}` : "invalidate";
  if (unlinks > 0) return `unlink ${agenciesPhrase(unlinks)}`;
  return "none";
}

/** Severity of an audit line, matching Pulumi's log levels. */
export type AuditSeverity = "info" | "warn" | "error";

/** What the program logs against a `PublisherToken` during preview and up. */
export interface AuditLine {
  severity: AuditSeverity;
  message: string;
}

function agenciesPhrase(n: number): string {
  return n === 1 ? "1 agency" : `${n} agencies`;
}

/**
 * The audit line for one declared token against its live account.
 *
 * - `valid: false` on a valid token (warn): `invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: North Agency (ag-north), ...`
 * - an already invalid token (info): who revoked it and when; a warning when links remain to be cut.
 * - a valid token declared valid (info): the agencies it is linked to.
 * - a refused plan (error): the refusal; the run fails, and the provider's check fails with the same words.
 *
 * The plan's notes follow in parentheses.
 */
export function auditLine(live: LiveToken, plan: Plan): AuditLine {
  if (plan.refusal) {
    return { severity: "error", message: `${accountLabel(live)}: ${plan.refusal.message}` };
  }
  const line = plannedLine(live, plan);
  return plan.notes?.length ? { ...line, message: `${line.message} (${plan.notes.join("; ")})` } : line;
}

function plannedLine(live: LiveToken, plan: Plan): AuditLine {
  const label = accountLabel(live);
  const unlinks = plan.actions.filter((a): a is Extract<Action, { kind: "unlink" }> => a.kind === "unlink");
  const cut = unlinks.map((a) => a.agency);
  if (plan.actions.some((a) => a.kind === "invalidate")) {
    if (cut.length === 0) {
      return { severity: "warn", message: `invalidating ${label}; it is linked to no agency, so none is cut off` };
    }
    return { severity: "warn", message: `invalidating ${label} unlinks ${agenciesPhrase(cut.length)}: ${agencyList(cut)}` };
  }
  if (!live.token.valid) {
    const by = live.token.invalidatedBy ?? "an unknown actor";
    const where = isPulumiActor(live.token.invalidatedBy) ? "" : " (outside Pulumi)";
    const when = live.token.invalidatedAt ?? "an unknown time";
    const reason = live.token.reason ? `, reason: ${live.token.reason}` : "";
    const base = `${label} token already invalid: revoked by ${by}${where} at ${when}${reason}`;
    if (cut.length > 0) {
      return { severity: "warn", message: `${base}; still linked, will unlink ${agenciesPhrase(cut.length)}: ${agencyList(cut)}` };
    }
    return { severity: "info", message: base };
  }
  const linked = live.agencies.length > 0 ? `: ${agencyList(live.agencies)}` : "";
  return {
    severity: "info",
    message: `${label} token valid, linked to ${agenciesPhrase(live.agencies.length)}${linked}`,
  };
}

/**
 * Said after `pulumi up` acted, when the token it planned to invalidate (as the audit line said
 * before acting) was found already invalid by someone else: another stack won a race, or a person
 * revoked it in between. `unlinked`: the agencies this run cut off itself.
 */
export function alreadyInvalidLine(
  live: Pick<LiveToken, "id" | "publisher" | "name">,
  by: string | null,
  at: string | null,
  unlinked: readonly Agency[],
): string {
  const done = unlinked.length > 0 ? `it only unlinked ${agenciesPhrase(unlinked.length)}: ${agencyList(unlinked)}` : "it changed nothing";
  return `${accountLabel(live)}: the token was already invalid when this run came to invalidate it (revoked by ${by ?? "an unknown actor"} at ${at ?? "an unknown time"}), so this run did not invalidate it; ${done}`;
}
