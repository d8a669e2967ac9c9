/** The graph as data: grouping, caps, counts and layout, as properties of generated reports. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildReport, type Report } from "../../provider/core";
import { accountState, buildGraph, DEFAULT_LIMITS, type GraphLimits, isAffected, linksOf } from "../../provider/report/graph";
import { DEMO_SEED } from "../../provider/sandbox/seed";
import { arbReport, seeded } from "./reports";

const arbLimits: fc.Arbitrary<GraphLimits> = fc.record({ maxAccounts: fc.integer({ min: 0, max: 50 }), maxAgencies: fc.integer({ min: 1, max: 25 }) });

/** Checks every invariant of `buildGraph(report.rows, limits)`. */
function checkGraph(report: Report, limits: GraphLimits): void {
  const rows = report.rows;
  const g = buildGraph(rows, limits);
  const links = rows.map(linksOf);
  const cut = links.flat().filter((l) => l.cut).length;
  const kept = links.flat().length - cut;
  const sum = (cutEdges: boolean) => g.edges.filter((e) => e.cut === cutEdges).reduce((n, e) => n + e.links, 0);

  // every link to be cut, and every link kept, is drawn or counted in a drawn edge
  expect(sum(true)).toBe(cut);
  expect(sum(false)).toBe(kept);
  expect(g.counts.cutLinks).toBe(cut);
  expect(cut).toBe(rows.reduce((n, r) => n + r.unlink.length, 0));

  // every account is drawn, or collapsed and counted
  const drawn = g.left.flatMap((n) => (n.kind === "account" ? [n.index] : []));
  expect(new Set(drawn).size).toBe(drawn.length);
  expect(g.counts.drawn + g.counts.collapsed).toBe(rows.length);
  const affected = rows.map((_, i) => i).filter((i) => isAffected(rows[i]!));
  const undrawnAffected = affected.filter((i) => !drawn.includes(i));
  expect(g.counts.collapsedAffected).toBe(undrawnAffected.length);
  if (rows.length <= limits.maxAccounts) expect(drawn.length).toBe(rows.length);
  else expect(drawn.length).toBe(Math.min(affected.length, limits.maxAccounts));
  // when affected accounts do not all fit, only affected ones are drawn, refusals and unknown accounts first
  if (undrawnAffected.length > 0) {
    expect(drawn.every((i) => isAffected(rows[i]!))).toBe(true);
    const urgent = affected.filter((i) => ["refused", "missing"].includes(accountState(rows[i]!)));
    expect(urgent.filter((i) => drawn.includes(i)).length).toBe(Math.min(urgent.length, limits.maxAccounts));
  }
  // collapsed accounts: each is in at least one group, and groups count no more accounts than links
  const groups = g.left.filter((n) => n.kind === "group");
  const collapsedRows = rows.filter((_, i) => !drawn.includes(i));
  if (collapsedRows.length > 0) expect(groups.reduce((n, gr) => n + gr.accounts, 0)).toBeGreaterThanOrEqual(collapsedRows.length);
  for (const gr of groups) {
    if (gr.agency === null) expect(gr.links).toBe(0);
    else expect(gr.links).toBeGreaterThanOrEqual(gr.accounts);
    expect(Object.values(gr.states).reduce((n, k) => n + k, 0)).toBe(gr.accounts);
    if (gr.cut) expect(Object.keys(gr.states).every((s) => s === "invalidate" || s === "unlink")).toBe(true);
  }

  // agencies: capped, each once, merged ones counted
  const distinct = new Set(links.flat().map((l) => l.agency.id)).size;
  expect(g.right.length).toBeLessThanOrEqual(Math.max(1, limits.maxAgencies));
  expect(g.right.filter((a) => a.agency).length + g.counts.mergedAgencies).toBe(distinct);
  expect(g.right.reduce((n, a) => n + a.cut, 0)).toBe(cut);
  expect(g.counts.cutAgencies).toBe(new Set(rows.flatMap((r) => r.unlink.map((a) => a.id))).size);

  // edges join existing nodes; layout: one row apart at least, inside the picture
  const keys = new Set([...g.left, ...g.right].map((n) => n.key));
  expect(keys.size).toBe(g.left.length + g.right.length);
  for (const e of g.edges) expect(keys.has(e.from) && keys.has(e.to)).toBe(true);
  for (const column of [g.left, g.right]) {
    column.forEach((n, i) => {
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.y + 1).toBeLessThanOrEqual(g.height + 1e-9);
      if (i > 0) expect(n.y - column[i - 1]!.y).toBeGreaterThanOrEqual(1 - 1e-9);
    });
  }
}

describe("buildGraph", () => {
  it("holds its invariants on generated reports, at the default caps and at small ones", () => {
    fc.assert(
      fc.property(arbReport, (r) => checkGraph(r, DEFAULT_LIMITS)),
      seeded("graph default caps", 1101),
    );
    fc.assert(fc.property(arbReport, arbLimits, checkGraph), seeded("graph any caps", 1102));
  });

  it("draws the demo seed whole: one node per declared token, grouped by agency", () => {
    const live = new Map(
      DEMO_SEED.accounts.map((a) => [
        a.id,
        {
          id: a.id,
          publisher: a.publisher,
          externalId: "1",
          name: a.name,
          version: 1,
          agencies: a.agencies.map((id) => DEMO_SEED.agencies.find((g) => g.id === id)!),
          token: {
            valid: a.valid !== false,
            fingerprint: "fp",
            invalidatedAt: a.invalidatedAt ?? null,
            invalidatedBy: a.invalidatedBy ?? null,
            reason: a.reason ?? null,
          },
        },
      ]),
    );
    const declared = ["fb-1001", "tw-2001", "fb-1007", "fb-1006"].map((accountId) => ({ accountId, valid: false }));
    const report = buildReport([...declared, { accountId: "fb-1002", valid: true }, { accountId: "tw-2004", valid: true }], live, []);
    const g = buildGraph(report.rows);
    expect(g.left.map((n) => (n.kind === "account" ? n.row.accountId : n.key))).toEqual(["fb-1001", "tw-2001", "fb-1002", "tw-2004", "fb-1007", "fb-1006"]);
    expect(g.right.map((a) => a.agency?.id)).toEqual(["ag-north", "ag-south", "ag-east", "ag-west"]);
    expect(g.edges.filter((e) => e.cut)).toHaveLength(6);
    expect(g.counts).toMatchObject({ accounts: 6, drawn: 6, collapsed: 0, cutLinks: 6, invalidate: 3, agencies: 4, mergedAgencies: 0 });
  });
});
