/**
 * Crashes in the middle of `pulumi up`, through the real Pulumi engine, on one stack of the
 * repository's program and one sandbox (the CLI, on a file database):
 * (a) the sandbox is SIGKILLed in the middle of the first up and restarted on the same database
 *     and port: every write acknowledged before the kill is still there;
 * (b) the re-run, which also carries a second group of tokens declared for the first time, loses
 *     the dynamic-provider plugin (`pulumi-resource-pulumi-nodejs`, the SDK's dynamic-provider
 *     host the CLI starts) to a SIGKILL after some invalidations: no lock is left on the file
 *     backend, and no pending operation;
 * (c) the next re-run converges both groups: one invalidation per account, nothing unlinked
 *     twice, only what was left sent, no drift.
 * Waits are on events (the sandbox's counts, responses relayed by a proxy, /proc), never on the clock.
 */

import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MarinSocialClient } from "../../provider/client";
import type { Account, AuditEntry } from "../../provider/core/types";
import { checkpointText, describeWithPulumi, type PulumiTestStack } from "../support/pulumi";
import { exportedTokens, type OpRun, runOp } from "../support/stack-run";
import {
  auditFacts,
  type ForwardingProxy,
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
  writeDeclarations,
} from "./support";

const ACTOR = "pulumi:marin-social/dev";
/** An interrupted up, or up to three re-runs and a refresh. */
const T = 4 * OPERATION_GUARD_MS;
/** Tokens of the first up, whose sandbox is killed. */
const S = 20;
/** Tokens declared first in the re-run, whose plugin is killed. */
const P = 12;
/** Invalidations answered in the first up before the sandbox is killed. */
const SANDBOX_KILL_AT = 5;
/**
 * The first up's parallelism: two tokens at a time (each request 300 ms late), so that the few
 * reads taken before the kill leave most of the tokens to do, however busy the machine.
 */
const SANDBOX_KILL_PARALLEL = 2;
/** Invalidations answered in the re-run before its plugin is killed. */
const PLUGIN_KILL_AT = 5;
/**
 * The engine's parallelism in the re-run, fixed (the CLI's default grows with the cores): with
 * requests held after PLUGIN_KILL_AT answers, at most this many more invalidations can be in
 * flight, so the kill comes in the middle for sure.
 */
const PARALLEL = 8;

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
  expect(
    wrong.map((a) => a.id),
    "accounts not invalidated by Pulumi or still linked",
  ).toEqual([]);
  const facts = await auditFacts(admin);
  expect(
    ids.filter((id) => facts.invalidations.get(id) !== 1).map((id) => `${id}: ${facts.invalidations.get(id) ?? 0}`),
    "accounts not invalidated exactly once",
  ).toEqual([]);
  expect(facts.repeatedUnlinks, "links unlinked twice").toEqual([]);
  expect(
    ids.filter((id) => JSON.stringify([...(facts.unlinks.get(id) ?? [])].sort()) !== JSON.stringify(original.get(id))),
    "accounts whose unlinks differ from their original links",
  ).toEqual([]);
}

