/**
 * The repository's own stack (Pulumi.yaml runs dist/program.js on tokens.yaml) through the real
 * Pulumi engine: the CLI built by `npm run pulumi:install`, driven by the Automation API, on a file
 * backend in a temporary folder, against a sandbox on a free port. Nothing here reaches the network:
 * the CLI finds its language host and the dynamic-provider plugin in the bin folder, and never
 * downloads a plugin (PULUMI_HOME/plugins stays empty).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditCounts, testSandbox, type TestSandbox } from "../support/sandbox";
import { describeWithPulumi, pulumiStack, repoProgramCopy, type PulumiTestStack } from "../support/pulumi";

const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";
const urn = (name: string) => `urn:pulumi:dev::marin-social::${TYPE}::${name}`;
const ACME = 'invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)';

/** The diagnostics of a run, by URN, as "severity: message". */
function diagnostics(events: EngineEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    const d = e.diagnosticEvent;
    if (!d || !d.urn) continue;
    const list = out.get(d.urn) ?? [];
    list.push(`${d.severity}: ${d.message.trim()}`);
    out.set(d.urn, list);
  }
  return out;
}

/** Runs `op` and returns the rejection (the Automation API's CommandError) it must end with. */
async function failure(op: Promise<unknown>): Promise<{ message: string; exitCode?: number }> {
  try {
    await op;
  } catch (err) {
    // The Automation API reports every failed command as code -2; the CLI's own exit code is on the execa error.
    const e = err as Error & { commandResult?: { err?: { exitCode?: number } } };
    return { message: e.message, exitCode: e.commandResult?.err?.exitCode };
  }
  throw new Error("expected the operation to fail");
}

let sb: TestSandbox;
let workDir: string;
let s: PulumiTestStack;

