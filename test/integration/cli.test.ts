/**
 * The `marin-social` command as a user runs it (the built bin, in a child process), against a
 * real sandbox: audit (table, --json, drift exit code), errors without stack traces, and the demo.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { account, json, startServer } from "../client/helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "dist", "cli", "main.js");
const TOKENS = path.join(ROOT, "tokens.yaml");

let sb: TestSandbox;
let tmp: string;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-cli-"));
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, MARIN_SOCIAL_API_URL: "", MARIN_SOCIAL_API_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const api = () => ({ MARIN_SOCIAL_API_KEY: sb.sandbox.keys.admin });

describe("marin-social audit", () => {
  it("prints one row per declared token with live state, desired state and action; exit 0 without drift", async () => {
    await sb.admin.sandbox.reset();
    const r = await cli(["audit", TOKENS, "--api-url", sb.url], api());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^ACCOUNT\s+PUBLISHER\s+NAME\s+LIVE\s+AGENCIES\s+DESIRED\s+ACTION\s+DRIFT$/);
    expect(lines.find((l) => l.startsWith("fb-1001"))).toMatch(/facebook\s+Acme Coffee\s+valid\s+ag-east,ag-north,ag-south\s+invalid\s+invalidate, unlink 3 agencies\s+-/);
    expect(lines.find((l) => l.startsWith("fb-1007"))).toMatch(/INVALID\s+ag-south\s+invalid\s+unlink 1 agency/);
    expect(r.stdout).toContain("6 tokens: 4 to change, 0 refused, 0 not found, 0 drifted.");
  });

  it("exits 2 on drift and explains it; --json carries the same rows", async () => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example" });
    const table = await cli(["audit", TOKENS, "--api-url", sb.url], api());
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/fb-1002 .*refuse \(revoked\)\s+revoked-outside-pulumi: revoked by mallory@agency\.example/);

    const json = await cli(["audit", TOKENS, "--json", "--api-url", sb.url], api());
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report.summary).toEqual({ tokens: 6, drift: 1, pending: 4, refused: 1, missing: 0 });
    expect(report.rows.find((r: { accountId: string }) => r.accountId === "fb-1002")).toMatchObject({
      liveValid: false,
      desiredValid: true,
      drift: "revoked-outside-pulumi",
    });
  });

  it("reports every problem of a bad file as file:line:col and audits nothing", async () => {
    const bad = path.join(tmp, "bad.yaml");
    writeFileSync(bad, "tokens:\n  - accountId: fb-1001\n    valid: maybe\n  - acountId: fb-1002\n    valid: true\n");
    const r = await cli(["audit", bad, "--api-url", sb.url], api());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${bad}:3:12: tokens[0].valid:`);
    expect(r.stderr).toContain(`${bad}:4:5: tokens[1].acountId:`);
  });

  it("fails without a stack trace (unless --debug) when no API key is set, naming both ways to set it", async () => {
    const r = await cli(["audit", TOKENS, "--api-url", sb.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MARIN_SOCIAL_API_KEY/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const d = await cli(["audit", TOKENS, "--api-url", sb.url, "--debug"]);
    expect(d.stderr).toMatch(/\n\s+at /);
  });

  it("refuses plain http to a non-loopback host before connecting", async () => {
    const r = await cli(["audit", TOKENS, "--api-url", "http://10.1.2.3:8787"], api());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/allowInsecureHttp|allow-insecure-http|MARIN_SOCIAL_ALLOW_INSECURE_HTTP/);
    expect(r.stderr).not.toContain(sb.sandbox.keys.admin);
  });

  it("fails (exit 1) on an API URL ending in /v1 or a server that ignores ids; no account is reported not found", async () => {
    const v1 = await cli(["audit", TOKENS, "--api-url", `${sb.url}/v1`], api());
    expect(v1.code).toBe(1);
    expect(v1.stdout).toBe("");
    expect(v1.stderr).toContain("answered 404 for an unknown route");
    expect(v1.stderr).toContain("it ends in /v1");
    const ignoring = await startServer((_h, res) => json(res, 200, { items: [account("fb-0001"), account("fb-0002")], nextCursor: "page-2" }));
    try {
      const r = await cli(["audit", TOKENS, "--api-url", ignoring.url], api());
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain("not found");
      expect(r.stderr).toContain(`does not match the API contract: it returned account "fb-0001", which was not asked for`);
    } finally {
      await ignoring.close();
    }
  });
});

describe("marin-social", () => {
  it("lists its commands, and rejects an unknown one", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const c of ["sandbox", "validate", "audit", "demo"]) expect(help.stdout).toContain(c);
    const bad = await cli(["frobnicate"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });

  it("demo (what npm start runs without the pulumi CLI) tells the whole story and exits by itself", async () => {
    const r = await cli(["demo", "--without-pulumi"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
    expect(r.stdout).toContain("invalidate token of fb-1001 as pulumi:marin-social/demo");
    expect(r.stdout).toMatch(/fb-1002 .*revoked-outside-pulumi: revoked by jane@agency\.example/);
  });
});