/** The parent pid of a process (Linux /proc). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** True once `pid` has ended (gone, or a zombie its parent has not reaped yet). Linux /proc only. */
function hasEnded(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
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
function startUp(s: PulumiTestStack, parallel?: number): { running: Promise<OpRun>; endedEarly: Promise<never> } {
  const running = runOp(s.stack, "up", parallel === undefined ? {} : { parallel });
  const endedEarly = running.then((r) => Promise.reject(new Error(`up ended before the kill (exit ${r.exitCode}): ${r.errors.join("; ") || r.message}`)));
  endedEarly.catch(() => undefined);
  return { running, endedEarly };
}

describeWithPulumi("crashes in the middle of up, through the real engine", () => {
  const adminKey = `msk-crash-admin-${randomBytes(8).toString("hex")}`;
  let tmp: string;
  let port: number;
  let db: string;
  let sandbox: SandboxProcess | undefined;
  let admin: MarinSocialClient;
  let proxy: ForwardingProxy | undefined;
  let s: PulumiTestStack;
  /** The first up's accounts (the sandbox is killed), and the ones the re-run declares anew (the plugin is killed). */
  let durable: string[];
  let hostkill: string[];
  let ids: string[];
  let original: Map<string, string[]>;
  /** After the plugin's kill: accounts invalidated, and links cut, so far. */
  let invalidatedMid = 0;
  let unlinkedMid = 0;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), "marin-crash-"));
    port = await freePort();
    db = path.join(tmp, "sandbox.db");
    sandbox = await startSandboxProcess({ port, db, adminKey });
    admin = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: adminKey, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
    ({ ids: durable } = await admin.sandbox.addAccounts({ count: S, idPrefix: "durable-", agenciesPerAccount: { min: 1, max: 3 } }));
    ({ ids: hostkill } = await admin.sandbox.addAccounts({ count: P, idPrefix: "hostkill-", agenciesPerAccount: { min: 1, max: 3 } }));
    ids = [...durable, ...hostkill];
    original = await linksOf(admin, ids);
    s = await repoStack({ apiUrl: sandbox.url, apiKey: adminKey, tokens: durable.map((accountId) => ({ accountId, valid: false })) });
  }, T);
  afterAll(async () => {
    await s?.cleanup();
    await proxy?.close();
    await admin?.close();
    await sandbox?.stop("SIGTERM");
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, T);

  it(
    "SIGKILL of the sandbox in the middle of up, restarted on its database: every acknowledged write is kept",
    async () => {
      // Latency keeps the run long enough to be caught in the middle; the program and the plugin
      // talk to the sandbox directly, so they meet a dead server as they would in production.
      await admin.sandbox.setFaults({ latencyMs: 300 });
      const { running, endedEarly } = startUp(s, SANDBOX_KILL_PARALLEL);
      // Poll the sandbox's counts until SANDBOX_KILL_AT invalidations were answered (or up ended: a failure).
      await Promise.race([
        pollUntil(async () => {
          const done = routeCounts(await admin.sandbox.stats(), ROUTES.invalidate)["200"] ?? 0;
          return done >= SANDBOX_KILL_AT ? done : undefined;
        }),
        endedEarly,
      ]);
      // What the sandbox acknowledged (answered) before the kill: the audit log, the accounts, and
      // (last, so it counts at least as much as the snapshots show) the invalidations answered 200.
      const auditSeen: AuditEntry[] = await admin.audit();
      const accountsSeen: Map<string, Account> = await admin.getAccounts(durable);
      const acknowledged = routeCounts(await admin.sandbox.stats(), ROUTES.invalidate)["200"] ?? 0;
      const pidBefore = sandbox!.pid;
      await sandbox!.stop("SIGKILL");
      expect(sandbox!.exit()?.signal).toBe("SIGKILL");
      expect(isProcessAlive(pidBefore)).toBe(false);

      sandbox = await startSandboxProcess({ port, db, adminKey });
      expect(sandbox.url).toBe(`http://127.0.0.1:${port}`);

      // Nothing acknowledged was lost (the interrupted up may still be writing: only growth is allowed).
      const auditAfter = await admin.audit();
      expect(auditAfter.slice(0, auditSeen.length), "the audit log before the kill").toEqual(auditSeen);
      const invalidatedAfter = durable.filter((id) => summarizeAudit(auditAfter).invalidations.has(id)).length;
      expect(invalidatedAfter).toBeGreaterThanOrEqual(acknowledged);
      expect(acknowledged, "invalidations answered before the kill (the kill came in the middle)").toBeLessThan(S);
      const accountsAfter = await admin.getAccounts(durable);
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
      expect(lost, "acknowledged writes lost").toEqual([]);
      // The interrupted up ends one way or the other (on the restarted sandbox it may even finish);
      // the next tests' runs converge what it left.
      await running;
    },
    T,
  );

  it(
    "SIGKILL of the provider plugin in the re-run (which also declares new tokens): no lock left, no pending operation",
    async () => {
      // From here on the program and the plugin talk to the sandbox through a proxy that sees every
      // request through to its answer, and holds every request that comes after PLUGIN_KILL_AT
      // invalidations were answered: the run is frozen in the middle when the plugin is killed.
      const before = await auditFacts(admin);
      const invalidatedBefore = ids.filter((id) => before.invalidations.has(id)).length;
      proxy = await forwardingProxy(sandbox!.url);
      const p = proxy;
      await s.stack.setConfig("marin-social:apiUrl", { value: p.url });
      // The new tokens first, so that the first steps the engine starts are theirs.
      writeDeclarations(
        path.join(s.stack.workspace.workDir, "tokens.yaml"),
        [...hostkill, ...durable].map((accountId) => ({ accountId, valid: false })),
      );
      await admin.sandbox.setFaults({});
      p.hold(() => invalidations(p.relayed) >= PLUGIN_KILL_AT);
      const { running, endedEarly } = startUp(s, PARALLEL);
      // The kill comes once a call waits at the proxy.
      await Promise.race([p.until(() => p.held().length > 0), endedEarly]);
      const plugin = await Promise.race([pollUntil(async () => providerPlugin(s)), endedEarly]);
      process.kill(plugin, "SIGKILL");
      await pollUntil(async () => (hasEnded(plugin) ? true : undefined));
      // Requests the plugin sent before it died still land: let the held ones go, and wait until
      // the sandbox answered every one.
      p.release();
      const killed = await running;
      expect(isProcessAlive(plugin)).toBe(false);
      expect(killed.exitCode, "up whose plugin was killed").not.toBe(0);
      await p.settled();

      const mid = await auditFacts(admin);
      invalidatedMid = ids.filter((id) => mid.invalidations.has(id)).length;
      expect(invalidatedMid, "accounts invalidated when the plugin was killed (the kill came in the middle)").toBeLessThan(ids.length);
      expect(invalidatedMid - invalidatedBefore, "accounts invalidated by the re-run before its plugin was killed").toBeGreaterThanOrEqual(PLUGIN_KILL_AT);
      expect(mid.repeatedUnlinks).toEqual([]);
      unlinkedMid = ids.reduce((n, id) => n + (mid.unlinks.get(id)?.length ?? 0), 0);

      // The file backend holds no lock after the failed update, and the engine recorded the calls
      // the plugin's death failed as failures, not as pending operations: no `pulumi cancel`, no
      // `pulumi refresh --clear-pending-creates` is needed.
      expect(backendLocks(s)).toEqual([]);
      expect(JSON.parse(checkpointText(s)).checkpoint.latest.pending_operations ?? []).toEqual([]);
    },
    T,
  );

  it(
    "then a re-run converges both: one invalidation per account, nothing unlinked twice, only what was left sent, no drift",
    async () => {
      expect(invalidatedMid, "the previous test ran").toBeGreaterThan(0);
      await admin.sandbox.resetStats();
      const runs = await upUntilConverged(s, 3);
      expect(runs.at(-1)!.exitCode).toBe(0);
      await expectConverged(admin, ids, original);
      // The re-runs sent only what was left: no invalidation of a token the killed runs had already
      // invalidated, no unlink of a link they had already cut (that would be a 404).
      const stats = await admin.sandbox.stats();
      const links = [...original.values()].reduce((n, a) => n + a.length, 0);
      expect(routeCounts(stats, ROUTES.invalidate), "invalidations sent by the re-run").toEqual({ "200": ids.length - invalidatedMid });
      expect(routeCounts(stats, ROUTES.unlink), "unlinks sent by the re-run").toEqual({ "204": links - unlinkedMid });

      const tokens = [...(await exportedTokens(s.stack)).values()];
      expect(tokens).toHaveLength(ids.length);
      // Tokens invalidated by a killed run are recognised as Pulumi's own, not as revoked by someone else.
      expect(
        tokens.filter((r) => r.outputs!.valid !== false || r.outputs!.revokedOutsidePulumi !== false || (r.initErrors?.length ?? 0) > 0).map((r) => r.id),
        "tokens in state not converged",
      ).toEqual([]);
      const r = await runOp(s.stack, "refresh", { expectNoChanges: true });
      expect(r.exitCode, r.stdout).toBe(0);
    },
    T,
  );
});
