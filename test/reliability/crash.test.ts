/**
 * Crashes in the middle of `pulumi up`, through the real Pulumi engine:
 * (a) the dynamic-provider plugin (`pulumi-resource-pulumi-nodejs`, the SDK's dynamic-provider
 *     host the CLI starts) is SIGKILLed after some invalidations; no lock is left on the file
 *     backend, and a re-run converges without invalidating or unlinking anything twice;
 * (b) the sandbox (the CLI, on a file database) is SIGKILLed and restarted on the same database
 *     and port: every write acknowledged before the kill is still there, and a re-run converges.
 */

import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { MarinSocialClient } from "../../provider/client";
import type { Account, AuditEntry } from "../../provider/core/types";
import { checkpointText, describeWithPulumi, type PulumiTestStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { exportedTokens, type OpRun, runOp } from "../support/stack-run";
import {
  auditFacts,
  forwardingProxy,
  freePort,
  invalidations,
  isProcessAlive,
  OPERATION_GUARD_MS,
  pollUntil,
  ROUTES,
  repoStack,
  routeCounts,
  type SandboxProcess,
  startSandboxProcess,
  summarizeAudit,
  upUntilConverged,
} from "./support";

const ACTOR = "pulumi:marin-social/dev";
/** A killed up, up to three re-runs and a refresh. */
const T = 6 * OPERATION_GUARD_MS;

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

/** The parent pid of a process (Linux /proc). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/**
 * The pid of the dynamic-provider plugin serving `s`: the process running the SDK's
 * `cmd/dynamic-provider` whose parent is a `pulumi` process working in the stack's project folder
 * (the CLI of this stack's operation), or undefined while there is none. Linux /proc only.
 */
function providerPlugin(s: PulumiTestStack): number | undefined {
  const project = realpathSync(s.stack.workspace.workDir);
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      // `node <…>/@pulumi/pulumi/cmd/dynamic-provider[/index.js] <engine address>`
      if (
        !readFileSync(`/proc/${pid}/cmdline`, "utf8")
          .split("\0")
          .some((a) => /\/@pulumi\/pulumi\/cmd\/dynamic-provider(\/index\.js)?$/.test(a))
      )
        continue;
      const parent = parentOf(pid);
      if (path.basename(readlinkSync(`/proc/${parent}/exe`)) === "pulumi" && readlinkSync(`/proc/${parent}/cwd`) === project) return pid;
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Lock files of the file backend (`.pulumi/locks`): a crashed update must leave none behind. */
function backendLocks(s: PulumiTestStack): string[] {
  const locks = path.join(s.cli.backendDir, ".pulumi", "locks");
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [e.name]));
  return existsSync(locks) ? walk(locks) : [];
}

/** Starts `up`, and a promise that rejects if it ends (so a wait for the kill fails instead of hanging). */
function startUp(s: PulumiTestStack): { running: Promise<OpRun>; endedEarly: Promise<never> } {
  const running = runOp(s.stack, "up");
  const endedEarly = running.then((r) => Promise.reject(new Error(`up ended before the kill (exit ${r.exitCode}): ${r.errors.join("; ") || r.message}`)));
  endedEarly.catch(() => undefined);
  return { running, endedEarly };
}

function providerPluginKilled(): void {
  const N = 150;
  let sb: TestSandbox;
  let s: PulumiTestStack;
  let ids: string[];
  let original: Map<string, string[]>;

  beforeAll(async () => {
    sb = await testSandbox();
    ({ ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "hostkill-", agenciesPerAccount: { min: 1, max: 3 } }));
    original = await linksOf(sb.admin, ids);
  }, T);
  afterAll(async () => {
    await s?.cleanup();
    await sb?.close();
  }, T);

  it(
    "SIGKILL of the provider plugin: no lock left, and a re-run converges with one invalidation per account, nothing unlinked twice, no drift",
    async () => {
      // Latency keeps the run long enough to be caught in the middle. The program and the plugin
      // talk to the sandbox through a proxy that sees every request through to its answer.
      const proxy = await forwardingProxy(sb.url);
      onTestFinished(() => proxy.close());
      s = await repoStack({ apiUrl: proxy.url, apiKey: sb.sandbox.keys.admin, tokens: ids.map((accountId) => ({ accountId, valid: false })) });
      await sb.admin.sandbox.setFaults({ latencyMs: 100 });
      await sb.admin.sandbox.resetStats();
      const { running, endedEarly } = startUp(s);
      // The kill comes once 10 invalidations were answered (an event of the proxy), unless up ends first.
      await Promise.race([proxy.until((relayed) => invalidations(relayed) >= 10), endedEarly]);
      const plugin = await Promise.race([pollUntil(async () => providerPlugin(s)), endedEarly]);
      process.kill(plugin, "SIGKILL");
      const killed = await running;
      expect(isProcessAlive(plugin)).toBe(false);
      expect(killed.exitCode).not.toBe(0);

      // Requests the plugin sent before it died still land: wait until the sandbox answered every one.
      await sb.admin.sandbox.setFaults({});
      await proxy.settled();
      const mid = await auditFacts(sb.admin);
      const invalidatedMid = ids.filter((id) => mid.invalidations.has(id)).length;
      expect(invalidatedMid).toBeGreaterThanOrEqual(10);
      expect(invalidatedMid).toBeLessThan(N); // the kill really came in the middle
      expect(mid.repeatedUnlinks).toEqual([]);
      const unlinkedMid = ids.reduce((n, id) => n + (mid.unlinks.get(id)?.length ?? 0), 0);
      const links = [...original.values()].reduce((n, a) => n + a.length, 0);

      // The file backend holds no lock after the failed update, and the engine recorded the calls
      // the plugin's death failed as failures, not as pending operations: no `pulumi cancel`, no
      // `pulumi refresh --clear-pending-creates` is needed.
      expect(backendLocks(s)).toEqual([]);
      expect(JSON.parse(checkpointText(s)).checkpoint.latest.pending_operations ?? []).toEqual([]);

      await sb.admin.sandbox.resetStats();
      const runs = await upUntilConverged(s, 3);
      expect(runs.at(-1)!.exitCode).toBe(0);
      await expectConverged(sb.admin, ids, original);
      // The re-run sent only what was left: no invalidation of a token the killed run had already
      // invalidated, no unlink of a link it had already cut (that would be a 404).
      const stats = await sb.admin.sandbox.stats();
      expect(routeCounts(stats, ROUTES.invalidate)).toEqual({ "200": N - invalidatedMid });
      expect(routeCounts(stats, ROUTES.unlink)).toEqual({ "204": links - unlinkedMid });

      const tokens = [...(await exportedTokens(s.stack)).values()];
      expect(tokens).toHaveLength(N);
      // Tokens invalidated by the killed run are recognised as Pulumi's own, not as revoked by someone else.
      expect(
        tokens.filter((r) => r.outputs!.valid !== false || r.outputs!.revokedOutsidePulumi !== false || (r.initErrors?.length ?? 0) > 0).map((r) => r.id),
      ).toEqual([]);
      const r = await runOp(s.stack, "refresh", { expectNoChanges: true });
      expect(r.exitCode, r.stdout).toBe(0);
    },
    T,
  );
}

