/**
 * The audit report: for each declared token, its live state, the action
 * `pulumi up` would take, and drift. Pure; `marin-social audit` renders it.
 */
import { isPulumiActor } from "./actor";
import { summarizePlan } from "./describe";
import { reauthorizedBy } from "./drift";
import type { OffboardingPlan } from "./offboarding";
import { isAuthorizedBy } from "./person";
import type { RefusalCode as TokenRefusalCode } from "./plan";
import { planToken, sortAgencies } from "./plan";
import type { Account, Agency, AuditEntry, DesiredToken, Publisher } from "./types";

/** Why a row is refused: the planner's codes, or a person's `expectAccounts` guard. */
export type ReportRefusalCode = TokenRefusalCode | "accounts-differ";

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
  refusal?: ReportRefusalCode;
  /** The refusal or not-found explanation, when there is one. */
  detail?: string;
  drift?: ReportDrift;
  driftDetail?: string;
  /** For an account of a `people:` entry: the person offboarded. */
  person?: string;
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

/**
 * Builds the report from declarations, live accounts (absent = 404) and the audit log. `people`:
 * the plans of the file's `people:` entries; each account one cuts is a row declared `valid: false`
 * (unless a token entry declares it already), and each account of a refused entry a refused row.
 */
export function buildReport(
  declared: readonly DesiredToken[],
  live: ReadonlyMap<string, Account>,
  history: readonly AuditEntry[],
  people: readonly OffboardingPlan[] = [],
): Report {
  const reauth = reauthorizations(history);
  const personOf = new Map<string, string>();
  const all = [...declared];
  const claimed = new Set(declared.map((d) => d.accountId));
  const refusedRows: ReportRow[] = [];
  for (const plan of people) {
    if (plan.refusal) {
      for (const id of plan.refusal.unexpected) {
        const a = live.get(id);
        refusedRows.push({
          accountId: id,
          status: "found",
          ...(a ? { publisher: a.publisher, name: a.name, liveValid: a.token.valid, linkedAgencies: sortAgencies(a.agencies) } : {}),
          desiredValid: false,
          action: "refuse (accounts-differ)",
          invalidate: false,
          unlink: [],
          refusal: "accounts-differ",
          detail: plan.refusal.message,
          person: plan.person,
        });
      }
      continue;
    }
    for (const a of plan.cut) {
      personOf.set(a.id, plan.person);
      if (claimed.has(a.id)) continue;
      claimed.add(a.id);
      all.push({ accountId: a.id, valid: false, ...(plan.reason ? { reason: plan.reason } : {}) });
    }
  }
  const rows = all.map((d): ReportRow => {
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
      const person = personOf.get(d.accountId);
      if (person !== undefined && isAuthorizedBy(account, person)) row.driftDetail += `, who is offboarded in this file (people: ${person})`;
    }
    const person = personOf.get(d.accountId);
    if (person !== undefined) row.person = person;
    return row;
  });
  rows.push(...refusedRows);
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
