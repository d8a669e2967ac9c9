/**
 * A `pulumi up` killed outright (SIGKILL of the CLI), through the real engine, on both paths:
 * (a) what the engine started exits on its own: our Node.js language host, the program it runs,
 *     and the provider (the SDK's dynamic-provider host, or the native plugin);
 * (b) the damaged file backend (the run's lock, its pending operations, and the empty
 *     `<stack>.json.attrs` a kill sometimes leaves) is recovered by running the commands
 *     docs/reliability.md gives, read from that page, and the stack ends converged;
 * and (c) after an up cancelled with SIGINT, the stack's `audit` output claims no action that
 * never ran.
 * Waits are on events (the CLI's exit, responses relayed by a proxy) or on /proc polled until a
 * deadline; nothing sleeps.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { checkpointText, describeWithPulumi, type PulumiTestStack, pulumiCli, pulumiStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { forwardingProxy, invalidations, OPERATION_GUARD_MS, pollUntil, repoStack } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
/** A killed up, the recovery's four commands and the checks after. */
const T = 8 * OPERATION_GUARD_MS;
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

/** The engine's children: our language host, the program it runs, and the provider plugin. */
interface Started {
  host: number;
  program: number;
  plugin: number;
}

/** The children of the CLI `pulumi`, once all three run; undefined until then. */
function startedBy(pulumi: number, plugin: RegExp): Started | undefined {
  const kids = childrenOf(pulumi);
  const host = kids.find((p) => proc(p)?.exe === "pulumi-language-nodejs");
  const provider = kids.find((p) => proc(p)?.argv.some((a) => plugin.test(a)));
  const program = host === undefined ? undefined : childrenOf(host).find((p) => proc(p)?.argv.some((a) => a.endsWith("/cmd/run/index.js")));
  return host && provider && program ? { host, program, plugin: provider } : undefined;
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

/** `pulumi <args>` of the stack's CLI in its project folder, started as a user starts it. */
function startCli(s: PulumiTestStack, args: string[]): { child: ChildProcess; ended: Promise<{ code: number | null; out: string }> } {
  const child = spawn(s.cli.install.pulumi, [...args, "--stack", s.stack.name, "--non-interactive", "--color", "never"], {
    cwd: s.stack.workspace.workDir,
    env: { ...process.env, ...s.env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  const ended = new Promise<{ code: number | null; out: string }>((resolve) => child.on("close", (code) => resolve({ code, out })));
  return { child, ended };
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

/** A Node.js program declaring each account of ids.json as a native PublisherToken to invalidate, with the plugin from bin/. */
function nativeProject(ids: string[]): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-killed-native-")), "killed-native");
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: killed-native\nruntime: nodejs\nmain: index.js\nplugins:\n  providers:\n    - name: marin-social\n      path: ${JSON.stringify(path.join(ROOT, "bin"))}\n`,
  );
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "killed-native", private: true }));
  writeFileSync(path.join(dir, "ids.json"), JSON.stringify(ids));
  writeFileSync(
    path.join(dir, "index.js"),
    // The resource registered by its type token, as every SDK language's generated class does.
    `const pulumi = require("@pulumi/pulumi");\n` +
      `for (const id of require("./ids.json")) new pulumi.CustomResource("marin-social:index:PublisherToken", id, { accountId: id, valid: false, reason: "offboarding" });\n`,
  );
  symlinkSync(ROOT, path.join(dir, "node_modules", "pulumi-marin-social"), "dir");
  symlinkSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  return dir;
}

interface PathCase {
  name: string;
  project: string;
  /** Matches an argument of the provider plugin's command line. */
  plugin: RegExp;
  stack(apiUrl: string, apiKey: string, ids: string[]): Promise<PulumiTestStack>;
}

const CASES: PathCase[] = [
  {
    name: "the dynamic path (the repository's program)",
    project: "marin-social",
    plugin: /\/@pulumi\/pulumi\/cmd\/dynamic-provider(\/index\.js)?$/,
    stack: (apiUrl, apiKey, ids) => repoStack({ apiUrl, apiKey, tokens: ids.map((accountId) => ({ accountId, valid: false })) }),
  },
  {
    name: "the native path (a Node.js program on the native plugin)",
    project: "killed-native",
    plugin: /\/pulumi-resource-marin-social$/,
    stack: async (apiUrl, apiKey, ids) => {
      const workDir = nativeProject(ids);
      const s = await pulumiStack({ workDir, config: { "marin-social:apiUrl": apiUrl }, secretConfig: { "marin-social:apiKey": apiKey } });
      const cleanup = s.cleanup;
      s.cleanup = async () => {
        await cleanup();
        rmSync(path.dirname(workDir), { recursive: true, force: true });
      };
      return s;
    },
  },
];

describeWithPulumi("a killed `pulumi up`, through the real engine", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox();
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("the README gives the recovery commands of docs/reliability.md", () => {
    expect(recoveryCommands("README.md")).toEqual(recoveryCommands("docs/reliability.md"));
  });

  describe.each(CASES)("$name", (c) => {
    it(
      "SIGKILL of pulumi: the language host, the program and the plugin exit; the documented commands recover the damaged backend and the stack converges",
      async () => {
        const N = 24;
        const { ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: `killed-${c.project}-`, agenciesPerAccount: { min: 1, max: 2 } });
        const proxy = await forwardingProxy(sb.url);
        onTestFinished(() => proxy.close());
        const s = await c.stack(proxy.url, sb.sandbox.keys.admin, ids);
        onTestFinished(() => s.cleanup());
        const links = [...(await sb.admin.getAccounts(ids)).values()].reduce((n, a) => n + a.agencies.length, 0);

        // Latency keeps the run long enough to be caught with calls in flight.
        await sb.admin.sandbox.setFaults({ latencyMs: 200 });
        onTestFinished(() => sb.admin.sandbox.setFaults({}));
        const up = startCli(s, ["up", "--yes"]);
        const endedEarly = failIfEnded(up.ended);
        await Promise.race([proxy.until((relayed) => invalidations(relayed) >= 3), endedEarly]);
        const started = await Promise.race([pollUntil(async () => startedBy(up.child.pid!, c.plugin)), endedEarly]);
        onTestFinished(() => {
          for (const pid of Object.values(started)) if (proc(pid)) process.kill(pid, "SIGKILL");
        });

        up.child.kill("SIGKILL");
        expect((await up.ended).code).toBeNull();
        expect(await untilGone({ ...started })).toEqual([]);

        // The damaged backend: the kill's lock and pending operations, and the empty metadata file.
        await sb.admin.sandbox.setFaults({});
        await proxy.settled();
        expect(backendLocks(s)).not.toEqual([]);
        expect(JSON.parse(checkpointText(s)).checkpoint.latest.pending_operations?.length ?? 0).toBeGreaterThan(0);
        expect((await pulumiCli(s, ["stack", "select"])).code).toBe(0); // the user's stack, selected as it was
        damageAsKillDoes(stacksDir(s, c.project), s.stack.name);
        for (const args of [
          ["stack", "export"],
          ["up", "--yes"],
          ["cancel", "--yes"],
        ]) {
          const broken = await pulumiCli(s, args);
          expect(broken.code, args.join(" ")).not.toBe(0);
          expect(broken.stderr, args.join(" ")).toContain("failed to load checkpoint: EOF");
        }

        // The recovery, as docs/reliability.md writes it, run as it is.
        const env = {
          ...process.env,
          ...s.env,
          BACKEND: s.cli.backendDir,
          PROJECT: c.project,
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
        expect(JSON.parse(exported.stdout).deployment.pending_operations ?? []).toEqual([]);
        const preview = await pulumiCli(s, ["preview", "--expect-no-changes"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
        const live = await sb.admin.getAccounts(ids);
        expect([...live.values()].filter((a) => a.token.valid || a.agencies.length > 0).map((a) => a.id)).toEqual([]);
        const audit = (await sb.admin.audit()).filter((e) => ids.includes(e.accountId));
        expect(audit.filter((e) => e.action === "token.invalidate")).toHaveLength(N);
        expect(audit.filter((e) => e.action === "agency.unlink")).toHaveLength(links);
      },
      T,
    );
  });

  it(
    "an up cancelled with SIGINT: the stack's audit output claims no invalidation that never ran",
    async () => {
      const N = 12;
      const { ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "cancelled-", agenciesPerAccount: { min: 1, max: 2 } });
      const proxy = await forwardingProxy(sb.url);
      onTestFinished(() => proxy.close());
      const s = await CASES[0]!.stack(proxy.url, sb.sandbox.keys.admin, ids);
      onTestFinished(() => s.cleanup());
      await sb.admin.sandbox.setFaults({ latencyMs: 100 });
      onTestFinished(() => sb.admin.sandbox.setFaults({}));

      // One token at a time, so that most are not reached when the interrupt comes.
      const up = startCli(s, ["up", "--yes", "--parallel", "1"]);
      await Promise.race([proxy.until((relayed) => invalidations(relayed) >= 1), failIfEnded(up.ended)]);
      up.child.kill("SIGINT");
      const cancelled = await up.ended;
      expect(cancelled.code, cancelled.out).not.toBe(0);
      await proxy.settled();

      const claims = async (): Promise<{ rows: Record<string, { action?: string }>; false: string[]; cutOff: number }> => {
        const out = await pulumiCli(s, ["stack", "output", "--json"]);
        expect(out.code, out.stderr).toBe(0);
        const rows = (JSON.parse(out.stdout) as { audit?: Record<string, { action?: string }> }).audit ?? {};
        const live = await sb.admin.getAccounts(ids);
        const claimed = Object.entries(rows).filter(([, row]) => row.action?.startsWith("invalidate"));
        return {
          rows,
          false: claimed.filter(([id]) => live.get(id)?.token.valid !== false).map(([id, row]) => `${id}: ${row.action}`),
          cutOff: [...live.values()].filter((a) => !a.token.valid).length,
        };
      };
      const after = await claims();
      expect(after.cutOff).toBeLessThan(N); // the interrupt really came in the middle
      expect(after.false).toEqual([]);

      // The next up finishes, and records the summary: a row per token, every claim true.
      await sb.admin.sandbox.setFaults({});
      const done = startCli(s, ["up", "--yes"]);
      const r = await done.ended;
      expect(r.code, r.out).toBe(0);
      const converged = await claims();
      expect(Object.keys(converged.rows).sort()).toEqual([...ids].sort());
      expect(converged.false).toEqual([]);
      expect(converged.cutOff).toBe(N);
    },
    4 * OPERATION_GUARD_MS,
  );
});
