/**
 * The native TypeScript SDK (`pulumi-marin-social/native`) through the real CLI and its Node.js
 * language host: a native PublisherToken beside a dynamic one in the same program (no clash), and
 * getAccountOutput. The program is JavaScript, so no compiler is involved.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { describeWithPulumi, type NativeStack, nativeStack, ROOT } from "./native-support";

const PROGRAM = `
const { PublisherToken } = require("pulumi-marin-social");
const native = require("pulumi-marin-social/native");
const acme = new native.PublisherToken("acme", { accountId: "fb-1001", valid: false, reason: "offboarding" });
new PublisherToken("blue", { accountId: "fb-1002", valid: true });
exports.cutOff = acme.unlinkedAgencies.apply((a) => a.map((x) => x.id));
exports.twitterValid = native.getAccountOutput({ accountId: "tw-2001" }).valid;
exports.fingerprintIsSecret = acme.tokenFingerprint.isSecret;
`;

let sb: TestSandbox;
let s: NativeStack | undefined;

beforeAll(async () => {
  sb = await testSandbox();
});
afterAll(async () => {
  await s?.cleanup();
  await sb?.close();
});

function project(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-native-sdk-")), "sdk-stack");
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: native-sdk\nruntime: nodejs\nmain: index.js\nplugins:\n  providers:\n    - name: marin-social\n      path: ${JSON.stringify(path.join(ROOT, "bin"))}\n`,
  );
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "native-sdk", private: true, dependencies: { "pulumi-marin-social": `file:${ROOT}` } }));
  writeFileSync(path.join(dir, "index.js"), PROGRAM);
  symlinkSync(ROOT, path.join(dir, "node_modules", "pulumi-marin-social"), "dir");
  symlinkSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  return dir;
}

describeWithPulumi("the native TypeScript SDK with the real pulumi CLI", () => {
  it("a native and a dynamic PublisherToken live in one program; getAccount works; the fingerprint is secret", async () => {
    s = await nativeStack(project(), { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": sb.sandbox.keys.admin });
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 3 }); // the stack and the two tokens (default providers are not counted)
    expect(up.outputs.cutOff!.value).toEqual(["ag-east", "ag-north", "ag-south"]);
    expect(up.outputs.twitterValid!.value).toBe(true);
    expect(up.outputs.fingerprintIsSecret!.value).toBe(true);
    const types = JSON.parse(s.checkpoint()).checkpoint.latest.resources.map((r: { type: string }) => r.type);
    expect(types).toEqual(expect.arrayContaining(["marin-social:index:PublisherToken", "pulumi-nodejs:dynamic/marin-social:PublisherToken"]));
    expect((await s.stack.preview()).changeSummary).toEqual({ same: 3 });
  }, 180_000);
});
