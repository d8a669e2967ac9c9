/** The columns of the audit table, shared by the text table and the HTML report. Pure. */
import type { PersonReportRow, Report, ReportRow } from "../core";
import { isPersonReport } from "../core/person-report";

/** The column headers, in order. */
export const AUDIT_COLUMNS = ["ACCOUNT", "PUBLISHER", "NAME", "LIVE", "AGENCIES", "DESIRED", "ACTION", "DRIFT"] as const;

/** One row's cells, in the order of {@link AUDIT_COLUMNS}. */
export function auditCells(r: ReportRow): string[] {
  return [
    r.accountId,
    r.publisher ?? "-",
    r.name ?? "-",
    r.status === "missing" ? "not found" : r.liveValid ? "valid" : "INVALID",
    r.linkedAgencies?.map((a) => a.id).join(",") || "-",
    r.desiredValid ? "valid" : "invalid",
    r.action,
    r.drift ? `${r.drift}: ${r.driftDetail}` : "-",
  ];
}

/**
 * The columns of a person's audit (`audit --person`): where a file's audit shows the desired
 * state, when the person authorized the token; the action is what offboarding them would do.
 */
export const PERSON_COLUMNS = ["ACCOUNT", "PUBLISHER", "NAME", "LIVE", "AGENCIES", "AUTHORIZED", "IF OFFBOARDED", "DRIFT"] as const;

/** One row's cells, in the order of {@link PERSON_COLUMNS}. */
export function personCells(r: PersonReportRow): string[] {
  const cells = auditCells(r);
  cells[5] = r.authorizedAt ?? "-";
  return cells;
}

/** The columns and cells of `report`'s table: a person's audit, or a declaration file's. */
export function tableOf(report: Report): { columns: readonly string[]; rows: string[][] } {
  if (isPersonReport(report)) return { columns: PERSON_COLUMNS, rows: report.rows.map(personCells) };
  return { columns: AUDIT_COLUMNS, rows: report.rows.map(auditCells) };
}
