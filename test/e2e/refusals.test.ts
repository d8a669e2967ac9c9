/**
 * One refused line never stops the others from being cut off (issue 8, class 3), and one account
 * has one resource (class 4), through the real Pulumi engine (the Automation API driving the CLI)
 * against a real sandbox.
 *
 * Every run mixes tokens that can be cut off with every kind of refusal, and puts the refused
 * ones first, in the middle and last: the outcome must be the same. Each engine run costs seconds
 * of CPU, so one run carries several scenarios where they touch different accounts: each path
 * takes each position once, the command users type (`pulumi up --yes`) one of them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { copyExample, TRANSPILE_ONLY } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { arrange, CUT, type Line, REFUSED } from "../support/refusal-lines";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { type Op, type OpRun, runOp, stepsOf, tokenUrn } from "../support/stack-run";

const T = 300_000;
let sb: TestSandbox;
let tmp: string;
const cleanups: Array<() => Promise<void>> = [];

/** `typecheck`: ts-node's type check on (a program whose inputs' types are part of what it proves); else off (TRANSPILE_ONLY). */
type StackSource = { declarations: string } | { program: string; tokensYaml?: string; typecheck?: boolean };

/**
 * A fresh stack `dev` (own backend) of the repository's program reading `declarations`, or of a
 * copy of examples/typescript-stack whose index.ts is `program`.
 */
async function newStack(what: StackSource): Promise<PulumiTestStack> {
  let workDir: string;
  const config: Record<string, string> = { "marin-social:apiUrl": sb.url };
  if ("declarations" in what) {
    workDir = repoProgramCopy();
    config["marin-social:declarations"] = what.declarations;
  } else {
    workDir = copyExample("typescript-stack");
    writeFileSync(path.join(workDir, "index.ts"), what.program);
    if (what.tokensYaml) writeFileSync(path.join(workDir, "tokens.yaml"), what.tokensYaml);
  }
  const env = "program" in what && !what.typecheck ? TRANSPILE_ONLY : undefined;
  const s: PulumiTestStack = await pulumiStack({ workDir, config, secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin }, env });
  cleanups.push(async () => {
    await s.cleanup();
    rmSync(path.dirname(workDir), { recursive: true, force: true });
  });
  return s;
}

/** Runs `ops` on a fresh stack of `what` (see {@link newStack}). */
async function runStack(what: StackSource, ops: Op[] = ["up"]): Promise<OpRun[]> {
  const s = await newStack(what);
  const runs: OpRun[] = [];
  for (const op of ops) runs.push(await runOp(s.stack, op));
  return runs;
}

/** Everything the audit log records after the test's own setup, per account. */
async function changedAccounts(since: number): Promise<Set<string>> {
  return new Set((await sb.admin.audit()).slice(since).map((e) => e.accountId));
}

