/**
 * The account ↔ agency graph of an audit report, as data: which accounts are drawn, which are
 * collapsed into one node per agency, which links are cut, and where every node sits. Pure; the
 * HTML and Mermaid renderers draw it.
 */
import type { Agency, ReportRow } from "../core";

/** What `pulumi up` does to one declared token, as the picture shows it. */
export type AccountState = "refused" | "missing" | "invalidate" | "unlink" | "unchanged";

/** The states in the order they are drawn first when not every account fits. */
export const STATE_PRIORITY: readonly AccountState[] = ["refused", "missing", "invalidate", "unlink", "unchanged"];

/** The words that mark each state, in the picture and the flowchart: what the colour says, without colour. */
export const BADGES: Record<AccountState, string> = {
  refused: "⚠ REFUSED",
  missing: "? NOT FOUND",
  invalidate: "✕ INVALIDATE",
  unlink: "UNLINK ONLY",
  unchanged: "",
};

/** The state of a report row. */
export function accountState(row: ReportRow): AccountState {
  if (row.status === "missing") return "missing";
  if (row.refusal) return "refused";
  if (row.invalidate) return "invalidate";
  if (row.unlink.length > 0) return "unlink";
  return "unchanged";
}

/** True when the row changes something, is refused, is not found, or has drifted. */
export function isAffected(row: ReportRow): boolean {
  return accountState(row) !== "unchanged" || row.drift !== undefined;
}

/** One account-agency link of a row, and whether `pulumi up` cuts it. */
export interface Link {
  agency: Agency;
  cut: boolean;
}

/** The links of a row: every linked agency, cut when the plan unlinks it. */
export function linksOf(row: ReportRow): Link[] {
  const cut = new Set(row.unlink.map((a) => a.id));
  const links = (row.linkedAgencies ?? []).map((agency) => ({ agency, cut: cut.has(agency.id) }));
  const linked = new Set(links.map((l) => l.agency.id));
  for (const agency of row.unlink) if (!linked.has(agency.id)) links.push({ agency, cut: true });
  return links;
}

/** A declared token drawn as its own node. `y` is in rows from the top. */
export interface AccountNode {
  kind: "account";
  key: string;
  y: number;
  /** Index of the row in the report (its table row). */
  index: number;
  row: ReportRow;
  state: AccountState;
}

/**
 * Accounts not drawn one by one, collapsed into one node per agency: their links to `agency`
 * that are cut (`cut`) or kept. `agency` is null for accounts linked to no agency.
 */
export interface GroupNode {
  kind: "group";
  key: string;
  y: number;
  agency: string | null;
  cut: boolean;
  /** How many collapsed accounts are in the group. */
  accounts: number;
  /** How many of their links go to the group's agency node (more than `accounts` only for merged agencies; 0 without agency). */
  links: number;
  /** How many of the accounts are in each state. */
  states: Partial<Record<AccountState, number>>;
  /** How many of the accounts have drifted. */
  drifted: number;
}

/** An agency, or (`merged` > 0) the agencies beyond the cap drawn as one node. */
export interface AgencyNode {
  kind: "agency";
  key: string;
  y: number;
  agency: Agency | null;
  /** How many agencies this node stands for when it merges those beyond the cap; 0 otherwise. */
  merged: number;
  /** Links to be cut, and links kept, over all declared tokens. */
  cut: number;
  kept: number;
}

/** One drawn edge: `links` account-agency links between two nodes, all cut or all kept. */
export interface Edge {
  from: string;
  to: string;
  cut: boolean;
  links: number;
}

/** Totals over the whole report, drawn or not. */
export interface GraphCounts {
  accounts: number;
  affected: number;
  drawn: number;
  collapsed: number;
  collapsedAffected: number;
  links: number;
  cutLinks: number;
  invalidate: number;
  agencies: number;
  /** Agencies that lose at least one link. */
  cutAgencies: number;
  mergedAgencies: number;
}

/** The graph: left column top to bottom, right column top to bottom, edges, and its height in rows. */
export interface Graph {
  left: (AccountNode | GroupNode)[];
  right: AgencyNode[];
  edges: Edge[];
  height: number;
  counts: GraphCounts;
}

/** How much is drawn: beyond these, accounts collapse into per-agency nodes and agencies merge. */
export interface GraphLimits {
  maxAccounts: number;
  maxAgencies: number;
}

/** The default caps: the picture stays readable at thousands of tokens. */
export const DEFAULT_LIMITS: GraphLimits = { maxAccounts: 40, maxAgencies: 12 };

/** The vertical gap, in rows, between the bands of two agencies in the left column. */
const BAND_GAP = 0.4;

