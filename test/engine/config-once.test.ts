/**
 * Through the engine path (the SDK's runner and dynamic-provider host): a bad configuration (a
 * bad URL, plain http to a remote host) fails the program once, with one error, exit code 32 and
 * nothing registered, however many tokens it declares.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyExample } from "../support/example-copy";
import { preview, type StackSpec } from "./index";

const ROOT = path.resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

let tmp: string;
let spec: StackSpec;
const dirs: string[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "marin-config-"));
  // No sandbox: nothing may be sent anywhere.
  spec = { programDir: ROOT, project: "marin-social", stack: "dev", secretConfig: { "marin-social:apiKey": "sandbox-admin" }, statePath: path.join(tmp, "state.json") };
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const d of dirs) rmSync(path.dirname(d), { recursive: true, force: true });
});

/** A TypeScript program declaring 50 tokens. */
const PROGRAM = `import { PublisherToken } from "pulumi-marin-social";
for (let i = 0; i < 50; i++) new PublisherToken(\`t-\${i}\`, { accountId: \`fb-\${1000 + i}\`, valid: false });
`;

describe("a bad configuration fails the program once", () => {
  const cases: Array<[string, Partial<StackSpec>, RegExp]> = [
    ["plain http to a remote host", { config: { "marin-social:apiUrl": "http://10.1.2.3:8787" } }, /^Refusing to send the Marin Social API key over plain HTTP to 10\.1\.2\.3/],
    ["a URL that is not one", { config: { "marin-social:apiUrl": "api.marin.example/v1" } }, /the API URL "api\.marin\.example\/v1" \(config marin-social:apiUrl\) is not a valid URL/],
    ["plain http to a *.localhost name", { config: { "marin-social:apiUrl": "http://sandbox.localhost:8787" } }, /plain HTTP to sandbox\.localhost/],
    ["no API key", { secretConfig: {}, env: { MARIN_SOCIAL_API_KEY: "" } }, /no API key is set.*pulumi config set --secret marin-social:apiKey/],
  ];

  it.each(cases)("a TypeScript program with 50 tokens and %s: one error, exit code 32, no token registered", async (_name, change, message) => {
    const dir = copyExample("typescript-stack");
    dirs.push(dir);
    writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    const p = await preview({ ...spec, programDir: dir, project: "marin-social-typescript-stack", statePath: path.join(dir, ".state.json"), ...change });
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatch(message);
    expect(p.errors[0]).not.toMatch(/\n\s+at /);
    expect(p.programExitCode).toBe(32);
    expect(p.registered.filter((r) => r.type === TYPE)).toEqual([]);
    expect(p.logs.filter((l) => l.severity === "error")).toHaveLength(1);
  });

  it("declared stack with an http URL to a remote host: one error, exit code 32, nothing registered", async () => {
    const p = await preview({ ...spec, config: { "marin-social:apiUrl": "http://api.marin.example" } });
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatch(/Refusing to send the Marin Social API key over plain HTTP to api\.marin\.example/);
    expect(p.programExitCode).toBe(32);
    expect(p.registered.filter((r) => r.type === TYPE)).toEqual([]);
  });
});
