/**
 * The serialized provider, exactly as the SDK writes it into `__provider`, driven through the
 * SDK's dynamic-provider host over gRPC: check, diff, create, read, update and delete, with the
 * credentials the engine passes to Configure.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { observe } from "../../provider/resource/observation";
import { auditCounts, testSandbox, type TestSandbox } from "../support/sandbox";
import { readState, startProviderHost, up, type ProviderHost, type StackSpec } from "./index";

const ROOT = path.resolve(__dirname, "..", "..");
const URN = (name: string) => `urn:pulumi:dev::marin-social::pulumi-nodejs:dynamic/marin-social:PublisherToken::${name}`;
const ACTOR = "pulumi:marin-social/dev";

let sb: TestSandbox;
let providerText: string;
const hosts: ProviderHost[] = [];

/** The `__provider` text, serialized by the SDK from the compiled shim (what every resource stores). */
async function serializedProvider(): Promise<string> {
  const sc = require(path.join(ROOT, "node_modules/@pulumi/pulumi/runtime/closure/serializeClosure"));
  const { publisherTokenProvider } = require(path.join(ROOT, "dist/resource/shim.js"));
  return (await sc.serializeFunction(() => publisherTokenProvider, { allowSecrets: true })).text;
}

async function host(apiKey: string): Promise<ProviderHost> {
  const h = await startProviderHost({ cwd: ROOT, project: "marin-social" });
  hosts.push(h);
  await h.configure({ "marin-social:apiUrl": sb.url, "marin-social:apiKey": apiKey }, ["marin-social:apiKey"]);
  return h;
}

const news = (accountId: string, extra: Record<string, unknown> = {}) => ({ accountId, valid: false, actor: ACTOR, __provider: providerText, ...extra });

beforeAll(async () => {
  sb = await testSandbox();
  providerText = await serializedProvider();
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
});
afterAll(async () => {
  for (const h of hosts) await h.kill();
  await sb?.close();
});

describe("the serialized provider in the SDK's host", () => {
  it("is a shim under 2 KB that requires the package by name, with no path and no secret", () => {
    expect(Buffer.byteLength(providerText)).toBeLessThan(2048);
    expect(providerText).toContain("pulumi-marin-social/dynamic");
    expect(providerText).not.toContain(ROOT);
    expect(providerText).not.toContain("sandbox-admin");
  });

  it("check, create, diff, read, update and delete a token", async () => {
    const h = await host(sb.sandbox.keys.admin);
    const checked = await h.check(URN("acme"), {}, news("fb-1001", { reason: "Jane left" }));
    expect(checked.failures).toEqual([]);
    const created = await h.create(URN("acme"), checked.inputs);
    expect(created.id).toBe("fb-1001");
    expect(created.properties).toMatchObject({ valid: false, invalidatedBy: ACTOR, linkedAgencies: [] });
    expect((created.properties.unlinkedAgencies as unknown[]).length).toBe(3);

    expect((await h.diff("fb-1001", URN("acme"), created.properties, checked.inputs)).changes).toBe("none");
    const reauthorized = { status: "found", publisher: "facebook", name: "Acme Coffee", valid: true, invalidatedAt: null, invalidatedBy: null, reason: null, agencies: [] };
    expect((await h.diff("fb-1001", URN("acme"), created.properties, { ...checked.inputs, observed: reauthorized })).changes).toBe("some");
    const converged = { ...checked.inputs, observed: observe(await sb.admin.getAccount("fb-1001")) };
    expect((await h.diff("fb-1001", URN("acme"), created.properties, converged)).changes).toBe("none");
    expect((await h.diff("fb-1001", URN("acme"), created.properties, { ...converged, reason: "other" })).changes).toBe("some");
    expect((await h.diff("fb-1001", URN("acme"), created.properties, { ...converged, accountId: "fb-1002" })).replaces).toEqual(["accountId"]);

    const read = await h.read("fb-1001", URN("acme"), created.properties);
    expect(read.properties).toMatchObject({ valid: false, accountName: "Acme Coffee" });

    const before = await auditCounts(sb.admin);
    await h.delete("fb-1001", URN("acme"), read.properties);
    expect(await auditCounts(sb.admin)).toEqual(before); // delete only stops managing
    expect((await sb.admin.getAccount("fb-1001")).token.valid).toBe(false);
  });

  it("shows drift on read after an out-of-band invalidation and after a re-authorization", async () => {
    const h = await host(sb.sandbox.keys.admin);
    const valid = await h.create(URN("brand"), (await h.check(URN("brand"), {}, news("fb-1002", { valid: true }))).inputs);
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example" });
    const drifted = await h.read("fb-1002", URN("brand"), valid.properties);
    expect(drifted.properties).toMatchObject({ valid: false, revokedOutsidePulumi: true, invalidatedBy: "mallory@agency.example" });
    expect(drifted.inputs).toMatchObject({ valid: false });

    const cut = await h.create(URN("tw"), (await h.check(URN("tw"), {}, news("tw-2002"))).inputs);
    await sb.admin.reauthorize("tw-2002", { actor: "ops@agency.example", agencies: ["ag-south"] });
    const back = await h.read("tw-2002", URN("tw"), cut.properties);
    expect(back.properties).toMatchObject({ valid: true, revokedOutsidePulumi: false, linkedAgencies: [{ id: "ag-south", name: "South Agency" }] });
    const again = await h.update("tw-2002", URN("tw"), back.properties, { ...news("tw-2002") });
    expect(again.properties).toMatchObject({ valid: false, linkedAgencies: [] });
  });

  it("fails check with the expectAgencies guard, naming unexpected and missing agencies", async () => {
    const h = await host(sb.sandbox.keys.admin);
    const observed = { status: "found", publisher: "facebook", name: "Acme Coffee", valid: true, invalidatedAt: null, invalidatedBy: null, reason: null, agencies: [{ id: "ag-north", name: "North Agency" }, { id: "ag-west", name: "West Agency" }] };
    const r = await h.check(URN("acme"), {}, news("fb-1001", { expectAgencies: ["ag-north", "ag-south"], observed }));
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.property).toBe("expectAgencies");
    expect(r.failures[0]!.reason).toMatch(/linked but not expected: West Agency \(ag-west\); expected but not linked: ag-south/);
  });

  it("reports a 403 from a key scoped to one agency, and changes nothing", async () => {
    const h = await host(sb.sandbox.keys.agency("ag-north"));
    const before = await auditCounts(sb.admin);
    const err = (await h.create(URN("acme"), news("fb-1001")).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/403/);
    expect(err.message).toMatch(/ag-east/);
    expect(err.message).not.toContain(sb.sandbox.keys.agency("ag-north"));
    expect(await auditCounts(sb.admin)).toEqual(before);
  });

  it("reports a wrong key as unauthorized without printing it", async () => {
    const h = await host("not-a-real-key-4242");
    const err = (await h.create(URN("acme"), news("fb-1001")).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/401/);
    expect(err.message).toMatch(/marin-social:apiKey|MARIN_SOCIAL_API_KEY/);
    expect(err.message + h.stderr()).not.toContain("not-a-real-key-4242");
  });
});

