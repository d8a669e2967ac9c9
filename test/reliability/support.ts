/**
 * Shared setup of the reliability suite: declaration files, stacks of the repository's program on
 * the real Pulumi engine, polling with deadlines, audit-log invariants, and the sandbox run as a
 * child process. Everything here talks to real processes and real servers on 127.0.0.1; nothing
 * is mocked.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuditEntry } from "../../provider/core/types";
import type { MarinSocialClient } from "../../provider/client";
import { pulumiStack, repoProgramCopy, type PulumiTestStack } from "../support/pulumi";
import { runOp, type OpRun, type RunOpOptions } from "../support/stack-run";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** The sandbox route keys the suite counts in `/_sandbox/stats`. */
export const ROUTES = {
  list: "GET /v1/accounts",
  invalidate: "POST /v1/accounts/{id}/token/invalidate",
  unlink: "DELETE /v1/agencies/{agencyId}/accounts/{accountId}",
} as const;

/** One declared token, as written to a declaration file. */
export interface Declared {
  accountId: string;
  valid: boolean;
  reason?: string;
}

/**
 * Writes a declaration file (`tokens: [...]`) at `file` and returns `file`. Values are
 * JSON-quoted, which is valid YAML, so any account id or reason round-trips.
 */
export function writeDeclarations(file: string, tokens: readonly Declared[]): string {
  const lines = ["tokens:"];
  for (const t of tokens) {
    const reason = t.reason === undefined ? "" : `, reason: ${JSON.stringify(t.reason)}`;
    lines.push(`  - { accountId: ${JSON.stringify(t.accountId)}, valid: ${t.valid}${reason} }`);
  }
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** What {@link repoStack} sets up. */
export interface RepoStackOptions {
  /** Base URL of the sandbox. */
  apiUrl: string;
  /** The API key, as secret config `marin-social:apiKey`; leave undefined to give none. */
  apiKey?: string;
  /** The tokens, written to tokens.yaml in the project copy. */
  tokens: readonly Declared[];
  /** Default "dev". */
  stackName?: string;
  /** Extra plain config (full keys). */
  config?: Record<string, string>;
  /** Extra environment for the CLI and everything it starts. */
  env?: Record<string, string>;
}

/** A stack of a copy of the repository's program; `cleanup()` removes the stack, its backend and the copy. */
export async function repoStack(o: RepoStackOptions): Promise<PulumiTestStack> {
  const workDir = repoProgramCopy();
  writeDeclarations(path.join(workDir, "tokens.yaml"), o.tokens);
  const s = await pulumiStack({
    workDir,
    ...(o.stackName ? { stackName: o.stackName } : {}),
    config: { "marin-social:apiUrl": o.apiUrl, ...(o.config ?? {}) },
    secretConfig: o.apiKey === undefined ? {} : { "marin-social:apiKey": o.apiKey },
    ...(o.env ? { env: o.env } : {}),
  });
  const cleanup = s.cleanup;
  s.cleanup = async () => {
    await cleanup();
    rmSync(path.dirname(workDir), { recursive: true, force: true });
  };
  return s;
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined/false, and
 * returns that. Throws `timed out after N ms waiting for <what>` (with the last probe error, if
 * any) at the deadline. Probe errors before the deadline are retried.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Runs `pulumi up` until one succeeds, at most `maxRuns` times, and returns every run (the last
 * one succeeded). Throws with every run's errors if none did.
 */
export async function upUntilConverged(s: PulumiTestStack, maxRuns: number, o: RunOpOptions = {}): Promise<OpRun[]> {
  const runs: OpRun[] = [];
  while (runs.length < maxRuns) {
    const r = await runOp(s.stack, "up", o);
    runs.push(r);
    if (r.exitCode === 0) return runs;
  }
  const summary = runs.map((r, i) => `run ${i + 1}: ${(r.errors.length ? r.errors : [r.message]).slice(0, 3).join(" | ")}`).join("\n");
  throw new Error(`up did not converge in ${runs.length} runs:\n${summary}`);
}

/** Per-account facts taken from the sandbox audit log. */
export interface AuditFacts {
  /** token.invalidate entries per account id (accounts without one are absent). */
  invalidations: Map<string, number>;
  /** `account/agency` pairs unlinked more than once, with their count. */
  repeatedUnlinks: Array<{ pair: string; count: number }>;
  /** agency.unlink entries per account id. */
  unlinks: Map<string, string[]>;
}

/** Reads the whole audit log and summarizes invalidations and unlinks per account. */
export async function auditFacts(admin: MarinSocialClient): Promise<AuditFacts> {
  return summarizeAudit(await admin.audit());
}

/** {@link auditFacts} over an audit log already read. */
export function summarizeAudit(entries: readonly AuditEntry[]): AuditFacts {
  const invalidations = new Map<string, number>();
  const unlinks = new Map<string, string[]>();
  const pairs = new Map<string, number>();
  for (const e of entries) {
    if (e.action === "token.invalidate") invalidations.set(e.accountId, (invalidations.get(e.accountId) ?? 0) + 1);
    if (e.action === "agency.unlink") {
      const list = unlinks.get(e.accountId) ?? [];
      list.push(String(e.agencyId));
      unlinks.set(e.accountId, list);
      const pair = `${e.accountId}/${String(e.agencyId)}`;
      pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
    }
  }
  const repeatedUnlinks = [...pairs].filter(([, n]) => n > 1).map(([pair, count]) => ({ pair, count }));
  return { invalidations, repeatedUnlinks, unlinks };
}

/** Counts of one route in a `/_sandbox/stats` snapshot, by status (e.g. `{ "200": 3 }`). */
export function routeCounts(stats: unknown, route: string): Record<string, number> {
  const byRoute = (stats as { byRoute?: Record<string, Record<string, number>> }).byRoute ?? {};
  return byRoute[route] ?? {};
}

/** The number of responses with `status` in a `/_sandbox/stats` snapshot (all routes). */
export function statusCount(stats: unknown, status: number): number {
  return (stats as { byStatus?: Record<string, number> }).byStatus?.[String(status)] ?? 0;
}

/** A port that was free a moment ago on 127.0.0.1 (for a server that must restart on the same port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a process with this pid exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The sandbox CLI (`marin-social sandbox`) running as a child process. */
export interface SandboxProcess {
  url: string;
  pid: number;
  /** How it ended, once it has. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node dist/cli/main.js sandbox --port PORT --db DB --admin-key KEY` and resolves once its
 * first line (the URL) is printed. Rejects with its output if it exits or stays silent for
 * `timeoutMs`. A test process that exits kills it.
 */
export async function startSandboxProcess(o: { port: number; db: string; adminKey: string; timeoutMs?: number }): Promise<SandboxProcess> {
  const args = [path.join(ROOT, "dist", "cli", "main.js"), "sandbox", "--port", String(o.port), "--db", o.db, "--admin-key", o.adminKey];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let out = "";
  let err = "";
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on("close", (code, signal) => {
      ended = { code, signal };
      process.removeListener("exit", killOnExit);
      resolve();
    }),
  );
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const stop = async (signal: NodeJS.Signals) => {
    if (!ended) child.kill(signal);
    await exited;
  };
  try {
    const line = await waitFor(
      "the sandbox's first line",
      () => (out.includes("\n") ? out.slice(0, out.indexOf("\n")) : ended ? { exited: true } : undefined),
      { timeoutMs: o.timeoutMs ?? 20_000, intervalMs: 25 },
    );
    if (typeof line !== "string") throw new Error(`the sandbox exited before printing its URL: ${out}`);
    const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
    if (!m?.[1]) throw new Error(`the sandbox's first line has no URL: ${line}`);
    return { url: m[1], pid: child.pid!, exit: () => ended, stop };
  } catch (e) {
    await stop("SIGKILL");
    throw new Error(`${(e as Error).message}\nstderr: ${err}`);
  }
}
