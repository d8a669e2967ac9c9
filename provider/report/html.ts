/**
 * The audit as one self-contained HTML page: the blast radius as an SVG graph, a legend, what was
 * collapsed, then the audit table. No script, no external font, style or image: a
 * Content-Security-Policy forbids every request, so the page opens the same offline and in CI
 * artifacts. Pure.
 */
import { isPersonReport, personSubject, type Report } from "../core";
import { tableOf } from "./columns";
import { accountState, buildGraph, DEFAULT_LIMITS, type Graph, type GraphLimits } from "./graph";
import { renderSvg } from "./svg";
import { count, escapeHtml as h, plural } from "./text";

/** Where the report came from, for its heading. */
export interface ReportSource {
  /** The declaration file (a person's audit has none: its heading names the person). */
  file?: string;
  /** The API the live state was read from. */
  apiUrl: string;
  /** When the live state was read (ISO 8601). */
  generatedAt: string;
}

/** Renders the whole page. */
export function renderHtml(report: Report, source: ReportSource, limits: GraphLimits = DEFAULT_LIMITS): string {
  const graph = buildGraph(report.rows, limits);
  const s = report.summary;
  const c = graph.counts;
  const headline =
    `${plural(c.invalidate, "token")} to invalidate, ${plural(c.cutLinks, "link")} to cut` +
    (c.cutLinks > 0 ? ` across ${plural(c.cutAgencies, "agency", "agencies")}` : "");
  const person = isPersonReport(report) ? { ref: report.person.ref, subject: personSubject(report) } : undefined;
  const noun: Noun = person ? ["token they authorized", "tokens they authorized"] : ["declared token", "declared tokens"];
  const title = person ? `tokens authorized by ${person.ref}` : (source.file ?? "");
  const from = person
    ? `Every token authorized by <bdi>${h(person.subject)}</bdi>, and what offboarding them would do to it,`
    : `Declarations <code><bdi>${h(source.file ?? "")}</bdi></code>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Marin Social audit: ${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Who is cut off</h1>
<p class="source">${from} against <code>${h(source.apiUrl)}</code>, read at <time>${h(source.generatedAt)}</time>.</p>
<p class="headline">${h(headline)}.</p>
<p class="summary">${h(`${plural(s.tokens, ...noun)}: ${count(s.pending)} to change, ${count(s.refused)} refused, ${count(s.missing)} not found, ${count(s.drift)} drifted.`)}</p>
</header>
<figure>
${LEGEND}
<div class="picture">${renderSvg(graph, headline)}</div>
<figcaption>${h(caption(graph, noun))}</figcaption>
</figure>
${table(report)}
</body>
</html>`;
}

/** What the picture shows and what it collapsed, in words. */
/** What the rows are, one and many: declared tokens, or the tokens a person authorized. */
type Noun = [one: string, many: string];

function caption(graph: Graph, noun: Noun): string {
  const c = graph.counts;
  const parts: string[] = [];
  if (c.collapsed === 0) parts.push(`Every ${noun[0]} is drawn (${count(c.accounts)}).`);
  else {
    const groups = graph.left.filter((n) => n.kind === "group").length;
    parts.push(
      `Drawn one by one: ${count(c.drawn)} of ${plural(c.accounts, ...noun)}, ` +
        `refused, not found, invalidated and drifted first. ` +
        `Collapsed: ${plural(c.collapsed, "account")} into ${plural(groups, "node")}, one per agency and kind of link` +
        (c.collapsedAffected > 0 ? `, ${count(c.collapsedAffected)} of them changed, refused or drifted.` : ", all unchanged."),
    );
  }
  if (c.mergedAgencies > 0) parts.push(`${plural(c.mergedAgencies, "agency", "agencies")} with the fewest links cut are merged into one node.`);
  parts.push(`Every link to be cut is drawn (${count(c.cutLinks)}); every ${noun[0]} is in the table below.`);
  return parts.join(" ");
}

