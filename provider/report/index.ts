/**
 * Renderers of the audit report: the text table's columns, a self-contained HTML page with the
 * blast radius as an SVG graph, and a Mermaid flowchart. Pure: they take the core's report and
 * return text.
 */
export { AUDIT_COLUMNS, auditCells, PERSON_COLUMNS, personCells, tableOf } from "./columns";
export type { AccountState, Graph, GraphLimits } from "./graph";
export { accountState, buildGraph, DEFAULT_LIMITS, isAffected } from "./graph";
export { type ReportSource, renderHtml } from "./html";
export { MERMAID_LIMITS, type MermaidLimits, renderMermaid } from "./mermaid";

/** The formats `marin-social audit --format` writes. */
export const REPORT_FORMATS = ["text", "json", "html", "mermaid"] as const;

/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];
