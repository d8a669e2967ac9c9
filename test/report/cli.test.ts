/** `marin-social audit --format ... [-o FILE]` through the built CLI against a real sandbox. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { audit, TOKENS } from "./scenarios";

let sb: TestSandbox;
let tmp: string;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-report-cli-"));
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("marin-social audit --format", () => {
  it("text is the default table, json is --json, and -o writes what stdout would have shown", async () => {
    const table = await audit(sb, [TOKENS]);
    expect(table.code).toBe(0);
    expect((await audit(sb, [TOKENS, "--format", "text"])).stdout).toBe(table.stdout);
    const json = await audit(sb, [TOKENS, "--json"]);
    expect((await audit(sb, [TOKENS, "--format", "json"])).stdout).toBe(json.stdout);
    expect((await audit(sb, [TOKENS, "--format=json", "--json"])).stdout).toBe(json.stdout);

    const mermaid = (await audit(sb, [TOKENS, "--format", "mermaid"])).stdout;
    expect(readFileSync(path.join(__dirname, "..", "..", "docs", "cli.md"), "utf8"), "the example in docs/cli.md is today's output").toContain(`\n${mermaid}`);

    for (const format of ["text", "mermaid"]) {
      const out = path.join(tmp, `report.${format}`);
      const printed = await audit(sb, [TOKENS, "--format", format]);
      const written = await audit(sb, [TOKENS, "--format", format, "-o", out]);
      expect(written).toMatchObject({ code: 0, stdout: "", stderr: "" });
      expect(readFileSync(out, "utf8")).toBe(printed.stdout);
    }
    const html = path.join(tmp, "report.html");
    expect((await audit(sb, [TOKENS, "--format", "html", "--output", html])).code).toBe(0);
    expect(readFileSync(html, "utf8")).toMatch(/^<!doctype html>[\s\S]*<svg [\s\S]*<table class="audit">[\s\S]*<\/html>\n$/);
  });

  it("exits with the same code whatever the format: 2 on drift alone, 1 when up would refuse", async () => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1001", { actor: "pulumi:marin/dev" });
    await sb.admin.reauthorize("fb-1001", { actor: "ops@agency.example" });
    for (const format of ["text", "json", "html", "mermaid"]) expect((await audit(sb, [TOKENS, "--format", format])).code, format).toBe(2);
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example" });
    for (const format of ["text", "json", "html", "mermaid"]) expect((await audit(sb, [TOKENS, "--format", format])).code, format).toBe(1);
    await sb.admin.sandbox.reset();
  });

  it("answers in JSON under --format json as under --json, even for a rejected file", async () => {
    const bad = path.join(tmp, "bad.yaml");
    writeFileSync(bad, "tokens:\n  - accountId: fb-1001\n    valid: maybe\n");
    for (const args of [["--json"], ["--format", "json"], ["--format=json"]]) {
      const r = await audit(sb, [bad, ...args]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).problems[0]).toMatchObject({ path: "tokens[0].valid", line: 3 });
    }
    const noKey = await audit(sb, [TOKENS, "--format", "json", "--api-url", "http://10.1.2.3:8787"]);
    expect(noKey.code).toBe(1);
    expect(JSON.parse(noKey.stdout).error.code).toBeTypeOf("string");
  });

  it("refuses an unknown format, --json with another format, and an unwritable -o, clearly and before writing anything", async () => {
    const bad = await audit(sb, [TOKENS, "--format", "xml"]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toBe("marin-social audit: --format xml: must be one of text, json, html, mermaid. Run `marin-social audit --help` for usage.\n");

    const both = await audit(sb, [TOKENS, "--json", "--format", "html"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^marin-social audit: --json is --format json; give one of them\./);

    const dir = path.join(tmp, "no-such-dir");
    const unwritable = await audit(sb, [TOKENS, "--format", "html", "-o", path.join(dir, "r.html")]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(
      /^marin-social audit: cannot write the report to .*no-such-dir\/r\.html: ENOENT.*Check the directory exists and is writable\.\n$/,
    );
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("documents the formats in --help", async () => {
    const help = await audit(sb, ["--help"]);
    expect(help.stdout).toMatch(/--format FORMAT\s+text \(the table; default\), json/);
    expect(help.stdout).toMatch(/-o, --output OUT/);
  });
});
