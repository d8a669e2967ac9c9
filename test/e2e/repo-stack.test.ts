/**
 * Every README flow on the repository's own stack (Pulumi.yaml runs dist/program.js on
 * tokens.yaml) through the real Pulumi engine: the CLI built by `npm run pulumi:install`, driven
 * by the Automation API, on a file backend in a temporary folder, against one sandbox. The tests
 * chain on one stack, as a user's session does: preview, up, refresh, a wrong apiUrl and up again,
 * drift and preview --refresh, a re-authorization, a partial failure and its re-runs, a rejected
 * file, destroy. The declarations are edited in place (tokens.yaml beside Pulumi.yaml), and the
 * stack's state is read from the file backend's checkpoint (`pulumi stack export` only where
 * "untouched" compares decrypted state).
 * Nothing reaches the network: the CLI finds its language host and the dynamic-provider plugin
 * in the bin folder and never downloads a plugin.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkpointText, describeWithPulumi, type PulumiTestStack, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import {
  diagnosticsOf,
  type ExportedResource,
  exportedResources,
  exportedTokens,
  type OpRun,
  runOp,
  stepsOf,
  TOKEN_TYPE,
  tokenSteps,
  tokenUrn as urn,
} from "../support/stack-run";

const ACME =
  'invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)';
/** Generous per-test timeouts: a command takes several seconds, more on a loaded 2-core machine. */
const T = 600_000;

let sb: TestSandbox;
let workDir: string;
let s: PulumiTestStack;

/** Rewrites the project's tokens.yaml (the program's default declaration file) with these lines. */
function declare(lines: string[]): void {
  writeFileSync(path.join(workDir, "tokens.yaml"), ["tokens:", ...lines, ""].join("\n"));
}

/** Every account's token and links, and the audit log's length: what "changed nothing" compares. */
async function remote(): Promise<unknown> {
  const accounts = await sb.admin.listAccounts();
  return { accounts, audit: (await sb.admin.audit()).length };
}

/** The resources of the stack's checkpoint in the file backend (secrets as ciphertext). */
function storedResources(): ExportedResource[] {
  return (JSON.parse(checkpointText(s)).checkpoint.latest?.resources as ExportedResource[] | undefined) ?? [];
}

/** The stored PublisherTokens by resource name: urn, id, inputs, outputs and init errors. */
function storedTokens(): Map<string, ExportedResource> {
  const out = new Map<string, ExportedResource>();
  for (const { urn, type, id, inputs, outputs, initErrors } of storedResources()) {
    if (type === TOKEN_TYPE) out.set(urn.split("::").pop()!, { urn, type, id, inputs, outputs, initErrors });
  }
  return out;
}

