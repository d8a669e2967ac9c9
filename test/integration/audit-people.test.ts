/**
 * `marin-social audit` on a file with a `people:` entry, against a real sandbox: the entry expands
 * to the person's accounts (kept ones left out), a token they re-authorized after Pulumi invalidated
 * it is drift naming them as offboarded in the file, and an expectAccounts mismatch is refused.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { type TestSandbox, testSandbox } from "../support/sandbox";

const BIN = path.resolve(__dirname, "..", "..", "dist", "cli", "main.js");
let sb: TestSandbox;
let tmp: string;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-audit-people-"));
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function audit(text: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = path.join(tmp, "people.yaml");
  writeFileSync(file, text);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "audit", file, "--json", "--api-url", sb.url], {
      env: { ...process.env, MARIN_SOCIAL_API_URL: "", MARIN_SOCIAL_API_KEY: sb.sandbox.keys.admin },
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

type Row = { accountId: string; action: string; person?: string; drift?: string; driftDetail?: string; refusal?: string };

describe("marin-social audit with people:", () => {
  it("expands the person to their accounts, keeps the kept one out, and names them in a re-authorization's drift", async () => {
    await sb.admin.invalidateToken("tw-2001", { actor: "pulumi:marin/dev" });
    const { token } = await sb.admin.sandbox.reauthorizeAtPublisher("tw-2001", { authorizedBy: DEMO_PEOPLE.jane });
    const r = await audit("people:\n  - person: jane@agency.example\n    keep: [fb-1004]\n");
    const rows = JSON.parse(r.stdout).rows as Row[];
    expect(rows.map((x) => [x.accountId, x.person])).toEqual([
      ["fb-1001", "jane@agency.example"],
      ["fb-1007", "jane@agency.example"],
      ["tw-2001", "jane@agency.example"],
      ["tw-2004", "jane@agency.example"],
    ]);
    expect(rows.find((x) => x.accountId === "tw-2001")).toMatchObject({
      drift: "reauthorized-after-invalidation",
      driftDetail: `re-authorized by Jane Doe <jane@agency.example> (u-7001) at ${token.authorizedAt}, who is offboarded in this file (people: jane@agency.example)`,
    });
    expect(r.code).toBe(2);
  });

  it("refuses an expectAccounts mismatch: exit 1, naming the account found but not expected", async () => {
    const r = await audit("people:\n  - person: u-7001\n    expectAccounts: [fb-1001, fb-1004, fb-1007, tw-2001]\n");
    const rows = JSON.parse(r.stdout).rows as Row[];
    expect(rows.map((x) => [x.accountId, x.refusal])).toEqual([["tw-2004", "accounts-differ"]]);
    expect(r.code).toBe(1);
  });
});
