/**
 * One refused line never stops the others from being cut off (issue 8, class 3), and one account
 * has one resource (class 4), through the real Pulumi engine (the Automation API driving the CLI)
 * against a real sandbox.
 *
 * Every run mixes tokens that can be cut off with every kind of refusal, and puts the refused
 * ones first, in the middle and last: the outcome must be the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { arrange, CUT, type Line, POSITIONS, REFUSED } from "../support/refusal-lines";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { type Op, type OpRun, runOp, stepsOf, tokenUrn } from "../support/stack-run";

const T = 300_000;
let sb: TestSandbox;
let tmp: string;
const cleanups: Array<() => Promise<void>> = [];

type StackSource = { declarations: string } | { program: string; tokensYaml?: string };

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
  const s: PulumiTestStack = await pulumiStack({ workDir, config, secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin } });
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

  for (const at of POSITIONS) {
    it(
      `YAML stack, refused lines ${at}: up cuts off every valid: false token, fails, and names each refused token with its reason`,
      async () => {
        const since = (await sb.admin.audit()).length;
        const [u] = await runStack({ declarations: declarations(`tokens-${at}.yaml`, arrange(CUT, REFUSED, at)) });
        await expectCutOff(CUT, "pulumi:marin-social/dev");
        await expectRefused(u!, named(REFUSED), repoUrn, await changedAccounts(since));
      },
      T,
    );
  }

  const tsLine = (l: Line) => {
    const args: Record<string, unknown> = { accountId: l.accountId, valid: l.valid };
    for (const k of ["publisher", "reason", "expectAgencies"] as const) if (l[k] !== undefined) args[k] = l[k];
    return `new PublisherToken(${JSON.stringify(l.name)}, ${JSON.stringify(args)});`;
  };
  const tsProgram = (lines: Line[]) => ['import { PublisherToken } from "pulumi-marin-social";', ...lines.map(tsLine), ""].join("\n");
  // Beyond the YAML refusals: an account the lookup fails for (an id the API cannot take), and
  // two resources for one account (class 4), one declaring it valid and one invalid.
  const refusedTs: Line[] = [
    ...REFUSED,
    { name: "unreadable", accountId: "fb:1004", valid: false, refusedFor: /could not read account fb:1004 from Marin Social/ },
    { name: "juniper-keep", accountId: "tw-2004", valid: true, refusedFor: /tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/ },
    { name: "juniper-cut", accountId: "tw-2004", valid: false, refusedFor: /tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/ },
  ];

  for (const at of POSITIONS) {
    it(
      `TypeScript program, refused tokens ${at}: up cuts off every valid: false token, fails, and names each refused token with its reason`,
      async () => {
        const since = (await sb.admin.audit()).length;
        const [u] = await runStack({ program: tsProgram(arrange(CUT, refusedTs, at)) });
        await expectCutOff(CUT, "pulumi:marin-social-typescript-stack/dev");
        await expectRefused(u!, refusedTs, (n) => tsUrn(n), await changedAccounts(since));
      },
      T,
    );
  }

  // The Automation API's up passes --skip-preview. Users type `pulumi up --yes` (or answer the
  // prompt), which previews first and stops there if the preview fails: a refusal must not fail
  // the preview, or one stale line would stop every other token from being cut off.
  const asTyped: Array<{ title: string; source: () => StackSource; actor: string; refused: Line[] }> = [
    {
      title: "YAML stack, refused lines first",
      source: () => ({ declarations: declarations("tokens-cli.yaml", arrange(CUT, REFUSED, "first")) }),
      actor: "pulumi:marin-social/dev",
      refused: REFUSED,
    },
    {
      title: "TypeScript program with a failed lookup and a duplicate, refused tokens in the middle",
      source: () => ({ program: tsProgram(arrange(CUT, refusedTs, "middle")) }),
      actor: "pulumi:marin-social-typescript-stack/dev",
      refused: refusedTs,
    },
  ];
  for (const v of asTyped) {
    it(
      `\`pulumi up --yes\` as users type it (preview first), ${v.title}: every valid: false token is cut off, the run fails naming each refused token`,
      async () => {
        const since = (await sb.admin.audit()).length;
        const s = await newStack(v.source());
        const preview = await pulumiCli(s, ["preview"]);
        const previewText = preview.stdout + preview.stderr;
        for (const line of v.refused) expect(previewText, `preview names ${line.accountId}`).toMatch(line.refusedFor!);
        expect((await sb.admin.audit()).length, "preview changed nothing").toBe(since);
        const up = await pulumiCli(s, ["up", "--yes"]);
        const upText = up.stdout + up.stderr;
        expect(up.code, upText).not.toBe(0);
        await expectCutOff(CUT, v.actor);
        const changed = await changedAccounts(since);
        for (const line of v.refused) {
          expect(upText, `up names ${line.accountId}`).toMatch(line.refusedFor!);
          expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
        }
      },
      T,
    );
  }

  it(
    "preview shows the refusal of two resources for one account as an error naming both, changes nothing, plans the rest, and succeeds (so up can go on)",
    async () => {
      const since = (await sb.admin.audit()).length;
      const [p] = await runStack(
        {
          program: tsProgram([
            { name: "a", accountId: "tw-2004", valid: false, reason: "first reason" },
            { name: "jane-tweets", accountId: "tw-2001", valid: false },
            { name: "b", accountId: "tw-2004", valid: false, reason: "second reason" },
          ]),
        },
        ["preview"],
      );
      expect(p!.exitCode).toBe(0);
      for (const name of ["a", "b"]) {
        const errors = p!.diagnostics.filter((l) => l.severity === "error" && l.urn === tsUrn(name)).map((l) => l.message);
        expect(errors.join("\n")).toMatch(/account tw-2004 is declared by 2 PublisherToken resources: "a", "b"/);
      }
      expect(stepsOf(p!, tsUrn("jane-tweets"))).toEqual(["create"]);
      expect((await sb.admin.audit()).length).toBe(since);
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

  it(
    "tokens whose inputs are Outputs or promises are audited, cut off and refused like plain ones, and their audits resolve",
    async () => {
      // Plain inputs (a declaration file's) are decided through plain promises; any Output or
      // promise among them takes the Output path (unknowns, secrets, dependencies carry through).
      // One program mixes both: the outcome and the audits must not depend on which path a token took.
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({
        program: `import * as pulumi from "@pulumi/pulumi";
import { PublisherToken } from "pulumi-marin-social";
const acme = new PublisherToken("acme", { accountId: pulumi.output("fb-1001"), valid: false, reason: Promise.resolve("Jane left") });
const brand = new PublisherToken("brand", { accountId: "fb-1002", valid: pulumi.output(true) });
const indigo = new PublisherToken("indigo", { accountId: "tw-2003", valid: false, expectAgencies: [pulumi.output("ag-east"), "ag-west"] });
const tweets = new PublisherToken("jane-tweets", { accountId: "tw-2001", valid: false });
pulumi.all([acme.audit, brand.audit, indigo.audit, tweets.audit]).apply((a) => pulumi.log.info("AUDITS " + JSON.stringify(a.map((x) => [x.accountId, x.status, x.action]))));
`,
      });
      await expectCutOff(
        [
          { name: "acme", accountId: "fb-1001", valid: false },
          { name: "indigo", accountId: "tw-2003", valid: false },
          { name: "jane-tweets", accountId: "tw-2001", valid: false },
        ],
        "pulumi:marin-social-typescript-stack/dev",
      );
      expect((await sb.admin.getAccount("fb-1001")).token.reason).toBe("Jane left");
      await expectRefused(
        u!,
        [{ name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory/ }],
        (n) => tsUrn(n),
        await changedAccounts(since),
      );
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
    "a token that dependsOn a refused one waits for it (and is not cut off), without holding the others or hanging the program",
    async () => {
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({
        program: `import { PublisherToken } from "pulumi-marin-social";
const brand = new PublisherToken("brand", { accountId: "fb-1002", valid: true });
new PublisherToken("after-brand", { accountId: "tw-2005", valid: false }, { dependsOn: [brand] });
new PublisherToken("acme", { accountId: "fb-1001", valid: false });
`,
      });
      // The program exited by itself with 32, having reported its errors: the language host bails
      // instead of reporting a crashed program.
      expect(u!.message).not.toContain("exited with non-zero exit code");
      await expectCutOff([{ name: "acme", accountId: "fb-1001", valid: false }], "pulumi:marin-social-typescript-stack/dev");
      expect((await sb.admin.getAccount("tw-2005")).token.valid).toBe(true);
      await expectRefused(
        u!,
        [{ name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory/ }],
        (n) => tsUrn(n),
        await changedAccounts(since),
      );
    },
    T,
  );

  it(
    "existing tokens: a re-authorized one is invalidated again (an update) although a hand-revoked valid: true one comes first",
    async () => {
      // A first run that succeeds (the brand page's revocation accepted), then the brand page is
      // declared valid again while revoked, and tw-2001 is re-authorized in the web UI.
      const file = path.join(tmp, "existing.yaml");
      const lines = (brandValid: boolean) =>
        [
          "tokens:",
          `  - { accountId: fb-1002, valid: ${brandValid} }`,
          "  - { accountId: tw-2001, valid: false }",
          "  - { accountId: fb-1001, valid: false }",
          "",
        ].join("\n");
      writeFileSync(file, lines(false));
      const workDir = repoProgramCopy();
      const s = await pulumiStack({
        workDir,
        config: { "marin-social:apiUrl": sb.url, "marin-social:declarations": file },
        secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      });
      cleanups.push(async () => {
        await s.cleanup();
        rmSync(path.dirname(workDir), { recursive: true, force: true });
      });
      const first = await runOp(s.stack, "up");
      expect(first.exitCode, first.message).toBe(0);
      writeFileSync(file, lines(true));
      await sb.admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-west"] });

      const u = await runOp(s.stack, "up");
      expect(stepsOf(u, repoUrn("tw-2001"))).toEqual(["update"]);
      const tw = await sb.admin.getAccount("tw-2001");
      expect(tw.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev" });
      expect(tw.agencies).toEqual([]);
      expect(u.exitCode).not.toBe(0);
      expect(
        u.diagnostics
          .filter((l) => l.severity === "error" && l.urn === repoUrn("fb-1002"))
          .map((l) => l.message)
          .join("\n"),
      ).toMatch(/revoked by mallory/);
    },
    T,
  );

  it(
    "150 tokens in two lookup batches, refusals spread through them by a seeded shuffle: every other token is cut off",
    async () => {
      const seed = 20261130;
      console.log(`refusals shuffle seed: ${seed}`);
      const { ids } = await sb.admin.sandbox.addAccounts({ count: 143, idPrefix: "rf-", agenciesPerAccount: { min: 0, max: 2 } });
      const accounts = await sb.admin.getAccounts(ids);
      const cut: Line[] = ids.map((id) => ({ name: id, accountId: id, valid: false }));
      const refused: Line[] = [
        ...REFUSED,
        ...ids.slice(0, 3).map((id) => ({
          name: `${id}`,
          accountId: id,
          valid: false,
          publisher: accounts.get(id)!.publisher === "facebook" ? "twitter" : "facebook",
          refusedFor: /publisher is declared as/,
        })),
        ...["rf-gone-1", "rf-gone-2", "rf-gone-3"].map((id) => ({ name: id, accountId: id, valid: false, refusedFor: /does not exist in Marin Social/ })),
      ];
      const refusedIds = new Set(refused.map((l) => l.accountId));
      const lines = shuffle([...cut.filter((l) => !refusedIds.has(l.accountId)), ...refused], seed);
      const since = (await sb.admin.audit()).length;
      const [u] = await runStack({ declarations: declarations("many.yaml", lines) });
      const stillValid = [...(await sb.admin.getAccounts(ids)).values()].filter((a) => !refusedIds.has(a.id) && (a.token.valid || a.agencies.length > 0));
      expect(stillValid.map((a) => a.id)).toEqual([]);
      await expectRefused(u!, named(refused), repoUrn, await changedAccounts(since));
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