/**
 * Builds the graph. Every account is drawn when all fit in `maxAccounts`; otherwise the affected
 * ones are drawn first (refused, not found, invalidated, unlinked; then declaration order) and the
 * rest collapse into one node per agency and kind of link. Agencies are ordered by links cut; those
 * beyond `maxAgencies` merge into one node. Accounts are grouped by their first agency in that order.
 */
export function buildGraph(rows: readonly ReportRow[], limits: GraphLimits = DEFAULT_LIMITS): Graph {
  const maxAccounts = Math.max(0, Math.floor(limits.maxAccounts));
  const maxAgencies = Math.max(1, Math.floor(limits.maxAgencies));
  const states = rows.map(accountState);
  const links = rows.map(linksOf);
  const { ordered, right, rest, band } = agencyColumn(links, maxAgencies);
  const bandOf = (i: number) => Math.min(...links[i]!.map((l) => band.get(l.agency.id)!), right.length);

  // drifted but unchanged (re-authorized, declared valid) ranks with the unlinks, before the unchanged
  const rank = (i: number) => STATE_PRIORITY.indexOf(states[i]!) - (rows[i]!.drift && states[i] === "unchanged" ? 1 : 0);
  const all = rows.map((_, i) => i);
  const drawn =
    rows.length <= maxAccounts
      ? all
      : all
          .filter((i) => isAffected(rows[i]!))
          .sort((a, b) => rank(a) - rank(b) || a - b)
          .slice(0, maxAccounts);
  const isDrawn = new Set(drawn);
  const groups = collapseUndrawn(rows, states, links, isDrawn, band, right);
  const { left, bands } = leftColumn(rows, states, drawn, groups, right.length, bandOf, rank);
  const edges = edgesOf(left, links, band, right);

  const height = placeAgencies(left, right, bands, [...edges.values()]);
  const cutLinks = links.flat().filter((l) => l.cut).length;
  return {
    left,
    right,
    edges: [...edges.values()],
    height,
    counts: {
      accounts: rows.length,
      affected: rows.filter(isAffected).length,
      drawn: drawn.length,
      collapsed: rows.length - drawn.length,
      collapsedAffected: rows.filter((r, i) => !isDrawn.has(i) && isAffected(r)).length,
      links: links.flat().length,
      cutLinks,
      invalidate: states.filter((s) => s === "invalidate").length,
      agencies: ordered.length,
      cutAgencies: ordered.filter((t) => t.cut > 0).length,
      mergedAgencies: rest.length,
    },
  };
}

type AgencyTally = { agency: Agency; cut: number; kept: number };

/**
 * The right column: agencies by links cut, then by links, then by id; those beyond `maxAgencies`
 * merge into one node. `band` gives each agency's index in the column (merged ones share the last).
 */
function agencyColumn(
  links: readonly Link[][],
  maxAgencies: number,
): { ordered: AgencyTally[]; right: AgencyNode[]; rest: AgencyTally[]; band: Map<string, number> } {
  const tally = new Map<string, AgencyTally>();
  for (const l of links.flat()) {
    const t = tally.get(l.agency.id) ?? { agency: l.agency, cut: 0, kept: 0 };
    if (l.cut) t.cut++;
    else t.kept++;
    tally.set(l.agency.id, t);
  }
  const ordered = [...tally.values()].sort(
    (a, b) => b.cut - a.cut || b.cut + b.kept - (a.cut + a.kept) || (a.agency.id < b.agency.id ? -1 : a.agency.id > b.agency.id ? 1 : 0),
  );
  const keep = ordered.length > maxAgencies ? maxAgencies - 1 : ordered.length;
  const right: AgencyNode[] = ordered
    .slice(0, keep)
    .map((t, i) => ({ kind: "agency", key: `g${i}`, y: 0, agency: t.agency, merged: 0, cut: t.cut, kept: t.kept }));
  const rest = ordered.slice(keep);
  if (rest.length > 0) {
    const sum = (f: (t: (typeof rest)[number]) => number) => rest.reduce((n, t) => n + f(t), 0);
    right.push({ kind: "agency", key: "g-more", y: 0, agency: null, merged: rest.length, cut: sum((t) => t.cut), kept: sum((t) => t.kept) });
  }
  const band = new Map<string, number>();
  ordered.forEach((t, i) => {
    band.set(t.agency.id, Math.min(i, right.length - 1));
  });
  return { ordered, right, rest, band };
}

/** The key of the node that collapses the accounts of band `b` whose links there are cut (or kept). */
function groupKey(b: number, cut: boolean): string {
  return `c${b}${cut ? "x" : "k"}`;
}

/**
 * Collapses every account not drawn into one node per band and kind of link it has there; an
 * account without links goes to the band after the last agency.
 */
