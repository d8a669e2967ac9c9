/**
 * The audit as a Mermaid flowchart in a Markdown fence, for pull requests, CI job summaries and
 * any Markdown: only what changes (tokens invalidated, links cut) and what is refused or not
 * found. Capped so the diagram stays legible and within renderers' limits; when it is cut short,
 * a comment line and a final note node say what was left out. Node ids are generated (`a0`, `g0`),
 * never taken from user data; labels are escaped with Mermaid's entity codes. Pure.
 */
import { isPersonReport, personSubject, type Report, type ReportRow } from "../core";
import { type AccountState, accountState, BADGES, STATE_PRIORITY } from "./graph";
import { count, escapeMermaid as m, plural } from "./text";

/** How much one diagram shows at most. */
export interface MermaidLimits {
  maxAccounts: number;
  maxAgencies: number;
  maxEdges: number;
}

/** The default caps: a diagram a pull request renders and a reviewer can read. */
export const MERMAID_LIMITS: MermaidLimits = { maxAccounts: 30, maxAgencies: 20, maxEdges: 90 };

const CLASSES = [
  "classDef invalidate fill:#fdecea,stroke:#c62828,stroke-width:3px",
  "classDef unlink fill:#fff4e5,stroke:#b45309,stroke-width:2px",
  "classDef refused fill:#f5eefa,stroke:#6a1b9a,stroke-width:2px,stroke-dasharray:3 3",
  "classDef missing fill:#f2f2f2,stroke:#555,stroke-dasharray:1 3",
  "classDef agency fill:#f6f8fa,stroke:#8c959f",
  "classDef note fill:#fff8c5,stroke:#9a6700",
  "linkStyle default stroke:#c62828,stroke-width:2px",
];

/** Renders the flowchart, fenced as ```` ```mermaid ````. */
export function renderMermaid(report: Report, limits: MermaidLimits = MERMAID_LIMITS): string {
  const changing = report.rows
    .map((row, index) => ({ row, index, state: accountState(row) }))
    .filter((x) => x.state !== "unchanged")
    .sort((a, b) => STATE_PRIORITY.indexOf(a.state) - STATE_PRIORITY.indexOf(b.state) || a.index - b.index);
  const cutTotal = changing.reduce((n, x) => n + x.row.unlink.length, 0);
  const invalidateTotal = changing.filter((x) => x.state === "invalidate").length;

  const agencies = new Map<string, string>();
  const nodes: string[] = [];
  const edges: string[] = [];
  let shown = 0;
  let cutShown = 0;
  for (const { row, state } of changing) {
    const fresh = new Set(row.unlink.map((a) => a.id).filter((id) => !agencies.has(id)));
    if (shown + 1 > limits.maxAccounts || agencies.size + fresh.size > limits.maxAgencies || edges.length + row.unlink.length > limits.maxEdges) break;
    const id = `a${shown++}`;
    nodes.push(`  ${id}["${accountLabel(row, state)}"]:::${state}`);
    for (const agency of row.unlink) {
      if (!agencies.has(agency.id)) {
        const gid = `g${agencies.size}`;
        agencies.set(agency.id, gid);
        nodes.push(`  ${gid}["${m(agency.name)}<br/>${m(agency.id)}"]:::agency`);
      }
      edges.push(`  ${id} -. cut .-x ${agencies.get(agency.id)}`);
      cutShown++;
    }
  }

  const refused = changing.filter((x) => x.state === "refused").length;
  const missing = changing.filter((x) => x.state === "missing").length;
  const person = isPersonReport(report) ? m(personSubject(report)) : undefined;
  const what = person === undefined ? "what pulumi up changes" : `what offboarding ${person} would change`;
  const lines = [
    "```mermaid",
    `%% marin-social audit: ${what}. ${plural(invalidateTotal, "token")} to invalidate, ${plural(cutTotal, "link")} to cut, ${count(refused)} refused, ${count(missing)} not found.`,
  ];
  const truncated = shown < changing.length;
  const left = changing.length - shown;
  const note = `${plural(left, "more account")} that change or are refused (${plural(cutTotal - cutShown, "link")} to cut) not shown. Run marin-social audit --format html for all of them.`;
  if (truncated) lines.push(`%% truncated: showing ${count(shown)} of ${count(changing.length)} accounts; ${note}`);
  lines.push("flowchart LR");
  if (changing.length === 0) {
    const [one, many] = person === undefined ? ["declared token", "declared tokens"] : ["token they authorized", "tokens they authorized"];
    nodes.push(`  nothing["Nothing changes: ${m(plural(report.rows.length, one, many))}, none to invalidate, no link to cut, none refused."]`);
  }
  lines.push(...nodes, ...edges);
  if (truncated) lines.push(`  more["… ${m(note)}"]:::note`);
  lines.push(...CLASSES.map((c) => `  ${c}`), "```");
  return lines.join("\n");
}

function accountLabel(row: ReportRow, state: AccountState): string {
  const badge = BADGES[state] + (row.refusal ? ` (${row.refusal})` : "");
  const title = row.name !== undefined ? `${badge}: ${m(row.name)}` : badge;
  const id = `${m(row.accountId)}${row.publisher ? ` · ${row.publisher}` : ""}`;
  const drift = row.drift ? `<br/>Δ DRIFT: ${m(row.drift)}` : "";
  return `${title}<br/>${id}${drift}`;
}
