/**
 * `marin-social audit --format html` and `--format mermaid` as a reviewer sees them: the built CLI
 * against a real sandbox writes the page, headless Chromium opens it, and the test asserts on the
 * rendered SVG (cut links highlighted and counted, labels visible and inside their boxes, nodes not
 * overlapping, the legend), that the page makes no request and runs nothing, and saves a
 * screenshot under test/artifacts/. The Mermaid output is rendered by Mermaid itself in the page.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Mermaid } from "mermaid";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayText, type Report } from "../../provider/core";
import { renderHtml } from "../../provider/report";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { type Browser, launch, SKIP_REASON } from "./chromium";
import { audit, HOSTILE, hostileFiles, manyAgencies, TOKENS, thousand } from "./scenarios";

const ARTIFACTS = path.resolve(__dirname, "..", "artifacts");
const MERMAID_JS = require.resolve("mermaid/dist/mermaid.min.js");

if (SKIP_REASON) console.warn(`test/report/browser.test.ts: ${SKIP_REASON}`);

/** What the page shows, read from the rendered DOM. */
interface Seen {
  cutEdges: number;
  cutLinks: number;
  keptLinks: number;
  accounts: string[];
  groups: number;
  tableRows: number;
  legend: string;
  caption: string;
  cutStyle: { stroke: string; dash: string };
  keptDash: string;
  /** Node boxes that overlap another, and name labels wider than their box or running into its badge. */
  overlaps: string[];
  overflowing: string[];
  svgHeight: number;
  scripts: number;
  pwned: unknown;
}

function read(page: Page): Promise<Seen> {
  return page.evaluate(() => {
    const svg = document.querySelector("svg.graph")!;
    const cut = [...svg.querySelectorAll<SVGPathElement>("path.edge.cut")];
    const kept = [...svg.querySelectorAll<SVGPathElement>("path.edge.kept")];
    const sum = (ps: SVGPathElement[]) => ps.reduce((n, p) => n + Number(p.dataset.links), 0);
    const boxes = [...svg.querySelectorAll<SVGGElement>("g.node")].map((g) => ({ key: g.dataset.key!, r: g.querySelector("svg")!.getBoundingClientRect() }));
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps.push(`${boxes[i]!.key}/${boxes[j]!.key}`);
      }
    const overflowing = [...svg.querySelectorAll<SVGTextElement>("g.node text.name")]
      .filter((t) => {
        const box = t.closest("svg")!.getBoundingClientRect();
        const r = t.getBoundingClientRect();
        const badge = t.parentElement!.querySelector("text.badge")?.getBoundingClientRect();
        return r.width === 0 || r.right > box.right - 2 || (badge !== undefined && r.right > badge.left - 2);
      })
      .map((t) => t.textContent!);
    const style = getComputedStyle(cut[0] ?? svg);
    return {
      cutEdges: cut.length,
      cutLinks: sum(cut),
      keptLinks: sum(kept),
      accounts: [...svg.querySelectorAll<SVGGElement>("g.node.account")].map((g) => g.dataset.account!),
      groups: svg.querySelectorAll("g.node.group").length,
      tableRows: document.querySelectorAll("table.audit tr[id^=row-]").length,
      // biome-ignore lint/performance/useDomNodeTextContent: the legend as rendered is what a reader sees (innerText follows the layout; textContent would not)
      legend: (document.querySelector(".legend") as HTMLElement).innerText,
      caption: document.querySelector("figcaption")!.textContent!,
      cutStyle: { stroke: style.stroke, dash: style.strokeDasharray },
      keptDash: kept[0] ? getComputedStyle(kept[0]).strokeDasharray : "none",
      overlaps,
      overflowing,
      svgHeight: svg.getBoundingClientRect().height,
      scripts: document.scripts.length,
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    };
  });
}

