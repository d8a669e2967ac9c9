/**
 * Adding a publisher is one edit to the contract and a rebuild. In a copy of the package (its
 * node_modules linked), `linkedin` is added to the `Publisher` enum (with its id prefix and in
 * its description, as the contract's comment asks), the generator runs and tsc builds. Then the
 * built copy, and nothing else: its sandbox serves linkedin accounts from a seed file and from
 * the bulk generator; `marin-social validate` and `audit` accept a declaration using it; the
 * dynamic provider and the native plugin (over gRPC) each revoke a linkedin token; and the
 * plugin's package schema lists the publisher.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRequest, type Plugin, secret, startPlugin, struct, TYPE, urn } from "../plugin/support";

const ROOT = path.resolve(__dirname, "..", "..");
const PUBLISHERS = ["facebook", "twitter", "linkedin"];
const ACTOR = "pulumi:offboarding/dev";

const tmp = mkdtempSync(path.join(tmpdir(), "marin-publisher-"));
const dist = (file: string) => path.join(tmp, "dist", file);
const load = createRequire(path.join(tmp, "package.json"));

/** What the test uses of the built copy (plain JavaScript, required from its dist/). */
interface Sandbox {
  url: string;
  keys: { admin: string };
  close(): Promise<void>;
}
interface Account {
  id: string;
  publisher: string;
  agencies: { id: string }[];
  token: { valid: boolean; invalidatedBy: string | null };
}
interface Client {
  getAccount(id: string): Promise<Account>;
  listAccounts(q?: { publisher?: string }): Promise<Account[]>;
  sandbox: { addAccounts(body: object): Promise<{ ids: string[] }> };
  close(): Promise<void>;
}

let sandbox: Sandbox;
let client: Client;

