/**
 * The HTML page as a pure function, parsed by parse5 (the WHATWG HTML parser): well-formed, only
 * known elements, nothing that runs or loads, every name shown as the text it is, every link to be
 * cut drawn, every affected account drawn or counted.
 */
import fc from "fast-check";
import { parse } from "parse5";
import { describe, expect, it } from "vitest";
import type { Report } from "../../provider/core";
import { auditCells, buildGraph, isAffected, renderHtml } from "../../provider/report";
import { printable } from "../../provider/report/text";
import { arbReport, seeded } from "./reports";

interface El {
  nodeName: string;
  tagName?: string;
  value?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: El[];
  content?: El;
}

const ALLOWED = new Set(
  "html head meta title style body header h1 p code bdi time figure ul li span svg path rect div text g a figcaption table thead tbody tr th td".split(" "),
);

function all(node: El, out: El[] = []): El[] {
  out.push(node);
  for (const c of node.childNodes ?? []) all(c, out);
  return out;
}
const text = (node: El): string => (node.nodeName === "#text" ? node.value! : (node.childNodes ?? []).map(text).join(""));
const attr = (node: El, name: string) => node.attrs?.find((a) => a.name === name)?.value;
const hasClass = (node: El, cls: string) => (attr(node, "class") ?? "").split(" ").includes(cls);

const SOURCE = { file: "tokens.yaml", apiUrl: "http://127.0.0.1:8787", generatedAt: "2026-11-30T00:00:00.000Z" };

/** Parses the page of `report`, failing on any parse error, unknown element, handler or outside URL. */
function page(report: Report, source = SOURCE): El[] {
  const errors: string[] = [];
  const html = renderHtml(report, source);
  const doc = parse(html, { onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`) }) as unknown as El;
  expect(errors).toEqual([]);
  const nodes = all(doc);
  const elements = nodes.filter((x) => x.tagName);
  expect(elements.map((n) => n.tagName!).filter((t) => !ALLOWED.has(t))).toEqual([]);
  const unsafe = elements
    .flatMap((n) => n.attrs ?? [])
    .filter((a) => a.name.startsWith("on") || a.name === "src" || a.name === "srcset" || (a.name === "href" && !/^#row-\d+$/.test(a.value)));
  expect(unsafe).toEqual([]);
  return nodes;
}

function checkPage(report: Report): void {
  const nodes = page(report);
  const rows = nodes.filter((n) => n.tagName === "tr" && attr(n, "id")?.startsWith("row-"));
  expect(rows.map((r) => attr(r, "id"))).toEqual(report.rows.map((_, i) => `row-${i}`));
  const cells = rows.map((tr) => (tr.childNodes ?? []).filter((c) => c.tagName === "td").map(text));
  expect(cells).toEqual(report.rows.map((r) => auditCells(r).map(printable)));

  const svg = nodes.find((n) => n.tagName === "svg" && hasClass(n, "graph"))!;
  const inSvg = all(svg);
  const cutEdges = inSvg.filter((n) => n.tagName === "path" && hasClass(n, "cut"));
  expect(cutEdges.reduce((k, e) => k + Number(attr(e, "data-links")), 0)).toBe(report.rows.reduce((k, r) => k + r.unlink.length, 0));

  const drawn = new Map(inSvg.filter((n) => n.tagName === "g" && hasClass(n, "account")).map((g) => [attr(g, "data-account")!, g]));
  const graph = buildGraph(report.rows);
  if (graph.counts.collapsedAffected === 0) expect(report.rows.filter((r) => isAffected(r) && !drawn.has(r.accountId))).toEqual([]);
  const byId = new Map(report.rows.map((r) => [r.accountId, r]));
  const mistitled = [...drawn].filter(([id, g]) => {
    const title = text((g.childNodes ?? []).find((c) => c.tagName === "title")!);
    return !title.startsWith(printable(`${byId.get(id)!.name ?? "(not found)"} (${id}`));
  });
  expect(mistitled.map(([id]) => id)).toEqual([]);
  const caption = text(nodes.find((n) => n.tagName === "figcaption")!);
  if (graph.counts.collapsed > 0) expect(caption).toContain(`Collapsed: ${graph.counts.collapsed.toLocaleString("en-US")} account`);
}

describe("renderHtml", () => {
  it("is well-formed and shows every row, link to cut and affected account, whatever the names", () => {
    fc.assert(fc.property(arbReport, checkPage), seeded("html", 1201, 40));
  });

  it("escapes the file name and API URL of its heading", () => {
    const nodes = page(
      { rows: [], summary: { tokens: 0, drift: 0, pending: 0, refused: 0, missing: 0 } },
      {
        file: `</title><script>alert(1)</script>"'.yaml`,
        apiUrl: "http://x/?a=<b>&c='d'",
        generatedAt: "<now>",
      },
    );
    expect(text(nodes.find((n) => n.tagName === "title")!)).toBe(`Marin Social audit: </title><script>alert(1)</script>"'.yaml`);
    expect(text(nodes.find((n) => n.tagName === "p" && hasClass(n, "source"))!)).toContain("http://x/?a=<b>&c='d'");
  });

  it("forbids every request with a Content-Security-Policy and loads no font, style or script from outside", () => {
    const html = renderHtml({ rows: [], summary: { tokens: 0, drift: 0, pending: 0, refused: 0, missing: 0 } }, SOURCE);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/@import|url\(|<link|<script/i);
  });
});
