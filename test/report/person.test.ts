/**
 * `marin-social audit --person` through the built CLI against a real sandbox: every token a person
 * authorized, in the four formats, with the exit codes of a file's audit, and the person's name
 * and email (server text) made safe in each.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { audit } from "./scenarios";

const JANE = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
const FORMATS = ["text", "json", "html", "mermaid"];
let sb: TestSandbox;
let tmp: string;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-report-person-"));
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
});

describe("marin-social audit --person", () => {
  it("text: whose tokens, then one row per account with its validity, agencies, when it was authorized and what offboarding would do", async () => {
    const r = await audit(sb, ["--person", "JANE@agency.example"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("Tokens authorized by Jane Doe <jane@agency.example> (u-7001); IF OFFBOARDED is what offboarding them would do:");
    expect(lines[2]).toMatch(/^ACCOUNT\s+PUBLISHER\s+NAME\s+LIVE\s+AGENCIES\s+AUTHORIZED\s+IF OFFBOARDED\s+DRIFT$/);
    const rows = lines.slice(3, 8).map((l) => l.split(/\s{2,}/));
    expect(rows.map((c) => c[0])).toEqual(JANE);
    expect(rows[2]).toEqual(["fb-1007", "facebook", "Granite Fitness", "INVALID", "ag-south", "2025-02-10T13:00:00.000Z", "unlink 1 agency", "-"]);
    expect(rows[4]).toEqual([
      "tw-2004",
      "twitter",
      "Juniper Pet Supply",
      "valid",
      "ag-north,ag-south,ag-west",
      "2025-09-03T09:25:00.000Z",
      "invalidate, unlink 3 agencies",
      "-",
    ]);
    expect(lines.at(-2)).toBe("5 tokens: 5 to change if offboarded, 0 refused, 0 not found, 0 drifted.");
    expect((await audit(sb, ["--person", DEMO_PEOPLE.jane.id])).stdout).toBe(r.stdout);
    const docs = readFileSync(path.join(__dirname, "..", "..", "docs", "cli.md"), "utf8");
    expect(docs, "the example in docs/cli.md is today's output").toContain(`\n\`\`\`\n${r.stdout}\`\`\`\n`);
  });

  it("json: the person asked for, who that is, and the rows with who authorized each token", async () => {
    const r = await audit(sb, ["--person", "u-7001", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.apiUrl).toBe(sb.url);
    expect(report.file).toBeUndefined();
    expect(report.person).toEqual({ ref: "u-7001", matched: [DEMO_PEOPLE.jane] });
    expect(report.rows.map((row: { accountId: string }) => row.accountId)).toEqual(JANE);
    expect(report.rows[0]).toMatchObject({
      accountId: "fb-1001",
      liveValid: true,
      linkedAgencies: [{ id: "ag-east" }, { id: "ag-north" }, { id: "ag-south" }],
      authorizedBy: DEMO_PEOPLE.jane,
      authorizedAt: "2025-03-02T10:00:00.000Z",
      invalidate: true,
    });
    expect(report.summary).toEqual({ tokens: 5, drift: 0, pending: 5, refused: 0, missing: 0 });
    expect((await audit(sb, ["--person", "u-7001", "--format", "json"])).stdout).toBe(r.stdout);
  });

  it("html: one page naming the person, the graph of what offboarding cuts, and the table with when each was authorized", async () => {
    const out = path.join(tmp, "jane.html");
    expect((await audit(sb, ["--person", "jane@agency.example", "--format", "html", "-o", out])).code).toBe(0);
    const page = readFileSync(out, "utf8");
    expect(page).toMatch(/^<!doctype html>[\s\S]*<svg [\s\S]*<table class="audit">[\s\S]*<\/html>\n$/);
    expect(page).toContain("<title>Marin Social audit: tokens authorized by jane@agency.example</title>");
    expect(page).toContain("Every token authorized by <bdi>Jane Doe &lt;jane@agency.example&gt; (u-7001)</bdi>, and what offboarding them would do to it,");
    expect(page).toContain("4 tokens to invalidate, 10 links to cut across 4 agencies");
    expect(page).toContain("5 tokens they authorized: 5 to change, 0 refused, 0 not found, 0 drifted.");
    expect(page).toContain('<th scope="col">AUTHORIZED</th><th scope="col">IF OFFBOARDED</th>');
    for (const id of JANE) expect(page).toContain(`<td class="c0"><bdi>${id}</bdi></td>`);
    expect(page).toContain('<td class="c5"><bdi>2025-02-10T13:00:00.000Z</bdi></td>');
  });

  it("mermaid: what offboarding the person would change", async () => {
    const r = await audit(sb, ["--person", "jane@agency.example", "--format", "mermaid"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual([
      "```mermaid",
      "%% marin-social audit: what offboarding Jane Doe #60;jane@agency.example#62; (u-7001) would change. 4 tokens to invalidate, 10 links to cut, 0 refused, 0 not found.",
      "flowchart LR",
    ]);
    expect(r.stdout).toContain('["UNLINK ONLY: Granite Fitness<br/>fb-1007 · facebook"]:::unlink');
    expect(r.stdout.match(/:::invalidate$/gm)).toHaveLength(4);
    expect(r.stdout).toMatch(/```\n$/);
  });

  it("exit codes as for a file: 0; 2 when a token Pulumi invalidated was re-authorized; 1 when the audit cannot run; a person with no token is 0 and says so", async () => {
    await sb.admin.invalidateToken("tw-2001", { actor: "pulumi:marin/dev" });
    await sb.admin.sandbox.reauthorizeAtPublisher("tw-2001", { authorizedBy: DEMO_PEOPLE.jane });
    for (const format of FORMATS) expect((await audit(sb, ["--person", "jane@agency.example", "--format", format])).code, format).toBe(2);
    const json = JSON.parse((await audit(sb, ["--person", "jane@agency.example", "--json"])).stdout);
    expect(json.rows.find((r: { accountId: string }) => r.accountId === "tw-2001").drift).toBe("reauthorized-after-invalidation");

    const nobody = await audit(sb, ["--person", "nobody@agency.example"]);
    expect(nobody).toEqual({ code: 0, stdout: "No account's token was authorized by nobody@agency.example.\n", stderr: "" });
    expect(JSON.parse((await audit(sb, ["--person", "nobody@agency.example", "--json"])).stdout).summary.tokens).toBe(0);

    for (const format of FORMATS) {
      const bad = await audit(sb, ["--person", "x".repeat(255), "--format", format]);
      expect(bad.code, format).toBe(1);
    }
    const bad = await audit(sb, ["--person", "x".repeat(255)]);
    expect(bad.stderr).toMatch(/^marin-social audit: Invalid argument person: .* is not a person's publisher-side user id or email, 1 to 254 characters/);
    const both = await audit(sb, ["tokens.yaml", "--person", "u-7001"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^marin-social audit: --person audits that person's tokens instead of a FILE; give one of them, not both\./);
    const down = await audit(sb, ["--person", "u-7001", "--json", "--api-url", "http://10.1.2.3:8787"]);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout).error.code).toBeTypeOf("string");
  });

  it("shows a person's name and email as server text: made safe in text, HTML and Mermaid", async () => {
    const mallory = { id: "u-666", name: "Mal\u202eyrol\u202c <script>x</script>\nNext", email: "mal@evil.example" };
    await sb.admin.sandbox.addAccounts({
      accounts: [{ id: "fb-6666", publisher: "facebook", name: "Evil\u0007 Page", agencies: ["ag-north"], authorizedBy: mallory }],
    });
    const text = (await audit(sb, ["--person", "u-666"])).stdout;
    expect(text.split("\n")[0]).toBe(
      "Tokens authorized by Mal\\u202eyrol\\u202c <script>x</script>\\u000aNext <mal@evil.example> (u-666); IF OFFBOARDED is what offboarding them would do:",
    );
    expect(text).toContain("Evil\\u0007 Page");
    expect(text).not.toMatch(/[\u202e\u0007]/);
    const html = (await audit(sb, ["--person", "u-666", "--format", "html"])).stdout;
    expect(html).toContain("<bdi>Mal\\u202eyrol\\u202c &lt;script&gt;x&lt;/script&gt;\\u000aNext &lt;mal@evil.example&gt; (u-666)</bdi>");
    expect(html).not.toContain("<script>");
    const mermaid = (await audit(sb, ["--person", "u-666", "--format", "mermaid"])).stdout;
    expect(mermaid.split("\n")[1]).toContain(
      "what offboarding Mal\\u202eyrol\\u202c #60;script#62;x#60;/script#62;\\u000aNext #60;mal@evil.example#62; (u-666) would change",
    );
    expect(mermaid).not.toMatch(/[\u202e\u0007]/);
  });
});
