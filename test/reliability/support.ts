/**
 * Shared setup of the reliability suite: declaration files, stack specs for the repository's own
 * program, polling with deadlines, audit-log invariants, and the sandbox run as a child process.
 * Everything here talks to real processes and real servers on 127.0.0.1; nothing is mocked.
 */
import { createServer } from "node:net";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuditEntry } from "../../provider/core/types";
import type { MarinSocialClient } from "../../provider/client";
import { up, type RunResult, type StackSpec } from "../engine";
import { Child, childEnv } from "../engine/processes";

/** The repository root: it holds the Pulumi.yaml whose program is `dist/program.js`. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** The PublisherToken type token. */
export const TOKEN_TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

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

/** What {@link repoStack} needs to describe one stack of the repository's program. */
export interface RepoStackOptions {
  /** Base URL of the sandbox. */
  apiUrl: string;
  /** The API key, given as secret config `marin-social:apiKey`; leave undefined to give none. */
  apiKey?: string;
  /** The declaration file (config `marin-social:declarations`). */
  declarations: string;
  /** The state file of this stack. */
  statePath: string;
  stack?: string;
  /** Overall deadline of one operation; default 45 s. */
  timeoutMs?: number;
  /** Extra plain config (full keys). */
  config?: Record<string, string>;
  /** Extra environment for the program and the provider host. */
  env?: Record<string, string>;
}

/**
 * A StackSpec for the repository's own program (Pulumi.yaml at the root, project
 * `marin-social`) reading `declarations`, with the key as secret config.
 */
export function repoStack(o: RepoStackOptions): StackSpec {
  return {
    programDir: ROOT,
    project: "marin-social",
    stack: o.stack ?? "dev",
    config: { "marin-social:apiUrl": o.apiUrl, "marin-social:declarations": o.declarations, ...(o.config ?? {}) },
    secretConfig: o.apiKey === undefined ? {} : { "marin-social:apiKey": o.apiKey },
    statePath: o.statePath,
    timeoutMs: o.timeoutMs ?? 45_000,
    ...(o.env ? { env: o.env } : {}),
  };
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
 * Runs `up` until one succeeds, at most `maxRuns` times, and returns every run's result (the
 * last one succeeded). No new run starts once `budgetMs` (default 90 s) has passed since the
 * call, so that, with each run bounded by the spec's `timeoutMs`, the loop ends before a test
 * timeout of `budgetMs + timeoutMs` with a clear message. Throws with every run's errors if no
 * run succeeded.
 */
export async function upUntilConverged(spec: StackSpec, maxRuns: number, budgetMs = 90_000): Promise<RunResult[]> {
  const start = Date.now();
  const runs: RunResult[] = [];
  while (runs.length < maxRuns && (runs.length === 0 || Date.now() - start < budgetMs)) {
    const r = await up(spec);
    runs.push(r);
    if (r.exitCode === 0) return runs;
  }
  const summary = runs.map((r, i) => `run ${i + 1}: ${r.errors.slice(0, 3).join(" | ")}`).join("\n");
  throw new Error(`up did not converge in ${runs.length} runs (${Date.now() - start} ms):\n${summary}`);
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

/** The sandbox CLI (`marin-social sandbox`) running as a child process. */
export interface SandboxProcess {
  url: string;
  pid: number;
  child: Child;
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node dist/cli/main.js sandbox --port PORT --db DB --admin-key KEY` and resolves once
 * its first line (the URL) is printed. The child carries the harness's watchdog, so it cannot
 * outlive the test process. Rejects with its output if it exits or stays silent for `timeoutMs`.
 */
export async function startSandboxProcess(o: { port: number; db: string; adminKey: string; timeoutMs?: number }): Promise<SandboxProcess> {
  const args = [path.join(ROOT, "dist", "cli", "main.js"), "sandbox", "--port", String(o.port), "--db", o.db, "--admin-key", o.adminKey];
  const child = new Child(process.execPath, args, { cwd: ROOT, env: childEnv() });
  const firstLine = (): string | undefined => {
    const out = child.stdout();
    const nl = out.indexOf("\n");
    return nl < 0 ? undefined : out.slice(0, nl);
  };
  try {
    const seen = await waitFor(
      "the sandbox's first line",
      () => firstLine() ?? (child.exitStatus() ? { exited: true } : undefined),
      { timeoutMs: o.timeoutMs ?? 20_000, intervalMs: 25 },
    );
    if (typeof seen !== "string") throw new Error(`the sandbox exited before printing its URL: ${child.stdout()}`);
    const line = seen;
    const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
    if (!m?.[1]) throw new Error(`the sandbox's first line has no URL: ${line}`);
    const url = m[1];
    return {
      url,
      pid: child.pid,
      child,
      async stop(signal) {
        await child.stop(signal, 3000);
      },
    };
  } catch (err) {
    await child.stop("SIGKILL");
    throw new Error(`${(err as Error).message}\nstderr: ${child.stderr()}`);
  }
}
