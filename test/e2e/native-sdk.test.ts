/**
 * The generated Node.js SDK (sdk/nodejs, npm `@marin-social/pulumi-marin-social`) through the
 * real CLI and its Node.js language host: built as it is published (its own tsc, into bin/), a
 * native PublisherToken beside a dynamic one in the same program (no clash), and
 * getAccountOutput. The program is JavaScript, so no compiler is involved in running it; the
 * README's and docs' TypeScript samples on the SDK typecheck against the built SDK.
 * Skipped, saying why, where the project's @pulumi/pulumi is older than the SDK needs.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildNodeSdk, NODE_SDK_NAME, NODE_SDK_SKIP } from "../support/node-sdk";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { describeWithPulumi, type NativeStack, nativeStack, ROOT } from "./native-support";

const PROGRAM = `
const { PublisherToken } = require("pulumi-marin-social");
const native = require("${NODE_SDK_NAME}");
const acme = new native.PublisherToken("acme", { accountId: "fb-1001", valid: false, reason: "offboarding" });
new PublisherToken("blue", { accountId: "fb-1002", valid: true });
exports.cutOff = acme.unlinkedAgencies.apply((a) => a.map((x) => x.id));
exports.twitterValid = native.getAccountOutput({ accountId: "tw-2001" }).valid;
exports.fingerprintIsSecret = acme.tokenFingerprint.isSecret;
`;

let sb: TestSandbox | undefined;
let s: NativeStack | undefined;
let dir: string;

afterAll(async () => {
  await s?.cleanup();
  await sb?.close();
});

function project(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-native-sdk-")), "sdk-stack");
  const sdk = buildNodeSdk(path.join(path.dirname(dir), "sdk-nodejs"));
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  mkdirSync(path.join(dir, "node_modules", path.dirname(NODE_SDK_NAME)), { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: native-sdk\nruntime: nodejs\nmain: index.js\nplugins:\n  providers:\n    - name: marin-social\n      path: ${JSON.stringify(path.join(ROOT, "bin"))}\n`,
  );
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "native-sdk", private: true }));
  writeFileSync(path.join(dir, "index.js"), PROGRAM);
  symlinkSync(ROOT, path.join(dir, "node_modules", "pulumi-marin-social"), "dir");
  symlinkSync(sdk, path.join(dir, "node_modules", NODE_SDK_NAME), "dir");
  symlinkSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  mkdirSync(path.join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules", "@types", "node"), path.join(dir, "node_modules", "@types", "node"), "dir");
  return dir;
}

const suite = NODE_SDK_SKIP ? (title: string, fn: () => void) => describe.skip(`${title} (skipped: ${NODE_SDK_SKIP})`, fn) : describeWithPulumi;

suite("the generated Node.js SDK with the real pulumi CLI", () => {
  beforeAll(async () => {
    dir = project();
    sb = await testSandbox();
  }, 120_000);

  it("the TypeScript samples of the README and docs/ on the generated SDK typecheck against it", () => {
    const docs = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
    const samples = docs.flatMap((f) =>
      [...readFileSync(path.join(ROOT, f), "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
        .map((m) => m[1]!)
        .filter((text) => text.includes(`from "${NODE_SDK_NAME}"`)),
    );
    expect(samples.length).toBeGreaterThanOrEqual(2); // README.md, docs/native-provider.md
    const files = samples.map((text, i) => {
      writeFileSync(path.join(dir, `sample-${i}.ts`), text);
      return `sample-${i}.ts`;
    });
    const tsc = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--module", "nodenext", "--types", "node", ...files],
      { cwd: dir, encoding: "utf8" },
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("a native and a dynamic PublisherToken live in one program; getAccount works; the fingerprint is secret", async () => {
    s = await nativeStack(dir, { "marin-social:apiUrl": sb!.url }, { "marin-social:apiKey": sb!.sandbox.keys.admin });
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