function table(report: Report): string {
  const { columns, rows: cellRows } = tableOf(report);
  const head = columns.map((col) => `<th scope="col">${col}</th>`).join("");
  const body = report.rows.map((r, i) => {
    const state = accountState(r);
    const cells = (cellRows[i] as string[])
      .map((cell, j) => `<td class="c${j}"><bdi>${j === 4 ? h(cell).replace(/[^,]+/g, '<span class="nw">$&</span>') : h(cell)}</bdi></td>`)
      .join("");
    const row = `<tr id="row-${i}" class="${state}${r.drift ? " drifted" : ""}">${cells}</tr>`;
    return r.detail ? `${row}\n<tr class="detail ${state}"><td colspan="${columns.length}"><bdi>${h(r.detail)}</bdi></td></tr>` : row;
  });
  return `<table class="audit">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}

const swatch = (inner: string) => `<svg width="46" height="16" viewBox="0 0 46 16" aria-hidden="true">${inner}</svg>`;

const LEGEND = `<ul class="legend" aria-label="Legend">
<li>${swatch(`<path class="edge cut" d="M2,8 H44" stroke-width="2.5"/>`)} link to be cut (red, dashed, thick)</li>
<li>${swatch(`<path class="edge kept" d="M2,8 H44" stroke-width="1.2"/>`)} link kept (grey, solid)</li>
<li><span class="badge invalidate">✕ INVALIDATE</span> token to be invalidated (<span class="struck">token id struck through</span>)</li>
<li><span class="badge unlink">UNLINK ONLY</span> token already invalid, links still to cut</li>
<li><span class="badge refused">⚠ REFUSED</span> pulumi up refuses: nothing changes</li>
<li><span class="badge missing">? NOT FOUND</span> account does not exist</li>
<li><span class="badge drift">Δ DRIFT</span> revoked outside Pulumi, or re-authorized after Pulumi invalidated it</li>
<li>${swatch(`<rect x="5" y="4" width="38" height="11" rx="2" class="stack"/><rect x="2" y="1" width="38" height="11" rx="2" class="collapsed-swatch"/>`)} accounts collapsed into one node</li>
</ul>`;

const STYLE = `
:root { --cut: #c62828; --unlink: #b45309; --refused: #6a1b9a; --drift: #1565c0; --missing: #555; --kept: #9e9e9e; --ink: #1f2328; }
* { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
.source { color: #57606a; margin: 0; }
.headline { font-size: 18px; font-weight: 600; color: var(--cut); margin: 8px 0 0; }
.summary { margin: 2px 0 12px; }
figure { margin: 0 0 24px; }
.legend { list-style: none; padding: 8px 10px; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 4px 20px; border: 1px solid #d0d7de; border-radius: 6px; font-size: 12px; }
.legend li svg { vertical-align: middle; margin-right: 4px; }
.picture { overflow-x: auto; border: 1px solid #d0d7de; border-radius: 6px; }
.picture svg.graph { display: block; width: 100%; height: auto; min-width: 720px; }
figcaption { font-size: 12px; color: #57606a; margin-top: 6px; }
svg text { font-family: system-ui, "Noto Sans", "DejaVu Sans", sans-serif; }
svg .column { font-size: 13px; font-weight: 600; fill: #57606a; }
svg .name { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg .sub { font-size: 11px; fill: #57606a; }
svg .struck { text-decoration: line-through; text-decoration-thickness: 1.5px; }
svg .badge { font-size: 11px; font-weight: 700; }
svg .badge.invalidate { fill: var(--cut); } svg .badge.unlink { fill: var(--unlink); } svg .badge.refused { fill: var(--refused); }
svg .badge.missing { fill: var(--missing); } svg .badge.drift { fill: var(--drift); }
.edge { fill: none; }
.edge.cut { stroke: var(--cut); stroke-dasharray: 7 4; }
.edge.kept { stroke: var(--kept); }
.box { fill: #fff; stroke: #8c959f; stroke-width: 1; }
.state-invalidate .box { fill: #fdecea; stroke: var(--cut); stroke-width: 2.5; }
.state-unlink .box { fill: #fff4e5; stroke: var(--unlink); stroke-width: 2; }
.state-refused .box { fill: #f5eefa; stroke: var(--refused); stroke-width: 2; stroke-dasharray: 2 2; }
.state-missing .box { fill: #f2f2f2; stroke: var(--missing); stroke-width: 1.5; stroke-dasharray: 1 3; }
.drifted .box { stroke: var(--drift); }
.agency .box { fill: #f6f8fa; }
.loses .agency .box { stroke: var(--cut); stroke-width: 2; }
.stack, .collapsed-swatch { fill: #eef1f4; stroke: #8c959f; }
.collapsed .box { fill: #eef1f4; }
.collapsed.cut .box { fill: #fdecea; stroke: var(--cut); stroke-width: 2; }
a:focus-visible .box, a:hover .box { stroke-width: 3; }
.badge { font-size: 11px; font-weight: 700; white-space: nowrap; }
span.badge.invalidate { color: var(--cut); } span.badge.unlink { color: var(--unlink); } span.badge.refused { color: var(--refused); }
span.badge.missing { color: var(--missing); } span.badge.drift { color: var(--drift); }
span.struck { text-decoration: line-through; }
table.audit { border-collapse: collapse; width: 100%; font-size: 12px; }
.audit th, .audit td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #d8dee4; vertical-align: top; }
.audit thead th { position: sticky; top: 0; background: #f6f8fa; }
.audit td.c0, .audit td.c1, .audit td.c3, .audit td.c5, .audit td.c6, .audit .nw { white-space: nowrap; }
.audit tr.invalidate td.c6 { color: var(--cut); font-weight: 600; }
.audit tr.unlink td.c6 { color: var(--unlink); font-weight: 600; }
.audit tr.refused td.c6, .audit tr.missing td.c6 { color: var(--refused); font-weight: 600; }
.audit tr.drifted td.c7 { color: var(--drift); font-weight: 600; }
.audit tr.detail td { color: #57606a; border-bottom-color: #8c959f; }
.audit tr:target td { background: #fff8c5; }
@media print { body { margin: 0; max-width: none; } .picture { overflow: visible; border: 0; } .audit thead th { position: static; } }
`;
