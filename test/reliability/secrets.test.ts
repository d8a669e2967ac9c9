/**
 * Secrets: runs preview, up, refresh, a failing preview, a wrong-key run, a 403 run, an env-key run
 * and an insecure-URL run through the engine-protocol path with distinctive API keys, collects
 * everything they produce (state file, raw and as a backend would hold it, `__provider`, logs,
 * stdout/stderr of the program and the provider host, error messages, stack outputs) and finds
 * the keys nowhere. Also: 401 and 403 are never retried, and plain http:// to a non-loopback host
 * is refused before any connection.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarinSocialClient, type RequestEvent } from "../../provider/client";
import { TokenLifecycle } from "../../provider/resource/lifecycle";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { formatDiagnostics, preview, readState, refresh, stateText, up, type RunResult, type StackSpec } from "../engine";
import { OPERATION_GUARD_MS, repoStack, routeCounts, ROUTES, TOKEN_TYPE, writeDeclarations, type Declared } from "./support";

/** The random part every key of this file shares: finding it anywhere is a leak. */
const NEEDLE = randomBytes(12).toString("hex");
const KEY = `msk-DISTINCTIVE-${NEEDLE}`;
const SCOPED_KEY = `msk-DISTINCTIVE-${NEEDLE}-north`;
const WRONG_KEY = `msk-DISTINCTIVE-${NEEDLE}-wrong`;

let sb: TestSandbox;
let tmp: string;
/** Everything scanned, by label (kept to show, at the end, that the scan covered every channel). */
const scanned = new Map<string, number>();

/** Asserts the key's random part is absent from `value` (a string, or anything JSON/inspect renders). */
function expectNoKey(label: string, value: unknown): void {
  const text = typeof value === "string" ? value : `${JSON.stringify(value)}\n${inspect(value, { depth: 10, showHidden: true })}`;
  scanned.set(label, (scanned.get(label) ?? 0) + text.length);
  if (text.includes(NEEDLE)) {
    const at = text.indexOf(NEEDLE);
    throw new Error(`${label} contains the API key: …${text.slice(Math.max(0, at - 120), at + NEEDLE.length + 40)}…`);
  }
}

/** Scans every channel of one harness run: the whole result, the diagnostics, and the state file raw and as stored. */
function scanRun(label: string, r: RunResult, statePath?: string): void {
  expectNoKey(`${label}: result`, r);
  expectNoKey(`${label}: program stdout`, r.stdout);
  expectNoKey(`${label}: program stderr`, r.stderr);
  expectNoKey(`${label}: provider host stderr`, r.providerHost?.stderr ?? "");
  expectNoKey(`${label}: logs`, r.logs.map((l) => l.message).join("\n"));
  expectNoKey(`${label}: errors`, r.errors.join("\n"));
  expectNoKey(`${label}: diagnostics`, formatDiagnostics(r));
  expectNoKey(`${label}: stack outputs`, r.stackOutputs);
  expectNoKey(`${label}: registrations`, r.registered);
  if (statePath && existsSync(statePath)) {
    expectNoKey(`${label}: raw state`, readFileSync(statePath, "utf8"));
    expectNoKey(`${label}: state as stored`, stateText(statePath));
    for (const res of readState(statePath).resources) {
      if (typeof res.inputs.__provider === "string") expectNoKey(`${label}: __provider`, res.inputs.__provider);
    }
  }
}

function stack(name: string, tokens: Declared[], o: { key?: string; env?: Record<string, string>; config?: Record<string, string>; statePath?: string } = {}): StackSpec {
  return repoStack({
    apiUrl: sb.url,
    stack: name,
    ...(o.env ? { env: o.env } : { apiKey: o.key ?? KEY }),
    declarations: writeDeclarations(path.join(tmp, `${name}.yaml`), tokens),
    statePath: o.statePath ?? path.join(tmp, `${name}-state.json`),
    ...(o.config ? { config: o.config } : {}),
  });
}

