/**
 * examples/python (a Pulumi Python program on the generated SDK, sdk/python) through the real
 * `pulumi` CLI, our Python language host (tools/pulumi/cmd/pulumi-language-python) and the
 * venv `npm run python:env` caches, against the sandbox, in four engine operations on one stack,
 * as users type them: preview (the audit lines, nothing changed), up (invalidated and unlinked;
 * the get_account invoke), refresh after an out-of-band revoke (drift shown), and up again, which
 * refuses the revoked token that is declared valid (the run fails, naming it; nothing changed).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { copyProject, describeWithPulumi, EXAMPLE_PREVIEW, type NativeStack, nativeStack, PULUMI_BIN, ROOT } from "./native-support";

const KEY = "ms-e2e-python-7c1e-distinctive";
const ACTOR = "pulumi:marin-social-python/dev";

let sb: TestSandbox | undefined;
let s: NativeStack;
let venv: string;

/**
 * Checks Python samples against the installed SDK, in its venv: each compiles, and each call of
 * `marin_social.<name>(...)` names a member of pulumi_marin_social and only keywords it takes
 * (a resource's are those of its `<name>Args`).
 * Prints one line per problem.
 */
const CHECK_SAMPLES = `
import ast, inspect, json, sys
import pulumi_marin_social as sdk
for i, text in enumerate(json.load(sys.stdin)):
    tree = ast.parse(text, f"sample {i}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", None) == "marin_social":
            member = getattr(sdk, node.func.attr, None)
            if member is None:
                print(f"sample {i}: pulumi_marin_social has no {node.func.attr}")
                continue
            # A resource's keywords are those of its Args class (its __init__ is an overload dispatcher).
            target = getattr(sdk, node.func.attr + "Args") if inspect.isclass(member) else member
            params = {*inspect.signature(target).parameters, "opts"}
            for kw in node.keywords:
                if kw.arg not in params:
                    print(f"sample {i}: {node.func.attr} takes no {kw.arg}")
`;

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
    venv = execFileSync(process.execPath, [path.join(ROOT, "scripts", "python-env.js"), "--quiet"], { encoding: "utf8" }).trim();
    sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
    const dir = copyProject("examples/python", (doc) => doc.setIn(["runtime", "options", "virtualenv"], venv));
    s = await nativeStack(dir, { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": KEY });
  }, 600_000);

  it("preview shows who each token cuts off and changes nothing; up invalidates and unlinks; get_account answers", async () => {
    const seeded = await auditCounts(sb!.admin);
    const preview = await s.cli(["preview"]);
    expect(preview.code, preview.out).toBe(0);
    expect(preview.out).toMatch(/\+ 5 to create/); // the stack and four tokens
    for (const [resource, line] of EXAMPLE_PREVIEW) {
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

  it("the Python samples of the README and docs/ call what the generated SDK has", () => {
    const docs = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
    const samples = docs.flatMap((f) => [...readFileSync(path.join(ROOT, f), "utf8").matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]!));
    samples.push(readFileSync(path.join(ROOT, "examples", "python", "__main__.py"), "utf8"));
    expect(samples.length).toBeGreaterThanOrEqual(2);
    const out = execFileSync(path.join(venv, "bin", "python"), ["-c", CHECK_SAMPLES], { input: JSON.stringify(samples), encoding: "utf8" });
    expect(out).toBe("");
  });

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