describeWithPulumi("the README flows on the repository's stack, through the real engine", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    workDir = repoProgramCopy();
    s = await pulumiStack({
      workDir,
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    });
  }, T);
  afterAll(async () => {
    await s?.cleanup();
    await sb?.close();
    if (workDir) rmSync(path.dirname(workDir), { recursive: true, force: true });
  }, T);

  it(
    "preview prints the audit against each resource, as the README shows, and changes nothing",
    async () => {
      const before = await remote();
      const p = await runOp(s.stack, "preview");
      expect(p.exitCode, p.message).toBe(0);

      // The CLI's own rendering: each message under the resource it was logged against (info
      // messages are printed without a severity prefix).
      expect(p.stdout).toContain(`Diagnostics:\n`);
      expect(p.stdout).toContain(`${TOKEN_TYPE} (fb-1001):\n    warning: ${ACME}`);
      expect(p.stdout).toContain(
        `${TOKEN_TYPE} (fb-1002):\n    facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)`,
      );
      // The same diagnostics as engine events, attributed by URN: the README's block, line by line.
      expect(diagnosticsOf(p, urn("fb-1001"))).toEqual([`warning: ${ACME}`]);
      expect(diagnosticsOf(p, urn("tw-2001"))).toEqual([
        'warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 2 agencies: East Agency (ag-east), North Agency (ag-north)',
      ]);
      expect(diagnosticsOf(p, urn("fb-1007"))).toEqual([
        'warning: facebook account "Granite Fitness" (fb-1007) token already invalid: revoked by jane@agency.example (outside Pulumi) at 2026-01-15T09:30:00.000Z, reason: Client offboarded; access revoked in the web UI; still linked, will unlink 1 agency: South Agency (ag-south)',
      ]);
      expect(diagnosticsOf(p, urn("fb-1006"))).toEqual([
        'warning: invalidating facebook account "Foxglove Florist" (fb-1006); it is linked to no agency, so none is cut off',
      ]);
      expect(diagnosticsOf(p, urn("fb-1002"))).toEqual([
        'info: facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)',
      ]);
      expect(p.errors).toEqual([]);
      expect(tokenSteps(p)).toEqual(Array(6).fill("create"));
      expect(p.changes).toEqual({ create: 7 }); // the stack and six tokens
      expect(await remote()).toEqual(before);
    },
    T,
  );

  it(
    "up invalidates and unlinks what is declared invalid, leaves the rest, records the outputs; refresh then finds no drift",
    async () => {
      const u = await runOp(s.stack, "up");
      expect(u.exitCode, u.message).toBe(0);
      expect(u.changes).toEqual({ create: 7 });

      const acme = await sb.admin.getAccount("fb-1001");
      expect(acme.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev", reason: "Jane Doe left the company (HR-1234)" });
      expect(acme.agencies).toEqual([]);
      expect((await sb.admin.getAccount("tw-2001")).agencies).toEqual([]);
      expect((await sb.admin.getAccount("fb-1007")).token.invalidatedBy).toBe("jane@agency.example");
      expect((await sb.admin.getAccount("fb-1002")).token.valid).toBe(true);

      const tokens = storedTokens();
      expect(tokens.get("fb-1001")!.outputs).toMatchObject({
        valid: false,
        accountName: "Acme Coffee",
        unlinkedAgencies: [
          { id: "ag-east", name: "East Agency" },
          { id: "ag-north", name: "North Agency" },
          { id: "ag-south", name: "South Agency" },
        ],
        revokedOutsidePulumi: false,
      });
      expect(tokens.get("fb-1007")!.outputs).toMatchObject({ revokedOutsidePulumi: true, valid: false });
      // The serialized provider is a small shim naming the package: no path, no client, no key.
      const provider = tokens.get("fb-1001")!.inputs!.__provider as string;
      expect(Buffer.byteLength(provider)).toBeLessThan(2048);
      expect(provider).toContain('"pulumi-marin-social/dynamic"');
      expect(provider).not.toMatch(/\/(work|home|tmp|Users)\//);
      // The fingerprint is a secret output: encrypted in the file backend's checkpoint.
      expect(tokens.get("fb-1002")!.outputs!.tokenFingerprint).toMatchObject({ ciphertext: expect.any(String) });
      expect(checkpointText(s)).not.toContain((await sb.admin.getAccount("fb-1002")).token.fingerprint);

      const outputs = await s.stack.outputs();
      const audit = outputs.audit!.value as Record<string, { valid: boolean; action: string }>;
      expect(audit["fb-1001"]).toMatchObject({ valid: true, action: "invalidate, unlink 3 agencies" });
      expect(audit["fb-1002"]).toMatchObject({ valid: true, action: "none" });

      // No drift right after up: refresh does not report the tokens up just invalidated as changed.
      const clean = await runOp(s.stack, "refresh", { expectNoChanges: true });
      expect(clean.exitCode, clean.stdout).toBe(0);
      expect(clean.changes).toEqual({ same: 7 });
    },
    T,
  );

  it(
    "a wrong apiUrl (ending in /v1) is an error in up and in refresh, never every account gone; back on the right URL, up again changes nothing",
    async () => {
      // (Another server's HTML 404 page is the same class to the client, "route not found", never
      // "gone": test/client/not-found.test.ts; through the engine on the native path: native-refusals.test.ts.)
      const fix = `it ends in /v1, and the client adds /v1 itself. Set \`pulumi config set marin-social:apiUrl ${sb.url}\``;
      const before = await remote();
      // What a token's state is: its id, inputs, outputs (secrets decrypted: the checkpoint's
      // ciphertexts change with every write) and init errors.
      const tokenState = async () =>
        [...(await exportedTokens(s.stack)).values()].map(({ urn, id, inputs, outputs, initErrors }) => ({ urn, id, inputs, outputs, initErrors }));
      const tokens = await tokenState();
      expect(tokens).toHaveLength(6);
      const untouched = async (op: string) => expect(await tokenState(), `${op} with a wrong apiUrl changed a token's state`).toEqual(tokens);
      try {
        // up: the program's lookups fail for every token, each refused with the reason and the fix; nothing changes.
        await s.stack.setConfig("marin-social:apiUrl", { value: `${sb.url}/v1` });
        const u = await runOp(s.stack, "up");
        expect(u.exitCode).not.toBe(0);
        expect(u.errors.join("\n")).toMatch(
          /could not read account (fb|tw)-\d+ from Marin Social: GET \/v1\/v1\/accounts\?ids=.* answered 404 for an unknown route/,
        );
        expect(u.errors.join("\n")).toContain(fix);
        expect(u.errors.join("\n")).not.toContain("does not exist");
        await untouched("up");

        // refresh reads with the provider configuration the last up stored (the engine's default
        // provider), now the wrong URL: every read fails, and every token is kept.
        const r = await runOp(s.stack, "refresh");
        expect(r.exitCode).not.toBe(0);
        expect(r.errors.join("\n")).toMatch(/GET \/v1\/v1\/accounts.* answered 404 for an unknown route/);
        expect(r.errors.join("\n")).not.toContain("does not exist");
        expect(r.steps.filter((x) => x.op === "delete")).toEqual([]);
        await untouched("refresh");
      } finally {
        await s.stack.setConfig("marin-social:apiUrl", { value: sb.url });
      }
      // Back on the right URL, up again finds every token converged, stores the right
      // configuration, and changes nothing in Marin Social (nor did the failed runs).
      const again = await runOp(s.stack, "up");
      expect(again.exitCode, again.message).toBe(0);
      expect(again.changes).toEqual({ same: 7 });
      expect(await remote()).toEqual(before);
    },
    T,
  );

  it(
    "refresh --expect-no-changes fails on a token revoked outside Pulumi, showing and recording the drift; preview --refresh then shows its refusal as an error, and a token re-authorized since as an update",
    async () => {
      await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
      const r = await runOp(s.stack, "refresh", { expectNoChanges: true });
      expect(r.exitCode).not.toBe(0);
      expect(r.message).toContain("no changes were expected for refresh but changes were proposed");
      expect(r.changes).toEqual({ same: 6, update: 1 });
      expect(r.stdout).toMatch(/~ {2}pulumi-nodejs:dynamic\/marin-social:PublisherToken fb-1002 updated .*\[diff: .*valid/);
      const updated = r.events.map((e) => e.resOutputsEvent?.metadata).filter((m) => m?.op === "update");
      expect(updated.map((m) => m!.urn)).toEqual([urn("fb-1002")]);
      const [was, is] = [updated[0]!.old!.outputs, updated[0]!.new!.outputs];
      expect([was.valid, is.valid]).toEqual([true, false]);
      expect([was.revokedOutsidePulumi, is.revokedOutsidePulumi]).toEqual([false, true]);
      expect([was.invalidatedBy, is.invalidatedBy]).toEqual([null, "mallory@agency.example"]);
      // The refresh recorded what it read.
      expect(storedTokens().get("fb-1002")!.outputs).toMatchObject({
        valid: false,
        revokedOutsidePulumi: true,
        invalidatedBy: "mallory@agency.example",
      });

      // tw-2001, invalidated by the up, is re-authorized and linked to ag-west outside Pulumi.
      await sb.admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-west"] });
      const before = await remote();
      const p = await runOp(s.stack, "preview", { refresh: true });
      // An error against fb-1002, and the preview goes on (pulumi up previews first: see refusals.test.ts).
      expect(p.exitCode, p.message).toBe(0);
      expect(p.errors.join("\n")).toMatch(
        /fb-1002.*revoked by mallory@agency\.example.*outside Pulumi.*re-authorize the account in Marin Social.*pulumi refresh/s,
      );
      expect(stepsOf(p, urn("tw-2001"))).toEqual(["refresh", "update"]);
      const refreshed = p.events.map((e) => e.resOutputsEvent?.metadata).find((m) => m?.op === "refresh" && m.urn === urn("tw-2001"));
      expect([refreshed?.old?.outputs.valid, refreshed?.new?.outputs.valid]).toEqual([false, true]);
      expect(diagnosticsOf(p, urn("tw-2001"))).toEqual([
        'warning: invalidating twitter account "Acme Coffee" (tw-2001) unlinks 1 agency: West Agency (ag-west)',
      ]);
      expect(await remote()).toEqual(before);
    },
    T,
  );

  it(
    "up, with the revocation accepted, invalidates the re-authorized token again and adopts the one revoked outside Pulumi",
    async () => {
      declare([
        ...["fb-1001", "tw-2001", "fb-1007", "fb-1006", "fb-1002"].map((id) => `  - { accountId: ${id}, valid: false }`),
        "  - { accountId: tw-2004, valid: true }",
      ]);
      const u = await runOp(s.stack, "up");
      expect(u.exitCode, u.message).toBe(0);
      expect(stepsOf(u, urn("tw-2001"))).toEqual(["update"]);
      const tw = await sb.admin.getAccount("tw-2001");
      expect(tw.token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/dev" });
      expect(tw.agencies).toEqual([]);
      expect((await auditCounts(sb.admin, "tw-2001"))["token.invalidate"]).toBe(2);
      expect((await auditCounts(sb.admin, "fb-1002"))["token.invalidate"]).toBe(1); // mallory's, adopted
    },
    T,
  );

  it(
    "a partial failure (in create, then in update) is recorded with its init error, refresh reads it, and the next up updates (not re-creates) it, doing nothing twice",
    async () => {
      // fb-1003 is linked to ag-south and ag-west; the unlink from ag-south fails on every attempt.
      declare([
        ...["fb-1001", "tw-2001", "fb-1007", "fb-1006", "fb-1002", "fb-1003"].map((id) => `  - { accountId: ${id}, valid: false }`),
        "  - { accountId: tw-2004, valid: true }",
      ]);
      const failing = { failRoutes: [{ route: "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", match: "ag-south/accounts/fb-1003", status: 503 }] };
      await sb.admin.sandbox.setFaults(failing);
      let first: OpRun;
      try {
        first = await runOp(s.stack, "up");
      } finally {
        await sb.admin.sandbox.setFaults({});
      }
      expect(first.exitCode).not.toBe(0);
      expect(stepsOf(first, urn("fb-1003"))).toEqual(["create"]);
      const partly =
        /account fb-1003 is only partly reconciled \(1 step failed\): unlink South Agency \(ag-south\): .*503.*What succeeded is recorded; run `pulumi up` again to finish\./s;
      expect(first.errors.join("\n")).toMatch(partly);
      const recorded = storedTokens().get("fb-1003")!;
      expect(recorded.initErrors).toHaveLength(1);
      expect(recorded.initErrors![0]).toMatch(partly);
      expect(recorded.outputs).toMatchObject({ valid: false, linkedAgencies: [{ id: "ag-south", name: "South Agency" }] });
      expect(recorded.outputs!.__provider).toBe(recorded.inputs!.__provider);

      // `pulumi up --refresh`, the unlink still failing: the refresh reads the recorded progress
      // like any other resource (the work left: still linked to ag-south), and the update is a
      // partial failure too, recorded the same way.
      await sb.admin.sandbox.setFaults(failing);
      let second: OpRun;
      try {
        second = await runOp(s.stack, "up", { refresh: true });
      } finally {
        await sb.admin.sandbox.setFaults({});
      }
      expect(second.exitCode).not.toBe(0);
      expect(stepsOf(second, urn("fb-1003"))).toEqual(["refresh", "update"]);
      const read = second.events.map((e) => e.resOutputsEvent?.metadata).find((m) => m?.op === "refresh" && m.urn === urn("fb-1003"));
      expect(read?.new?.outputs, "refresh read fb-1003's recorded progress").toMatchObject({
        valid: false,
        linkedAgencies: [{ id: "ag-south", name: "South Agency" }],
      });
      expect(second.errors.join("\n")).toMatch(partly);
      const again = storedTokens().get("fb-1003")!;
      expect(again.initErrors).toHaveLength(1);
      expect(again.outputs!.__provider).toBe(again.inputs!.__provider);

      const third = await runOp(s.stack, "up");
      expect(third.exitCode, third.message).toBe(0);
      expect(stepsOf(third, urn("fb-1003"))).toEqual(["update"]);
      expect(tokenSteps(third).filter((op) => op !== "same")).toEqual(["update"]);
      expect((await sb.admin.getAccount("fb-1003")).agencies).toEqual([]);
      const audit = await sb.admin.audit({ accountId: "fb-1003" });
      expect(audit.filter((e) => e.action === "token.invalidate")).toHaveLength(1);
      expect(
        audit
          .filter((e) => e.action === "agency.unlink")
          .map((e) => e.agencyId)
          .sort(),
      ).toEqual(["ag-south", "ag-west"]);
      const converged = storedTokens().get("fb-1003")!;
      expect(converged.initErrors ?? []).toEqual([]);
      expect((converged.outputs!.unlinkedAgencies as unknown[]).length).toBe(2);
    },
    T,
  );

  it(
    "a rejected declaration file: one error with file:line:col, the program bails (exit 32), nothing registered or deleted",
    async () => {
      // `up` (the Automation API's, no preview): the run where a program that registered nothing
      // would delete. The same bail in a preview: config-once.test.ts.
      const state = await exportedResources(s.stack);
      const before = await remote();
      declare(["  - accountId: fb-1001", "    valid: nope"]);
      const f = await runOp(s.stack, "up");
      expect(f.exitCode).toBe(1); // the language host's bail on the program's 32, which the CLI exits 1 for
      expect(f.errors).toHaveLength(1);
      expect(f.errors[0]).toContain("tokens.yaml:3:12: tokens[0].valid:");
      expect(f.message).not.toMatch(/\n\s+at /);
      // Exit code 32 is the SDK's "errors already reported": the language host bails instead of
      // reporting a crashed program.
      expect(f.message).not.toContain("exited with non-zero exit code");
      expect(f.steps.filter((x) => x.type === TOKEN_TYPE)).toEqual([]);
      expect(await exportedResources(s.stack)).toEqual(state);
      expect(await remote()).toEqual(before);
    },
    T,
  );

  it(
    "destroy changes nothing in Marin Social: it only stops managing the tokens",
    async () => {
      const before = await remote();
      const d = await runOp(s.stack, "destroy");
      expect(d.exitCode, d.message).toBe(0);
      expect(d.changes).toMatchObject({ delete: 8 }); // the stack and seven tokens
      expect(storedResources()).toEqual([]);
      expect(await remote()).toEqual(before);
    },
    T,
  );

  it("downloaded no plugin: the language host and pulumi-nodejs came from the bin folder", () => {
    const plugins = path.join(s.cli.home, "plugins");
    const downloaded = existsSync(plugins) ? readdirSync(plugins).filter((f) => !f.startsWith(".")) : [];
    expect(downloaded).toEqual([]);
  });
});