function collapseUndrawn(
  rows: readonly ReportRow[],
  states: readonly AccountState[],
  links: readonly Link[][],
  isDrawn: ReadonlySet<number>,
  band: ReadonlyMap<string, number>,
  right: readonly AgencyNode[],
): Map<string, GroupNode> {
  const groups = new Map<string, GroupNode>();
  const groupFor = (b: number, cut: boolean): GroupNode => {
    const key = groupKey(b, cut);
    const g = groups.get(key) ?? { kind: "group", key, y: 0, agency: right[b]?.key ?? null, cut, accounts: 0, links: 0, states: {}, drifted: 0 };
    groups.set(key, g);
    return g;
  };
  for (let i = 0; i < rows.length; i++) {
    if (isDrawn.has(i)) continue;
    const touched = new Set<GroupNode>();
    if (links[i]!.length === 0) touched.add(groupFor(right.length, false));
    for (const l of links[i]!) {
      const g = groupFor(band.get(l.agency.id)!, l.cut);
      g.links++;
      touched.add(g);
    }
    for (const g of touched) {
      g.accounts++;
      g.states[states[i]!] = (g.states[states[i]!] ?? 0) + 1;
      if (rows[i]!.drift) g.drifted++;
    }
  }
  return groups;
}

/**
 * The left column, band by band: the drawn accounts by rank, then the band's cut and kept groups,
 * with a gap between bands; `bands` gives the rows each band spans.
 */
function leftColumn(
  rows: readonly ReportRow[],
  states: readonly AccountState[],
  drawn: readonly number[],
  groups: ReadonlyMap<string, GroupNode>,
  agencies: number,
  bandOf: (i: number) => number,
  rank: (i: number) => number,
): { left: (AccountNode | GroupNode)[]; bands: { first: number; last: number }[] } {
  const left: (AccountNode | GroupNode)[] = [];
  const bands: { first: number; last: number }[] = [];
  let y = 0;
  for (let b = 0; b <= agencies; b++) {
    const members = drawn.filter((i) => bandOf(i) === b).sort((p, q) => rank(p) - rank(q) || p - q);
    const nodes: (AccountNode | GroupNode)[] = members.map((i) => ({ kind: "account", key: `a${i}`, y: 0, index: i, row: rows[i]!, state: states[i]! }));
    for (const cut of [true, false]) {
      const g = groups.get(groupKey(b, cut));
      if (g) nodes.push(g);
    }
    if (nodes.length === 0) continue;
    if (left.length > 0) y += BAND_GAP;
    bands[b] = { first: y, last: y + nodes.length - 1 };
    for (const n of nodes) {
      n.y = y++;
      left.push(n);
    }
  }
  return { left, bands };
}

/** One edge per left node, agency and kind of link, counting the links it stands for, in left-column order. */
function edgesOf(
  left: readonly (AccountNode | GroupNode)[],
  links: readonly Link[][],
  band: ReadonlyMap<string, number>,
  right: readonly AgencyNode[],
): Map<string, Edge> {
  const edges = new Map<string, Edge>();
  const addEdge = (from: string, to: string, cut: boolean, n: number) => {
    const key = `${from}>${to}>${cut}`;
    const e = edges.get(key) ?? { from, to, cut, links: 0 };
    e.links += n;
    edges.set(key, e);
  };
  for (const n of left) {
    if (n.kind === "account") for (const l of links[n.index]!) addEdge(n.key, right[band.get(l.agency.id)!]!.key, l.cut, 1);
    else if (n.agency !== null) addEdge(n.key, n.agency, n.cut, n.links);
  }
  return edges;
}

/**
 * Places each agency level with the middle of its band in the left column (else of its
 * neighbours), keeping their order, one row apart at least and within the picture; returns the
 * picture's height in rows.
 */
function placeAgencies(
  left: readonly (AccountNode | GroupNode)[],
  right: AgencyNode[],
  bands: readonly ({ first: number; last: number } | undefined)[],
  edges: readonly Edge[],
): number {
  const yOf = new Map(left.map((n) => [n.key, n.y]));
  const leftHeight = left.length > 0 ? left[left.length - 1]!.y + 1 : 0;
  const height = Math.max(leftHeight, right.length);
  const target = right.map((a, i) => {
    const b = bands[i];
    if (b) return (b.first + b.last) / 2;
    const ys = edges.filter((e) => e.to === a.key).map((e) => yOf.get(e.from)!);
    return ys.length > 0 ? (Math.min(...ys) + Math.max(...ys)) / 2 : (i * height) / Math.max(1, right.length);
  });
  let prev = -1;
  right.forEach((a, i) => {
    a.y = Math.max(target[i]!, prev + 1);
    prev = a.y;
  });
  let next = height;
  for (let i = right.length - 1; i >= 0; i--) {
    const a = right[i]!;
    a.y = Math.max(0, Math.min(a.y, next - 1));
    next = a.y;
  }
  return height;
}
