/**
 * The audit of one person (`marin-social audit --person`): every account whose token they
 * authorized, its live validity and agencies, and what offboarding them would do to each (every
 * token invalid, every link cut), with the drift of the audit of a declaration file. Pure.
 */
import { personLabel } from "./drift";
import { buildReport, type Report, type ReportRow } from "./report";
import type { Account, AuditEntry, Person } from "./types";

/** A row of a person's audit: a report row, with who authorized the token and when. */
export interface PersonReportRow extends ReportRow {
  authorizedBy: Person | null;
  authorizedAt: string | null;
}

/** A person's audit: the audit report of their accounts as offboarding them would declare them. */
export interface PersonReport extends Report {
  rows: PersonReportRow[];
  person: {
    /** The id or email asked for. */
    ref: string;
    /** Who that is, as their tokens name them (more than one when tokens name them differently, e.g. another display name). */
    matched: Person[];
  };
}

/** True when `report` is a person's audit. */
export function isPersonReport(report: Report): report is PersonReport {
  return "person" in report;
}

/**
 * The audit of the person `ref` names, from their accounts (as the API's `authorizedBy` filter
 * gave them, in id order) and the audit log (in time order).
 */
export function buildPersonReport(ref: string, accounts: readonly Account[], history: readonly AuditEntry[]): PersonReport {
  const desired = accounts.map((a) => ({ accountId: a.id, valid: false, publisher: a.publisher }));
  const report = buildReport(desired, new Map(accounts.map((a) => [a.id, a])), history);
  const rows = report.rows.map((row, i) => {
    const token = (accounts[i] as Account).token;
    return { ...row, authorizedBy: token.authorizedBy, authorizedAt: token.authorizedAt };
  });
  const matched = new Map<string, Person>();
  for (const a of accounts) {
    const p = a.token.authorizedBy;
    if (p) matched.set(JSON.stringify([p.id, p.name, p.email ?? null]), p);
  }
  return { ...report, rows, person: { ref, matched: [...matched.values()] } };
}

/** Who a person's audit is about: the people matched, or the id or email asked for when no token is theirs. */
export function personSubject(report: PersonReport): string {
  return report.person.matched.length > 0 ? report.person.matched.map(personLabel).join(", ") : report.person.ref;
}