/** The run failed, every refused token has an error naming it and its reason, and nothing was done to its account. */
async function expectRefused(run: OpRun, lines: Line[], urnOf: (name: string) => string, changed: Set<string>): Promise<void> {
  expect(run.exitCode).not.toBe(0);
  for (const line of lines) {
    const errors = run.diagnostics.filter((l) => l.severity === "error" && l.urn === urnOf(line.name)).map((l) => l.message);
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

describeWithPulumi("refused tokens through the real engine", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    tmp = mkdtempSync(path.join(tmpdir(), "marin-refusals-"));
  }, T);
  afterAll(async () => {
    for (const c of cleanups) await c();
    await sb?.close();
    rmSync(tmp, { recursive: true, force: true });
  }, T);
  beforeEach(async () => {
    await sb.admin.sandbox.reset();
    // Someone revokes the brand page by hand; the stack still declares it valid.
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
  });

  const repoUrn = (name: string) => tokenUrn(name);
  const tsUrn = (name: string, parentTypes?: string[]) => tokenUrn(name, { project: "marin-social-typescript-stack", ...(parentTypes ? { parentTypes } : {}) });
  const yamlLine = (l: Line) =>
    `  - { accountId: ${l.accountId}, valid: ${l.valid}` +
    (l.publisher ? `, publisher: ${l.publisher}` : "") +
    (l.reason ? `, reason: "${l.reason}"` : "") +
    (l.expectAgencies ? `, expectAgencies: [${l.expectAgencies.join(", ")}]` : "") +
    " }";
  const declarations = (name: string, lines: Line[]) => {
    const file = path.join(tmp, name);
    writeFileSync(file, ["tokens:", ...lines.map(yamlLine), ""].join("\n"));
    return file;
  };
  // The YAML stack names each resource by its accountId.
  const named = (lines: Line[]) => lines.map((l) => ({ ...l, name: l.accountId }));

  const tsArgs = (l: Line) => {
    const args: Record<string, unknown> = { accountId: l.accountId, valid: l.valid };
    for (const k of ["publisher", "reason", "expectAgencies"] as const) if (l[k] !== undefined) args[k] = l[k];
    return JSON.stringify(args);
  };
  /**
   * A program declaring `lines` in order, each as `t[name]`; `args` replaces a token's arguments
   * with source text (Outputs, promises, options), `tail` adds statements after them.
   */
  const tsProgram = (lines: Line[], o: { args?: Record<string, string>; tail?: string[] } = {}) =>
    [
      'import * as pulumi from "@pulumi/pulumi";',
      'import { PublisherToken } from "pulumi-marin-social";',
      "const t: Record<string, PublisherToken> = {};",
      ...lines.map((l) => `t[${JSON.stringify(l.name)}] = new PublisherToken(${JSON.stringify(l.name)}, ${o.args?.[l.name] ?? tsArgs(l)});`),
      ...(o.tail ?? []),
      "void pulumi;",
      "",
    ].join("\n");
  // Beyond the YAML refusals: an account the lookup fails for (an id the API cannot take), and
  // two resources for one account (class 4), twice: one declaring it valid and one invalid, and
  // both invalid with different reasons.
  const refusedTs: Line[] = [
    ...REFUSED,
    { name: "unreadable", accountId: "fb:1004", valid: false, refusedFor: /could not read account fb:1004 from Marin Social/ },
    { name: "juniper-keep", accountId: "tw-2004", valid: true, refusedFor: /tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/ },
    { name: "juniper-cut", accountId: "tw-2004", valid: false, refusedFor: /tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/ },
    {
      name: "lumen-a",
      accountId: "tw-2006",
      valid: false,
      reason: "first reason",
      refusedFor: /tw-2006 is declared by 2 PublisherToken resources: "lumen-a", "lumen-b"/,
    },
    {
      name: "lumen-b",
      accountId: "tw-2006",
      valid: false,
      reason: "second reason",
      refusedFor: /tw-2006 is declared by 2 PublisherToken resources: "lumen-a", "lumen-b"/,
    },
  ];

  // The Automation API's up passes --skip-preview. Users type `pulumi up --yes` (or answer the
  // prompt), which previews first and stops there if the preview fails: a refusal must not fail
  // the preview, or one stale line would stop every other token from being cut off. Each path
  // runs the typed command once, with the refused first (YAML) or in the middle (TypeScript); the
  // Automation API's up takes the other positions.
  it(
    "YAML stack, refused lines first, `pulumi up --yes` as users type it (preview first): the preview names each refused token and changes nothing, up cuts off every valid: false token, fails, and names each refused token with its reason",
    async () => {
      const since = (await sb.admin.audit()).length;
      const s = await newStack({ declarations: declarations("tokens-first.yaml", arrange(CUT, REFUSED, "first")) });
      const preview = await pulumiCli(s, ["preview"]);
      const previewText = preview.stdout + preview.stderr;
      expect(preview.code, previewText).toBe(0);
      for (const line of REFUSED) expect(previewText, `preview names ${line.accountId}`).toMatch(line.refusedFor!);
      expect((await sb.admin.audit()).length, "preview changed nothing").toBe(since);
      const up = await pulumiCli(s, ["up", "--yes"]);
      const upText = up.stdout + up.stderr;
      expect(up.code, upText).not.toBe(0);
      await expectCutOff(CUT, "pulumi:marin-social/dev");
      const changed = await changedAccounts(since);
      for (const line of REFUSED) {
        expect(upText, `up names ${line.accountId}`).toMatch(line.refusedFor!);
        expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
      }
    },
    T,
  );

  it(
    "YAML stack, refused lines in the middle: up cuts off every valid: false token, fails, and names each refused token with its reason; the next up invalidates a re-authorized token again (an update) although a hand-revoked valid: true one comes first",
    async () => {
      // Two more accounts ride along for the second up: fb-1005, revoked by hand and declared
      // valid: false (its revocation accepted, so it is in state), and tw-2005, cut off by the first up.
      await sb.admin.invalidateToken("fb-1005", { actor: "mallory@agency.example", reason: "by hand" });
      const evergreen = (valid: boolean): Line => ({ name: "fb-1005", accountId: "fb-1005", valid });
      const kestrel: Line = { name: "tw-2005", accountId: "tw-2005", valid: false };
      const file = path.join(tmp, "tokens-middle.yaml");
      const write = (lines: Line[]) => writeFileSync(file, ["tokens:", ...lines.map(yamlLine), ""].join("\n"));
      write([...arrange(CUT, REFUSED, "middle"), evergreen(false), kestrel]);
      const since = (await sb.admin.audit()).length;
      const s = await newStack({ declarations: file });
      const first = await runOp(s.stack, "up");
      await expectCutOff([...CUT, kestrel], "pulumi:marin-social/dev");
      await expectRefused(first, named(REFUSED), repoUrn, await changedAccounts(since));
      expect(
        first.diagnostics.filter((d) => d.severity === "error" && d.urn === repoUrn("fb-1005")),
        "fb-1005's revocation by hand accepted",
      ).toEqual([]);

      // fb-1005 is now declared valid (and comes first) while revoked; tw-2005 is re-authorized in the web UI.
      write([evergreen(true), ...arrange(CUT, REFUSED, "middle"), kestrel]);
      await sb.admin.reauthorize("tw-2005", { actor: "ops@agency.example", agencies: ["ag-west"] });
      const u = await runOp(s.stack, "up");
      expect(stepsOf(u, repoUrn("tw-2005")), "tw-2005 updated").toEqual(["update"]);
      const tw = await sb.admin.getAccount("tw-2005");
      expect(tw.token, "tw-2005 invalidated again").toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev" });
      expect(tw.agencies, "tw-2005 unlinked again").toEqual([]);
      expect(u.exitCode).not.toBe(0);
      expect(
        u.diagnostics
          .filter((l) => l.severity === "error" && l.urn === repoUrn("fb-1005"))
          .map((l) => l.message)
          .join("\n"),
        "fb-1005 refused",
      ).toMatch(/revoked by mallory/);
    },
    T,
  );

  it(
    "YAML stack, 150 tokens in two lookup batches, every kind of refusal spread through them by a seeded shuffle and the demo's refused lines last: every other token is cut off",
    async () => {
      const seed = 20261130;
      console.log(`refusals shuffle seed: ${seed}`);
      const { ids } = await sb.admin.sandbox.addAccounts({ count: 133, idPrefix: "rf-", agenciesPerAccount: { min: 0, max: 2 } });
      const accounts = await sb.admin.getAccounts(ids);
      // One more of each kind the demo's REFUSED holds, three times, among the generated accounts.
      const revoked = ["rf-revoked-1", "rf-revoked-2", "rf-revoked-3"];
      const guarded = ["rf-guarded-1", "rf-guarded-2", "rf-guarded-3"];
      await sb.admin.sandbox.addAccounts({
        accounts: [
          ...revoked.map((id) => ({ id, publisher: "facebook", name: id, agencies: ["ag-north"] })),
          ...guarded.map((id) => ({ id, publisher: "twitter", name: id, agencies: ["ag-south", "ag-west"] })),
        ],
      });
      for (const id of revoked) await sb.admin.invalidateToken(id, { actor: "mallory@agency.example", reason: "by hand" });
      const cut: Line[] = ids.map((id) => ({ name: id, accountId: id, valid: false }));
      const spread: Line[] = [
        ...ids.slice(0, 3).map((id) => ({
          name: `${id}`,
          accountId: id,
          valid: false,
          publisher: accounts.get(id)!.publisher === "facebook" ? "twitter" : "facebook",
          refusedFor: /publisher is declared as/,
        })),
        ...["rf-gone-1", "rf-gone-2", "rf-gone-3"].map((id) => ({ name: id, accountId: id, valid: false, refusedFor: /does not exist in Marin Social/ })),
        ...revoked.map((id) => ({ name: id, accountId: id, valid: true, refusedFor: /revoked by mallory@agency\.example.*outside Pulumi/ })),
        ...guarded.map((id) => ({
          name: id,
          accountId: id,
          valid: false,
          expectAgencies: ["ag-north"],
          refusedFor: /linked but not expected: South Agency \(ag-south\), West Agency \(ag-west\)/,
        })),
      ];
      const refused = [...spread, ...REFUSED];
      const refusedIds = new Set(refused.map((l) => l.accountId));
      const lines = [...shuffle([...cut.filter((l) => !refusedIds.has(l.accountId)), ...named(CUT), ...spread], seed), ...REFUSED];
      expect(lines).toHaveLength(150);
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({ declarations: declarations("many.yaml", lines) });
      const stillValid = [...(await sb.admin.getAccounts(ids)).values()].filter((a) => !refusedIds.has(a.id) && (a.token.valid || a.agencies.length > 0));
      expect(stillValid.map((a) => a.id)).toEqual([]);
      await expectCutOff(CUT, "pulumi:marin-social/dev");
      await expectRefused(u!, named(refused), repoUrn, await changedAccounts(since));
    },
    T,
  );

  it(
    "TypeScript program, refused tokens first: up cuts off every valid: false token, fails, and names each refused token with its reason",
    async () => {
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({ program: tsProgram(arrange(CUT, refusedTs, "first")) });
      await expectCutOff(CUT, "pulumi:marin-social-typescript-stack/dev");
      await expectRefused(u!, refusedTs, (n) => tsUrn(n), await changedAccounts(since));
    },
    T,
  );

  it(
    "TypeScript program, refused tokens in the middle: preview shows each refusal (two resources for one account as an error naming both), plans the rest, changes nothing and succeeds; `pulumi up --yes` as users type it cuts off every valid: false token and fails naming each refused token",
    async () => {
      const since = (await sb.admin.audit()).length;
      const s = await newStack({ program: tsProgram(arrange(CUT, refusedTs, "middle")) });
      const p = await runOp(s.stack, "preview");
      expect(p.exitCode, p.message).toBe(0);
      for (const line of refusedTs) {
        const errors = p.diagnostics.filter((l) => l.severity === "error" && l.urn === tsUrn(line.name)).map((l) => l.message);
        expect(errors.join("\n"), `preview error for ${line.name} (${line.accountId})`).toMatch(line.refusedFor!);
      }
      for (const line of CUT) expect(stepsOf(p, tsUrn(line.name)), `${line.name} planned`).toEqual(["create"]);
      expect((await sb.admin.audit()).length, "preview changed nothing").toBe(since);

      const up = await pulumiCli(s, ["up", "--yes"]);
      const upText = up.stdout + up.stderr;
      expect(up.code, upText).not.toBe(0);
      await expectCutOff(CUT, "pulumi:marin-social-typescript-stack/dev");
      const changed = await changedAccounts(since);
      for (const line of refusedTs) {
        expect(upText, `up names ${line.name} (${line.accountId})`).toMatch(line.refusedFor!);
        expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
      }
    },
    T,
  );

  it(
    "TypeScript program, refused tokens last, some tokens' inputs Outputs or promises and two tokens dependsOn a refused one: every valid: false token is cut off and audited, each refused one named; the dependents wait (not cut off) without holding the others or hanging the program",
    async () => {
      // Plain inputs are decided through plain promises; any Output or promise among them takes the
      // Output path (unknowns, secrets, dependencies carry through). The outcome and the audits must
      // not depend on which path a token took. after-brand waits for a refused token on the Output
      // path, after-ghost for one on the plain path.
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({
        // Outputs and promises must type-check as inputs too.
        typecheck: true,
        program: tsProgram(arrange(CUT, refusedTs, "last"), {
          args: {
            acme: '{ accountId: pulumi.output("fb-1001"), valid: false, reason: Promise.resolve("Jane left") }',
            indigo: '{ accountId: "tw-2003", valid: false, publisher: "twitter", expectAgencies: [pulumi.output("ag-east"), "ag-west"] }',
            brand: '{ accountId: "fb-1002", valid: pulumi.output(true) }',
          },
          tail: [
            'new PublisherToken("after-brand", { accountId: "tw-2005", valid: false }, { dependsOn: [t["brand"]!] });',
            'new PublisherToken("after-ghost", { accountId: "tw-2007", valid: false }, { dependsOn: [t["ghost"]!] });',
            'pulumi.all(["acme", "brand", "indigo", "jane-tweets"].map((n) => t[n]!.audit)).apply((a) => pulumi.log.info("AUDITS " + JSON.stringify(a.map((x) => [x.accountId, x.status, x.action]))));',
          ],
        }),
      });
      // The program exited by itself with 32, having reported its errors: the language host bails
      // instead of reporting a crashed program.
      expect(u!.message).not.toContain("exited with non-zero exit code");
      await expectCutOff(CUT, "pulumi:marin-social-typescript-stack/dev");
      expect((await sb.admin.getAccount("fb-1001")).token.reason, "fb-1001's reason from a promise").toBe("Jane left");
      for (const id of ["tw-2005", "tw-2007"]) expect((await sb.admin.getAccount(id)).token.valid, `${id} waits for the refused token`).toBe(true);
      await expectRefused(u!, refusedTs, (n) => tsUrn(n), await changedAccounts(since));
      // Each token's audit line is logged against it, whichever path it took.
      for (const name of ["acme", "indigo", "jane-tweets"]) {
        expect(
          u!.diagnostics.some((d) => d.urn === tsUrn(name) && d.severity !== "error"),
          `audit of ${name}`,
        ).toBe(true);
      }
      const audits = u!.diagnostics.find((d) => d.message.includes("AUDITS "))?.message ?? "";
      expect(JSON.parse(audits.slice(audits.indexOf("AUDITS ") + 7))).toEqual([
        ["fb-1001", "found", expect.stringContaining("invalidate")],
        ["fb-1002", "found", expect.any(String)],
        ["tw-2003", "found", expect.stringContaining("invalidate")],
        ["tw-2001", "found", expect.stringContaining("invalidate")],
      ]);
    },
    T,
  );

  it(
    "a program mixing the YAML stack, a component and direct tokens: duplicates across them are refused, the rest proceed",
    async () => {
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({
        tokensYaml: [
          "tokens:",
          "  - { accountId: fb-1001, valid: false }",
          "  - { accountId: tw-2001, valid: false }",
          "  - { accountId: fb-1002, valid: true }",
          "",
        ].join("\n"),
        program: `import * as pulumi from "@pulumi/pulumi";
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
      });
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
      const inComponent = (name: string) => tsUrn(name, ["acme:Offboarding"]);
      const direct = (name: string) => tsUrn(name);
      const changed = await changedAccounts(since);
      await expectRefused(u!, [{ name: "fb-1001", accountId: "fb-1001", valid: false, refusedFor: duplicate }], direct, changed);
      await expectRefused(u!, [{ name: "jane-acme", accountId: "fb-1001", valid: true, refusedFor: duplicate }], inComponent, changed);
      await expectRefused(u!, [{ name: "fb-1002", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory/ }], direct, changed);
    },
    T,
  );
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
