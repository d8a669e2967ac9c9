/** The columns of the audit table, shared by the text table and the HTML report. Pure. */
import type { ReportRow } from "../core";

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
