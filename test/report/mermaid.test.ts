/**
 * The Mermaid flowchart as a pure function: every line is one of the few forms Mermaid reads,
 * ids are generated, labels decode back to the names, only what changes is drawn, and a cut-short
 * diagram says so twice (a comment line and a final note node). Rendering by Mermaid itself is in
 * browser.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Report } from "../../provider/core";
import { accountState, MERMAID_LIMITS, type MermaidLimits, renderMermaid } from "../../provider/report";
import { escapeMermaid, printable } from "../../provider/report/text";
import { arbName, arbReport, seeded } from "./reports";

const NODE = /^ {2}([ag]\d+|more|nothing)\["([^"]*)"\](?::::(\w+))?$/;
const EDGE = /^ {2}(a\d+) -\. cut \.-x (g\d+)$/;
const OTHER = /^(```mermaid|```|%% .*|flowchart LR| {2}classDef \w+ [\w:#,. -]+| {2}linkStyle default [^\s]+)$/;

/** Undoes Mermaid's entity codes, as Mermaid does when it renders a label. */
const decode = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

function checkMermaid(report: Report, limits: MermaidLimits): void {
  const out = renderMermaid(report, limits);
  const lines = out.split("\n");
  expect(lines[0]).toBe("```mermaid");
  expect(lines.at(-1)).toBe("```");
  const nodes: { id: string; label: string; cls?: string }[] = [];
  const edges: [string, string][] = [];
  for (const line of lines) {
    const n = NODE.exec(line);
    const e = EDGE.exec(line);
    if (n) nodes.push({ id: n[1]!, label: n[2]!, cls: n[3] });
    else if (e) edges.push([e[1]!, e[2]!]);
    else expect(line, "a line Mermaid reads").toMatch(OTHER);
  }
  for (const { label } of nodes) {
    expect(label).not.toMatch(/<(?!br\/>)|(?<!<br\/)>|`|[\r\n]/);
  }
  const ids = new Set(nodes.map((n) => n.id));
  expect(ids.size).toBe(nodes.length);
  for (const [a, g] of edges) expect(ids.has(a) && ids.has(g)).toBe(true);

  const changing = report.rows.filter((r) => accountState(r) !== "unchanged");
  const accounts = nodes.filter((n) => n.id.startsWith("a"));
  const truncated = lines.some((l) => l.startsWith("%% truncated: "));
  expect(nodes.some((n) => n.id === "more")).toBe(truncated);
  if (truncated) {
    expect(nodes.at(-1)!.id).toBe("more");
    expect(accounts.length).toBeLessThan(changing.length);
  } else {
    expect(accounts).toHaveLength(changing.length);
    expect(edges).toHaveLength(changing.reduce((n, r) => n + r.unlink.length, 0));
  }
  expect(accounts.length).toBeLessThanOrEqual(limits.maxAccounts);
  expect(nodes.filter((n) => n.id.startsWith("g")).length).toBeLessThanOrEqual(limits.maxAgencies);
  expect(edges.length).toBeLessThanOrEqual(limits.maxEdges);
  // each drawn account is a changing row, shown by name, with as many cut edges as it has links to cut
  for (const node of accounts) {
    const label = decode(node.label);
    // The id must end there: "fb-1" is not the account of a label showing "fb-10".
    const shows = (text: string) => {
      const at = label.indexOf(text);
      return at >= 0 && !/[A-Za-z0-9._-]/.test(label.charAt(at + text.length));
    };
    const row = changing.find((r) => r.name !== undefined && shows(`: ${printable(r.name)}<br/>${r.accountId}`));
    const fallback = changing.find((r) => r.name === undefined && shows(`<br/>${r.accountId}`));
    const r = row ?? fallback;
    expect(r, label).toBeDefined();
    expect(node.cls).toBe(accountState(r!));
    expect(edges.filter(([a]) => a === node.id)).toHaveLength(r!.unlink.length);
  }
  if (changing.length === 0) expect(nodes.map((n) => n.id)).toEqual(["nothing"]);
}

describe("renderMermaid", () => {
  it("reads as Mermaid, shows what changes, and says when it truncates", () => {
    fc.assert(
      fc.property(arbReport, (r) => checkMermaid(r, MERMAID_LIMITS)),
      seeded("mermaid default caps", 1301, 40),
    );
    const limits = fc.record({
      maxAccounts: fc.integer({ min: 0, max: 12 }),
      maxAgencies: fc.integer({ min: 0, max: 8 }),
      maxEdges: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(fc.property(arbReport, limits, checkMermaid), seeded("mermaid small caps", 1302, 60));
  });

  it("escapes labels so they decode back to the text made safe, with no quote, markup, backtick, control, bidi control or line break left once Mermaid decodes them", () => {
    fc.assert(
      fc.property(arbName, (name) => {
        const label = escapeMermaid(name);
        expect(label).not.toMatch(/["<>`\r\n\u202a-\u202e\u2066-\u2069]/);
        // Mermaid decodes its entity codes (`#8238;` is U+202E again): what it shows must be safe.
        expect(decode(label)).not.toMatch(/[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u);
        expect(decode(label)).toBe(printable(name));
      }),
      seeded("mermaid labels", 1303, 300),
    );
  });
});
