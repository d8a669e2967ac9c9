/**
 * Crashes in the middle of `up`, through the engine-protocol path:
 * (a) the dynamic-provider host is SIGKILLed after some invalidations, and a re-run converges
 *     without invalidating or unlinking anything twice;
 * (b) the sandbox (the CLI, on a file database) is SIGKILLed and restarted on the same database
 *     and port: every write acknowledged before the kill is still there, and a re-run converges.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { MarinSocialClient } from "../../provider/client";
import type { Account, AuditEntry } from "../../provider/core/types";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { isProcessAlive, readState, refresh, up, type RunResult } from "../engine";
import {
  auditFacts,
  forwardingProxy,
  freePort,
  invalidations,
  OPERATION_GUARD_MS,
  pollUntil,
  repoStack,
  routeCounts,
  ROUTES,
  startSandboxProcess,
  summarizeAudit,
  TOKEN_TYPE,
  upUntilConverged,
  writeDeclarations,
  type SandboxProcess,
} from "./support";

const ACTOR = "pulumi:marin-social/dev";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "marin-crash-"));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Agency ids per account, sorted. */
async function linksOf(admin: MarinSocialClient, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [id, a] of await admin.getAccounts(ids)) out.set(id, a.agencies.map((g) => g.id).sort());
  return out;
}

/** The converged end state: every token invalid by Pulumi, no link left, each original link cut once, one invalidation each. */
async function expectConverged(admin: MarinSocialClient, ids: string[], original: Map<string, string[]>): Promise<void> {
  const live = await admin.getAccounts(ids);
  expect(live.size).toBe(ids.length);
  const wrong = [...live.values()].filter((a) => a.token.valid || a.agencies.length > 0 || a.token.invalidatedBy !== ACTOR);
  expect(wrong.map((a) => a.id)).toEqual([]);
  const facts = await auditFacts(admin);
  expect(ids.filter((id) => facts.invalidations.get(id) !== 1).map((id) => `${id}: ${facts.invalidations.get(id) ?? 0}`)).toEqual([]);
  expect(facts.repeatedUnlinks).toEqual([]);
  expect(ids.filter((id) => JSON.stringify([...(facts.unlinks.get(id) ?? [])].sort()) !== JSON.stringify(original.get(id)))).toEqual([]);
}