describe("a partial failure through the engine", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "marin-partial-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("records progress, and the next pulumi up finishes the job without doing anything twice", async () => {
    const declarations = path.join(tmp, "tokens.yaml");
    writeFileSync(declarations, "tokens:\n  - { accountId: fb-1001, valid: false }\n");
    const spec: StackSpec = {
      programDir: ROOT,
      project: "marin-social",
      stack: "dev",
      config: { "marin-social:apiUrl": sb.url, "marin-social:declarations": declarations },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      statePath: path.join(tmp, "state.json"),
    };
    await sb.admin.sandbox.setFaults({
      failRoutes: [{ route: "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", match: "ag-south", status: 503 }],
    });
    const first = await up(spec);
    expect(first.exitCode).not.toBe(0);
    expect(first.errors.join("\n")).toMatch(/only partly reconciled.*unlink South Agency \(ag-south\)/s);
    const recorded = readState(spec.statePath).resources.find((r) => r.urn === URN("fb-1001"))!;
    expect(recorded.initErrors?.length).toBe(1);
    expect(recorded.outputs).toMatchObject({ valid: false, linkedAgencies: [{ id: "ag-south", name: "South Agency" }] });

    await sb.admin.sandbox.setFaults({});
    const second = await up(spec);
    expect(second.errors).toEqual([]);
    expect(second.steps.find((s) => s.urn === URN("fb-1001"))!.op).toBe("update");
    const live = await sb.admin.getAccount("fb-1001");
    expect(live.agencies).toEqual([]);
    const audit = await sb.admin.audit({ accountId: "fb-1001" });
    expect(audit.filter((e) => e.action === "token.invalidate")).toHaveLength(1);
    expect(audit.filter((e) => e.action === "agency.unlink").map((e) => e.agencyId).sort()).toEqual(["ag-east", "ag-north", "ag-south"]);
    expect(readState(spec.statePath).resources.find((r) => r.urn === URN("fb-1001"))!.outputs.unlinkedAgencies).toHaveLength(3);

    const third = await up(spec);
    expect(third.steps.find((s) => s.urn === URN("fb-1001"))!.op).toBe("same");
  });
});
