/**
 * The repository's own stack (Pulumi.yaml + tokens.yaml) through the SDK's runner and the SDK's
 * dynamic-provider host, against a real sandbox: what `pulumi preview`, `up`, `refresh` and
 * `preview --refresh` do for a user who cloned the repository.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCounts, testSandbox, type TestSandbox } from "../support/sandbox";
import { preview, readState, refresh, stateText, up, type StackSpec } from "./index";

const ROOT = path.resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";
const urn = (name: string) => `urn:pulumi:dev::marin-social::${TYPE}::${name}`;

let sb: TestSandbox;
let tmp: string;
let spec: StackSpec;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-stack-"));
  spec = {
    programDir: ROOT,
    project: "marin-social",
    stack: "dev",
    config: { "marin-social:apiUrl": sb.url },
    secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    statePath: path.join(tmp, "state.json"),
  };
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the repository's stack program", () => {
  it("previews: registers one PublisherToken per declaration, logs the audit against each, changes nothing", async () => {
    const before = await auditCounts(sb.admin);
    const p = await preview(spec);
    expect(p.errors).toEqual([]);
    expect(p.exitCode).toBe(0);
    const tokens = p.registered.filter((r) => r.type === TYPE).map((r) => r.name);
    expect(tokens.sort()).toEqual(["fb-1001", "fb-1002", "fb-1006", "fb-1007", "tw-2001", "tw-2004"]);
    expect(p.steps.filter((s) => s.type === TYPE).map((s) => s.op)).toEqual(Array(6).fill("create"));

    const logFor = (name: string) => p.logs.filter((l) => l.urn === urn(name)).map((l) => `${l.severity}: ${l.message}`);
    expect(logFor("fb-1001")).toEqual([
      'warning: invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
    ]);
    expect(logFor("fb-1007")).toEqual([
      'warning: facebook account "Granite Fitness" (fb-1007) token already invalid: revoked by jane@agency.example (outside Pulumi) at 2026-01-15T09:30:00.000Z, reason: Client offboarded; access revoked in the web UI; still linked, will unlink 1 agency: South Agency (ag-south)',
    ]);
    expect(logFor("fb-1006")).toEqual(['warning: invalidating facebook account "Foxglove Florist" (fb-1006); it is linked to no agency, so none is cut off']);
    expect(logFor("fb-1002")).toEqual(['info: facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)']);

    expect(await auditCounts(sb.admin)).toEqual(before);
    expect(readState(spec.statePath).resources).toEqual([]);
  });

  it("ups: invalidates and unlinks what is declared invalid, leaves the rest, and records outputs", async () => {
    const u = await up(spec);
    expect(u.errors).toEqual([]);
    expect(u.exitCode).toBe(0);

    const acme = await sb.admin.getAccount("fb-1001");
    expect(acme.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev", reason: "Jane Doe left the company (HR-1234)" });
    expect(acme.agencies).toEqual([]);
    expect((await sb.admin.getAccount("tw-2001")).agencies).toEqual([]);
    expect((await sb.admin.getAccount("fb-1007")).token.invalidatedBy).toBe("jane@agency.example");
    expect((await sb.admin.getAccount("fb-1002")).token.valid).toBe(true);

    const state = readState(spec.statePath);
    const acmeState = state.resources.find((r) => r.urn === urn("fb-1001"))!;
    expect(acmeState.outputs).toMatchObject({
      valid: false,
      accountName: "Acme Coffee",
      unlinkedAgencies: [
        { id: "ag-east", name: "East Agency" },
        { id: "ag-north", name: "North Agency" },
        { id: "ag-south", name: "South Agency" },
      ],
      revokedOutsidePulumi: false,
    });
    expect(state.resources.find((r) => r.urn === urn("fb-1007"))!.outputs).toMatchObject({ revokedOutsidePulumi: true, valid: false });
    const audit = (state.outputs.audit as Record<string, { valid: boolean; action: string }>);
    expect(audit["fb-1001"]).toMatchObject({ valid: true, action: "invalidate, unlink 3 agencies" });
    expect(audit["fb-1002"]).toMatchObject({ valid: true, action: "none" });
  });

  it("keeps the serialized provider a small shim: no path, no client, no key; the fingerprint is secret", async () => {
    const state = readState(spec.statePath);
    const provider = state.resources.find((r) => r.urn === urn("fb-1001"))!.inputs.__provider as string;
    expect(Buffer.byteLength(provider)).toBeLessThan(2048);
    expect(provider).toContain('"pulumi-marin-social/dynamic"');
    expect(provider).not.toContain(ROOT);
    expect(provider).not.toMatch(/\/(work|home|tmp|Users)\//);
    const text = stateText(spec.statePath);
    expect(text).not.toContain(sb.sandbox.keys.admin);
    const fingerprint = (await sb.admin.getAccount("fb-1002")).token.fingerprint;
    expect(text).not.toContain(fingerprint);
  });

  it("a second up changes nothing", async () => {
    const before = await auditCounts(sb.admin);
    const u = await up(spec);
    expect(u.errors).toEqual([]);
    expect(u.steps.filter((s) => s.type === TYPE).map((s) => s.op)).toEqual(Array(6).fill("same"));
    expect(await auditCounts(sb.admin)).toEqual(before);
  });

  it("refresh shows a token revoked outside Pulumi as valid: true => false, and preview then fails saying who", async () => {
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const r = await refresh(spec);
    expect(r.errors).toEqual([]);
    const change = r.changes.find((c) => c.urn === urn("fb-1002"))!;
    expect(change.diffs.valid).toEqual({ old: true, new: false });
    expect(change.diffs.revokedOutsidePulumi).toEqual({ old: false, new: true });
    expect(r.changes.map((c) => c.urn)).toEqual([urn("fb-1002")]);

    const p = await preview(spec);
    expect(p.exitCode).not.toBe(0);
    expect(p.errors.join("\n")).toMatch(/fb-1002.*revoked by mallory@agency\.example.*outside Pulumi.*re-authorize the account in Marin Social/s);
  });

  it("preview --refresh shows a re-authorized token, and up invalidates it again", async () => {
    // Accept the revocation of fb-1002 first, so the stack can run again.
    const declarations = path.join(tmp, "tokens.yaml");
    writeFileSync(
      declarations,
      ["tokens:", ...["fb-1001", "tw-2001", "fb-1007", "fb-1006", "fb-1002"].map((id) => `  - { accountId: ${id}, valid: false }`), "  - { accountId: tw-2004, valid: true }", ""].join("\n"),
    );
    const s2 = { ...spec, config: { ...spec.config, "marin-social:declarations": declarations } };
    await sb.admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-west"] });

    const p = await preview(s2, { refresh: true });
    expect(p.errors).toEqual([]);
    expect(p.changes.find((c) => c.urn === urn("tw-2001"))!.diffs.valid).toEqual({ old: false, new: true });
    expect(p.steps.filter((s) => s.urn === urn("tw-2001")).map((s) => s.op)).toEqual(["refresh", "update"]);
    expect(p.logs.find((l) => l.urn === urn("tw-2001"))!.message).toBe(
      'invalidating twitter account "Acme Coffee" (tw-2001) unlinks 1 agency: West Agency (ag-west)',
    );

    const u = await up(s2);
    expect(u.errors).toEqual([]);
    const tw = await sb.admin.getAccount("tw-2001");
    expect(tw.token.valid).toBe(false);
    expect(tw.agencies).toEqual([]);
    expect((await auditCounts(sb.admin, "tw-2001"))["token.invalidate"]).toBe(2);
  });

  it("rejects a bad declaration file with file:line:col, registers nothing, and fails fast", async () => {
    const bad = path.join(tmp, "bad.yaml");
    writeFileSync(bad, "tokens:\n  - accountId: fb-1001\n    valid: nope\n");
    const p = await preview({ ...spec, config: { ...spec.config, "marin-social:declarations": bad } });
    expect(p.exitCode).not.toBe(0);
    expect(p.registered.filter((r) => r.type === TYPE)).toEqual([]);
    expect(p.errors.join("\n")).toContain("bad.yaml:3:12: tokens[0].valid:");
  });

  it("turns a failed live lookup (wrong key, API down) into a clear error per token, not a crash", async () => {
    const wrong = await preview({ ...spec, secretConfig: { "marin-social:apiKey": "wrong-key-5150" } });
    expect(wrong.exitCode).not.toBe(0);
    const text = wrong.errors.join("\n");
    expect(text).toMatch(/could not read account (fb|tw)-\d+ from Marin Social: Marin Social rejected the API key \(401/);
    expect(text + wrong.stdout + wrong.stderr).not.toContain("wrong-key-5150");
    expect(text).not.toMatch(/\n\s+at /);

    const down = await preview({ ...spec, config: { ...spec.config, "marin-social:apiUrl": "http://127.0.0.1:9" } });
    expect(down.exitCode).not.toBe(0);
    expect(down.errors.join("\n")).toMatch(/could not read account (fb|tw)-\d+ from Marin Social/);
  });

  it("fails fast with the fix when no API key is configured, registering nothing", async () => {
    const p = await preview({ ...spec, secretConfig: {}, env: { MARIN_SOCIAL_API_KEY: "" } });
    expect(p.exitCode).not.toBe(0);
    expect(p.registered.filter((r) => r.type === TYPE)).toEqual([]);
    expect(p.errors.join("\n")).toMatch(/pulumi config set --secret marin-social:apiKey/);
  });
});