/** Runs the built CLI of the copy (asynchronously: the sandbox answers from this process). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [dist("cli/main.js"), ...args], { cwd: tmp, env: { PATH: process.env.PATH, NO_COLOR: "1", ...env } });
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    child.on("close", (status) => resolve({ status, output }));
  });
}

function writeYaml(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  for (const part of ["provider", "schemas", "bin", "scripts/generate-contract.js", "tsconfig.json", "package.json"]) {
    cpSync(path.join(ROOT, part), path.join(tmp, part), { recursive: true });
  }
  symlinkSync(realpathSync(path.join(ROOT, "node_modules")), path.join(tmp, "node_modules"), "dir");

  // The maintainer's edit: the enum, its description, and the new publisher's id prefix.
  const contract = path.join(tmp, "schemas", "marin-social-api.yaml");
  const before = readFileSync(contract, "utf8");
  const after = before
    .replace(
      "enum: [facebook, twitter]\n      description: one of facebook, twitter\n",
      "enum: [facebook, twitter, linkedin]\n      description: one of facebook, twitter, linkedin\n",
    )
    .replace("x-publisher-id-prefixes: { facebook: fb-, twitter: tw- }", "x-publisher-id-prefixes: { facebook: fb-, twitter: tw-, linkedin: li- }");
  expect(after.match(/linkedin/g)).toHaveLength(3);
  writeFileSync(contract, after);

  // The rebuild: `npm run build` (the generator, then tsc), without declaration files.
  for (const [cmd, args] of [
    ["generate", [path.join(tmp, "scripts", "generate-contract.js")]],
    ["tsc", [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(tmp, "tsconfig.json"), "--declaration", "false"]],
  ] as const) {
    const r = spawnSync(process.execPath, args, { cwd: tmp, encoding: "utf8" });
    expect(r.status, `${cmd}: ${r.stdout}${r.stderr}`).toBe(0);
  }

  const seed = {
    agencies: [
      { id: "ag-north", name: "North Agency" },
      { id: "ag-south", name: "South Agency" },
    ],
    accounts: [
      { id: "li-3001", publisher: "linkedin", name: "Linked Dynamic", agencies: ["ag-north", "ag-south"] },
      { id: "li-3002", publisher: "linkedin", name: "Linked Native", agencies: ["ag-south"] },
      { id: "li-3003", publisher: "linkedin", name: "Linked Kept", agencies: ["ag-north"] },
    ],
  };
  const seedFile = path.join(tmp, "seed.json");
  writeFileSync(seedFile, JSON.stringify(seed));
  sandbox = await load(dist("sandbox/index.js")).startSandbox({ port: 0, seed: seedFile });
  const { MarinSocialClient } = load(dist("client/index.js"));
  client = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin });
}, 180_000);

afterAll(async () => {
  await client?.close();
  await sandbox?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("a publisher added to the contract's enum, then a rebuild", () => {
  it("is served by the sandbox: from a seed file, and by the bulk generator in turn with the others", async () => {
    expect(await client.getAccount("li-3001")).toMatchObject({ publisher: "linkedin", token: { valid: true } });
    const { ids } = await client.sandbox.addAccounts({ count: 3, idPrefix: "mix-", agencies: 1 });
    expect(await Promise.all(ids.map(async (id) => (await client.getAccount(id)).publisher))).toEqual(PUBLISHERS);
    const { ids: only } = await client.sandbox.addAccounts({ count: 1, idPrefix: "only-li-", publisher: "linkedin", agencies: 1 });
    expect((await client.getAccount(only[0]!)).publisher).toBe("linkedin");
    expect((await client.listAccounts({ publisher: "linkedin" })).map((a) => a.id)).toEqual(expect.arrayContaining(["li-3001", "mix-000003", ...only]));
    expect(load(dist("sandbox/seed.js")).publisherOfId("li-9")).toBe("linkedin");
  });

  it("is accepted by `marin-social validate`, which still refuses a publisher the contract does not have", async () => {
    const ok = writeYaml("tokens.yaml", "tokens:\n  - { accountId: li-3003, valid: true, publisher: linkedin }\n");
    const good = await cli(["validate", ok]);
    expect(good.output).toContain("declares 1 token");
    expect(good.status).toBe(0);
    const bad = await cli(["validate", writeYaml("bad.yaml", "tokens:\n  - { accountId: li-3003, valid: true, publisher: myspace }\n")]);
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/bad\.yaml:2:\d+/);
    expect(bad.output).toContain("linkedin");
  });

  it("is revoked through the dynamic provider (check with the program's lookup, then create)", async () => {
    const { provider } = load(dist("dynamic/host.js"));
    const config: Record<string, string> = { "marin-social:apiUrl": sandbox.url, "marin-social:apiKey": sandbox.keys.admin };
    await provider.configure({ config: { get: (k: string) => config[k] } });
    const observed = load(dist("token/observation.js")).observe(await client.getAccount("li-3001"));
    const news = { accountId: "li-3001", valid: false, publisher: "linkedin", reason: "offboarded", actor: ACTOR, observed };

    const wrong = await provider.check({}, { ...news, publisher: "facebook" });
    expect(wrong.failures.map((f: { reason: string }) => f.reason).join("\n")).toContain("linkedin");
    const checked = await provider.check({}, news);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs.observed, "the lookup of a linkedin account is kept as the observation").toEqual(observed);

    const { id, outs } = await provider.create(checked.inputs);
    expect(id).toBe("li-3001");
    expect(outs).toMatchObject({ publisher: "linkedin", valid: false, linkedAgencies: [], unlinkedAgencies: [{ id: "ag-north" }, { id: "ag-south" }] });
    expect(await client.getAccount("li-3001")).toMatchObject({ agencies: [], token: { valid: false, invalidatedBy: ACTOR } });
  });

  describe("the native plugin (its gRPC server)", () => {
    let p: Plugin;
    beforeAll(async () => {
      p = await startPlugin({}, path.join(tmp, "bin", "pulumi-resource-marin-social"));
      await p.configure({ apiUrl: sandbox.url, apiKey: secret(sandbox.keys.admin) });
    });
    afterAll(async () => p?.close());

    it("lists it in the package schema's Publisher enum", async () => {
      const schema = JSON.parse((await p.call<pb.GetSchemaResponse>("getSchema", new pb.GetSchemaRequest())).getSchema());
      expect(schema.types["marin-social:index:Publisher"].enum.map((e: { value: string }) => e.value)).toEqual(PUBLISHERS);
      expect(schema.resources[TYPE].properties.publisher.$ref).toBe("#/types/marin-social:index:Publisher");
    });

    it("revokes it: Check, Create, and a later Diff of the recorded outputs sees nothing to do", async () => {
      const news = { accountId: "li-3002", valid: false, publisher: "linkedin" };
      const check = await p.call<pb.CheckResponse>("check", checkRequest("linked", news));
      expect(check.getFailuresList().map((f) => f.getReason())).toEqual([]);
      const created = await p.call<pb.CreateResponse>("create", new pb.CreateRequest().setUrn(urn("linked")).setType(TYPE).setProperties(check.getInputs()!));
      const outs = created.getProperties()!.toJavaScript() as Record<string, unknown>;
      expect(outs).toMatchObject({ publisher: "linkedin", valid: false, linkedAgencies: [], unlinkedAgencies: [{ id: "ag-south" }] });
      expect(await client.getAccount("li-3002")).toMatchObject({ agencies: [], token: { valid: false, invalidatedBy: ACTOR } });

      await p.configure({ apiUrl: sandbox.url, apiKey: secret(sandbox.keys.admin) }); // a new operation
      const diff = await p.call<pb.DiffResponse>(
        "diff",
        new pb.DiffRequest().setUrn(urn("linked")).setType(TYPE).setId("li-3002").setOldInputs(struct(news)).setOlds(struct(outs)).setNews(struct(news)),
      );
      expect(diff.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_NONE);
    });
  });

  it("is accepted by `marin-social audit`, against the live accounts", async () => {
    const file = writeYaml(
      "audit.yaml",
      "tokens:\n  - { accountId: li-3001, valid: false, publisher: linkedin }\n  - { accountId: li-3003, valid: true, publisher: linkedin }\n",
    );
    const r = await cli(["audit", file, "--format", "json", "--api-url", sandbox.url], { MARIN_SOCIAL_API_KEY: sandbox.keys.admin });
    expect(r.status, r.output).toBe(0);
    const report = JSON.parse(r.output) as { rows: { accountId: string; publisher: string; action: string }[]; summary: object };
    expect(report.rows.map(({ accountId, publisher, action }) => ({ accountId, publisher, action }))).toEqual([
      { accountId: "li-3001", publisher: "linkedin", action: "none" },
      { accountId: "li-3003", publisher: "linkedin", action: "none" },
    ]);
    expect(report.summary).toMatchObject({ tokens: 2, drift: 0, refused: 0, missing: 0 });
  });
});
