/**
 * The `marin-social` command as a user runs it (the built bin, in a child process), against a
 * real sandbox: audit (table, --json, drift exit code), errors without stack traces, and the demo.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayWidth } from "../../provider/core/width";
import { account, json, startServer } from "../client/helpers";
import { type TestSandbox, testSandbox } from "../support/sandbox";

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

/**
 * Runs the CLI with stdout to a pipe whose reader goes away after 100 bytes (like `| head -c 100`):
 * resolves with the exit code, stderr and the bytes read.
 */
function cliIntoClosedPipe(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; read: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, MARIN_SOCIAL_API_URL: "", MARIN_SOCIAL_API_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let read = 0;
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      read += d.length;
      if (read >= 100) child.stdout.destroy();
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr, read }));
  });
}

/** A declaration file of `n` tokens (enough output to overflow a pipe's buffer). */
function bigFile(n: number, id: (i: number) => string): string {
  const file = path.join(tmp, `big-${n}.yaml`);
  writeFileSync(file, `tokens:\n${Array.from({ length: n }, (_, i) => `  - accountId: ${id(i)}\n    valid: false\n`).join("")}`);
  return file;
}

describe("marin-social audit", () => {
  it("prints one row per declared token with live state, desired state and action; exit 0 without drift", async () => {
    await sb.admin.sandbox.reset();
    const r = await cli(["audit", TOKENS, "--api-url", sb.url], api());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^ACCOUNT\s+PUBLISHER\s+NAME\s+LIVE\s+AGENCIES\s+DESIRED\s+ACTION\s+DRIFT$/);
    expect(lines.find((l) => l.startsWith("fb-1001"))).toMatch(
      /facebook\s+Acme Coffee\s+valid\s+ag-east,ag-north,ag-south\s+invalid\s+invalidate, unlink 3 agencies\s+-/,
    );
    expect(lines.find((l) => l.startsWith("fb-1007"))).toMatch(/INVALID\s+ag-south\s+invalid\s+unlink 1 agency/);
    expect(r.stdout).toContain("6 tokens: 4 to change, 0 refused, 0 not found, 0 drifted.");
  });

  it("exits 2 on drift that pulumi up would fix, and explains it; --json carries the same rows", async () => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1001", { actor: "pulumi:marin-social/dev" });
    await sb.admin.reauthorize("fb-1001", { actor: "jane@agency.example" });
    const table = await cli(["audit", TOKENS, "--api-url", sb.url], api());
    expect(table.code).toBe(2);
    // Re-authorized by the API without a new authorizer: the token's own (Jane Doe, in the seed) is named.
    expect(table.stdout).toMatch(/fb-1001 .*reauthorized-after-invalidation: re-authorized by Jane Doe <jane@agency\.example> \(u-7001\) at /);

    const json = await cli(["audit", TOKENS, "--json", "--api-url", sb.url], api());
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report.summary).toEqual({ tokens: 6, drift: 1, pending: 4, refused: 0, missing: 0 });
    expect(report.rows.find((r: { accountId: string }) => r.accountId === "fb-1001")).toMatchObject({
      liveValid: true,
      desiredValid: false,
      drift: "reauthorized-after-invalidation",
    });
  });

  it("exits 1 when drift is also a refusal: a token revoked outside Pulumi but declared valid", async () => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example" });
    const table = await cli(["audit", TOKENS, "--api-url", sb.url], api());
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/fb-1002 .*refuse \(revoked\)\s+revoked-outside-pulumi: revoked by mallory@agency\.example/);
    const json = await cli(["audit", TOKENS, "--json", "--api-url", sb.url], api());
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).summary).toEqual({ tokens: 6, drift: 1, pending: 4, refused: 1, missing: 0 });
  });

  // Every way `pulumi up` fails for a token makes the audit exit 1 (the table or JSON still printed).
  it.each([
    ["an expectAgencies mismatch", "  - { accountId: fb-1001, valid: false, expectAgencies: [ag-east] }\n", /fb-1001 .*refuse/],
    ["a publisher mismatch", "  - { accountId: fb-1001, valid: false, publisher: twitter }\n", /fb-1001 .*refuse/],
    ["valid: true on a token another stack revoked", "  - { accountId: fb-1002, valid: true }\n", /fb-1002 .*refuse \(revoked\)/],
    ["an unknown account", "  - { accountId: fb-9999, valid: false }\n", /fb-9999 .*not found/],
  ])("exits 1 on %s", async (_what, entry, row) => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1002", { actor: "pulumi:other-project/prod" });
    const file = path.join(tmp, "refused.yaml");
    writeFileSync(file, `tokens:\n  - { accountId: tw-2001, valid: false }\n${entry}`);
    const table = await cli(["audit", file, "--api-url", sb.url], api());
    expect(table.stderr).toBe("");
    expect(table.stdout).toMatch(row);
    expect(table.code).toBe(1);
    const json = await cli(["audit", file, "--json", "--api-url", sb.url], api());
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).rows).toHaveLength(2);
  });

  it("lines the table up in terminal columns whatever the names hold, and shows control characters as escapes", async () => {
    await sb.admin.sandbox.reset();
    const names = ["東京カフェ", "Café ☕ Ünïcödé", "🇯🇵 👨‍👩‍👧 Shop", "Cafe\u0301 Bleu", "한국 베이커리", "Evil\x1b[2J\x1b[31m Red\nSecond line"];
    const accounts = names.map((name, i) => ({ id: `wide-${i}`, publisher: "facebook", name, agencies: ["ag-north"] }));
    await sb.admin.sandbox.addAccounts({ accounts });
    const file = path.join(tmp, "wide.yaml");
    writeFileSync(file, `tokens:\n${accounts.map((a) => `  - { accountId: ${a.id}, valid: true }\n`).join("")}`);
    const r = await cli(["audit", file, "--api-url", sb.url], api());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(r.stdout).toContain("Evil\\u001b[2J\\u001b[31m Red\\u000aSecond line");
    const lines = r.stdout.split("\n");
    const rows = lines.filter((l) => l.startsWith("wide-"));
    expect(rows).toHaveLength(names.length);
    // Every row's LIVE cell ("valid") starts in the header's LIVE column, counted in terminal columns.
    const column = (line: string, at: number) => displayWidth(line.slice(0, at));
    const live = column(lines[0]!, lines[0]!.indexOf("LIVE"));
    for (const row of rows) expect(column(row, row.indexOf("  valid  ") + 2), row).toBe(live);
  });

  it.each([
    [
      "a duplicate accountId",
      "tokens:\n  - { accountId: fb-1001, valid: false }\n  - { accountId: fb-1001, valid: false }\n",
      3,
      "tokens[1].accountId",
      /duplicate accountId/,
    ],
    ["an id the API refuses", 'tokens:\n  - { accountId: "fb:1001", valid: false }\n', 2, "tokens[0].accountId", /must be an account id of 1 to 64/],
    [
      "a reason over the API's limit",
      `tokens:\n  - { accountId: fb-1001, valid: false, reason: ${"x".repeat(1001)} }\n`,
      2,
      "tokens[0].reason",
      /at most 1000 characters/,
    ],
  ])("exits 1 on %s, and --json prints the problems", async (_what, text, line, at, message) => {
    const file = path.join(tmp, "rejected.yaml");
    writeFileSync(file, text);
    const r = await cli(["audit", file, "--api-url", sb.url], api());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    const json = await cli(["audit", file, "--json", "--api-url", sb.url], api());
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out).toEqual({ file, problems: [{ file, line, col: expect.any(Number), path: at, message: expect.stringMatching(message) }] });
    const v = await cli(["validate", file, "--json"]);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).files[0].problems[0]).toMatchObject({ file, line, path: at });
  });

  it.each([
    ["no API key", {}, "config", /MARIN_SOCIAL_API_KEY/],
    ["a wrong API key", { MARIN_SOCIAL_API_KEY: "not-a-key" }, "unauthorized", /401|not recognised|API key/],
  ])("--json with %s prints the error as JSON, exit 1", async (_what, env, code, message) => {
    const r = await cli(["audit", TOKENS, "--json", "--api-url", sb.url], env);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ error: { code, message: expect.stringMatching(message) } });
    expect(r.stderr).toMatch(message);
    expect(r.stdout + r.stderr).not.toContain("not-a-key");
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

  it("fails without a stack trace (unless --debug) when no API key is set, naming MARIN_SOCIAL_API_KEY", async () => {
    const r = await cli(["audit", TOKENS, "--api-url", sb.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MARIN_SOCIAL_API_KEY/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const d = await cli(["audit", TOKENS, "--api-url", sb.url, "--debug"]);
    expect(d.stderr).toMatch(/\n\s+at /);
  });

  // The audit reads flags and the environment, never Pulumi config: every fix it suggests says so.
  // SANDBOX stands for the sandbox's URL; the admin key is set unless the case sets its own.
  const S = "--api-url SANDBOX";
  it.each([
    ["no API key", S, { MARIN_SOCIAL_API_KEY: "" }, /no API key is set\. Set it with `export MARIN_SOCIAL_API_KEY=<key>`/],
    [
      "a key the API rejects (401)",
      S,
      { MARIN_SOCIAL_API_KEY: "not-a-key" },
      /rejected the API key .*Set a valid key with `export MARIN_SOCIAL_API_KEY=<key>`/,
    ],
    ["a malformed key", S, { MARIN_SOCIAL_API_KEY: "has space" }, /Set a valid key with `export MARIN_SOCIAL_API_KEY=<key>`/],
    [
      "http to a remote host from --api-url",
      "--api-url http://10.1.2.3:8787",
      {},
      /from --api-url\).*opt in with --allow-insecure-http or `export MARIN_SOCIAL_ALLOW_INSECURE_HTTP=true`/,
    ],
    [
      "http to a remote host from the environment",
      "",
      { MARIN_SOCIAL_API_URL: "http://10.1.2.3:8787" },
      /from environment MARIN_SOCIAL_API_URL\).*--allow-insecure-http/,
    ],
    ["a URL that is not http", "--api-url ftp://127.0.0.1", {}, /Set an https:\/\/ URL with --api-url <url> or `export MARIN_SOCIAL_API_URL=<url>`/],
    ["a URL ending in /v1", "--api-url SANDBOX/v1", {}, /it ends in \/v1.*Set --api-url SANDBOX or `export MARIN_SOCIAL_API_URL=SANDBOX`/],
    ["nothing listening", "--api-url http://127.0.0.1:9", {}, /Check the API URL, --api-url \(else MARIN_SOCIAL_API_URL\)/],
    [
      "a bad tuning knob",
      S,
      { MARIN_SOCIAL_MAX_CONCURRENCY: "lots" },
      /environment MARIN_SOCIAL_MAX_CONCURRENCY must be .*Set it with `export MARIN_SOCIAL_MAX_CONCURRENCY=16`/,
    ],
  ])("names what the audit reads, never Pulumi config, for %s", async (_what, args, env, message) => {
    const argv = args
      .split(" ")
      .filter(Boolean)
      .map((a) => a.replace("SANDBOX", sb.url));
    const r = await cli(["audit", TOKENS, ...argv], { ...api(), ...env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(message.source.replaceAll("SANDBOX", sb.url.replaceAll(".", "\\."))));
    expect(r.stderr).not.toMatch(/pulumi config/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses an empty --api-url rather than falling back to the environment", async () => {
    const r = await cli(["audit", TOKENS, "--api-url", ""], { ...api(), MARIN_SOCIAL_API_URL: sb.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--api-url is empty");
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

describe("a reader that closes stdout early (| head -c 100)", () => {
  const quiet = (r: { stderr: string }) => expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);

  it("validate --json ends quietly with its own exit code", async () => {
    const r = await cliIntoClosedPipe(["validate", "--json", bigFile(3000, (i) => `fb-${i}`)]);
    expect(r.read).toBeGreaterThanOrEqual(100);
    quiet(r);
    expect(r.code).toBe(0);
    const bad = await cliIntoClosedPipe(["validate", "--json", bigFile(3000, (i) => `fb:${i}`)]);
    quiet(bad);
    expect(bad.code).toBe(1);
  });

  it("audit, table and --json, ends quietly with its own exit code", async () => {
    await sb.admin.sandbox.reset();
    const { ids } = await sb.admin.sandbox.addAccounts({ count: 1500, agenciesPerAccount: { min: 1, max: 1 } });
    const file = bigFile(ids.length, (i) => ids[i]!);
    for (const json of [[], ["--json"]]) {
      const r = await cliIntoClosedPipe(["audit", file, ...json, "--api-url", sb.url], api());
      expect(r.read).toBeGreaterThanOrEqual(100);
      quiet(r);
      expect(r.code).toBe(0);
    }
  });

  it("demo ends quietly and still runs to the end", async () => {
    const r = await cliIntoClosedPipe(["demo", "--without-pulumi"]);
    quiet(r);
    expect(r.code).toBe(0);
  });
});

describe("marin-social", () => {
  it.each(["validate", "audit", "sandbox"])("%s --help documents every exit code", async (command) => {
    const r = await cli([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*\b0\b[\s\S]*\b1\b/);
    if (command === "audit") expect(r.stdout).toMatch(/\n {2}2 {2}drift/);
    expect(r.stdout).not.toContain("detailed-exitcode");
  });

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
    expect(r.stdout).toContain("`marin-social audit tokens.yaml` now exits 1");
    expect(r.stdout).not.toContain("detailed-exitcode");
  });
});