beforeAll(async () => {
  sb = await testSandbox({
    extraKeys: [
      { key: KEY, scope: "admin" },
      { key: SCOPED_KEY, scope: { agency: "ag-north" } },
    ],
  });
  tmp = mkdtempSync(path.join(tmpdir(), "marin-secrets-"));
});
afterAll(async () => {
  await sb?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("a distinctive API key appears in nothing a run produces", () => {
  const mainTokens: Declared[] = [
    { accountId: "fb-1001", valid: false, reason: "offboarding" },
    { accountId: "tw-2001", valid: false },
    { accountId: "fb-1002", valid: true },
  ];
  let main: StackSpec;

  it("the scan finds the key where it is meant to be (the spec's secret config)", () => {
    main = stack("main", mainTokens);
    expect(() => expectNoKey("control", main)).toThrow(/contains the API key/);
    scanned.delete("control");
  });

  it("preview, up and refresh with the key as secret config", { timeout: 3 * OPERATION_GUARD_MS }, async () => {
    const p = await preview(main);
    expect(p.errors).toEqual([]);
    expect(p.logs.some((l) => l.severity === "warning" && l.message.includes("Acme Coffee"))).toBe(true);
    scanRun("preview", p);

    const u = await up(main);
    expect(u.errors).toEqual([]);
    expect((await sb.admin.getAccount("fb-1001")).token.valid).toBe(false);
    scanRun("up", u, main.statePath);
    const state = readState(main.statePath);
    const provider = state.resources.find((r) => r.type === TOKEN_TYPE)?.inputs.__provider;
    expect(typeof provider).toBe("string");
    expect(Buffer.byteLength(provider as string)).toBeLessThan(2048);
    // The harness keeps secrets wrapped in the raw state; the key is config only and never written.
    expect(readFileSync(main.statePath, "utf8")).toContain("tokenFingerprint");

    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const r = await refresh(main);
    expect(r.errors).toEqual([]);
    expect(r.changes.map((c) => c.urn.split("::").pop())).toEqual(["fb-1002"]);
    scanRun("refresh", r, main.statePath);
  });

  it("a failing preview: a revoked token declared valid", async () => {
    const p = await preview(main);
    expect(p.exitCode).not.toBe(0);
    expect(p.errors.join("\n")).toMatch(/fb-1002.*revoked by mallory@agency\.example/s);
    scanRun("failing preview", p);
  });

  it("a wrong key: preview fails with 401 after one request, refresh fails in the provider", { timeout: 3 * OPERATION_GUARD_MS }, async () => {
    const wrong = stack("wrong", mainTokens, { key: WRONG_KEY });
    await sb.admin.sandbox.resetStats();
    const p = await preview(wrong);
    expect(p.exitCode).not.toBe(0);
    expect(p.errors.join("\n")).toMatch(/401|not recognised|unauthori[sz]ed/i);
    scanRun("wrong-key preview", p);
    // The program's lookups coalesce into one batched GET, answered 401 and not retried.
    const stats = await sb.admin.sandbox.stats();
    expect(stats).toMatchObject({ total: 1, byStatus: { "401": 1 } });

    // The provider's own read with the wrong key, on a copy of the main stack's state.
    const statePath = path.join(tmp, "wrong-refresh-state.json");
    copyFileSync(main.statePath, statePath);
    await sb.admin.sandbox.resetStats();
    const r = await refresh({ ...wrong, statePath });
    expect(r.exitCode).not.toBe(0);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors.join("\n")).toMatch(/401|not recognised|unauthori[sz]ed/i);
    scanRun("wrong-key refresh", r, statePath);
    const after = await sb.admin.sandbox.stats();
    expect(after.byStatus).toEqual({ "401": after.total });
    expect(after.total).toBeLessThanOrEqual(3); // at most one per token, whatever the batching: no retry
  });

  it("a 403 from a key scoped to one agency: the invalidation is refused once, not retried", async () => {
    // tw-2004 is linked to ag-north, ag-south and ag-west; the key writes on ag-north only.
    const scoped = stack("scoped", [{ accountId: "tw-2004", valid: false }], { key: SCOPED_KEY });
    await sb.admin.sandbox.resetStats();
    const u = await up(scoped);
    expect(u.exitCode).not.toBe(0);
    expect(u.errors.join("\n")).toMatch(/403|forbidden|lacks/i);
    expect(u.errors.join("\n")).toMatch(/ag-south/);
    scanRun("403 up", u, scoped.statePath);
    expect(routeCounts(await sb.admin.sandbox.stats(), ROUTES.invalidate)).toEqual({ "403": 1 });
    expect((await sb.admin.getAccount("tw-2004")).token.valid).toBe(true);
  });

  it("the key from MARIN_SOCIAL_API_KEY instead of config: preview and up", { timeout: 3 * OPERATION_GUARD_MS }, async () => {
    const viaEnv = stack("env", [{ accountId: "tw-2002", valid: false }], { env: { MARIN_SOCIAL_API_KEY: KEY } });
    expect(viaEnv.secretConfig).toEqual({});
    const p = await preview(viaEnv);
    expect(p.errors).toEqual([]);
    scanRun("env preview", p);
    const u = await up(viaEnv);
    expect(u.errors).toEqual([]);
    expect((await sb.admin.getAccount("tw-2002")).token).toMatchObject({ valid: false, invalidatedBy: "pulumi:marin-social/env" });
    scanRun("env up", u, viaEnv.statePath);
  });

  it("plain http:// to a non-loopback host is refused, naming allowInsecureHttp, without a connection", async () => {
    const insecure = stack("insecure", mainTokens, { config: { "marin-social:apiUrl": "http://10.1.2.3" } });
    expect(insecure.config!["marin-social:apiUrl"]).toBe("http://10.1.2.3");
    const p = await preview(insecure);
    expect(p.exitCode).not.toBe(0);
    const text = p.errors.join("\n");
    expect(text).toMatch(/allowInsecureHttp/);
    expect(text).toMatch(/10\.1\.2\.3/);
    // Refused up front, not after trying: no connection error, no timeout.
    expect(text).not.toMatch(/ECONN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed out|Could not talk/i);
    scanRun("insecure preview", p);
  });

  it("scanned every channel: result, logs, errors, diagnostics, outputs, stdout/stderr, state (raw and stored), __provider", () => {
    const labels = [...scanned.keys()];
    for (const kind of ["result", "logs", "errors", "diagnostics", "raw state", "state as stored", "__provider", "provider host stderr", "program stderr"]) {
      expect(labels.filter((l) => l.endsWith(`: ${kind}`)).length, kind).toBeGreaterThan(0);
    }
    expect(scanned.get("up: raw state") ?? 0).toBeGreaterThan(1000);
    expect(scanned.get("failing preview: errors") ?? 0).toBeGreaterThan(0);
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
