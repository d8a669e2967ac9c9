/**
 * examples/python (a Pulumi Python program on the generated SDK, sdk/python) through the real
 * `pulumi` CLI, our Python language host (tools/pulumi/cmd/pulumi-language-python) and the
 * venv `npm run python:env` caches, against the sandbox, in four engine operations on one stack,
 * as users type them: preview (the audit lines, nothing changed), up (invalidated and unlinked;
 * the get_account invoke), refresh after an out-of-band revoke (drift shown), and up again, which
 * refuses the revoked token that is declared valid (the run fails, naming it; nothing changed).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { copyProject, describeWithPulumi, type NativeStack, nativeStack, PULUMI_BIN, ROOT } from "./native-support";

const KEY = "ms-e2e-python-7c1e-distinctive";
const ACTOR = "pulumi:marin-social-python/dev";

let sb: TestSandbox | undefined;
let s: NativeStack;

afterAll(async () => {
  await s?.cleanup();
  await sb?.close();
});

/** The stack's outputs as the last operation recorded them in the checkpoint. */
function outputs(): Record<string, unknown> {
  const resources = JSON.parse(s.checkpoint()).checkpoint.latest.resources as { type: string; outputs: Record<string, unknown> }[];
  return resources.find((r) => r.type === "pulumi:pulumi:Stack")!.outputs;
}

describeWithPulumi("examples/python through the real pulumi CLI and the Python language host", () => {
  beforeAll(async () => {
    expect(existsSync(path.join(PULUMI_BIN!, "pulumi-language-python")), "no Python language host: run npm run pulumi:install").toBe(true);
    // Idempotent and quick when cached; npm test runs it before vitest.
    const venv = execFileSync(process.execPath, [path.join(ROOT, "scripts", "python-env.js"), "--quiet"], { encoding: "utf8" }).trim();
    sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
    const dir = copyProject("examples/python", (doc) => doc.setIn(["runtime", "options", "virtualenv"], venv));
    s = await nativeStack(dir, { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": KEY });
  }, 600_000);

  it("preview shows who each token cuts off and changes nothing; up invalidates and unlinks; get_account answers", async () => {
    const seeded = await auditCounts(sb!.admin);
    const preview = await s.cli(["preview"]);
    expect(preview.code, preview.out).toBe(0);
    expect(preview.out).toMatch(/\+ 5 to create/); // the stack and four tokens
    for (const [resource, line] of [
      [
        "acme-coffee",
        'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
      ],
      [
        "acme-coffee-twitter",
        'warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 2 agencies: East Agency (ag-east), North Agency (ag-north)',
      ],
      ["granite-fitness", 'warning: facebook account "Granite Fitness" (fb-1007) token already invalid: revoked by jane@agency.example (outside Pulumi)'],
      ["blue-harbor", 'facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)'],
    ]) {
      expect(preview.out).toContain(`marin-social:index:PublisherToken (${resource}):\n    ${line}`);
    }
    expect(await auditCounts(sb!.admin)).toEqual(seeded); // preview changed nothing

    const up = await s.cli(["up", "--yes"]);
    expect(up.code, up.out).toBe(0);
    expect(up.out).toMatch(/\+ 5 created/);
    expect(outputs()).toEqual({ cutOff: ["ag-east", "ag-north", "ag-south"], blueHarborValid: true, blueHarborAgencies: ["ag-north"] });
    for (const id of ["fb-1001", "tw-2001"]) {
      const account = await sb!.admin.getAccount(id);
      expect(account.token, id).toMatchObject({ valid: false, invalidatedBy: ACTOR, reason: "Jane Doe left the company (HR-1234)" });
      expect(account.agencies, id).toEqual([]);
    }
    expect((await sb!.admin.getAccount("fb-1007")).agencies).toEqual([]); // adopted, unlinked
    expect((await sb!.admin.getAccount("fb-1002")).token.valid).toBe(true);
  }, 300_000);

  it("refresh shows a revoke made outside Pulumi as drift; up then refuses the token, names it and changes nothing", async () => {
    await sb!.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const refresh = await s.cli(["refresh", "--yes", "--diff"]);
    expect(refresh.code, refresh.out).toBe(0);
    expect(refresh.out).toMatch(/::blue-harbor\]\n(?:\s+\[provider=[^\n]+\n)?\s+~ valid: true => false\n/);
    expect(refresh.out).toMatch(/~ 1 updated\n\s+4 unchanged/);

    const before = await auditCounts(sb!.admin);
    const up = await s.cli(["up", "--yes"]);
    expect(up.code, up.out).not.toBe(0);
    expect(up.out).toMatch(
      /marin-social:index:PublisherToken \(blue-harbor\):\n(?:\s+error: [^\n]*\n)*?\s+error: the facebook token of "Blue Harbor Bakery" \(fb-1002\) was revoked by mallory@agency\.example[^\n]*\(nothing was changed\)/,
    );
    expect(await auditCounts(sb!.admin)).toEqual(before);
  }, 300_000);
});