function sandboxKilled(): void {
  const N = 120;
  const adminKey = `msk-crash-admin-${randomBytes(8).toString("hex")}`;
  let port: number;
  let db: string;
  let sandbox: SandboxProcess | undefined;
  let admin: MarinSocialClient;
  let s: PulumiTestStack;

  beforeAll(async () => {
    port = await freePort();
    db = path.join(tmp, "sandbox.db");
    sandbox = await startSandboxProcess({ port, db, adminKey });
    admin = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: adminKey, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  }, T);
  afterAll(async () => {
    await s?.cleanup();
    await admin?.close();
    await sandbox?.stop("SIGTERM");
  }, T);

  it(
    "SIGKILL of the sandbox, restarted on its database: every acknowledged write is kept, and a re-run converges",
    async () => {
      const { ids } = await admin.sandbox.addAccounts({ count: N, idPrefix: "durable-", agenciesPerAccount: { min: 1, max: 3 } });
      const original = await linksOf(admin, ids);
      s = await repoStack({ apiUrl: sandbox!.url, apiKey: adminKey, tokens: ids.map((accountId) => ({ accountId, valid: false })) });
      await admin.sandbox.setFaults({ latencyMs: 50 });

      const { running, endedEarly } = startUp(s);
      // Poll the sandbox's counts until 15 invalidations were answered (or up ended: a failure).
      await Promise.race([
        pollUntil(async () => {
          const done = routeCounts(await admin.sandbox.stats(), ROUTES.invalidate)["200"] ?? 0;
          return done >= 15 ? done : undefined;
        }),
        endedEarly,
      ]);
      // What the sandbox acknowledged (answered) before the kill: the audit log, the accounts, and
      // (last, so it counts at least as much as the snapshots show) the invalidations answered 200.
      const auditSeen: AuditEntry[] = await admin.audit();
      const accountsSeen: Map<string, Account> = await admin.getAccounts(ids);
      const acknowledged = routeCounts(await admin.sandbox.stats(), ROUTES.invalidate)["200"] ?? 0;
      const pidBefore = sandbox!.pid;
      await sandbox!.stop("SIGKILL");
      expect(sandbox!.exit()?.signal).toBe("SIGKILL");
      expect(isProcessAlive(pidBefore)).toBe(false);

      sandbox = await startSandboxProcess({ port, db, adminKey });
      expect(sandbox.url).toBe(`http://127.0.0.1:${port}`);

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
        if (
          !seen.token.valid &&
          (now.token.valid || now.token.invalidatedAt !== seen.token.invalidatedAt || now.token.invalidatedBy !== seen.token.invalidatedBy)
        ) {
          lost.push(`${id}: invalidation lost`);
        }
        const relinked = now.agencies.map((a) => a.id).filter((a) => !seen.agencies.some((x) => x.id === a));
        if (relinked.length) lost.push(`${id}: unlink of ${relinked.join(", ")} lost`);
      }
      expect(lost).toEqual([]);

      const interrupted = await running;
      const runs = interrupted.exitCode === 0 ? [interrupted] : [interrupted, ...(await upUntilConverged(s, 3))];
      expect(runs.at(-1)!.exitCode).toBe(0);
      await expectConverged(admin, ids, original);
      expect((await exportedTokens(s.stack)).size).toBe(N);
    },
    T,
  );
}

describeWithPulumi("crashes in the middle of up, through the real engine", () => {
  describe("the provider plugin is SIGKILLed", providerPluginKilled);
  describe("the sandbox is SIGKILLed and restarted on its database", sandboxKilled);
});
