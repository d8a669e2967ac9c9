/**
 * The graph as inline SVG: accounts on the left, agencies on the right, one edge per link (or per
 * collapsed group of links). Links to be cut are red, thick and dashed; every state has a text
 * badge too, so the picture reads without colour and in print. Pure.
 */
import type { ReportRow } from "../core";
import { type AccountNode, type AgencyNode, BADGES, type Graph, type GroupNode } from "./graph";
import { count, emWidth, fit, escapeHtml as h, plural } from "./text";

/** Geometry, in pixels. */
const W = 1000;
const PITCH = 48;
const NODE_H = 38;
const TOP = 36;
const LEFT = { x: 8, w: 400 };
const RIGHT = { x: W - 8 - 280, w: 280 };
const FONT = 13;

/** Renders the graph as an `<svg>` element; account nodes link to `#row-<index>` in the table. */
export function renderSvg(graph: Graph, title: string): string {
  const height = TOP + Math.max(1, graph.height) * PITCH;
  const yOf = new Map<string, number>();
  for (const n of graph.left) yOf.set(n.key, TOP + n.y * PITCH);
  for (const n of graph.right) yOf.set(n.key, TOP + n.y * PITCH);

  const edges = [...graph.edges]
    .sort((a, b) => Number(a.cut) - Number(b.cut))
    .map((e) => {
      const y1 = yOf.get(e.from)! + NODE_H / 2;
      const y2 = yOf.get(e.to)! + NODE_H / 2;
      const x1 = LEFT.x + LEFT.w;
      const x2 = RIGHT.x;
      const mx = (x1 + x2) / 2;
      const width = (e.cut ? 2.5 : 1.2) * Math.min(3, 1 + Math.log10(e.links));
      return (
        `<path class="edge ${e.cut ? "cut" : "kept"}" data-from="${e.from}" data-to="${e.to}" data-links="${e.links}" ` +
        `d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" stroke-width="${width.toFixed(1)}"><title>${h(edgeTitle(e.links, e.cut))}</title></path>`
      );
    });

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-labelledby="graph-title">`,
    `<title id="graph-title">${h(title)}</title>`,
    `<text class="column" x="${LEFT.x}" y="20">Declared tokens (accounts)</text>`,
    `<text class="column" x="${RIGHT.x}" y="20">Agencies</text>`,
    `<g class="edges">${edges.join("")}</g>`,
    ...graph.left.map((n) => (n.kind === "account" ? accountNode(n, yOf.get(n.key)!) : groupNode(n, graph, yOf.get(n.key)!))),
    ...graph.right.map((n) => agencyNode(n, yOf.get(n.key)!)),
    `</svg>`,
  ].join("\n");
}

function edgeTitle(links: number, cut: boolean): string {
  return `${plural(links, "link")} ${cut ? "to be cut" : "kept"}`;
}

/** A node box: a nested <svg> clips whatever does not fit, so no label spills over another. */
function box(x: number, y: number, w: number, cls: string, body: string[]): string {
  return (
    `<svg x="${x}" y="${y}" width="${w}" height="${NODE_H}" class="${cls}">` +
    `<rect class="box" x="1" y="1" width="${w - 2}" height="${NODE_H - 2}" rx="5"/>${body.join("")}</svg>`
  );
}

function text(cls: string, x: number, y: number, s: string, anchor: "start" | "end" = "start"): string {
  return `<text class="${cls}" x="${x}" y="${y}"${anchor === "end" ? ` text-anchor="end"` : ""}>${h(s)}</text>`;
}

function accountNode(n: AccountNode, y: number): string {
  const r = n.row;
  const badge = BADGES[n.state] + (n.state === "refused" && r.refusal ? ` (${r.refusal})` : "");
  const badgeEm = emWidth(badge) * (11 / FONT);
  const name = r.name ?? r.accountId;
  const sub = `${n.state === "invalidate" ? "token of " : ""}${r.accountId}${r.publisher ? ` · ${r.publisher}` : ""}`;
  const body = [
    text("name", 10, 16, fit(name, (LEFT.w - 28) / FONT - badgeEm)),
    text(n.state === "invalidate" ? "sub struck" : "sub", 10, 31, fit(sub, (LEFT.w - 24) / 11 - 8)),
    badge ? text(`badge ${n.state}`, LEFT.w - 8, 16, badge, "end") : "",
    r.drift ? text("badge drift", LEFT.w - 8, 31, "Δ DRIFT", "end") : "",
  ];
  return (
    `<a href="#row-${n.index}"><g class="node account ${n.state}${r.drift ? " drifted" : ""}" data-key="${n.key}" data-account="${h(r.accountId)}">` +
    `<title>${h(accountTitle(r))}</title>${box(LEFT.x, y, LEFT.w, `state-${n.state}`, body)}</g></a>`
  );
}

function accountTitle(r: ReportRow): string {
  return [
    `${r.name ?? "(not found)"} (${r.accountId}${r.publisher ? `, ${r.publisher}` : ""})`,
    `action: ${r.action}`,
    r.detail ?? "",
    r.drift ? `drift: ${r.drift}: ${r.driftDetail ?? ""}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

function groupNode(n: GroupNode, graph: Graph, y: number): string {
  const agency = graph.right.find((a) => a.key === n.agency);
  const where = agency ? (agency.agency ? agency.agency.name : `one of ${plural(agency.merged, "more agency", "more agencies")}`) : "";
  const states = Object.entries(n.states).map(([s, k]) => `${count(k)} ${s}`);
  if (n.drifted > 0) states.push(`${count(n.drifted)} drifted`);
  const unchanged = n.states.unchanged === n.accounts && n.drifted === 0;
  let label: string;
  let sub: string;
  if (n.agency === null) {
    label = `${plural(n.accounts, "account")} linked to no agency`;
    sub = states.join(", ");
  } else if (n.cut) {
    label = `${plural(n.accounts, "more account")} cut off`;
    sub = `from ${where}: ${states.join(", ")} · each in the table`;
  } else if (unchanged) {
    label = `${plural(n.accounts, "account")} unchanged`;
    sub = `keep their link to ${where}`;
  } else {
    label = `${plural(n.accounts, "account")} keep their link to ${where}`;
    sub = states.join(", ");
  }
  const body = [text("name", 14, 16, fit(label, (LEFT.w - 24) / FONT)), text("sub", 14, 31, fit(sub, (LEFT.w - 24) / 11))];
  return (
    `<g class="node group ${n.cut ? "cut" : "kept"}" data-key="${n.key}" data-accounts="${n.accounts}" data-links="${n.links}">` +
    `<title>${h(`${label}\n${sub}`)}</title>` +
    `<rect class="stack" x="${LEFT.x + 4}" y="${y + 4}" width="${LEFT.w - 2}" height="${NODE_H - 2}" rx="5"/>` +
    `${box(LEFT.x, y, LEFT.w, `collapsed ${n.cut ? "cut" : "kept"}`, body)}</g>`
  );
}

function agencyNode(n: AgencyNode, y: number): string {
  const name = n.agency ? n.agency.name : plural(n.merged, "more agency", "more agencies");
  const sub = `${n.agency ? `${n.agency.id} · ` : ""}${count(n.cut)} cut · ${count(n.kept)} kept`;
  const body = [text("name", 10, 16, fit(name, (RIGHT.w - 20) / FONT)), text("sub", 10, 31, fit(sub, (RIGHT.w - 20) / 11))];
  return (
    `<g class="node agency${n.cut > 0 ? " loses" : ""}" data-key="${n.key}"${n.agency ? ` data-agency="${h(n.agency.id)}"` : ` data-merged="${n.merged}"`}>` +
    `<title>${h(`${n.agency ? `${n.agency.name} (${n.agency.id})` : name}: ${plural(n.cut, "link")} to be cut, ${count(n.kept)} kept`)}</title>` +
    `${box(RIGHT.x, y, RIGHT.w, "agency", body)}</g>`
  );
}
