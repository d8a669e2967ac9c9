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