describeWithPulumi("the real Pulumi engine on the repository's stack", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    workDir = repoProgramCopy();
    s = await pulumiStack({
      workDir,
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.cleanup();
    await sb?.close();
    if (workDir) rmSync(path.dirname(workDir), { recursive: true, force: true });
  }, 120_000);

  it("preview prints the audit against each resource and changes nothing", async () => {
    const before = await auditCounts(sb.admin);
    const events: EngineEvent[] = [];
    const p = await s.stack.preview({ color: "never", onEvent: (e) => events.push(e) });

    // The CLI's own rendering: the warning under the resource it was logged against (info
    // messages are printed without a severity prefix).
    expect(p.stdout).toContain(`Diagnostics:\n`);
    expect(p.stdout).toContain(`${TYPE} (fb-1001):\n    warning: ${ACME}`);
    expect(p.stdout).toContain(
      `${TYPE} (fb-1002):\n    facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)`,
    );
    // The same diagnostics as engine events, attributed by URN.
    const byUrn = diagnostics(events);
    expect(byUrn.get(urn("fb-1001"))).toEqual([`warning: ${ACME}`]);
    expect(byUrn.get(urn("fb-1002"))).toEqual([
      'info: facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)',
    ]);
    expect(byUrn.get(urn("fb-1006"))).toEqual([
      'warning: invalidating facebook account "Foxglove Florist" (fb-1006); it is linked to no agency, so none is cut off',
    ]);
    expect(p.changeSummary).toEqual({ create: 7 }); // the stack and six tokens
    expect(await auditCounts(sb.admin)).toEqual(before);
  }, 180_000);

  it("up invalidates and unlinks what is declared invalid, and leaves the rest", async () => {
    const u = await s.stack.up({ color: "never" });
    expect(u.summary.result).toBe("succeeded");
    expect(u.summary.resourceChanges).toEqual({ create: 7 });

    const acme = await sb.admin.getAccount("fb-1001");
    expect(acme.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev", reason: "Jane Doe left the company (HR-1234)" });
    expect(acme.agencies).toEqual([]);
    expect((await sb.admin.getAccount("fb-1002")).token.valid).toBe(true);
    expect((u.outputs.audit!.value as Record<string, { action: string }>)["fb-1001"]).toMatchObject({ action: "invalidate, unlink 3 agencies" });

    // The engine stores the stack config as the inputs of the default pulumi-nodejs provider; the
    // API key is encrypted there (passphrase), and in clear nowhere in the file backend's state.
    const raw = readFileSync(path.join(s.cli.backendDir, ".pulumi", "stacks", "marin-social", "dev.json"), "utf8");
    expect(raw).not.toContain(sb.sandbox.keys.admin);
    const provider = (JSON.parse(raw).checkpoint.latest.resources as { type: string; inputs: Record<string, unknown> }[]).find(
      (r) => r.type === "pulumi:providers:pulumi-nodejs",
    )!;
    expect(provider.inputs["marin-social:apiKey"]).toMatchObject({ ciphertext: expect.any(String) });
    const second = await s.stack.up({ color: "never" });
    expect(second.summary.resourceChanges).toEqual({ same: 7 });
  }, 180_000);

  it("refresh reports a token revoked outside Pulumi as a change, and preview then refuses it", async () => {
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const events: EngineEvent[] = [];
    const r = await s.stack.refresh({ color: "never", onEvent: (e) => events.push(e) });
    expect(r.summary.result).toBe("succeeded");
    expect(r.summary.resourceChanges).toEqual({ same: 6, update: 1 });
    const updated = events.map((e) => e.resOutputsEvent?.metadata).filter((m) => m?.op === "update");
    expect(updated.map((m) => m!.urn)).toEqual([urn("fb-1002")]);
    const [before, after] = [updated[0]!.old!.outputs, updated[0]!.new!.outputs];
    expect([before.valid, after.valid]).toEqual([true, false]);
    expect([before.revokedOutsidePulumi, after.revokedOutsidePulumi]).toEqual([false, true]);
    expect(r.stdout).toMatch(/~ {2}pulumi-nodejs:dynamic\/marin-social:PublisherToken fb-1002 updated .*\[diff: .*valid/);

    const deployment = (await s.stack.exportStack()).deployment as { resources: { urn: string; outputs: Record<string, unknown> }[] };
    const fb1002 = deployment.resources.find((x) => x.urn === urn("fb-1002"))!;
    expect(fb1002.outputs).toMatchObject({ valid: false, revokedOutsidePulumi: true, invalidatedBy: "mallory@agency.example" });

    const f = await failure(s.stack.preview({ color: "never" }));
    expect(f.message).toMatch(/fb-1002.*revoked by mallory@agency\.example.*outside Pulumi/s);
    expect(f.exitCode).toBe(1); // the CLI's ExitCodeError (the harness says 255)
  }, 180_000);

  it("a rejected declaration file: the program exits 32 after logging, the CLI fails without a stack trace", async () => {
    const bad = path.join(path.dirname(workDir), "bad.yaml");
    writeFileSync(bad, "tokens:\n  - accountId: fb-1001\n    valid: nope\n");
    await s.stack.setConfig("marin-social:declarations", { value: bad });
    try {
      const f = await failure(s.stack.preview({ color: "never" }));
      expect(f.message).toContain("bad.yaml:3:12: tokens[0].valid:");
      expect(f.exitCode).toBe(1); // the language host's bail, which the CLI exits 1 for
      expect(f.message).not.toMatch(/\n\s+at /);
      expect(f.message).not.toContain("Program exited with non-zero exit code");
    } finally {
      await s.stack.removeConfig("marin-social:declarations");
    }
  }, 180_000);

  it("downloaded no plugin: the language host and pulumi-nodejs came from the bin folder", () => {
    const plugins = path.join(s.cli.home, "plugins");
    const downloaded = existsSync(plugins) ? readdirSync(plugins).filter((f) => !f.startsWith(".")) : [];
    expect(downloaded).toEqual([]);
  });
});
