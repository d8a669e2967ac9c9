/**
 * Through the real Pulumi engine: a bad configuration (a bad URL, plain http to a remote host, no
 * API key) fails the program once, with one error, exit code 32 (the language host bails: no
 * "program exited with non-zero exit code") and nothing registered, however many tokens it
 * declares. No sandbox: nothing may be sent anywhere.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { copyExample, TRANSPILE_ONLY } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { runOp, TOKEN_TYPE } from "../support/stack-run";

const T = 300_000;
/** A TypeScript program declaring 50 tokens. */
const PROGRAM = `import { PublisherToken } from "pulumi-marin-social";
for (let i = 0; i < 50; i++) new PublisherToken(\`t-\${i}\`, { accountId: \`fb-\${1000 + i}\`, valid: false });
`;

let ts: PulumiTestStack;
let repo: PulumiTestStack;

/** Previews with `config` (a value of undefined removes the key) and expects one error matching `message`, and nothing registered. */
async function expectFailsOnce(s: PulumiTestStack, config: Record<string, string | undefined>, message: RegExp): Promise<void> {
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) await s.stack.removeConfig(key);
    else await s.stack.setConfig(key, { value });
  }
  const p = await runOp(s.stack, "preview");
  expect(p.exitCode).toBe(1);
  expect(p.errors).toHaveLength(1);
  expect(p.errors[0]).toMatch(message);
  expect(p.errors[0]).not.toMatch(/\n\s+at /);
  expect(p.message).not.toContain("exited with non-zero exit code");
  expect(p.steps.filter((x) => x.type === TOKEN_TYPE)).toEqual([]);
}

describeWithPulumi("a bad configuration fails the program once, through the real engine", () => {
  beforeAll(async () => {
    const dir = copyExample("typescript-stack");
    writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    // MARIN_SOCIAL_API_KEY empty: the key can only come from config.
    const env = { MARIN_SOCIAL_API_KEY: "" };
    // What fails here is the configuration, not the types.
    ts = await pulumiStack({ workDir: dir, secretConfig: { "marin-social:apiKey": "sandbox-admin" }, env: { ...env, ...TRANSPILE_ONLY } });
    // The declared stack's one case, http to a remote host, set with the stack.
    repo = await pulumiStack({
      workDir: repoProgramCopy(),
      config: { "marin-social:apiUrl": "http://api.marin.example" },
      secretConfig: { "marin-social:apiKey": "sandbox-admin" },
      env,
    });
  }, T);
  afterAll(async () => {
    for (const s of [ts, repo]) {
      if (!s) continue;
      await s.cleanup();
      rmSync(path.dirname(s.stack.workspace.workDir), { recursive: true, force: true });
    }
  }, T);

  it(
    "a TypeScript program with 50 tokens and plain http to a remote host: one error, nothing registered",
    async () => {
      await expectFailsOnce(ts, { "marin-social:apiUrl": "http://10.1.2.3:8787" }, /^Refusing to send the Marin Social API key over plain HTTP to 10\.1\.2\.3/);
    },
    T,
  );

  it(
    "a TypeScript program with 50 tokens and a URL that is not one: one error, nothing registered",
    async () => {
      await expectFailsOnce(
        ts,
        { "marin-social:apiUrl": "api.marin.example/v1" },
        /the API URL "api\.marin\.example\/v1" \(config marin-social:apiUrl\) is not a valid URL/,
      );
    },
    T,
  );

  it(
    "a TypeScript program with 50 tokens and plain http to a *.localhost name: one error, nothing registered",
    async () => {
      await expectFailsOnce(ts, { "marin-social:apiUrl": "http://sandbox.localhost:8787" }, /plain HTTP to sandbox\.localhost/);
    },
    T,
  );

  it(
    "a TypeScript program with 50 tokens and no API key: one error, nothing registered",
    async () => {
      await expectFailsOnce(
        ts,
        { "marin-social:apiUrl": "http://127.0.0.1:9", "marin-social:apiKey": undefined },
        /no API key is set.*pulumi config set --secret marin-social:apiKey/,
      );
    },
    T,
  );

  it(
    "the declared stack with an http URL to a remote host: one error, nothing registered",
    async () => {
      await expectFailsOnce(repo, {}, /Refusing to send the Marin Social API key over plain HTTP to api\.marin\.example/);
    },
    T,
  );
});