describe.skipIf(SKIP_REASON !== undefined)("the audit report in headless Chromium", () => {
  let browser: Browser;
  let sb: TestSandbox;
  let tmp: string;

  beforeAll(async () => {
    browser = await launch();
    sb = await testSandbox();
    tmp = mkdtempSync(path.join(tmpdir(), "marin-report-"));
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await sb?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Audits `file` as JSON and as HTML (written with -o), opens the page; returns both. */
  async function open(file: string, name: string, on: TestSandbox = sb): Promise<{ report: Report; page: Page & { errors: string[] }; seen: Seen }> {
    const json = await audit(on, [file, "--json"]);
    const report = JSON.parse(json.stdout) as Report;
    const html = path.join(tmp, `${name}.html`);
    const r = await audit(on, [file, "--format", "html", "-o", html]);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(json.code);
    const page = await browser.page();
    await page.goto(pathToFileURL(html).href);
    const shot = path.join(ARTIFACTS, `audit-report-${name}.png`);
    const figureBottom = await page.locator("figure").evaluate((f) => f.getBoundingClientRect().bottom + window.scrollY);
    await page.screenshot({ path: shot, fullPage: true, clip: { x: 0, y: 0, width: 1100, height: Math.ceil(figureBottom) + 400 } });
    console.log(`screenshot: ${shot}`);
    const seen = await read(page);
    expect(page.errors).toEqual([]);
    expect(browser.requests).toEqual([]);
    expect(seen.scripts).toBe(0);
    expect(seen.overlaps).toEqual([]);
    expect(seen.overflowing).toEqual([]);
    expect(seen.tableRows).toBe(report.rows.length);
    return { report, page, seen };
  }

  const cutLinks = (report: Report) => report.rows.reduce((n, r) => n + r.unlink.length, 0);

  it("the request guard sees a request, and the report's Content-Security-Policy stops one before it is made", async () => {
    const page = await browser.page();
    await page.setContent(`<img src="http://127.0.0.1:9/guard.png">`);
    expect(browser.requests).toEqual(["http://127.0.0.1:9/guard.png"]);
    browser.requests.length = 0;

    const html = path.join(tmp, "empty.html");
    writeFileSync(
      html,
      renderHtml({ rows: [], summary: { tokens: 0, drift: 0, pending: 0, refused: 0, missing: 0 } }, { file: "t.yaml", apiUrl: "x", generatedAt: "now" }),
    );
    await page.goto(pathToFileURL(html).href);
    const loaded = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const img = document.createElement("img");
          img.onload = () => resolve(true);
          img.onerror = () => resolve(false);
          img.src = "http://127.0.0.1:9/csp.png";
          document.body.append(img);
        }),
    );
    expect(loaded).toBe(false);
    expect(browser.requests).toEqual([]);
    expect(page.errors.join("\n")).toMatch(/Content Security Policy/);
    await page.close();
  });

  it("demo seed: one highlighted edge per link to cut, visible labels, a legend, no request", async () => {
    await sb.admin.sandbox.reset();
    const { report, page, seen } = await open(TOKENS, "demo");
    expect(cutLinks(report)).toBe(6);
    expect(seen.cutEdges).toBe(6);
    expect(seen.cutLinks).toBe(6);
    expect(seen.keptLinks).toBe(4);
    expect(seen.cutStyle.stroke).toBe("rgb(198, 40, 40)");
    expect(seen.cutStyle.dash).not.toBe("none");
    expect(seen.keptDash).toBe("none");
    expect(seen.accounts).toHaveLength(6);
    expect(seen.legend).toMatch(/link to be cut[\s\S]*INVALIDATE[\s\S]*REFUSED[\s\S]*DRIFT/);
    for (const name of ["Acme Coffee", "Granite Fitness", "Foxglove Florist", "North Agency", "West Agency"]) {
      await expect(page.locator("svg.graph text.name", { hasText: name }).first().isVisible()).resolves.toBe(true);
    }
    expect(await page.locator('g.account[data-account="fb-1001"] text.badge').textContent()).toBe("✕ INVALIDATE");
    expect(await page.locator('g.account[data-account="fb-1007"] text.badge').textContent()).toBe("UNLINK ONLY");
    expect(seen.caption).toContain("Every declared token is drawn (6)");
    await page.close();
  });

  it("demo seed with drift and a refusal: both marked in the picture and the table", async () => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const { page, seen } = await open(TOKENS, "demo-drift");
    expect(seen.cutLinks).toBe(6);
    const node = page.locator('g.account[data-account="fb-1002"]');
    expect(await node.locator("text.badge").allTextContents()).toEqual(["⚠ REFUSED (revoked)", "Δ DRIFT"]);
    // biome-ignore lint/performance/useDomNodeTextContent: the row as rendered is what a reviewer reads
    expect(await page.locator("table.audit tr.refused.drifted").innerText()).toMatch(/fb-1002[\s\S]*refuse \(revoked\)[\s\S]*revoked-outside-pulumi/);
    // biome-ignore lint/performance/useDomNodeTextContent: the detail row as rendered is what a reviewer reads
    expect(await page.locator("table.audit tr.detail.refused").innerText()).toContain("was revoked by mallory@agency.example");
    await page.close();
  });

  it("1,000 tokens, 25 cut off: unchanged accounts collapse per agency; refusals, drift and the unknown account are drawn", async () => {
    const { report, page, seen } = await open(await thousand(sb, tmp, false), "1000");
    expect(report.rows).toHaveLength(1001);
    expect(seen.cutLinks).toBe(cutLinks(report));
    expect(seen.keptLinks).toBe(report.rows.reduce((n, r) => n + (r.linkedAgencies?.length ?? 0), 0) - cutLinks(report));
    const affected = report.rows.filter((r) => r.action !== "none" || r.drift).map((r) => r.accountId);
    expect(affected).toHaveLength(25 + 3 + 1 + 1 + 1); // cut off, revoked outside Pulumi, guard, re-authorized, unknown
    expect(seen.accounts.sort()).toEqual([...affected].sort());
    expect(seen.groups).toBeGreaterThan(0);
    expect(seen.groups).toBeLessThanOrEqual(11);
    expect(await page.locator("g.group text.name", { hasText: /accounts unchanged$/ }).count()).toBeGreaterThan(5);
    expect(seen.caption).toMatch(/Collapsed: 970 accounts into \d+ nodes/);
    expect(seen.svgHeight).toBeLessThan(2600);
    await page.close();
  });

  it("1,000 tokens all cut off: 40 drawn, the rest counted per agency, every cut link accounted for", async () => {
    const { report, page, seen } = await open(await thousand(sb, tmp, true), "1000-all");
    expect(seen.accounts).toHaveLength(40);
    expect(seen.cutLinks).toBe(cutLinks(report));
    expect(await page.locator("g.group.cut").count()).toBe(10);
    expect(seen.caption).toContain("Collapsed: 960 accounts");
    await page.close();
  });

  it("60 agencies: those beyond 12 share one node, which still counts every link to cut", async () => {
    const { report, page, seen } = await open(await manyAgencies(sb, tmp), "many-agencies");
    expect(seen.cutLinks).toBe(cutLinks(report));
    const agencies = new Set(report.rows.flatMap((r) => r.linkedAgencies!.map((a) => a.id)));
    expect(await page.locator("g.node.agency").count()).toBe(12);
    expect(await page.locator("g.node.agency[data-merged] text.name").textContent()).toBe(`${agencies.size - 11} more agencies`);
    expect(seen.caption).toContain(`${agencies.size - 11} agencies with the fewest links cut are merged into one node.`);
    await page.close();
  });

  it("hostile names are shown as text, in the picture and the table, and nothing runs", async () => {
    const files = hostileFiles(tmp);
    const hostile = await testSandbox({ seed: files.seed });
    try {
      const { report, page, seen } = await open(files.tokens, "hostile", hostile);
      expect(seen.pwned).toBeUndefined();
      expect(seen.cutLinks).toBe(cutLinks(report));
      expect(await page.locator("img").count()).toBe(0);
      const names = await page.locator("table.audit td.c2").allInnerTexts();
      // Shown as the CLI shows server text: a bidi override is written out, not obeyed.
      expect(names).toEqual(report.rows.map((r) => displayText(r.name)));
      expect(names.some((n) => n.includes(HOSTILE.override))).toBe(false);
      const titles = await page.locator("g.account > title").allTextContents();
      for (const r of report.rows) expect(titles.some((t) => t.startsWith(`${displayText(r.name)} (${r.accountId}`))).toBe(true);
      await expect(page.locator("svg.graph text.name", { hasText: HOSTILE.tokyo }).isVisible()).resolves.toBe(true);
      await expect(page.locator("svg.graph text.name", { hasText: HOSTILE.script.slice(0, 30) }).isVisible()).resolves.toBe(true);
      expect(await page.locator('g.agency[data-agency="ag-x"] text.name').textContent()).toBe(HOSTILE.agency);
      expect(await page.locator('g.account[data-account="fb-7"] text.name').textContent()).toMatch(/^Supercalifragilistic.*…$/);
      await page.close();
    } finally {
      await hostile.close();
    }
  });

  describe("--format mermaid, rendered by Mermaid", () => {
    async function render(mermaid: string) {
      const page = await browser.page();
      await page.setContent("<!doctype html><html><body></body></html>");
      await page.addScriptTag({ content: readFileSync(MERMAID_JS, "utf8") });
      const code = mermaid.replace(/^```mermaid\n/, "").replace(/\n```\n?$/, "");
      const out = await page.evaluate(async (code) => {
        const m = (window as unknown as { mermaid: Mermaid }).mermaid;
        m.initialize({ startOnLoad: false, securityLevel: "strict" });
        const { svg } = await m.render("audit", code);
        document.body.innerHTML = svg;
        return {
          edges: document.querySelectorAll("svg .edgePaths path, svg path.flowchart-link").length,
          labels: [...document.querySelectorAll("svg .node")].map((n) => (n as HTMLElement).textContent ?? ""),
          pwned: (window as unknown as { __pwned?: unknown }).__pwned,
          images: document.querySelectorAll("svg img").length,
        };
      }, code);
      expect(page.errors).toEqual([]);
      expect(browser.requests).toEqual([]);
      await page.close();
      return out;
    }

    it("demo: one cut edge per link to cut, the tokens to invalidate and the agencies they lose", async () => {
      await sb.admin.sandbox.reset();
      const r = await audit(sb, [TOKENS, "--format", "mermaid"]);
      expect(r.code).toBe(0);
      const out = await render(r.stdout);
      expect(new Set(out.labels).size).toBe(out.labels.length);
      expect(out.edges).toBe(6);
      expect(out.labels).toContain("✕ INVALIDATE: Acme Coffeefb-1001 · facebook");
      expect(out.labels).toContain("East Agencyag-east");
      expect(out.labels.some((l) => l.includes("Blue Harbor"))).toBe(false);
    });

    it("hostile names survive as text", async () => {
      const files = hostileFiles(tmp);
      const hostile = await testSandbox({ seed: files.seed });
      try {
        const r = await audit(hostile, [files.tokens, "--format", "mermaid"]);
        const out = await render(r.stdout);
        expect(out.pwned).toBeUndefined();
        expect(out.images).toBe(0);
        for (const name of [HOSTILE.script, HOSTILE.img, HOSTILE.tokyo, HOSTILE.arabic, HOSTILE.override, HOSTILE.family]) {
          expect(
            out.labels.some((l) => l.includes(displayText(name))),
            name,
          ).toBe(true);
        }
        // Mermaid decodes its entity codes, so a bidi override must reach it written out.
        expect(out.labels.some((l) => /[\u202a-\u202e\u2066-\u2069]/.test(l))).toBe(false);
        expect(out.labels.some((l) => l.includes(HOSTILE.agency))).toBe(true);
      } finally {
        await hostile.close();
      }
    });

    it("1,000 tokens all cut off: truncated, with a comment line and a final note node", async () => {
      const r = await audit(sb, [await thousand(sb, tmp, true), "--format", "mermaid"]);
      expect(r.stdout).toMatch(/^%% truncated: showing \d+ of 1,000 accounts/m);
      const out = await render(r.stdout);
      expect(out.labels.at(-1)).toMatch(/^… [\d,]+ more accounts that change or are refused \([\d,]+ links to cut\) not shown/);
      expect(out.edges).toBeLessThanOrEqual(90);
    });
  });
});
