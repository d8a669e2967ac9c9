/**
 * Secrets, through the real Pulumi engine with the passphrase secrets provider: runs up, a preview
 * with --refresh that both cuts a token off and refuses another, a wrong key (up, and refresh with
 * verbose logs), a 403, the environment-variable path and an insecure URL with distinctive API
 * keys, and finds the keys in nothing they produce: the CLI's stdout and stderr, every engine
 * event, the stack outputs, `pulumi stack export`, the stack's config file (Pulumi.<stack>.yaml),
 * every file of the file backend (the checkpoint, the history of every update and the backups)
 * and of PULUMI_HOME, and the CLI's verbose logs with the plugins' logs flowed in (`-v=9
 * --logflow --logtostderr`). Also: 401 and 403 are never retried, and plain http:// to a
 * non-loopback host is refused before any connection.
 *
 * Two stacks carry it all, one operation per scenario: `main` (the key as secret config) runs every
 * operation in turn, and what it keeps is scanned once at the end, when the backend holds the
 * checkpoint of each of them; `env` (the key from the environment, scoped to one agency) runs one up.
 */

import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarinSocialClient, type RequestEvent } from "../../provider/client";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { TokenLifecycle } from "../../provider/token/lifecycle";
import { checkpointText, describeWithPulumi, type PulumiTestStack, pulumiCli } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { type ExportedResource, type Op, type OpRun, type RunOpOptions, runOp, TOKEN_TYPE } from "../support/stack-run";
import { type Declared, OPERATION_GUARD_MS, ROUTES, repoStack, routeCounts } from "./support";

/** The random part every key of this file shares: finding it anywhere is a leak. */
const NEEDLE = randomBytes(12).toString("hex");
const KEY = `msk-DISTINCTIVE-${NEEDLE}`;
const SCOPED_KEY = `msk-DISTINCTIVE-${NEEDLE}-north`;
const WRONG_KEY = `msk-DISTINCTIVE-${NEEDLE}-wrong`;
/** Each test runs a few operations. */
const T = 3 * OPERATION_GUARD_MS;

let sb: TestSandbox;
const stacks: PulumiTestStack[] = [];
/** Everything scanned, by label (kept to show, at the end, that the scan covered every channel). */
const scanned = new Map<string, number>();

/** Asserts the key's random part is absent from `value` (a string, or anything JSON/inspect renders). */
function expectNoKey(label: string, value: unknown): void {
  const text = typeof value === "string" ? value : `${JSON.stringify(value)}\n${inspect(value, { depth: 12 })}`;
  scanned.set(label, (scanned.get(label) ?? 0) + text.length);
  if (text.includes(NEEDLE)) {
    const at = text.indexOf(NEEDLE);
    throw new Error(`${label} contains the API key: …${text.slice(Math.max(0, at - 160), at + NEEDLE.length + 40)}…`);
  }
}

/** Runs `op` and scans what the CLI printed and every engine event. */
async function scannedOp(label: string, s: PulumiTestStack, op: Op, o: RunOpOptions = {}): Promise<OpRun> {
  const r = await runOp(s.stack, op, o);
  expectNoKey(`${label}: stdout`, r.stdout);
  expectNoKey(`${label}: stderr`, r.stderr);
  expectNoKey(`${label}: error message`, r.message);
  expectNoKey(`${label}: engine events`, r.events);
  return r;
}

/** Every file under `dir`, as text. */
function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push([p, readFileSync(p, "latin1")]);
  }
  return out;
}

/**
 * Scans what the stack keeps: outputs, `pulumi stack export`, its config file, the backend's and
 * PULUMI_HOME's files (the backend's history holds the checkpoint of every operation run so far).
 * Returns the exported resources.
 */
async function scanStored(label: string, s: PulumiTestStack): Promise<ExportedResource[]> {
  expectNoKey(`${label}: stack outputs`, await s.stack.outputs());
  const exported = await pulumiCli(s, ["stack", "export"]);
  expect(exported.code, exported.stderr).toBe(0);
  expectNoKey(`${label}: pulumi stack export`, exported.stdout);
  const config = path.join(s.stack.workspace.workDir, `Pulumi.${s.stack.name}.yaml`);
  expectNoKey(`${label}: Pulumi.${s.stack.name}.yaml`, readFileSync(config, "utf8"));
  const backend = filesUnder(s.cli.backendDir);
  for (const [file, text] of backend) expectNoKey(`${label}: backend file ${path.relative(s.cli.backendDir, file)}`, text);
  for (const [file, text] of filesUnder(s.cli.home)) expectNoKey(`${label}: PULUMI_HOME file ${path.relative(s.cli.home, file)}`, text);
  scanned.set(`${label}: backend files`, backend.length);
  return (JSON.parse(exported.stdout) as { deployment: { resources?: ExportedResource[] } }).deployment.resources ?? [];
}

