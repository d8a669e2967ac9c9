/**
 * One refused token never stops the others (issue 8, classes 3 and 4), through the real Pulumi
 * engine: the CLI built by `npm run pulumi:install`, offline, on a file backend. The engine-protocol
 * harness proves the same in test/engine/refusals.test.ts; this checks the engine itself behaves
 * as the harness claims: a failed check stops every resource registered after it, so refused
 * tokens must come last.
 */
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { describeWithPulumi, offlineCli, pulumiStack, repoProgramCopy, type OfflineCli } from "../support/pulumi";
import { testSandbox, type TestSandbox } from "../support/sandbox";

const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

/** Accounts declared `valid: false` that must be cut off, whatever is refused. */
const CUT = ["fb-1001", "tw-2001", "fb-1007", "tw-2003"];
/** The refused lines of the YAML stack, and what each one's error must say. */
const REFUSED: Array<[line: string, accountId: string, says: RegExp]> = [
  ["{ accountId: fb-1002, valid: true }", "fb-1002", /revoked by mallory@agency\.example/],
  ["{ accountId: fb-9999, valid: false }", "fb-9999", /account fb-9999 does not exist/],
  ["{ accountId: tw-2002, valid: false, publisher: facebook }", "tw-2002", /publisher is declared as facebook/],
  ["{ accountId: fb-1003, valid: false, expectAgencies: [ag-north] }", "fb-1003", /linked but not expected/],
];

/** Error diagnostics of a run, by URN. */
function errorsByUrn(events: EngineEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    const d = e.diagnosticEvent;
    if (d?.urn && d.severity === "error") out.set(d.urn, `${out.get(d.urn) ?? ""}${d.message}`);
  }
  return out;
}

/** Runs `op`, which must fail; returns nothing (the failure is the point). */
async function mustFail(op: Promise<unknown>): Promise<void> {
  const failed = await op.then(
    () => false,
    () => true,
  );
  expect(failed, "the run fails").toBe(true);
}

let sb: TestSandbox;
let cli: OfflineCli;
const dirs: string[] = [];

describeWithPulumi("refusals through the real Pulumi engine", () => {
  beforeAll(async () => {
    sb = await testSandbox();
    cli = offlineCli();
  });
  afterAll(async () => {
    await sb?.close();
    cli?.cleanup();
    for (const d of dirs) rmSync(path.dirname(d), { recursive: true, force: true });
  });
  beforeEach(async () => {
    await sb.admin.sandbox.reset();
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
  });

  for (const at of ["first", "last"] as const) {
    it(`YAML stack, refused lines ${at}: up cuts off every valid: false token, fails, and names each refused one`, async () => {
      const cut = CUT.map((id) => `  - { accountId: ${id}, valid: false }`);
      const refused = REFUSED.map(([line]) => `  - ${line}`);
      const file = path.join(tmpdir(), `marin-refusals-${at}-${process.pid}.yaml`);
      writeFileSync(file, ["tokens:", ...(at === "first" ? [...refused, ...cut] : [...cut, ...refused]), ""].join("\n"));
      const workDir = repoProgramCopy({ declarations: file });
      rmSync(file);
      dirs.push(workDir);
      const s = await pulumiStack({
        workDir,
        stackName: `refused-${at}`,
        cli,
        config: { "marin-social:apiUrl": sb.url },
        secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      });
      const events: EngineEvent[] = [];
      await mustFail(s.stack.up({ color: "never", onEvent: (e) => events.push(e) }));

      for (const id of CUT) {
        const live = await sb.admin.getAccount(id);
        expect(live.token.valid, `${id} invalid`).toBe(false);
        expect(live.agencies, `${id} unlinked`).toEqual([]);
      }
      const errors = errorsByUrn(events);
      for (const [, id, says] of REFUSED) {
        expect(errors.get(`urn:pulumi:refused-${at}::marin-social::${TYPE}::${id}`) ?? "", `error for ${id}`).toMatch(says);
      }
      expect((await sb.admin.getAccount("tw-2002")).token.valid).toBe(true);
      expect((await sb.admin.getAccount("fb-1003")).token.valid).toBe(true);
    }, 120_000);
  }

  it("TypeScript program: two resources for one account are both refused at preview, then up cuts off the rest", async () => {
    const dir = copyExample("typescript-stack");
    dirs.push(dir);
    writeFileSync(
      path.join(dir, "index.ts"),
      `import { PublisherToken } from "pulumi-marin-social";
new PublisherToken("a", { accountId: "tw-2004", valid: false, reason: "first reason" });
new PublisherToken("brand", { accountId: "fb-1002", valid: true });
new PublisherToken("jane-tweets", { accountId: "tw-2001", valid: false });
new PublisherToken("b", { accountId: "tw-2004", valid: true });
`,
    );
    const s = await pulumiStack({
      workDir: dir,
      cli,
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    });
    const urn = (name: string) => `urn:pulumi:dev::marin-social-typescript-stack::${TYPE}::${name}`;
    const duplicate = /account tw-2004 is declared by 2 PublisherToken resources: "a", "b"/;

    const previewEvents: EngineEvent[] = [];
    await mustFail(s.stack.preview({ color: "never", onEvent: (e) => previewEvents.push(e) }));
    const previewErrors = errorsByUrn(previewEvents);
    expect(previewErrors.get(urn("a"))).toMatch(duplicate);
    expect(previewErrors.get(urn("b"))).toMatch(duplicate);
    expect((await sb.admin.getAccount("tw-2001")).token.valid).toBe(true);

    const events: EngineEvent[] = [];
    await mustFail(s.stack.up({ color: "never", onEvent: (e) => events.push(e) }));
    const errors = errorsByUrn(events);
    for (const name of ["a", "b"]) expect(errors.get(urn(name))).toMatch(duplicate);
    expect(errors.get(urn("brand"))).toMatch(/revoked by mallory/);
    const tw = await sb.admin.getAccount("tw-2001");
    expect(tw.token.valid).toBe(false);
    expect(tw.agencies).toEqual([]);
    const juniper = await sb.admin.getAccount("tw-2004");
    expect(juniper.token.valid).toBe(true);
    expect(juniper.agencies).toHaveLength(3);
  }, 180_000);
});
