/**
 * One refused line never stops the others from being cut off (issue 8, class 3), and one account
 * has one resource (class 4), through the engine-protocol path: the program via the SDK's runner,
 * the provider via the SDK's host, against a real sandbox.
 *
 * Every run mixes tokens that can be cut off with every kind of refusal, and puts the refused
 * ones first, in the middle and last: the outcome must be the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { preview, up, type RunResult, type StackSpec } from "./index";

const ROOT = path.resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

let sb: TestSandbox;
let tmp: string;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-refusals-"));
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
  // Someone revokes the brand page by hand; the stack still declares it valid.
  await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
});

/** A declared token: resource name, the declaration, and (for a refused one) what its error must say. */
interface Line {
  name: string;
  accountId: string;
  valid: boolean;
  publisher?: string;
  reason?: string;
  expectAgencies?: string[];
  refusedFor?: RegExp;
}

const CUT: Line[] = [
  { name: "acme", accountId: "fb-1001", valid: false, reason: "Jane left" },
  { name: "jane-tweets", accountId: "tw-2001", valid: false },
  { name: "granite", accountId: "fb-1007", valid: false },
  { name: "indigo", accountId: "tw-2003", valid: false, publisher: "twitter", expectAgencies: ["ag-east", "ag-west"] },
];

const REFUSED: Line[] = [
  { name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory@agency\.example.*outside Pulumi/ },
  { name: "ghost", accountId: "fb-9999", valid: false, refusedFor: /account fb-9999 does not exist in Marin Social/ },
  { name: "wrong-publisher", accountId: "tw-2002", valid: false, publisher: "facebook", refusedFor: /tw-2002 is a twitter account, but publisher is declared as facebook/ },
  { name: "guarded", accountId: "fb-1003", valid: false, expectAgencies: ["ag-north"], refusedFor: /linked but not expected: South Agency \(ag-south\), West Agency \(ag-west\)/ },
];

type Position = "first" | "middle" | "last";
const POSITIONS: Position[] = ["first", "middle", "last"];

function arrange(cut: Line[], refused: Line[], at: Position): Line[] {
  if (at === "first") return [...refused, ...cut];
  if (at === "last") return [...cut, ...refused];
  const half = Math.ceil(cut.length / 2);
  return [...cut.slice(0, half), ...refused, ...cut.slice(half)];
}

/** Everything the audit log records after the test's own setup, per account. */
async function changedAccounts(since: number): Promise<Set<string>> {
  return new Set((await sb.admin.audit()).slice(since).map((e) => e.accountId));
}

/** The run failed, every refused token has an error naming it and its reason, and nothing was done to its account. */
async function expectRefused(run: RunResult, lines: Line[], urnOf: (name: string) => string, changed: Set<string>): Promise<void> {
  expect(run.exitCode).not.toBe(0);
  for (const line of lines) {
    const errors = run.logs.filter((l) => l.severity === "error" && l.urn === urnOf(line.name)).map((l) => l.message);
    expect(errors.join("\n"), `error diagnostic for ${line.name}`).toMatch(line.refusedFor!);
    expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
  }
}

/** Every token declared `valid: false` is invalid and linked to no agency. */
async function expectCutOff(lines: Line[], actor: string): Promise<void> {
  for (const line of lines) {
    const live = await sb.admin.getAccount(line.accountId);
    expect(live.token.valid, `${line.accountId} invalid`).toBe(false);
    if (line.accountId !== "fb-1007") expect(live.token.invalidatedBy).toBe(actor);
    expect(live.agencies, `${line.accountId} unlinked`).toEqual([]);
  }
}

