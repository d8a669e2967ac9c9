/**
 * `npm run bench:plugin`: the single-file plugin (`npm run plugin:pack`) beside today's launcher
 * (bin/, on the machine's `node`): the executable's size, its cold start to the first gRPC answer
 * (spawn to a GetPluginInfo reply, the median of 5), and its peak RSS over `preview` and
 * `up --skip-preview` of a Pulumi YAML stack of N tokens through the real CLI (the workload of
 * `npm run bench`, PULUMI_SKIP_CHECKPOINTS). N = 500 unless `--n <N>` (the figure is at
 * N = 5,000; 500 keeps it to a few minutes on a shared machine). The executable measured is the one
 * in the tarball, unpacked. Figures, not assertions: it exits 0 unless a run fails.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { stringify } from "yaml";
import { offlineEnv, PULUMI_BIN } from "../test/e2e/native-cli";
import { descendantsMatching, PeakRssMonitor } from "./host-memory";
import { ROOT, startWorkload } from "./workload";

const NAME = "pulumi-resource-marin-social";
const MB = 1024 * 1024;

/** Spawn to the first GetPluginInfo answer, ms. */
function coldStart(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
    child.once("error", reject);
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
      if (!out.includes("\n")) return;
      const client = new ResourceProviderClient(`127.0.0.1:${out.trim()}`, grpc.credentials.createInsecure());
      client.getPluginInfo(new Empty(), (err) => {
        const ms = performance.now() - started;
        client.close();
        child.kill();
        if (err) reject(err);
        else resolve(ms);
      });
    });
  });
}

async function median5(command: string, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push(await coldStart(command, args));
  return times.sort((a, b) => a - b)[2]!;
}

/** `pulumi <args>` in `dir`; the peak RSS of the plugin processes under it. */
function pulumi(dir: string, env: Record<string, string>, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(PULUMI_BIN!, "pulumi"), [...args, "--non-interactive", "--color", "never"], { cwd: dir, env: { ...process.env, ...env } });
    const monitor = new PeakRssMonitor(50, () => descendantsMatching(child.pid!, NAME)).start();
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    child.on("close", (code) => {
      const peak = monitor.stop();
      if (code === 0) resolve(peak);
      else reject(new Error(`pulumi ${args.join(" ")} exited ${code}: ${out.slice(-800)}`));
    });
  });
}

/** Peak RSS of the plugin in `pluginDir` over preview and up of N tokens. */
async function peakRss(n: number, pluginDir: string): Promise<number> {
  const w = await startWorkload({ n, timeoutMs: 900_000 });
  try {
    const dir = path.join(w.dir, "stack");
    for (const d of ["home", "backend"]) mkdirSync(path.join(dir, d), { recursive: true });
    const resources = Object.fromEntries(w.ids.map((id) => [id, { type: "marin-social:index:PublisherToken", properties: { accountId: id, valid: false } }]));
    writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      stringify({ name: "marin-social-plugin-bench", runtime: "yaml", plugins: { providers: [{ name: "marin-social", path: pluginDir }] }, resources }),
    );
    const env = {
      ...offlineEnv(PULUMI_BIN!, path.join(dir, "home"), path.join(dir, "backend")),
      MARIN_SOCIAL_API_KEY: w.sandbox.keys.admin,
      PULUMI_SKIP_CHECKPOINTS: "true",
    };
    await pulumi(dir, env, ["stack", "init", "bench"]);
    await pulumi(dir, env, ["config", "set", "marin-social:apiUrl", w.sandbox.url]);
    return Math.max(await pulumi(dir, env, ["preview"]), await pulumi(dir, env, ["up", "--yes", "--skip-preview"]));
  } finally {
    await w.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf("--n");
  const n = i >= 0 ? Number(argv[i + 1]) : 500;
  if (!PULUMI_BIN) throw new Error("no pulumi CLI with pulumi-language-yaml in .tools/ (npm run pulumi:install)");
  const tarball = execFileSync(process.execPath, [path.join(ROOT, "scripts", "plugin-pack.js")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  const unpacked = mkdtempSync(path.join(tmpdir(), "marin-plugin-bench-"));
  try {
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
    const binary = path.join(unpacked, NAME);
    const launcher = path.join(ROOT, "bin");
    const rows: Array<[string, string, string, string]> = [];
    const binaryStart = await median5(binary, []);
    const launcherStart = await median5(process.execPath, [path.join(launcher, NAME)]);
    const binaryRss = await peakRss(n, unpacked);
    const launcherRss = await peakRss(n, launcher);
    rows.push(
      [
        "single-file plugin (Node 24 SEA)",
        `${(statSync(binary).size / MB).toFixed(1)} MB (tarball ${(statSync(tarball).size / MB).toFixed(1)} MB)`,
        `${binaryStart.toFixed(0)} ms`,
        `${(binaryRss / MB).toFixed(1)} MB`,
      ],
      [`launcher (bin/ on node ${process.version})`, "needs node and the package", `${launcherStart.toFixed(0)} ms`, `${(launcherRss / MB).toFixed(1)} MB`],
    );
    process.stdout.write(`plugin | size | cold start to first gRPC answer (median of 5) | peak RSS, preview + up, N = ${n}\n`);
    for (const r of rows) process.stdout.write(`${r.join(" | ")}\n`);
    return 0;
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}
