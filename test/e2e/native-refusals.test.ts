/**
 * On the native plugin path, one refused token never stops the others from being cut off, through
 * the real `pulumi` CLI (v3.274.1) and its YAML language host: the refused tokens first, in the
 * middle and last among tokens declared `valid: false`, in a Pulumi YAML program of PublisherTokens.
 *
 * The engine stops a whole deployment at a failed Check, even with `--continue-on-error`
 * (pkg/resource/deploy/step_generator.go: check failures are a BailError), so the plugin logs a
 * refusal or a malformed value in Check as an error against the token and fails the token's own Create or Update in
 * `pulumi up`; a failed step stops the others only without `--continue-on-error`
 * (step_executor.go, cancelDueToError). So these runs pass it, as the README tells users to.
 * A preview does not fail on a refusal: it shows each one as an error, and the preview
 * `pulumi up` runs first is not stopped by one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { startServer, type TestServer } from "../client/helpers";
import { arrange, CUT, type Line, REFUSED } from "../support/refusal-lines";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { type OpRun, runOp } from "../support/stack-run";
import { copyProject, describeWithPulumi, type NativeStack, nativeStack } from "./native-support";

const T = 300_000;
const PROJECT = "marin-social-pulumi-yaml";
const ACTOR = `pulumi:${PROJECT}/dev`;
const urnOf = (name: string) => `urn:pulumi:dev::${PROJECT}::marin-social:index:PublisherToken::${name}`;

let sb: TestSandbox;
const stacks: NativeStack[] = [];

/** Makes the resources of the Pulumi YAML program in `dir` exactly `lines`, in that order. */
function declare(dir: string, lines: Line[]): void {
  const file = path.join(dir, "Pulumi.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  const resources: Record<string, unknown> = {};
  for (const l of lines) {
    const properties: Record<string, unknown> = { accountId: l.accountId, valid: l.valid };
    if (l.publisher) properties.publisher = l.publisher;
    if (l.reason) properties.reason = l.reason;
    if (l.expectAgencies) properties.expectAgencies = l.expectAgencies;
    resources[l.name] = { type: "marin-social:index:PublisherToken", properties };
  }
  doc.set("resources", resources);
  writeFileSync(file, doc.toString());
}

/** A stack of examples/pulumi-yaml (the plugin from bin/) whose resources are `lines`. */
async function yamlStack(lines: Line[]): Promise<NativeStack> {
  const dir = copyProject("examples/pulumi-yaml", (doc) => {
    doc.delete("variables");
    doc.delete("outputs");
  });
  declare(dir, lines);
  const s = await nativeStack(dir, { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": sb.sandbox.keys.admin });
  stacks.push(s);
  return s;
}

/** The accounts the audit log records a change of after entry `since`. */
async function changedAccounts(since: number): Promise<Set<string>> {
  return new Set((await sb.admin.audit()).slice(since).map((e) => e.accountId));
}

/** Every token declared `valid: false` is invalid and linked to no agency. */
async function expectCutOff(lines: Line[]): Promise<void> {
  for (const line of lines) {
    const live = await sb.admin.getAccount(line.accountId);
    expect(live.token.valid, `${line.accountId} invalid`).toBe(false);
    if (line.accountId !== "fb-1007") expect(live.token.invalidatedBy, line.accountId).toBe(ACTOR); // fb-1007 was revoked by hand before
    expect(live.agencies, `${line.accountId} unlinked`).toEqual([]);
  }
}

/** The run failed, every refused token has an error against its own URN saying why, and nothing was done to its account. */
function expectRefused(run: OpRun, lines: Line[], changed: Set<string>): void {
  expect(run.exitCode, run.stdout + run.stderr).not.toBe(0);
  for (const line of lines) {
    const errors = run.diagnostics.filter((d) => d.severity === "error" && d.urn === urnOf(line.name)).map((d) => d.message);
    expect(errors.join("\n"), `error diagnostic for ${line.name}`).toMatch(line.refusedFor!);
    expect(run.stdout, `${line.name} named in the output`).toContain(`marin-social:index:PublisherToken (${line.name}):`);
    expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
  }
}

describeWithPulumi("native provider: refused tokens through the real CLI (Pulumi YAML)", () => {
  beforeAll(async () => {
    sb = await testSandbox();
  }, T);
  afterAll(async () => {
    for (const s of stacks) await s.cleanup();
    await sb?.close();
  }, T);
  beforeEach(async () => {
    await sb.admin.sandbox.reset();
    // Someone revokes the brand page by hand; the stack declares it valid.
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
  });

  // Values of the right type that the API contract refuses reach Check (Pulumi YAML's type
  // checker passes them), and a failed Check would stop the whole deployment and its preview.
  const MALFORMED: Line[] = [
    { name: "typo", accountId: "fb:1004", valid: false, refusedFor: /accountId must be an account id of 1 to 64 .*got string "fb:1004"/ },
    { name: "essay", accountId: "tw-2005", valid: false, reason: "x".repeat(1001), refusedFor: /reason must be a reason of at most 1000 characters/ },
    {
      name: "twice",
      accountId: "fb-1005",
      valid: false,
      expectAgencies: ["ag-south", "ag-south"],
      refusedFor: /expectAgencies lists an agency twice: ag-south, ag-south/,
    },
  ];
  // Two resources for one account: the preview refuses both; in up, whichever the engine runs
  // first is its scheduling's choice, and the other is refused naming it.
  const BOTH = /account tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/;
  const PAIR: Line[] = [
    { name: "juniper-keep", accountId: "tw-2004", valid: true, refusedFor: BOTH },
    { name: "juniper-cut", accountId: "tw-2004", valid: false, refusedFor: BOTH },
  ];
  /** Every kind of refusal and malformed value, and the pair. */
  const ALL: Line[] = [...REFUSED, ...MALFORMED, ...PAIR];
  const SINGLE: Line[] = [...REFUSED, ...MALFORMED];

  /** The preview succeeded, showed each refusal against its token, planned every CUT token's create, and changed nothing. */
  async function expectPreview(preview: OpRun, refused: Line[], since: number): Promise<void> {
    expect(preview.exitCode, preview.stdout + preview.stderr).toBe(0);
    for (const line of refused) {
      const errors = preview.diagnostics.filter((d) => d.severity === "error" && d.urn === urnOf(line.name)).map((d) => d.message);
      expect(errors.join("\n"), `preview error for ${line.name} (${line.accountId})`).toMatch(line.refusedFor!);
      expect(preview.stdout, `${line.name} named in the preview's output`).toContain(`marin-social:index:PublisherToken (${line.name}):`);
    }
    for (const line of CUT)
      expect(
        preview.steps.filter((st) => st.urn === urnOf(line.name)).map((st) => st.op),
        `${line.name} planned`,
      ).toEqual(["create"]);
    expect((await sb.admin.audit()).length, "preview changed nothing").toBe(since);
  }

  /**
   * `out` names the pair's refusal; if the engine ran juniper-cut before it checked juniper-keep,
   * the account changed and the refusal says so, else the account is untouched. Returns how many
   * of the pair were created (0 or 1).
   */
  function expectPair(out: string, changed: Set<string>): number {
    expect(out, "the pair on tw-2004 refused").toMatch(BOTH);
    const ran = /"(juniper-cut|juniper-keep)" had already been reconciled in this run/.exec(out)?.[1];
    if (changed.has("tw-2004")) expect(ran, "tw-2004 changed only by juniper-cut").toBe("juniper-cut");
    else expect(ran, "tw-2004 untouched: juniper-cut did not run").not.toBe("juniper-cut");
    return ran ? 1 : 0;
  }

  let typed: NativeStack | undefined;
  it(
    "refused tokens and malformed values first, as users type it: the preview shows each against its token, exits 0 and changes nothing; pulumi up --yes --continue-on-error (its preview first) cuts off every valid: false token and fails naming each",
    async () => {
      const s = await yamlStack(arrange(CUT, ALL, "first"));
      typed = s;
      const since = (await sb.admin.audit()).length;
      await expectPreview(await runOp(s.stack, "preview"), ALL, since);

      const up = await s.cli(["up", "--yes", "--continue-on-error"]);
      expect(up.code, up.out).not.toBe(0);
      await expectCutOff(CUT);
      const changed = await changedAccounts(since);
      for (const line of SINGLE) {
        expect(up.out, `${line.name} named in the output`).toContain(`marin-social:index:PublisherToken (${line.name}):`);
        expect(up.out, line.name).toMatch(line.refusedFor!);
        expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
      }
      const pairDone = expectPair(up.out, changed);
      // The four tokens and the stack, and the one of the pair the engine ran first, if any.
      expect(up.out).toMatch(new RegExp(`\\+ ${CUT.length + 1 + pairDone} created`));
      expect(up.out).toMatch(new RegExp(`${ALL.length - pairDone} errored`));
    },
    T,
  );

  it(
    "refused tokens and malformed values in the middle: preview shows every refusal against its token; up --continue-on-error cuts off every valid: false token, fails, and names each refused token with its reason",
    async () => {
      const s = await yamlStack(arrange(CUT, ALL, "middle"));
      const since = (await sb.admin.audit()).length;
      await expectPreview(await runOp(s.stack, "preview"), ALL, since);

      const up = await runOp(s.stack, "up", { continueOnError: true });
      await expectCutOff(CUT);
      const changed = await changedAccounts(since);
      expectRefused(up, SINGLE, changed);
      const pairDone = expectPair(up.stdout + up.stderr, changed);
      expect(up.changes).toEqual({ create: CUT.length + 1 + pairDone }); // and the stack itself
    },
    T,
  );

  it(
    "refused tokens and malformed values last: preview shows every refusal against its token; without --continue-on-error, up fails and changes nothing for the refused tokens; up --continue-on-error then cuts off whatever the engine had not reached",
    async () => {
      const s = await yamlStack(arrange(CUT, SINGLE, "last"));
      const since = (await sb.admin.audit()).length;
      await expectPreview(await runOp(s.stack, "preview"), SINGLE, since);
      // Which tokens the engine reaches before it stops starting steps depends on its scheduling: not asserted.
      const up = await runOp(s.stack, "up");
      expect(up.exitCode).not.toBe(0);
      expect(up.errors.join("\n")).toContain("pulumi up --continue-on-error");
      const again = await runOp(s.stack, "up", { continueOnError: true });
      await expectCutOff(CUT);
      expectRefused(again, SINGLE, await changedAccounts(since));
    },
    T,
  );

  // Only a definite "account does not exist" means gone: a wrong URL, a wrong key or a failing
  // server is an error in up and refresh, and every token is kept as it was.
  const brand: Line = { name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory@agency\.example.*outside Pulumi/ };
  /** The stack of the next test, with jane-tweets, brand (valid) and indigo in state, for the test after it. */
  let recorded: NativeStack | undefined;
  it(
    "a wrong apiUrl (ending in /v1, another server's 404 page), a wrong key or a failing server: up and refresh fail, naming the cause, and no token is dropped or changed",
    async () => {
      await sb.admin.sandbox.reset(); // fb-1002 valid again: the first up records it valid
      const s = await yamlStack([CUT[1]!, brand, CUT[3]!]);
      const first = await runOp(s.stack, "up");
      expect(first.exitCode, first.message).toBe(0);
      const tokenState = async () =>
        ((await s.stack.exportStack()).deployment.resources as Array<Record<string, unknown>>)
          .filter((r) => r.type === "marin-social:index:PublisherToken")
          .map(({ urn, id, inputs, outputs, initErrors }) => ({ urn, id, inputs, outputs, initErrors }));
      const tokens = await tokenState();
      expect(tokens).toHaveLength(3);
      const html: TestServer = await startServer(
        (_h, res) => void res.writeHead(404, { "content-type": "text/html" }).end("<html><h1>404 Not Found</h1></html>"),
      );
      const cases: Array<{ title: string; config: [string, string, boolean]; faults?: boolean; cause: RegExp }> = [
        {
          title: "apiUrl ending in /v1",
          config: ["marin-social:apiUrl", `${sb.url}/v1`, false],
          cause: /answered 404 for an unknown route.*it ends in \/v1, and the client adds \/v1 itself/,
        },
        { title: "another server's 404 page", config: ["marin-social:apiUrl", html.url, false], cause: /text\/html/ },
        { title: "a wrong key", config: ["marin-social:apiKey", "msk-not-a-key-of-this-api", true], cause: /401/ },
        { title: "a failing server", config: ["marin-social:apiUrl", sb.url, false], faults: true, cause: /50\d/ },
      ];
      try {
        for (const c of cases) {
          await s.stack.setConfig(c.config[0], { value: c.config[1], secret: c.config[2] });
          if (c.faults) await sb.admin.sandbox.setFaults({ errorRate: 1 });
          // up stores the provider configuration refresh reads with (the engine's default provider).
          const up = await runOp(s.stack, "up", { continueOnError: true });
          expect(up.exitCode, c.title).not.toBe(0);
          expect(up.stdout + up.stderr, c.title).toMatch(c.cause);
          expect(up.stdout + up.stderr, c.title).not.toContain("does not exist");
          expect(await tokenState(), `${c.title}: up`).toEqual(tokens);
          const refresh = await runOp(s.stack, "refresh");
          expect(refresh.exitCode, c.title).not.toBe(0);
          expect(refresh.stdout + refresh.stderr, c.title).toMatch(c.cause);
          expect(
            refresh.steps.filter((x) => x.op === "delete" || (x.op as string) === "read-discard"),
            c.title,
          ).toEqual([]);
          expect(await tokenState(), `${c.title}: refresh`).toEqual(tokens);
          if (c.faults) await sb.admin.sandbox.setFaults({ errorRate: 0 });
          await s.stack.setAllConfig({
            "marin-social:apiUrl": { value: sb.url },
            "marin-social:apiKey": { value: sb.sandbox.keys.admin, secret: true },
          });
        }
      } finally {
        await html.close();
      }
      const back = await runOp(s.stack, "up");
      expect(back.exitCode, back.message).toBe(0);
      expect(back.changes).toEqual({ same: tokens.length + 1 });
      recorded = s;
    },
    T,
  );

  it(
    "a token already in state, revoked by hand since, is refused in its own update; the tokens added around it are cut off",
    async () => {
      // The previous test's stack recorded brand valid (beforeEach has since revoked it by hand
      // again, and made jane-tweets and indigo valid again); without it, a stack of its own.
      let s = recorded;
      if (!s) {
        await sb.admin.sandbox.reset();
        s = await yamlStack([CUT[1]!, brand, CUT[3]!]);
        expect((await runOp(s.stack, "up")).exitCode).toBe(0);
        await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
      }
      declare(s.dir, [CUT[0]!, CUT[1]!, brand, CUT[2]!, CUT[3]!]);
      const since = (await sb.admin.audit()).length;
      const up = await runOp(s.stack, "up", { continueOnError: true });
      await expectCutOff(CUT);
      expectRefused(up, [brand], await changedAccounts(since));
      expect(up.changes, "acme and granite added around brand").toMatchObject({ create: 2 });
      expect(up.steps.filter((st) => st.urn === urnOf("brand")).map((st) => st.op)).toEqual(["update"]);
    },
    T,
  );

  it(
    "a wrong type (valid: no) is rejected by Pulumi YAML as a whole, at its line, before anything is registered: nothing changes",
    async () => {
      const typo = { name: "typo", accountId: "fb-1005", valid: "no" as unknown as boolean };
      // The stack of the typed run above, when there is one (a stack costs CLI calls; its state does not matter here).
      const s = typed ?? (await yamlStack([]));
      declare(s.dir, [...CUT, typo]);
      const line =
        readFileSync(path.join(s.dir, "Pulumi.yaml"), "utf8")
          .split("\n")
          .findIndex((l) => /valid: "?no"?$/.test(l)) + 1;
      expect(line).toBeGreaterThan(0);
      const since = (await sb.admin.audit()).length;
      const up = await s.cli(["up", "--yes", "--continue-on-error"]);
      expect(up.code, up.out).not.toBe(0);
      expect(up.out).toContain(`on Pulumi.yaml line ${line}:`);
      expect(up.out).toMatch(/Cannot assign type 'string' to type 'boolean'|boolean is not assignable from string/);
      expect((await sb.admin.audit()).length).toBe(since);
    },
    T,
  );
});
