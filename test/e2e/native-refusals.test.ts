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
import { arrange, CUT, type Line, POSITIONS, REFUSED } from "../support/refusal-lines";
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

  for (const at of POSITIONS) {
    it(
      `refused tokens ${at}: preview shows every refusal against its token; up --continue-on-error cuts off every valid: false token, fails, and names each refused token with its reason`,
      async () => {
        const s = await yamlStack(arrange(CUT, REFUSED, at));
        const since = (await sb.admin.audit()).length;
        const preview = await runOp(s.stack, "preview");
        for (const line of REFUSED) {
          const errors = preview.diagnostics.filter((d) => d.severity === "error" && d.urn === urnOf(line.name)).map((d) => d.message);
          expect(errors.join("\n"), `preview error for ${line.name}`).toMatch(line.refusedFor!);
        }
        for (const line of CUT)
          expect(
            preview.steps.filter((st) => st.urn === urnOf(line.name)).map((st) => st.op),
            line.name,
          ).toEqual(["create"]);
        expect((await sb.admin.audit()).length).toBe(since); // preview changed nothing

        const up = await runOp(s.stack, "up", { continueOnError: true });
        await expectCutOff(CUT);
        expectRefused(up, REFUSED, await changedAccounts(since));
        expect(up.changes).toEqual({ create: CUT.length + 1 }); // and the stack itself
      },
      T,
    );
  }

  it(
    "the command users type, pulumi up --yes --continue-on-error (its preview first), with the refused tokens first: every valid: false token is cut off",
    async () => {
      const s = await yamlStack(arrange(CUT, REFUSED, "first"));
      const since = (await sb.admin.audit()).length;
      const up = await s.cli(["up", "--yes", "--continue-on-error"]);
      expect(up.code, up.out).not.toBe(0);
      await expectCutOff(CUT);
      const changed = await changedAccounts(since);
      for (const line of REFUSED) {
        expect(up.out, line.name).toContain(`marin-social:index:PublisherToken (${line.name}):`);
        expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
      }
      expect(up.out).toMatch(/\+ 5 created/); // the four tokens and the stack
      expect(up.out).toMatch(/4 errored/);
    },
    T,
  );

  // Values of the right type that the API contract refuses reach Check (Pulumi YAML's type
  // checker passes them), and a failed Check would stop the whole deployment and its preview.
  const MALFORMED: Line[] = [
    { name: "typo", accountId: "fb:1004", valid: false, refusedFor: /accountId must be an account id of 1 to 64 .*got string "fb:1004"/ },
    { name: "essay", accountId: "tw-2002", valid: false, reason: "x".repeat(1001), refusedFor: /reason must be a reason of at most 1000 characters/ },
    {
      name: "twice",
      accountId: "fb-1003",
      valid: false,
      expectAgencies: ["ag-south", "ag-south"],
      refusedFor: /expectAgencies lists an agency twice: ag-south, ag-south/,
    },
  ];

  it(
    "malformed values among the others, as users type it: pulumi preview shows each against its token and exits 0; pulumi up --yes --continue-on-error cuts off every valid: false token and fails naming each",
    async () => {
      const s = await yamlStack(arrange(CUT, MALFORMED, "middle"));
      const since = (await sb.admin.audit()).length;
      const preview = await s.cli(["preview"]);
      expect(preview.code, preview.out).toBe(0);
      for (const line of MALFORMED) {
        expect(preview.out, line.name).toContain(`marin-social:index:PublisherToken (${line.name}):`);
        expect(preview.out, line.name).toMatch(line.refusedFor!);
      }
      expect((await sb.admin.audit()).length, "preview changed nothing").toBe(since);

      const up = await s.cli(["up", "--yes", "--continue-on-error"]);
      expect(up.code, up.out).not.toBe(0);
      await expectCutOff(CUT);
      const changed = await changedAccounts(since);
      for (const line of MALFORMED) {
        expect(up.out, line.name).toMatch(line.refusedFor!);
        expect(changed.has(line.accountId), `${line.accountId} untouched`).toBe(false);
      }
      expect(up.out).toMatch(/\+ 5 created/); // the four tokens and the stack
      expect(up.out).toMatch(/3 errored/);
    },
    T,
  );

  it(
    "two resources for one account among the others: the preview refuses both, naming both; pulumi up --yes --continue-on-error cuts off every other valid: false token and fails on the pair",
    async () => {
      const pair: Line[] = [
        { name: "juniper-keep", accountId: "tw-2004", valid: true },
        { name: "juniper-cut", accountId: "tw-2004", valid: false },
      ];
      const both = /account tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"/;
      const s = await yamlStack(arrange(CUT, pair, "middle"));
      const since = (await sb.admin.audit()).length;
      const preview = await runOp(s.stack, "preview");
      for (const line of pair) {
        const errors = preview.diagnostics.filter((d) => d.severity === "error" && d.urn === urnOf(line.name)).map((d) => d.message);
        expect(errors.join("\n"), `preview error for ${line.name}`).toMatch(both);
      }
      expect((await sb.admin.audit()).length, "preview changed nothing").toBe(since);

      const up = await s.cli(["up", "--yes", "--continue-on-error"]);
      expect(up.code, up.out).not.toBe(0);
      await expectCutOff(CUT);
      expect(up.out).toMatch(both);
      // Which of the pair the engine ran before it checked the other is its scheduling's choice:
      // whichever did is named as such, and the account changed only if that was juniper-cut.
      if ((await changedAccounts(since)).has("tw-2004")) expect(up.out).toContain('"juniper-cut" had already been reconciled in this run');
      else expect(up.out).not.toContain('"juniper-cut" had already been reconciled');
    },
    T,
  );

  // Only a definite "account does not exist" means gone: a wrong URL, a wrong key or a failing
  // server is an error in up and refresh, and every token is kept as it was.
  it(
    "a wrong apiUrl (ending in /v1, another server's 404 page), a wrong key or a failing server: up and refresh fail, naming the cause, and no token is dropped or changed",
    async () => {
      const s = await yamlStack(CUT);
      expect((await runOp(s.stack, "up")).exitCode).toBe(0);
      const tokenState = async () =>
        ((await s.stack.exportStack()).deployment.resources as Array<Record<string, unknown>>)
          .filter((r) => r.type === "marin-social:index:PublisherToken")
          .map(({ urn, id, inputs, outputs, initErrors }) => ({ urn, id, inputs, outputs, initErrors }));
      const tokens = await tokenState();
      expect(tokens).toHaveLength(CUT.length);
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
          await s.stack.setConfig("marin-social:apiUrl", { value: sb.url });
          await s.stack.setConfig("marin-social:apiKey", { value: sb.sandbox.keys.admin, secret: true });
        }
      } finally {
        await html.close();
      }
      const back = await runOp(s.stack, "up");
      expect(back.exitCode, back.message).toBe(0);
      expect(back.changes).toEqual({ same: CUT.length + 1 });
    },
    T,
  );

  it(
    "a wrong type (valid: no) is rejected by Pulumi YAML as a whole, at its line, before anything is registered: nothing changes",
    async () => {
      const typo = { name: "typo", accountId: "fb-1005", valid: "no" as unknown as boolean };
      const s = await yamlStack([...CUT, typo]);
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

  it(
    "without --continue-on-error, up fails and changes nothing for the refused tokens; up --continue-on-error then cuts off whatever the engine had not reached",
    async () => {
      const s = await yamlStack(arrange(CUT, REFUSED, "first"));
      const since = (await sb.admin.audit()).length;
      // Which tokens the engine reaches before it stops starting steps depends on its scheduling: not asserted.
      const up = await runOp(s.stack, "up");
      expect(up.exitCode).not.toBe(0);
      expect(up.errors.join("\n")).toContain("pulumi up --continue-on-error");
      const again = await runOp(s.stack, "up", { continueOnError: true });
      await expectCutOff(CUT);
      expectRefused(again, REFUSED, await changedAccounts(since));
    },
    T,
  );

  it(
    "a token already in state, revoked by hand since, is refused in its own update; the tokens added around it are cut off",
    async () => {
      await sb.admin.sandbox.reset(); // fb-1002 valid again: the first up records it valid
      const brand: Line = { name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory@agency\.example.*outside Pulumi/ };
      const s = await yamlStack([brand]);
      expect((await runOp(s.stack, "up")).exitCode).toBe(0);
      await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });

      declare(s.dir, [CUT[0]!, CUT[1]!, brand, CUT[2]!, CUT[3]!]);
      const since = (await sb.admin.audit()).length;
      const up = await runOp(s.stack, "up", { continueOnError: true });
      await expectCutOff(CUT);
      expectRefused(up, [brand], await changedAccounts(since));
      expect(up.changes).toMatchObject({ create: CUT.length });
      expect(up.steps.filter((st) => st.urn === urnOf("brand")).map((st) => st.op)).toEqual(["update"]);
    },
    T,
  );
});