describe("the YAML stack: refused lines never stop the others", () => {
  const urn = (name: string) => `urn:pulumi:dev::marin-social::${TYPE}::${name}`;
  const yamlLine = (l: Line) =>
    `  - { accountId: ${l.accountId}, valid: ${l.valid}` +
    (l.publisher ? `, publisher: ${l.publisher}` : "") +
    (l.reason ? `, reason: "${l.reason}"` : "") +
    (l.expectAgencies ? `, expectAgencies: [${l.expectAgencies.join(", ")}]` : "") +
    " }";
  // The YAML stack names each resource by its accountId.
  const named = (lines: Line[]) => lines.map((l) => ({ ...l, name: l.accountId }));

  for (const at of POSITIONS) {
    it(`refused lines ${at}: up cuts off every valid: false token, fails, and names each refused token with its reason`, async () => {
      const file = path.join(tmp, `tokens-${at}.yaml`);
      writeFileSync(file, ["tokens:", ...arrange(CUT, REFUSED, at).map(yamlLine), ""].join("\n"));
      const spec: StackSpec = {
        programDir: ROOT,
        project: "marin-social",
        stack: "dev",
        config: { "marin-social:apiUrl": sb.url, "marin-social:declarations": file },
        secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
        statePath: path.join(tmp, `state-${at}.json`),
      };
      const since = (await sb.admin.audit()).length;
      const u = await up(spec);
      await expectCutOff(CUT, "pulumi:marin-social/dev");
      await expectRefused(u, named(REFUSED), urn, await changedAccounts(since));
    });
  }
});

describe("a TypeScript program: refused tokens never stop the others, in any order", () => {
  const urn = (name: string) => `urn:pulumi:dev::marin-social-typescript-stack::${TYPE}::${name}`;
  const tsLine = (l: Line) => {
    const args: Record<string, unknown> = { accountId: l.accountId, valid: l.valid };
    for (const k of ["publisher", "reason", "expectAgencies"] as const) if (l[k] !== undefined) args[k] = l[k];
    return `new PublisherToken(${JSON.stringify(l.name)}, ${JSON.stringify(args)});`;
  };
  function program(lines: Line[]): StackSpec {
    const dir = copyExample("typescript-stack");
    writeFileSync(path.join(dir, "index.ts"), ['import { PublisherToken } from "pulumi-marin-social";', ...lines.map(tsLine), ""].join("\n"));
    return {
      programDir: dir,
      project: "marin-social-typescript-stack",
      stack: "dev",
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      statePath: path.join(dir, ".state.json"),
    };
  }
  // Beyond the YAML refusals: an account the lookup fails for (an id the API cannot take), and
  // two resources for one account (class 4), one declaring it valid and one invalid.
  const refused: Line[] = [
    ...REFUSED,
    { name: "unreadable", accountId: "fb:1004", valid: false, refusedFor: /could not read account fb:1004 from Marin Social/ },
    { name: "juniper-keep", accountId: "tw-2004", valid: true, refusedFor: /tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/ },
    { name: "juniper-cut", accountId: "tw-2004", valid: false, refusedFor: /tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/ },
  ];

  for (const at of POSITIONS) {
    it(`refused tokens ${at}: up cuts off every valid: false token, fails, and names each refused token with its reason`, async () => {
      const spec = program(arrange(CUT, refused, at));
      const since = (await sb.admin.audit()).length;
      const u = await up(spec);
      await expectCutOff(CUT, "pulumi:marin-social-typescript-stack/dev");
      await expectRefused(u, refused, urn, await changedAccounts(since));
      rmSync(path.dirname(spec.programDir), { recursive: true, force: true });
    });
  }

  it("preview refuses two resources for one account before anything changes, naming both, and plans the rest", async () => {
    const spec = program([
      { name: "a", accountId: "tw-2004", valid: false, reason: "first reason" },
      { name: "jane-tweets", accountId: "tw-2001", valid: false },
      { name: "b", accountId: "tw-2004", valid: false, reason: "second reason" },
    ]);
    const since = (await sb.admin.audit()).length;
    const p = await preview(spec);
    expect(p.exitCode).not.toBe(0);
    for (const name of ["a", "b"]) {
      const errors = p.logs.filter((l) => l.severity === "error" && l.urn === urn(name)).map((l) => l.message);
      expect(errors.join("\n")).toMatch(/account tw-2004 is declared by 2 PublisherToken resources: "a", "b"/);
    }
    expect(p.steps.filter((s) => s.urn === urn("jane-tweets")).map((s) => s.op)).toEqual(["create"]);
    expect((await sb.admin.audit()).length).toBe(since);
    rmSync(path.dirname(spec.programDir), { recursive: true, force: true });
  });
});

