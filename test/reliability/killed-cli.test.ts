/**
 * A `pulumi up` killed outright (SIGKILL of the CLI), through the real engine, on both paths at
 * once: one stack whose program declares tokens on the dynamic path (the repository's program,
 * `declaredStack` over tokens.yaml) and on the native path (native PublisherTokens on the native
 * plugin), so that one kill lands with calls of both providers in flight:
 * (a) what the engine started exits on its own: our Node.js language host, the program it runs,
 *     and both providers (the SDK's dynamic-provider host, and the native plugin);
 * (b) the damaged file backend (the run's lock, its pending operations on both paths, and the
 *     empty `<stack>.json.attrs` a kill sometimes leaves) is recovered by running the commands
 *     docs/reliability.md gives, read from that page, and the stack ends converged;
 * and (c) after an up cancelled with SIGINT (the same stack's first run, with the dynamic path's
 * tokens only: the killed up is its re-run, which declares the native path's tokens too, and the
 * recovery's `pulumi up` its next), the stack's `audit` output claims no action that never ran.
 * Waits are on events (the CLI's exit and output, responses relayed by a proxy that can hold
 * requests) or on /proc polled until a deadline; nothing sleeps.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkpointText, describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { TOKEN_TYPE } from "../support/stack-run";
import { type ForwardingProxy, forwardingProxy, OPERATION_GUARD_MS, pollUntil, writeDeclarations } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
/** The recovery's four commands and the checks after. */
const T = 6 * OPERATION_GUARD_MS;
/** How long the engine's children get to exit after it is killed: a guard, far above the one second of the slowest watch. */
const EXIT_DEADLINE_MS = 30_000;

/** What /proc tells of a process, or undefined once it is gone. A zombie (exited, not yet reaped) counts as gone. */
function proc(pid: number): { ppid: number; argv: string[]; exe: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z" || state === "X") return undefined;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { ppid: Number(ppid), argv, exe: path.basename(argv[0] ?? "") };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .map(Number)
    .filter((p) => Number.isInteger(p) && proc(p)?.ppid === pid);
}

/** An argument of the dynamic path's provider: the SDK's dynamic-provider host. */
const DYNAMIC_PLUGIN = /\/@pulumi\/pulumi\/cmd\/dynamic-provider(\/index\.js)?$/;
/** An argument of the native path's provider: our plugin. */
const NATIVE_PLUGIN = /\/pulumi-resource-marin-social$/;
/** The native PublisherToken's type token. */
const NATIVE_TYPE = "marin-social:index:PublisherToken";

/** The engine's children: our language host, the program it runs, and the two providers. */
interface Started {
  host: number;
  program: number;
  dynamicPlugin: number;
  nativePlugin: number;
}

/** The children of the CLI `pulumi`, once all four run; undefined until then. */
function startedBy(pulumi: number): Started | undefined {
  const kids = childrenOf(pulumi);
  const host = kids.find((p) => proc(p)?.exe === "pulumi-language-nodejs");
  const dynamicPlugin = kids.find((p) => proc(p)?.argv.some((a) => DYNAMIC_PLUGIN.test(a)));
  const nativePlugin = kids.find((p) => proc(p)?.argv.some((a) => NATIVE_PLUGIN.test(a)));
  const program = host === undefined ? undefined : childrenOf(host).find((p) => proc(p)?.argv.some((a) => a.endsWith("/cmd/run/index.js")));
  return host && program && dynamicPlugin && nativePlugin ? { host, program, dynamicPlugin, nativePlugin } : undefined;
}