async function stack(
  name: string,
  tokens: Declared[],
  o: { key?: string; env?: Record<string, string>; config?: Record<string, string> } = {},
): Promise<PulumiTestStack> {
  const s = await repoStack({
    apiUrl: sb.url,
    stackName: name,
    tokens,
    ...(o.env ? { env: o.env } : { apiKey: o.key ?? KEY }),
    ...(o.config ? { config: o.config } : {}),
  });
  stacks.push(s);
  return s;
}

beforeAll(async () => {
  sb = await testSandbox({
    extraKeys: [
      { key: KEY, scope: "admin" },
      { key: SCOPED_KEY, scope: { agency: "ag-north" } },
    ],
  });
});
afterAll(async () => {
  await sb?.close();
});

describeWithPulumi("a distinctive API key appears in nothing the real engine produces", () => {
  const mainTokens: Declared[] = [
    { accountId: "fb-1001", valid: false, reason: "offboarding" },
    { accountId: "tw-2001", valid: false },
    { accountId: "fb-1002", valid: true },
  ];
  let main: PulumiTestStack;

  afterAll(async () => {
    for (const s of stacks) await s.cleanup();
  }, T);

  it(
    "up with the key as secret config: the tokens are cut off, and the state holds the key only encrypted",
    async () => {
      main = await stack("main", mainTokens);
      const u = await scannedOp("up", main, "up");
      expect(u.exitCode, u.message).toBe(0);
      expect((await sb.admin.getAccount("fb-1001")).token.valid, "fb-1001 cut off").toBe(false);
      // The key is in the state only encrypted: the default provider's inputs hold the stack config.
      const provider = (JSON.parse(checkpointText(main)).checkpoint.latest.resources as Array<{ type: string; inputs: Record<string, unknown> }>).find(
        (r) => r.type === "pulumi:providers:pulumi-nodejs",
      )!;
      expect(provider.inputs["marin-social:apiKey"]).toMatchObject({ ciphertext: expect.any(String) });
    },
    T,
  );

  it(
    "preview --refresh: reads both tokens changed by hand, cuts the re-authorized one off again (a warning) and refuses the one revoked and declared valid (an error)",
    async () => {
      // Jane grants Acme Coffee again at the publisher; mallory revokes Blue Harbor Bakery by hand.
      await sb.admin.sandbox.reauthorizeAtPublisher("fb-1001", { authorizedBy: DEMO_PEOPLE.jane });
      await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
      // --refresh: the provider's reads run here too, so their results are in the events scanned.
      const p = await scannedOp("preview", main, "preview", { refresh: true });
      expect(p.exitCode, p.message).toBe(0); // the refusal is an error diagnostic; the preview goes on
      expect(
        p.diagnostics.some((d) => d.severity === "warning" && d.message.includes("Acme Coffee")),
        `a warning naming Acme Coffee (fb-1001) in ${JSON.stringify(p.diagnostics)}`,
      ).toBe(true);
      expect(p.errors.join("\n")).toMatch(/fb-1002.*revoked by mallory@agency\.example/s);
      const read = p.events.filter((e) => e.resourcePreEvent?.metadata.op === "refresh").map((e) => e.resourcePreEvent!.metadata.urn.split("::").pop());
      expect(read.sort(), "the refresh steps").toEqual(expect.arrayContaining(["fb-1001", "fb-1002", "tw-2001"]));
    },
    T,
  );

  it(
    "a wrong key: the program's lookup and the provider's reads (refresh with verbose logs) each get one 401, never retried",
    async () => {
      await main.stack.setConfig("marin-social:apiKey", { value: WRONG_KEY, secret: true });
      // up: the program's lookups coalesce into one batched GET, answered 401 and not retried.
      await sb.admin.sandbox.resetStats();
      const u = await scannedOp("wrong-key up", main, "up");
      expect(u.exitCode).not.toBe(0);
      expect(u.errors.join("\n")).toMatch(/401|not recognised|unauthori[sz]ed/i);
      expect(await sb.admin.sandbox.stats()).toMatchObject({ total: 1, byStatus: { "401": 1 } });
      // That up stored the wrong key in the provider's configuration; refresh reads with it.
      await sb.admin.sandbox.resetStats();
      // With verbose logs of the CLI and the plugins: the engine's own lines and the gRPC traffic with them.
      const r = await scannedOp("wrong-key refresh", main, "refresh", { logVerbosity: 9, logFlow: true, logToStdErr: true, debug: true });
      expect(r.exitCode).not.toBe(0);
      expect(r.errors.join("\n")).toMatch(/401|not recognised|unauthori[sz]ed/i);
      expect(r.stderr).toMatch(/Read/);
      scanned.set("wrong-key refresh: verbose logs", r.stderr.length);
      const stats = await sb.admin.sandbox.stats();
      expect(stats.byStatus).toEqual({ "401": stats.total });
      expect(stats.total).toBeLessThanOrEqual(mainTokens.length); // at most one per token, whatever the batching: no retry
    },
    T,
  );

  it(
    "plain http:// to a non-loopback host is refused, naming allowInsecureHttp, without a connection",
    async () => {
      await main.stack.setConfig("marin-social:apiUrl", { value: "http://10.1.2.3" });
      const p = await scannedOp("insecure preview", main, "preview");
      expect(p.exitCode).not.toBe(0);
      const text = p.errors.join("\n");
      expect(text).toMatch(/allowInsecureHttp/);
      expect(text).toMatch(/10\.1\.2\.3/);
      // Refused up front, not after trying: no connection error, no timeout.
      expect(text).not.toMatch(/ECONN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed out|Could not talk/i);
    },
    T,
  );

  it(
    "what the stack keeps after all of it (every operation's checkpoint in the backend's history): no key, the serialized provider a keyless shim",
    async () => {
      const resources = await scanStored("main", main);
      const tokens = resources.filter((r) => r.type === TOKEN_TYPE);
      expect(tokens.map((t) => t.urn.split("::").pop()).sort()).toEqual(["fb-1001", "fb-1002", "tw-2001"]);
      for (const t of tokens) {
        expectNoKey(`__provider of ${t.urn}`, t.inputs!.__provider);
        expect(Buffer.byteLength(t.inputs!.__provider as string), `__provider of ${t.urn}`).toBeLessThan(2048);
      }
      // One checkpoint per operation that wrote state (the up, the wrong-key up and refresh), each scanned.
      const history = [...scanned.keys()].filter((l) => /^main: backend file \.pulumi\/history\/.*\.checkpoint\.json$/.test(l));
      expect(history.length, [...scanned.keys()].filter((l) => l.startsWith("main: backend file")).join("\n")).toBeGreaterThanOrEqual(3);
      // The scan finds the key where it is meant to be: decrypted by `pulumi stack export --show-secrets`.
      const shown = await pulumiCli(main, ["stack", "export", "--show-secrets"]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(() => expectNoKey("control", shown.stdout)).toThrow(/contains the API key/);
      scanned.delete("control");
    },
    T,
  );

  it(
    "the key from MARIN_SOCIAL_API_KEY instead of config, scoped to one agency: it cuts off a token of that agency; a 403 on another is sent once, not retried",
    async () => {
      // tw-2006 is linked to ag-north only; tw-2004 to ag-north, ag-south and ag-west. The key writes on ag-north only.
      const viaEnv = await stack(
        "env",
        [
          { accountId: "tw-2006", valid: false },
          { accountId: "tw-2004", valid: false },
        ],
        { env: { MARIN_SOCIAL_API_KEY: SCOPED_KEY } },
      );
      await sb.admin.sandbox.resetStats();
      // --continue-on-error: the 403 of one token does not decide whether the other's step starts.
      const u = await scannedOp("env up", viaEnv, "up", { continueOnError: true });
      expect(u.exitCode, "tw-2004's invalidation is refused").not.toBe(0);
      expect(u.errors.join("\n")).toMatch(/403|forbidden|lacks/i);
      expect(u.errors.join("\n")).toMatch(/ag-south/);
      expect(routeCounts(await sb.admin.sandbox.stats(), ROUTES.invalidate), "one invalidation each: tw-2006 200, tw-2004 403").toEqual({
        "200": 1,
        "403": 1,
      });
      expect((await sb.admin.getAccount("tw-2006")).token, "tw-2006 cut off with the key from the environment").toMatchObject({
        valid: false,
        invalidatedBy: "pulumi:marin-social/env",
      });
      expect((await sb.admin.getAccount("tw-2004")).token.valid, "tw-2004 refused").toBe(true);
      await scanStored("env", viaEnv);
    },
    T,
  );

  it("scanned every channel: stdout, stderr, events, outputs, stack export, config file, backend and PULUMI_HOME files, verbose logs", () => {
    const labels = [...scanned.keys()];
    for (const kind of ["stdout", "stderr", "engine events", "stack outputs", "pulumi stack export", "Pulumi.main.yaml", "Pulumi.env.yaml", "verbose logs"]) {
      expect(labels.filter((l) => l.endsWith(`: ${kind}`)).length, kind).toBeGreaterThan(0);
    }
    for (const op of ["up", "preview", "wrong-key up", "wrong-key refresh", "insecure preview", "env up"]) {
      expect(scanned.has(`${op}: engine events`), `${op} scanned`).toBe(true);
    }
    expect(
      labels.some((l) => /: backend file \.pulumi\/stacks\/marin-social\/main\.json$/.test(l)),
      "the checkpoint",
    ).toBe(true);
    expect(
      labels.some((l) => /: backend file \.pulumi\/history\//.test(l)),
      "the update history",
    ).toBe(true);
    expect(scanned.get("wrong-key refresh: verbose logs") ?? 0).toBeGreaterThan(10_000);
    expect(scanned.get("up: engine events") ?? 0).toBeGreaterThan(1000);
  });
});

describe("401 and 403 are never retried; the client refuses insecure transport at construction", () => {
  const actor = "pulumi:marin-social/direct";

  function counted(apiKey: string): { client: MarinSocialClient; events: RequestEvent[] } {
    const events: RequestEvent[] = [];
    // Fast retries: a retry, if there were one, would happen well within the call.
    const client = new MarinSocialClient({ baseUrl: sb.url, apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5 }, onRequest: (e) => events.push(e) });
    return { client, events };
  }

  it("401: one request, one attempt, and the error holds no key", async () => {
    const { client, events } = counted(WRONG_KEY);
    try {
      await sb.admin.sandbox.resetStats();
      const err = await new TokenLifecycle(() => client).create({ accountId: "fb-1003", valid: false, actor }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "unauthorized", status: 401 });
      expect(events).toEqual([expect.objectContaining({ status: 401, attempt: 1 })]);
      expect(await sb.admin.sandbox.stats()).toMatchObject({ total: 1, byStatus: { "401": 1 } });
      expectNoKey("401 error", err);
      expectNoKey("401 error stack", (err as Error).stack ?? "");
      expectNoKey("401 events", events);
      expect((await sb.admin.getAccount("fb-1003")).token.valid).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("403: the invalidation is sent once, and the error names what the key lacks, not the key", async () => {
    const { client, events } = counted(SCOPED_KEY);
    try {
      await sb.admin.sandbox.resetStats();
      // fb-1005 is linked to ag-north and ag-west; the key writes on ag-north only.
      const err = await new TokenLifecycle(() => client).create({ accountId: "fb-1005", valid: false, actor }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "forbidden", status: 403 });
      expect(String((err as Error).message)).toMatch(/ag-west/);
      const posts = events.filter((e) => e.method === "POST");
      expect(posts).toEqual([expect.objectContaining({ status: 403, attempt: 1 })]);
      expect(events.every((e) => e.attempt === 1)).toBe(true);
      expect(routeCounts(await sb.admin.sandbox.stats(), ROUTES.invalidate)).toEqual({ "403": 1 });
      expectNoKey("403 error", err);
      expectNoKey("403 error stack", (err as Error).stack ?? "");
      expect((await sb.admin.getAccount("fb-1005")).token.valid).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("http:// to 10.1.2.3 throws insecure-transport from the constructor; nothing is sent", () => {
    const events: RequestEvent[] = [];
    let err: unknown;
    try {
      new MarinSocialClient({ baseUrl: "http://10.1.2.3", apiKey: KEY, onRequest: (e) => events.push(e) });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "insecure-transport" });
    expect(String((err as Error).message)).toMatch(/allowInsecureHttp/);
    expect(events).toEqual([]);
    expectNoKey("insecure-transport error", err);
    // The opt-in is honoured (construction only: no request is made).
    expect(() => new MarinSocialClient({ baseUrl: "http://10.1.2.3", apiKey: KEY, allowInsecureHttp: true }).close()).not.toThrow();
  });
});