describe("refusals beyond one file of new tokens", () => {
  const tsUrn = (qualifiedType: string, name: string) => `urn:pulumi:dev::marin-social-typescript-stack::${qualifiedType}::${name}`;

  it("a program mixing the YAML stack, a component and direct tokens: duplicates across them are refused, the rest proceed", async () => {
    const dir = copyExample("typescript-stack");
    writeFileSync(
      path.join(dir, "tokens.yaml"),
      ["tokens:", "  - { accountId: fb-1001, valid: false }", "  - { accountId: tw-2001, valid: false }", "  - { accountId: fb-1002, valid: true }", ""].join("\n"),
    );
    writeFileSync(
      path.join(dir, "index.ts"),
      `import * as pulumi from "@pulumi/pulumi";
import { declaredStack, PublisherToken } from "pulumi-marin-social";

class Offboarding extends pulumi.ComponentResource {
  constructor(name: string, accounts: Array<[string, string, boolean]>) {
    super("acme:Offboarding", name);
    for (const [tokenName, accountId, valid] of accounts) new PublisherToken(tokenName, { accountId, valid }, { parent: this });
    this.registerOutputs({});
  }
}

export = async () => {
  new Offboarding("jane", [["jane-granite", "fb-1007", false], ["jane-acme", "fb-1001", true], ["jane-indigo", "tw-2003", false]]);
  const declared = await declaredStack({ file: "tokens.yaml" });
  new PublisherToken("kestrel", { accountId: "tw-2005", valid: false });
  return declared;
};
`,
    );
    const spec: StackSpec = {
      programDir: dir,
      project: "marin-social-typescript-stack",
      stack: "dev",
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      statePath: path.join(dir, ".state.json"),
    };
    const since = (await sb.admin.audit()).length;
    const u = await up(spec);
    rmSync(path.dirname(dir), { recursive: true, force: true });

    await expectCutOff(
      [
        { name: "jane-granite", accountId: "fb-1007", valid: false },
        { name: "jane-indigo", accountId: "tw-2003", valid: false },
        { name: "tw-2001", accountId: "tw-2001", valid: false },
        { name: "kestrel", accountId: "tw-2005", valid: false },
      ],
      "pulumi:marin-social-typescript-stack/dev",
    );
    const duplicate = /account fb-1001 is declared by 2 PublisherToken resources: "fb-1001", "jane-acme"/;
    const inComponent = (name: string) => tsUrn(`acme:Offboarding$${TYPE}`, name);
    const direct = (name: string) => tsUrn(TYPE, name);
    await expectRefused(u, [{ name: "fb-1001", accountId: "fb-1001", valid: false, refusedFor: duplicate }], direct, await changedAccounts(since));
    await expectRefused(u, [{ name: "jane-acme", accountId: "fb-1001", valid: true, refusedFor: duplicate }], inComponent, await changedAccounts(since));
    await expectRefused(u, [{ name: "fb-1002", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory/ }], direct, await changedAccounts(since));
  });

  it("a token that dependsOn a refused one waits for it (and is not cut off), without holding the others or hanging the program", async () => {
    const dir = copyExample("typescript-stack");
    writeFileSync(
      path.join(dir, "index.ts"),
      `import { PublisherToken } from "pulumi-marin-social";
const brand = new PublisherToken("brand", { accountId: "fb-1002", valid: true });
new PublisherToken("after-brand", { accountId: "tw-2005", valid: false }, { dependsOn: [brand] });
new PublisherToken("acme", { accountId: "fb-1001", valid: false });
`,
    );
    const spec: StackSpec = {
      programDir: dir,
      project: "marin-social-typescript-stack",
      stack: "dev",
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      statePath: path.join(dir, ".state.json"),
    };
    const since = (await sb.admin.audit()).length;
    const u = await up(spec);
    rmSync(path.dirname(dir), { recursive: true, force: true });
    expect(u.programExitCode).toBe(32); // it exited by itself, having reported its errors
    await expectCutOff([{ name: "acme", accountId: "fb-1001", valid: false }], "pulumi:marin-social-typescript-stack/dev");
    expect((await sb.admin.getAccount("tw-2005")).token.valid).toBe(true);
    await expectRefused(u, [{ name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory/ }], (n) => tsUrn(TYPE, n), await changedAccounts(since));
  });

  it("existing tokens: a re-authorized one is invalidated again (an update) although a hand-revoked valid: true one comes first", async () => {
    const file = path.join(tmp, "existing.yaml");
    const lines = (brandValid: boolean) => ["tokens:", `  - { accountId: fb-1002, valid: ${brandValid} }`, "  - { accountId: tw-2001, valid: false }", "  - { accountId: fb-1001, valid: false }", ""];
    const spec: StackSpec = {
      programDir: ROOT,
      project: "marin-social",
      stack: "dev",
      config: { "marin-social:apiUrl": sb.url, "marin-social:declarations": file },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      statePath: path.join(tmp, "state-existing.json"),
    };
    // A first run that succeeds (the brand page's revocation accepted), then the brand page is
    // declared valid again while revoked, and tw-2001 is re-authorized in the web UI.
    writeFileSync(file, lines(false).join("\n"));
    expect((await up(spec)).errors).toEqual([]);
    writeFileSync(file, lines(true).join("\n"));
    await sb.admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-west"] });

    const u = await up(spec);
    expect(u.steps.find((s) => s.urn.endsWith("::tw-2001"))?.op).toBe("update");
    const tw = await sb.admin.getAccount("tw-2001");
    expect(tw.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev" });
    expect(tw.agencies).toEqual([]);
    expect(u.exitCode).not.toBe(0);
    expect(u.logs.filter((l) => l.severity === "error" && l.urn.endsWith("::fb-1002")).map((l) => l.message).join("\n")).toMatch(/revoked by mallory/);
  });

  it("150 tokens in two lookup batches, refusals spread through them by a seeded shuffle: every other token is cut off", async () => {
    const seed = 20261130;
    console.log(`refusals shuffle seed: ${seed}`);
    const { ids } = await sb.admin.sandbox.addAccounts({ count: 143, idPrefix: "rf-", agenciesPerAccount: { min: 0, max: 2 } });
    const accounts = await sb.admin.getAccounts(ids);
    const cut: Line[] = ids.map((id) => ({ name: id, accountId: id, valid: false }));
    const refused: Line[] = [
      ...REFUSED,
      ...ids.slice(0, 3).map((id) => ({ name: `${id}`, accountId: id, valid: false, publisher: accounts.get(id)!.publisher === "facebook" ? "twitter" : "facebook", refusedFor: /publisher is declared as/ })),
      ...["rf-gone-1", "rf-gone-2", "rf-gone-3"].map((id) => ({ name: id, accountId: id, valid: false, refusedFor: /does not exist in Marin Social/ })),
    ];
    const refusedIds = new Set(refused.map((l) => l.accountId));
    const lines = shuffle([...cut.filter((l) => !refusedIds.has(l.accountId)), ...refused], seed);
    const file = path.join(tmp, "many.yaml");
    writeFileSync(
      file,
      ["tokens:", ...lines.map((l) => `  - { accountId: ${l.accountId}, valid: ${l.valid}${l.publisher ? `, publisher: ${l.publisher}` : ""}${l.expectAgencies ? `, expectAgencies: [${l.expectAgencies.join(", ")}]` : ""} }`), ""].join("\n"),
    );
    const spec: StackSpec = {
      programDir: ROOT,
      project: "marin-social",
      stack: "dev",
      config: { "marin-social:apiUrl": sb.url, "marin-social:declarations": file },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      statePath: path.join(tmp, "state-many.json"),
    };
    const since = (await sb.admin.audit()).length;
    const u = await up(spec);
    const stillValid = [...(await sb.admin.getAccounts(ids)).values()].filter((a) => !refusedIds.has(a.id) && (a.token.valid || a.agencies.length > 0));
    expect(stillValid.map((a) => a.id)).toEqual([]);
    await expectRefused(u, refused.map((l) => ({ ...l, name: l.accountId })), (n) => `urn:pulumi:dev::marin-social::${TYPE}::${n}`, await changedAccounts(since));
  });
});

/** A deterministic Fisher-Yates shuffle (mulberry32). */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
