/**
 * The audit report: for each declared token, its live state, the action
 * `pulumi up` would take, and drift. Pure; `marin-social audit` renders it.
 */
import { isPulumiActor } from "./actor";
import { summarizePlan } from "./describe";
import { reauthorizedBy } from "./drift";
import type { RefusalCode } from "./plan";
import { planToken, sortAgencies } from "./plan";
import type { Account, Agency, AuditEntry, DesiredToken, Publisher } from "./types";

/** Drift found by the audit. */
export type ReportDrift = "revoked-outside-pulumi" | "reauthorized-after-invalidation";

/** One row of the audit report. */
export interface ReportRow {
  accountId: string;
  /** `found`, or `missing` when the API answered 404. */
  status: "found" | "missing";
  publisher?: Publisher;
  name?: string;
  liveValid?: boolean;
  linkedAgencies?: Agency[];
  desiredValid: boolean;
  /** What `pulumi up` would do: `none`, `invalidate, unlink 3 agencies`, `refuse (revoked)`... */
  action: string;
  /** True when `pulumi up` would invalidate the token. */
  invalidate: boolean;
  /** The agencies `pulumi up` would unlink, sorted by id (the plan's unlink actions). */
  unlink: Agency[];
  /** Why the planner refuses to act, when it does (`detail` has the message). */
  refusal?: RefusalCode;
  /** The refusal or not-found explanation, when there is one. */
  detail?: string;
  drift?: ReportDrift;
  driftDetail?: string;
}

/** The whole report. */
export interface Report {
  rows: ReportRow[];
  summary: { tokens: number; drift: number; pending: number; refused: number; missing: number };
}

/**
 * Finds, per account, a re-authorization that came after an invalidation made by Pulumi.
 * `history` is the audit log in time order.
 */
export function reauthorizations(history: readonly AuditEntry[]): Map<string, AuditEntry> {
  const invalidatedByPulumi = new Set<string>();
  const found = new Map<string, AuditEntry>();
  for (const e of history) {
    if (e.action === "token.invalidate" && isPulumiActor(e.actor)) {
      invalidatedByPulumi.add(e.accountId);
      found.delete(e.accountId);
    } else if (e.action === "token.reauthorize" && invalidatedByPulumi.has(e.accountId)) {
      found.set(e.accountId, e);
    }
  }
  return found;
}

/** Builds the report from declarations, live accounts (absent = 404) and the audit log. */
export function buildReport(declared: readonly DesiredToken[], live: ReadonlyMap<string, Account>, history: readonly AuditEntry[]): Report {
  const reauth = reauthorizations(history);
  const rows = declared.map((d): ReportRow => {
    const account = live.get(d.accountId);
    if (!account) {
      return {
        accountId: d.accountId,
        status: "missing",
        desiredValid: d.valid,
        action: "fail (not found)",
        invalidate: false,
        unlink: [],
        detail: `account ${d.accountId} does not exist in Marin Social`,
      };
    }
    const plan = planToken(d, account, { actor: "pulumi:audit" });
    const row: ReportRow = {
      accountId: d.accountId,
      status: "found",
      publisher: account.publisher,
      name: account.name,
      liveValid: account.token.valid,
      linkedAgencies: sortAgencies(account.agencies),
      desiredValid: d.valid,
      action: summarizePlan(plan),
      invalidate: plan.actions.some((a) => a.kind === "invalidate"),
      unlink: plan.actions.flatMap((a) => (a.kind === "unlink" ? [a.agency] : [])),
    };
    if (plan.refusal) {
      row.detail = plan.refusal.message;
      row.refusal = plan.refusal.code;
    }
    if (d.valid && !account.token.valid && !isPulumiActor(account.token.invalidatedBy)) {
      row.drift = "revoked-outside-pulumi";
      row.driftDetail = `revoked by ${account.token.invalidatedBy ?? "an unknown actor"} at ${account.token.invalidatedAt ?? "an unknown time"}`;
    } else if (account.token.valid && reauth.has(d.accountId)) {
      const e = reauth.get(d.accountId)!;
      row.drift = "reauthorized-after-invalidation";
      row.driftDetail = reauthorizedBy(e.authorizedBy ?? account.token.authorizedBy, e.actor, e.authorizedAt ?? e.at);
    }
    return row;
  });
  return {
    rows,
    summary: {
      tokens: rows.length,
      drift: rows.filter((r) => r.drift).length,
      pending: rows.filter((r) => r.status === "found" && r.action !== "none" && !r.action.startsWith("refuse")).length,
      refused: rows.filter((r) => r.action.startsWith("refuse")).length,
      missing: rows.filter((r) => r.status === "missing").length,
    },
  };
}