/** Polls /proc until none of `pids` runs, or the deadline passes; resolves with the ones still running. */
async function untilGone(pids: Record<string, number>): Promise<string[]> {
  const deadline = Date.now() + EXIT_DEADLINE_MS;
  const running = () => Object.entries(pids).filter(([, pid]) => proc(pid) !== undefined);
  for (;;) {
    const left = running();
    if (left.length === 0 || Date.now() > deadline) return left.map(([name, pid]) => `${name} (pid ${pid}): ${proc(pid)?.argv.join(" ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A CLI started by {@link startCli}. */
interface StartedCli {
  child: ChildProcess;
  ended: Promise<{ code: number | null; out: string }>;
  /** Resolves once its output (stdout and stderr) contains `text`. */
  printed(text: string): Promise<void>;
}

/** `pulumi <args>` of the stack's CLI in its project folder, started as a user starts it. */
function startCli(s: PulumiTestStack, args: string[]): StartedCli {
  const child = spawn(s.cli.install.pulumi, [...args, "--stack", s.stack.name, "--non-interactive", "--color", "never"], {
    cwd: s.stack.workspace.workDir,
    env: { ...process.env, ...s.env },
  });
  let out = "";
  const watchers: Array<() => boolean> = [];
  const onData = (d: unknown): void => {
    out += String(d);
    for (let i = watchers.length - 1; i >= 0; i--) if (watchers[i]!()) watchers.splice(i, 1);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const ended = new Promise<{ code: number | null; out: string }>((resolve) => child.on("close", (code) => resolve({ code, out })));
  const printed = (text: string): Promise<void> =>
    new Promise<void>((resolve) => {
      const seen = (): boolean => {
        if (!out.includes(text)) return false;
        resolve();
        return true;
      };
      if (!seen()) watchers.push(seen);
    });
  return { child, ended, printed };
}

/** Runs `command` with bash (asynchronously: the sandbox serves from this process). */
function shell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn("bash", ["-c", command], { cwd, env });
  let out = "";
  child.stdout.on("data", (d) => (out += String(d)));
  child.stderr.on("data", (d) => (out += String(d)));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

/** Rejects once `ended` resolves: raced against a wait, it turns a run that ended too early into a failure instead of a hang. */
function failIfEnded(ended: Promise<{ code: number | null; out: string }>): Promise<never> {
  const p = ended.then((r) => Promise.reject(new Error(`pulumi ended before the kill (exit ${r.code}):\n${r.out}`)));
  p.catch(() => undefined);
  return p;
}

/** The shell commands of the recovery in a Markdown file: the `sh` block that runs `pulumi cancel`, without comments. */
function recoveryCommands(file: string): string[] {
  const blocks = [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const block = blocks.find((b) => /^pulumi cancel\b/m.test(b));
  if (!block) throw new Error(`${file} has no sh block with the recovery commands`);
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The file backend's folder of the stack's checkpoint files. */
function stacksDir(s: PulumiTestStack, project: string): string {
  return path.join(s.cli.backendDir, ".pulumi", "stacks", project);
}

/** Lock files of the file backend. */
function backendLocks(s: PulumiTestStack): string[] {
  const locks = path.join(s.cli.backendDir, ".pulumi", "locks");
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [e.name]));
  return existsSync(locks) ? walk(locks) : [];
}

/**
 * Leaves the checkpoint files as a kill leaves them when it lands while the backend saves a
 * checkpoint (Pulumi's file backend, through gocloud's fileblob: copy the checkpoint to `.bak`
 * with its `.bak.attrs`, then create `<stack>.json.attrs` anew, write it, and rename the new
 * checkpoint in): the backup is a copy of the checkpoint, and the metadata file was created but
 * not yet written.
 */
function damageAsKillDoes(dir: string, stack: string): void {
  const file = path.join(dir, `${stack}.json`);
  copyFileSync(file, `${file}.bak`);
  copyFileSync(`${file}.attrs`, `${file}.bak.attrs`);
  writeFileSync(`${file}.attrs`, "");
}

/**
 * A Node.js program on both paths: the repository's program (`declaredStack`, over tokens.yaml)
 * for the dynamic path, then each account of native.json (none yet) declared as a native
 * PublisherToken (by its type token, as every SDK language's generated class does) on the plugin
 * from bin/.
 */
function bothPathsProject(dynamicIds: string[]): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-killed-")), "killed-both");
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: killed-both\nruntime: nodejs\nmain: index.js\nplugins:\n  providers:\n    - name: marin-social\n      path: ${JSON.stringify(path.join(ROOT, "bin"))}\n`,
  );
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "killed-both", private: true }));
  writeDeclarations(
    path.join(dir, "tokens.yaml"),
    dynamicIds.map((accountId) => ({ accountId, valid: false })),
  );
  writeFileSync(path.join(dir, "native.json"), "[]");
  writeFileSync(
    path.join(dir, "index.js"),
    `const pulumi = require("@pulumi/pulumi");\n` +
      `const { declaredStack } = require("pulumi-marin-social");\n` +
      `module.exports = declaredStack().then((outputs) => {\n` +
      `  for (const id of require("./native.json")) new pulumi.CustomResource(${JSON.stringify(NATIVE_TYPE)}, id, { accountId: id, valid: false, reason: "offboarding" });\n` +
      `  return outputs;\n` +
      `});\n`,
  );
  symlinkSync(ROOT, path.join(dir, "node_modules", "pulumi-marin-social"), "dir");
  symlinkSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  return dir;
}