describe("the provider host is SIGKILLed in the middle of up", () => {
  const N = 150;
  let sb: TestSandbox;
  let ids: string[];
  let original: Map<string, string[]>;

  beforeAll(async () => {
    sb = await testSandbox();
    ({ ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "hostkill-", agenciesPerAccount: { min: 1, max: 3 } }));
    original = await linksOf(sb.admin, ids);
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("re-runs to convergence: one invalidation per account, nothing unlinked twice, no drift", { timeout: 6 * OPERATION_GUARD_MS }, async () => {
    // Typically 10-15 s. Latency keeps the run long enough to be caught in the middle. The program
    // and the host talk to the sandbox through a proxy that sees every request through.
    const proxy = await forwardingProxy(sb.url);
    onTestFinished(() => proxy.close());
    const spec = repoStack({
      apiUrl: proxy.url,
      apiKey: sb.sandbox.keys.admin,
      declarations: writeDeclarations(path.join(tmp, "hostkill.yaml"), ids.map((accountId) => ({ accountId, valid: false }))),
      statePath: path.join(tmp, "hostkill-state.json"),
    });
    await sb.admin.sandbox.setFaults({ latencyMs: 100 });
    await sb.admin.sandbox.resetStats();

    let hostPid: number | undefined;
    const running = up(spec, { onProviderHostStarted: (pid) => (hostPid = pid) });
    // The kill comes once 10 invalidations were answered (an event of the proxy), unless up ends first.
    const endedEarly = running.then((r) => Promise.reject(new Error(`up ended before the kill: ${r.errors.join("; ")}`)));
    endedEarly.catch(() => undefined);
    await Promise.race([proxy.until((relayed) => invalidations(relayed) >= 10), endedEarly]);
    expect(hostPid).toBeDefined();
    process.kill(hostPid!, "SIGKILL");
    const killed = await running;
    expect(isProcessAlive(hostPid!)).toBe(false);
    expect(killed.exitCode).not.toBe(0);
    expect(killed.providerHost?.pid).toBe(hostPid);

    // Requests the host sent before it died still land: wait until the sandbox answered every one.
    await sb.admin.sandbox.setFaults({});
    await proxy.settled();
    const mid = await auditFacts(sb.admin);
    const invalidatedMid = ids.filter((id) => mid.invalidations.has(id)).length;
    expect(invalidatedMid).toBeGreaterThanOrEqual(10);
    expect(invalidatedMid).toBeLessThan(N); // the kill really came in the middle
    expect(mid.repeatedUnlinks).toEqual([]);

    const unlinkedMid = ids.reduce((n, id) => n + (mid.unlinks.get(id)?.length ?? 0), 0);
    const links = [...original.values()].reduce((n, a) => n + a.length, 0);

    await sb.admin.sandbox.resetStats();
    const runs = await upUntilConverged(spec, 3);
    expect(runs.at(-1)!.errors).toEqual([]);
    await expectConverged(sb.admin, ids, original);
    // The re-run sent only what was left: no invalidation of a token the killed run had already
    // invalidated, no unlink of a link it had already cut (that would be a 404).
    const stats = await sb.admin.sandbox.stats();
    expect(routeCounts(stats, ROUTES.invalidate)).toEqual({ "200": N - invalidatedMid });
    expect(routeCounts(stats, ROUTES.unlink)).toEqual({ "204": links - unlinkedMid });

    const tokens = readState(spec.statePath).resources.filter((r) => r.type === TOKEN_TYPE);
    expect(tokens).toHaveLength(N);
    // Tokens invalidated by the killed run are recognised as Pulumi's own, not as revoked by someone else.
    expect(tokens.filter((r) => r.outputs.valid !== false || r.outputs.revokedOutsidePulumi !== false || (r.initErrors?.length ?? 0) > 0).map((r) => r.id)).toEqual([]);
    const r = await refresh(spec);
    expect(r.errors).toEqual([]);
    expect(r.changes).toEqual([]);
  });
});

describe("the sandbox is SIGKILLed in the middle of up and restarted on its database", () => {
  const N = 120;
  const adminKey = `msk-crash-admin-${randomBytes(8).toString("hex")}`;
  let port: number;
  let db: string;
  let sandbox: SandboxProcess | undefined;
  let admin: MarinSocialClient;

  beforeAll(async () => {
    port = await freePort();
    db = path.join(tmp, "sandbox.db");
    sandbox = await startSandboxProcess({ port, db, adminKey });
    admin = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: adminKey, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  });
  afterAll(async () => {
    await admin?.close();
    await sandbox?.stop("SIGTERM");
  });

  it("keeps every acknowledged write, and a re-run converges", { timeout: 6 * OPERATION_GUARD_MS }, async () => {
    // Typically 15-20 s.
    const { ids } = await admin.sandbox.addAccounts({ count: N, idPrefix: "durable-", agenciesPerAccount: { min: 1, max: 3 } });
    const original = await linksOf(admin, ids);
    const spec = repoStack({
      apiUrl: sandbox!.url,
      apiKey: adminKey,
      declarations: writeDeclarations(path.join(tmp, "durable.yaml"), ids.map((accountId) => ({ accountId, valid: false }))),
      statePath: path.join(tmp, "durable-state.json"),
    });
    await admin.sandbox.setFaults({ latencyMs: 50 });

    const running = up(spec);
    let settled: RunResult | undefined;
    void running.then((r) => (settled = r));
    // Poll the sandbox's counts until 15 invalidations were answered (or up ended: a failure).
    await pollUntil(async () => {
      if (settled) throw new Error(`up ended before the kill: ${settled.errors.join("; ")}`);
      const done = routeCounts(await admin.sandbox.stats(), ROUTES.invalidate)["200"] ?? 0;
      return done >= 15 ? done : undefined;
    });
    // What the sandbox acknowledged (answered) before the kill: the audit log, the accounts, and
    // (last, so it counts at least as much as the snapshots show) the invalidations answered 200.
    const auditSeen: AuditEntry[] = await admin.audit();
    const accountsSeen: Map<string, Account> = await admin.getAccounts(ids);
    const acknowledged = routeCounts(await admin.sandbox.stats(), ROUTES.invalidate)["200"] ?? 0;
    const pidBefore = sandbox!.pid;
    await sandbox!.stop("SIGKILL");
    expect(sandbox!.child.exitStatus()?.signal).toBe("SIGKILL");
    expect(isProcessAlive(pidBefore)).toBe(false);

    sandbox = await startSandboxProcess({ port, db, adminKey });
    expect(sandbox.url).toBe(spec.config!["marin-social:apiUrl"]);

    // Nothing acknowledged was lost (the interrupted up may still be writing: only growth is allowed).
    const auditAfter = await admin.audit();
    expect(auditAfter.slice(0, auditSeen.length)).toEqual(auditSeen);
    const invalidatedAfter = ids.filter((id) => summarizeAudit(auditAfter).invalidations.has(id)).length;
    expect(invalidatedAfter).toBeGreaterThanOrEqual(acknowledged);
    expect(acknowledged).toBeLessThan(N); // the kill really came in the middle
    const accountsAfter = await admin.getAccounts(ids);
    const lost: string[] = [];
    for (const [id, seen] of accountsSeen) {
      const now = accountsAfter.get(id);
      if (!now) {
        lost.push(`${id}: gone`);
        continue;
      }
      if (!seen.token.valid && (now.token.valid || now.token.invalidatedAt !== seen.token.invalidatedAt || now.token.invalidatedBy !== seen.token.invalidatedBy)) {
        lost.push(`${id}: invalidation lost`);
      }
      const relinked = now.agencies.map((a) => a.id).filter((a) => !seen.agencies.some((s) => s.id === a));
      if (relinked.length) lost.push(`${id}: unlink of ${relinked.join(", ")} lost`);
    }
    expect(lost).toEqual([]);

    const interrupted = await running;
    const runs = interrupted.exitCode === 0 ? [interrupted] : [interrupted, ...(await upUntilConverged(spec, 3))];
    expect(runs.at(-1)!.errors).toEqual([]);
    await expectConverged(admin, ids, original);
    expect(readState(spec.statePath).resources.filter((r) => r.type === TOKEN_TYPE)).toHaveLength(N);
  });
});
