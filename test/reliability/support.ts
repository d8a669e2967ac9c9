/**
 * Shared setup of the reliability suite: declaration files, stacks of the repository's program on
 * the real Pulumi engine, a forwarding proxy that knows when every request sent has landed,
 * audit-log invariants, and the sandbox run as a child process. Everything here talks to real
 * processes and real servers on 127.0.0.1; nothing is mocked, and nothing waits on the clock:
 * waits are on events, and the tests' own timeouts catch a hang.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { Agent, createServer as createHttpServer, type IncomingMessage, request } from "node:http";
import { createServer, type Socket } from "node:net";
import * as path from "node:path";
import type { MarinSocialClient } from "../../provider/client";
import type { AuditEntry } from "../../provider/core/types";
import { type PulumiTestStack, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type OpRun, type RunOpOptions, runOp } from "../support/stack-run";

/** The repository root. */
const ROOT = path.resolve(__dirname, "..", "..");

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
  writeFileSync(file, `${lines.join("\n")}\n`);
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
 * The vitest timeout of one engine operation (preview, up, refresh): a guard against a hang, not a
 * speed limit, so it is many times what a busy 2-core machine needs. Tests of several operations
 * use a multiple of it.
 */
export const OPERATION_GUARD_MS = 120_000;

/**
 * Polls `probe` every `intervalMs` until it returns a value (not undefined), and returns it. An
 * error from the probe ends the wait. No deadline: the test's own timeout catches a condition
 * that never comes.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, intervalMs = 25): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** One response the proxy relayed: method, path (with query) and status. */
export interface Relayed {
  method: string;
  path: string;
  status: number;
}

/** A forwarding proxy, see {@link forwardingProxy}. */
export interface ForwardingProxy {
  /** The proxy's base URL: give it to the program instead of the target's. */
  url: string;
  /** Responses the target gave so far, in order (whether or not the client was still there). */
  relayed: Relayed[];
  /** Resolves once `cond(relayed)` holds: checked now and after each response. */
  until(cond: (relayed: readonly Relayed[]) => boolean): Promise<void>;
  /**
   * Resolves once no client connection is open and the target has answered every request
   * forwarded (held ones included: release them first): after the clients were killed,
   * everything they managed to send has landed.
   */
  settled(): Promise<void>;
  /**
   * From now on, a request for which `when(method, path)` is true on its arrival (whole) waits at
   * the proxy, unforwarded, until {@link release}: a run frozen in the middle, with those calls in
   * flight, for as long as the test needs (to kill something at a point that is certain).
   */
  hold(when: (method: string, path: string) => boolean): void;
  /** Forwards every held request, and holds no more. */
  release(): void;
  /** The requests held now (a held request also re-checks the conditions of {@link until}). */
  held(): Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of `target` (e.g. a sandbox). It forwards each request as
 * it came (once it has arrived whole), and sees each one through to the target's answer even when
 * the client that sent it was killed meanwhile, so a test can wait for that (an event) instead of
 * sleeping. It can also hold requests (see {@link ForwardingProxy.hold}).
 */
export async function forwardingProxy(target: string): Promise<ForwardingProxy> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const clients = new Set<Socket>();
  const relayed: Relayed[] = [];
  let forwarding = 0;
  let waiters: Array<() => boolean> = [];
  const check = (): void => {
    waiters = waiters.filter((w) => !w());
  };
  const wait = (cond: () => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const w = (): boolean => {
        if (!cond()) return false;
        resolve();
        return true;
      };
      if (!w()) waiters.push(w);
    });
  let holding: ((method: string, path: string) => boolean) | undefined;
  let parked: Array<{ method: string; path: string; forward: () => void }> = [];
  const server = createHttpServer((req, res) => {
    forwarding++;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      forwarding--;
      check();
    };
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    // A request cut off before its end never reached the target whole: drop it, as the target would.
    req.on("close", () => {
      if (!req.complete) finish();
    });
    req.on("end", () => {
      const forward = (): void => {
        const upstream = request(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent },
          (answer: IncomingMessage) => {
            relayed.push({ method: req.method ?? "", path: req.url ?? "", status: answer.statusCode ?? 0 });
            if (res.destroyed) answer.resume();
            else {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            }
            answer.on("close", finish);
          },
        );
        upstream.on("error", (err) => {
          if (!res.headersSent && !res.destroyed) res.writeHead(502).end(String(err));
          finish();
        });
        upstream.end(Buffer.concat(body));
      };
      const [method, path] = [req.method ?? "", req.url ?? ""];
      if (holding?.(method, path)) {
        parked.push({ method, path, forward });
        check();
      } else forward();
    });
  });
  server.on("connection", (s: Socket) => {
    clients.add(s);
    s.on("close", () => {
      clients.delete(s);
      check();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    relayed,
    until: (cond) => wait(() => cond(relayed)),
    settled: () => wait(() => clients.size === 0 && forwarding === 0),
    hold: (when) => {
      holding = when;
    },
    release: () => {
      holding = undefined;
      const go = parked;
      parked = [];
      for (const p of go) p.forward();
    },
    held: () => parked.map(({ method, path }) => ({ method, path })),
    close: () =>
      new Promise<void>((resolve) => {
        parked = [];
        for (const s of clients) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Responses to `POST /v1/accounts/{id}/token/invalidate` with `status`, in `relayed`. */
export function invalidations(relayed: readonly Relayed[], status = 200): number {
  return relayed.filter((r) => r.method === "POST" && /^\/v1\/accounts\/[^/]+\/token\/invalidate$/.test(r.path) && r.status === status).length;
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
 * first line (the URL) is printed. Rejects with its output if it exits first. A test process that
 * exits kills it.
 */
export async function startSandboxProcess(o: { port: number; db: string; adminKey: string }): Promise<SandboxProcess> {
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
    // The first line, or undefined once the process has exited without printing one.
    const line = await new Promise<string | undefined>((resolve) => {
      const firstLine = () => (out.includes("\n") ? out.slice(0, out.indexOf("\n")) : undefined);
      child.stdout!.on("data", () => firstLine() !== undefined && resolve(firstLine()));
      void exited.then(() => resolve(firstLine()));
    });
    if (line === undefined) throw new Error(`the sandbox exited before printing its URL: ${out}`);
    const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
    if (!m?.[1]) throw new Error(`the sandbox's first line has no URL: ${line}`);
    return { url: m[1], pid: child.pid!, exit: () => ended, stop };
  } catch (e) {
    await stop("SIGKILL");
    throw new Error(`${(e as Error).message}\nstderr: ${err}`);
  }
}
