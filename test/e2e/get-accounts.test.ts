/**
 * Finding a person's tokens from a program, through the real `pulumi` CLI: the dynamic path's
 * program helper (`getAccounts` / `getAccountsOutput` from the package root) and the native
 * provider's `marin-social:index:getAccounts` invoke, from a Node.js program (the native SDK) and
 * from Pulumi YAML (`fn::invoke`, type-checked against the package schema).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { describeWithPulumi, type NativeStack, nativeStack, ROOT } from "./native-support";

const JANE = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { getAccounts, getAccountsOutput } = require("pulumi-marin-social");
// The native invoke as any SDK language calls it (the generated Node.js SDK needs a newer
// @pulumi/pulumi than Node 20's: test/e2e/native-sdk.test.ts covers it on Node 22 and 24).
const nativeGetAccounts = (args) => pulumi.runtime.invoke("marin-social:index:getAccounts", args);
const person = new pulumi.Config().require("person");
const ids = (r) => r.accounts.map((a) => a.accountId);
exports.dynamicIds = getAccountsOutput({ authorizedBy: person }).apply(ids);
exports.nativeIds = pulumi.output(nativeGetAccounts({ authorizedBy: person })).apply(ids);
exports.dynamicRevoked = getAccounts({ authorizedBy: person, valid: false }).then((r) => r.accounts);
exports.nativeWest = nativeGetAccounts({ authorizedBy: person, agency: "ag-west" }).then(ids);
`;

let sb: TestSandbox;
let s: NativeStack | undefined;

beforeEach(async () => {
  sb = await testSandbox();
});
afterEach(async () => {
  await s?.cleanup();
  s = undefined;
  await sb?.close();
});

/** A project in a temporary folder with `files`, the plugin found in bin/ and this package linked. */
function project(name: string, files: Record<string, string>): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-get-accounts-")), name);
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  symlinkSync(ROOT, path.join(dir, "node_modules", "pulumi-marin-social"), "dir");
  symlinkSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  return dir;
}

const plugins = `plugins:\n  providers:\n    - name: marin-social\n      path: ${JSON.stringify(path.join(ROOT, "bin"))}\n`;

describeWithPulumi("getAccounts from programs with the real pulumi CLI", () => {
  // A bad filter is refused before anything is sent (test/integration/get-accounts.test.ts and
  // test/plugin/resource.test.ts): through the CLI on Node 20 an unhandled rejection in a program
  // takes the SDK about two minutes to end the run, so it is not repeated here.
  it("the dynamic helper and the native invoke list the same person's accounts, by email", async () => {
    const dir = project("people-program", {
      "Pulumi.yaml": `name: people-program\nruntime: nodejs\nmain: index.js\n${plugins}`,
      "package.json": JSON.stringify({ name: "people-program", private: true }),
      "index.js": PROGRAM,
    });
    s = await nativeStack(
      dir,
      { "marin-social:apiUrl": sb.url, "people-program:person": "JANE@agency.example" },
      { "marin-social:apiKey": sb.sandbox.keys.admin },
    );
    const up = await s.stack.up();
    expect(up.outputs.dynamicIds?.value).toEqual(JANE);
    expect(up.outputs.nativeIds?.value).toEqual(JANE);
    expect(up.outputs.nativeWest?.value).toEqual(["tw-2004"]);
    expect(up.outputs.dynamicRevoked?.value).toEqual([
      expect.objectContaining({
        accountId: "fb-1007",
        valid: false,
        revokedOutsidePulumi: true,
        linkedAgencies: [{ id: "ag-south", name: "South Agency" }],
        authorizedBy: { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" },
        authorizedAt: "2025-02-10T13:00:00.000Z",
      }),
    ]);
  }, 180_000);

  it("Pulumi YAML: fn::invoke getAccounts with filters, by the person's id", async () => {
    const dir = project("people-yaml", {
      "Pulumi.yaml": `name: people-yaml
runtime: yaml
${plugins}
variables:
  janes:
    fn::invoke:
      function: marin-social:index:getAccounts
      arguments:
        authorizedBy: u-7001
  janesValidOnTwitter:
    fn::invoke:
      function: marin-social:index:getAccounts
      arguments:
        authorizedBy: u-7001
        publisher: twitter
        valid: true
outputs:
  janes: \${janes.accounts}
  twitter: \${janesValidOnTwitter.accounts}
`,
    });
    s = await nativeStack(dir, { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": sb.sandbox.keys.admin });
    const up = await s.stack.up();
    const janes = (up.outputs.janes?.value ?? []) as Array<{ accountId: string; linkedAgencies: unknown[]; authorizedBy: { email: string } }>;
    expect(janes.map((a) => a.accountId)).toEqual(JANE);
    expect(janes.every((a) => a.authorizedBy.email === "jane@agency.example" && Array.isArray(a.linkedAgencies))).toBe(true);
    expect((up.outputs.twitter?.value as Array<{ accountId: string }> | undefined)?.map((a) => a.accountId)).toEqual(["tw-2001", "tw-2004"]);
  }, 180_000);
});