/** The prefixes of the accounts on the dynamic path and on the native path. */
const DYNAMIC_PREFIX = "killed-dyn-";
const NATIVE_PREFIX = "killed-nat-";
const PATHS = [DYNAMIC_PREFIX, NATIVE_PREFIX];
/** Tokens per path. */
const N = 12;
/** Invalidations answered on each path, in the killed up, before that path's requests are held. */
const KILL_AT = 3;
/**
 * The killed up's parallelism: every token's step at once, so that holding one path's requests
 * cannot keep the other path's steps from starting.
 */
const KILL_PARALLEL = 4 * N;

describeWithPulumi("a killed `pulumi up`, through the real engine, on both paths", () => {
  let sb: TestSandbox;
  let proxy: ForwardingProxy;
  let s: PulumiTestStack;
  let workDir: string;
  /** Accounts on the dynamic path and on the native path. */
  let dynamicIds: string[];
  let nativeIds: string[];
  let ids: string[];
  let links = 0;
  /** What the kill left running, if anything, to stop after the tests. */
  let started: Started | undefined;
  /** Set once the backend is damaged as a kill leaves it. */
  let damaged = false;

  beforeAll(async () => {
    sb = await testSandbox();
    proxy = await forwardingProxy(sb.url);
    ({ ids: dynamicIds } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: DYNAMIC_PREFIX, agenciesPerAccount: { min: 1, max: 2 } }));
    ({ ids: nativeIds } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: NATIVE_PREFIX, agenciesPerAccount: { min: 1, max: 2 } }));
    ids = [...dynamicIds, ...nativeIds];
    links = [...(await sb.admin.getAccounts(ids)).values()].reduce((n, a) => n + a.agencies.length, 0);
    workDir = bothPathsProject(dynamicIds);
    s = await pulumiStack({
      workDir,
      config: { "marin-social:apiUrl": proxy.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    });
    // The user's stack, selected as it is in a user's project (the recovery's commands name none).
    // Before the kill: a kill can leave the backend where `stack select` fails too.
    const selected = await pulumiCli(s, ["stack", "select"]);
    expect(selected.code, selected.stderr).toBe(0);
  }, 2 * OPERATION_GUARD_MS);
  afterAll(async () => {
    for (const pid of Object.values(started ?? {})) if (proc(pid)) process.kill(pid, "SIGKILL");
    await s?.cleanup();
    if (workDir) rmSync(path.dirname(workDir), { recursive: true, force: true });
    await proxy?.close();
    await sb?.close();
  }, 2 * OPERATION_GUARD_MS);

  /**
   * The stack's `audit` output (the dynamic path's summary), the accounts it claims an
   * invalidation for that is not true live, and how many dynamic-path accounts are cut off.
   */
  const claims = async (): Promise<{ rows: Record<string, { action?: string }>; false: string[]; cutOff: number }> => {
    const out = await pulumiCli(s, ["stack", "output", "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const rows = (JSON.parse(out.stdout) as { audit?: Record<string, { action?: string }> }).audit ?? {};
    const live = await sb.admin.getAccounts(dynamicIds);
    const claimed = Object.entries(rows).filter(([, row]) => row.action?.startsWith("invalidate"));
    return {
      rows,
      false: claimed.filter(([id]) => live.get(id)?.token.valid !== false).map(([id, row]) => `${id}: ${row.action}`),
      cutOff: [...live.values()].filter((a) => !a.token.valid).length,
    };
  };

  /** Invalidations answered so far for accounts whose id starts with `prefix`. */
  const invalidated = (prefix: string, from = 0): number =>
    proxy.relayed
      .slice(from)
      .filter((r) => r.method === "POST" && r.status === 200 && r.path.startsWith(`/v1/accounts/${prefix}`) && r.path.endsWith("/token/invalidate")).length;

  it("the README gives the recovery commands of docs/reliability.md", () => {
    expect(recoveryCommands("README.md")).toEqual(recoveryCommands("docs/reliability.md"));
  });

  it(
    "an up cancelled with SIGINT: the stack's audit output claims no invalidation that never ran",
    async () => {
      // One token at a time (the stack has only the dynamic path's yet); every request after the
      // first invalidation waits at the proxy until the CLI has taken the interrupt, so most
      // tokens are not reached.
      proxy.hold(() => invalidated(DYNAMIC_PREFIX) >= 1);
      const up = startCli(s, ["up", "--yes", "--skip-preview", "--parallel", "1"]);
      await Promise.race([proxy.until(() => invalidated(DYNAMIC_PREFIX) >= 1), failIfEnded(up.ended)]);
      up.child.kill("SIGINT");
      await Promise.race([up.printed("^C received; cancelling"), failIfEnded(up.ended)]);
      proxy.release();
      const cancelled = await up.ended;
      expect(cancelled.code, cancelled.out).not.toBe(0);
      await proxy.settled();

      const after = await claims();
      expect(after.cutOff, "dynamic-path tokens cut off by the cancelled up (the interrupt came in the middle)").toBeLessThan(N);
      expect(after.false, "audit rows claiming an invalidation that did not happen").toEqual([]);
    },
    2 * OPERATION_GUARD_MS,
  );

  it(
    "SIGKILL of pulumi in the re-run, with calls of both paths in flight: the language host, the program and both plugins exit",
    async () => {
      // The re-run declares the native path's tokens for the first time (the cancelled up, whose
      // steps run in no fixed order across the two paths, had only the dynamic path's).
      writeFileSync(path.join(workDir, "native.json"), JSON.stringify(nativeIds));
      // Each path's requests are held once KILL_AT of its invalidations were answered in this run,
      // so the kill comes with both providers' calls in flight, for sure.
      const from = proxy.relayed.length;
      const pathOf = (p: string): string | undefined => PATHS.find((prefix) => p.includes(prefix));
      proxy.hold((_method, p) => {
        const prefix = pathOf(p);
        return prefix !== undefined && invalidated(prefix, from) >= KILL_AT;
      });
      const up = startCli(s, ["up", "--yes", "--skip-preview", "--parallel", String(KILL_PARALLEL)]);
      const endedEarly = failIfEnded(up.ended);
      // The kill comes once a call of each path waits at the proxy.
      const waiting = (prefix: string): boolean => proxy.held().some((r) => r.path.includes(prefix));
      await Promise.race([proxy.until(() => PATHS.every(waiting)), endedEarly]);
      const running = await Promise.race([pollUntil(async () => startedBy(up.child.pid!)), endedEarly]);
      started = running;

      up.child.kill("SIGKILL");
      expect((await up.ended).code).toBeNull();
      expect(await untilGone({ ...running }), "processes still running after the engine was killed").toEqual([]);
      started = undefined;

      // Requests sent before the kill still land.
      proxy.release();
      await proxy.settled();
    },
    2 * OPERATION_GUARD_MS,
  );

  it(
    "the damaged backend (lock, pending operations of both paths, empty metadata file) fails every command with `failed to load checkpoint: EOF`",
    async () => {
      expect(backendLocks(s), "lock files after the kill").not.toEqual([]);
      const pending = (JSON.parse(checkpointText(s)).checkpoint.latest.pending_operations ?? []) as Array<{ resource: { type: string } }>;
      expect([...new Set(pending.map((o) => o.resource.type))].sort(), "types with pending operations after the kill").toEqual(
        [NATIVE_TYPE, TOKEN_TYPE].sort(),
      );
      // The kill itself sometimes leaves the empty metadata file (with the backup beside it);
      // otherwise it is made as such a kill makes it.
      const attrs = path.join(stacksDir(s, "killed-both"), `${s.stack.name}.json.attrs`);
      if (statSync(attrs).size > 0) damageAsKillDoes(stacksDir(s, "killed-both"), s.stack.name);
      else expect(statSync(`${attrs.slice(0, -".attrs".length)}.bak.attrs`).size, "the backup's metadata file").toBeGreaterThan(0);
      damaged = true;
      for (const args of [
        ["stack", "export"],
        ["up", "--yes"],
        ["cancel", "--yes"],
      ]) {
        const broken = await pulumiCli(s, args);
        expect(broken.code, args.join(" ")).not.toBe(0);
        expect(broken.stderr, args.join(" ")).toContain("failed to load checkpoint: EOF");
      }
    },
    2 * OPERATION_GUARD_MS,
  );

  it(
    "the documented commands recover it: the stack converges on both paths, each token cut off once, and the audit output claims only what ran",
    async () => {
      expect(damaged, "the previous test damaged the backend").toBe(true);
      // The recovery, as docs/reliability.md writes it, run as it is.
      const env = {
        ...process.env,
        ...s.env,
        BACKEND: s.cli.backendDir,
        PROJECT: "killed-both",
        STACK: s.stack.name,
        PULUMI_SKIP_CONFIRMATIONS: "true", // what a user's "yes" at the prompt of `pulumi up` does
      };
      for (const command of recoveryCommands("docs/reliability.md")) {
        const r = await shell(command, s.stack.workspace.workDir, env);
        expect(r.code, `${command}\n${r.out}`).toBe(0);
      }

      // A working stack: no lock, no pending operation, nothing left to do, every token cut off once.
      expect(backendLocks(s)).toEqual([]);
      const exported = await pulumiCli(s, ["stack", "export"]);
      expect(exported.code, exported.stderr).toBe(0);
      const deployment = JSON.parse(exported.stdout).deployment as { pending_operations?: unknown[]; resources?: Array<{ type: string }> };
      expect(deployment.pending_operations ?? []).toEqual([]);
      expect((deployment.resources ?? []).filter((r) => r.type === TOKEN_TYPE || r.type === NATIVE_TYPE)).toHaveLength(ids.length);
      const preview = await pulumiCli(s, ["preview", "--expect-no-changes"]);
      expect(preview.code, preview.stdout + preview.stderr).toBe(0);
      const live = await sb.admin.getAccounts(ids);
      expect(
        [...live.values()].filter((a) => a.token.valid || a.agencies.length > 0).map((a) => a.id),
        "accounts not cut off",
      ).toEqual([]);
      const audit = (await sb.admin.audit()).filter((e) => ids.includes(e.accountId));
      expect(audit.filter((e) => e.action === "token.invalidate")).toHaveLength(ids.length);
      expect(audit.filter((e) => e.action === "agency.unlink")).toHaveLength(links);

      // The recovery's up is the cancelled up's next: it records the summary, a row per token, every claim true.
      const converged = await claims();
      expect(Object.keys(converged.rows).sort()).toEqual([...dynamicIds].sort());
      expect(converged.false).toEqual([]);
      expect(converged.cutOff).toBe(N);
    },
    T,
  );
});
