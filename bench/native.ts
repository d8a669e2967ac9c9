/**
 * The native provider's rows, side by side with the dynamic ones: the same workload (a sandbox
 * with N generated accounts, 10 ms latency, 200 requests/s), declared in a Pulumi YAML program
 * (`runtime: yaml`, one `marin-social:index:PublisherToken` per account, `valid: false`) and run
 * through the real `pulumi` CLI with the plugin: `preview`, `up --skip-preview`,
 * `refresh --skip-preview`, at the CLI's own `--parallel` (4 per core) unless `--parallel` is given,
 * with the dynamic rows' engine settings (`--skip-checkpoints`, see below); and their engine floor
 * (`nativeFloor`): the same three operations on a stack of N resources of a plugin that does nothing.
 * Needs the CLI with the YAML language host (see test/e2e/native-cli.ts); without it the rows are
 * left out, with a note.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { offlineEnv, PULUMI_BIN } from "../test/e2e/native-cli";
import { type Check, check, type Row, row } from "./bench";
import type { FloorRun } from "./engine-floor";
import { LATENCY_MS, previewRequestFloor, RATE_LIMIT_PER_SECOND, refreshRequestFloor, up429Floor, upRequestFloor, upTimeFloorMs } from "./floors";
import { descendantsMatching, PeakRssMonitor } from "./host-memory";
import type { EngineOp } from "./measure";
import { ROOT, remoteOutcome, startWorkload, type Workload } from "./workload";

/** Peak RSS allowed for the plugin (issue 10, at N = 5,000; applied at every N). */
export const NATIVE_MEMORY_LIMIT_BYTES = 150 * 1024 * 1024;
/** Inputs plus outputs allowed per PublisherToken in state (issue 10). */
export const NATIVE_STATE_LIMIT_BYTES = 1536;

/** The folder of the native floor's plugin, `pulumi-resource-trivial`. */
export const TRIVIAL_PLUGIN_DIR = path.join(__dirname, "trivial-plugin");

/** Whether the native rows can run, and why not. */
export function nativeAvailable(): { ok: true } | { ok: false; reason: string } {
  return PULUMI_BIN
    ? { ok: true }
    : { ok: false, reason: "native rows not run: no pulumi CLI with pulumi-language-yaml in .tools/ or on PATH (npm run pulumi:install)" };
}

interface CliRun {
  code: number;
  out: string;
  wallMs: number;
  peakRss: number;
}

/** Runs `pulumi <args>` in `dir`, watching the peak RSS of the plugin named `watch` (0 when none). */
function pulumi(dir: string, env: Record<string, string>, args: string[], timeoutMs: number, watch?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    // Its own process group, so a timeout stops the CLI with its language host and plugin.
    const child = spawn(path.join(PULUMI_BIN!, "pulumi"), [...args, "--non-interactive", "--color", "never"], {
      cwd: dir,
      env: { ...process.env, ...env },
      detached: true,
    });
    const monitor = watch ? new PeakRssMonitor(50, () => descendantsMatching(child.pid!, watch)).start() : undefined;
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, wallMs: performance.now() - started, peakRss: monitor?.stop() ?? 0 });
    });
  });
}

/** The YAML program declaring every account of the workload. */
function program(w: Workload): string {
  const resources = Object.fromEntries(w.ids.map((id) => [id, { type: "marin-social:index:PublisherToken", properties: { accountId: id, valid: false } }]));
  return stringify({
    name: "marin-social-bench",
    runtime: "yaml",
    plugins: { providers: [{ name: "marin-social", path: path.join(ROOT, "bin") }] },
    resources,
  });
}

/** The native floor's YAML program: N resources `r<i>` of the trivial plugin, input `name` each. */
function floorProgram(n: number): string {
  const resources = Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { type: "trivial:index:Thing", properties: { name: `r${i}` } }]));
  return stringify({
    name: "trivial-native",
    runtime: "yaml",
    plugins: { providers: [{ name: "trivial", path: TRIVIAL_PLUGIN_DIR }] },
    resources,
  });
}

/**
 * Writes `yaml` as the Pulumi.yaml of a project in `dir` with its own PULUMI_HOME and file
 * backend, inits stack `bench` and sets `config`; returns the CLI's environment.
 */
async function yamlStack(dir: string, yaml: string, extraEnv: Record<string, string>, config: Record<string, string>): Promise<Record<string, string>> {
  mkdirSync(path.join(dir, "home"), { recursive: true });
  mkdirSync(path.join(dir, "backend"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
  const env = { ...offlineEnv(PULUMI_BIN!, path.join(dir, "home"), path.join(dir, "backend")), ...extraEnv };
  for (const args of [["stack", "init", "bench"], ...Object.entries(config).map(([k, v]) => ["config", "set", k, v])]) {
    const r = await pulumi(dir, env, args, 60_000);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${r.out}`);
  }
  return env;
}

/** The three operations as the native rows and their floor run them: preview, then up and refresh with `--yes --skip-preview`. */
function operations(parallel: number | undefined): Array<[EngineOp, string[]]> {
  const par = parallel ? ["--parallel", String(parallel)] : [];
  return [
    ["preview", ["preview", ...par]],
    ["up", ["up", "--yes", "--skip-preview", ...par]],
    ["refresh", ["refresh", "--yes", "--skip-preview", ...par]],
  ];
}

/**
 * The native path's engine floor (bench/engine-floor.ts): the native rows' preview, up and
 * refresh, with the same CLI, YAML language host, `--parallel` and engine settings (`engineEnv`),
 * on a YAML stack of N resources of a plugin that does nothing (bench/trivial-plugin). An up
 * that does not create the N resources (and the stack) is an error.
 */
export async function nativeFloor(
  n: number,
  timeoutMs: number,
  log: (line: string) => void,
  parallel?: number,
  engineEnv: Record<string, string> = {},
): Promise<FloorRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "marin-bench-floor-"));
  const result: FloorRun = { wallMsByOp: {}, errors: [] };
  try {
    const env = await yamlStack(dir, floorProgram(n), engineEnv, {});
    for (const [op, args] of operations(parallel)) {
      log(`native floor N=${n}: ${op}...`);
      const r = await pulumi(dir, env, args, timeoutMs);
      result.wallMsByOp[op] = r.wallMs;
      result.errors.push(...errorsOf(r).map((e) => `${op}: ${e}`));
      if (op === "up" && r.code === 0) {
        // The CLI's summary ("+ 51 created"): the N things and the stack.
        const created = Number(/^\s*\+ (\d+) created$/m.exec(r.out)?.[1] ?? 0);
        if (created !== n + 1) result.errors.push(`up: created ${created} resources, not ${n} and the stack`);
      }
      log(`native floor N=${n}: ${op} ${(r.wallMs / 1000).toFixed(1)} s${r.code ? `, exit ${r.code}` : ""}`);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The largest inputs-plus-outputs of a PublisherToken in the stack's state, bytes. */
async function stateBytes(dir: string, env: Record<string, string>): Promise<number> {
  const r = await pulumi(dir, env, ["stack", "export"], 120_000);
  if (r.code !== 0) throw new Error(`pulumi stack export failed: ${r.out.slice(-500)}`);
  const tokens = (JSON.parse(r.out).deployment.resources as Array<{ type: string; inputs: unknown; outputs: unknown }>).filter(
    (x) => x.type === "marin-social:index:PublisherToken",
  );
  if (tokens.length === 0) throw new Error("no PublisherToken in the state after up");
  return Math.max(...tokens.map((t) => Buffer.byteLength(JSON.stringify({ inputs: t.inputs, outputs: t.outputs }))));
}

function errorsOf(r: CliRun): string[] {
  return r.code === 0 ? [] : [`exit ${r.code}: ${r.out.trim().split("\n").slice(-5).join(" | ").slice(0, 500)}`];
}

/** Measures one N; returns its rows (operation rows, memory, state), each marked `path: "native"`. */
export async function nativeRows(
  n: number,
  timeoutMs: number,
  log: (line: string) => void,
  parallel?: number,
  engineEnv: Record<string, string> = {},
): Promise<Row[]> {
  const w = await startWorkload({ n, timeoutMs });
  try {
    const dir = path.join(w.dir, "native");
    // The same engine settings as the dynamic rows (`--skip-checkpoints`): without it the file
    // backend re-serializes the whole snapshot after every step, O(N²) in the engine alone.
    const env = await yamlStack(dir, program(w), { MARIN_SOCIAL_API_KEY: w.sandbox.keys.admin, ...engineEnv }, { "marin-social:apiUrl": w.sandbox.url });
    const rows: Row[] = [];
    const peaks: number[] = [];
    const ops = operations(parallel);
    for (const [op, args] of ops) {
      await w.admin.sandbox.setFaults({ latencyMs: LATENCY_MS, errorRate: 0, rateLimitPerSecond: RATE_LIMIT_PER_SECOND });
      await w.admin.sandbox.resetStats();
      log(`native N=${n}: ${op}...`);
      const r = await pulumi(dir, env, args, timeoutMs, "pulumi-resource-marin-social");
      const stats = (await w.admin.sandbox.stats()) as { total: number; byRoute: Record<string, Record<string, number>>; byStatus: Record<string, number> };
      const limited = stats.byStatus["429"] ?? 0;
      const errors = errorsOf(r);
      peaks.push(r.peakRss);
      log(
        `native N=${n}: ${op} ${(r.wallMs / 1000).toFixed(1)} s, ${stats.total} requests, ${limited} 429s, plugin ${(r.peakRss / 1048576).toFixed(0)} MB${errors.length ? `, ${errors[0]}` : ""}`,
      );
      const checks: Check[] = [check("errors", errors.length, 0, "count")];
      const detail: Record<string, unknown> = { byRoute: stats.byRoute, pluginPeakRssBytes: r.peakRss, errors, errorCount: errors.length };
      if (op === "preview") checks.unshift(check("requests", stats.total, previewRequestFloor(n), "requests"));
      if (op === "refresh") checks.unshift(check("requests", stats.total, refreshRequestFloor(n), "requests"));
      if (op === "up") {
        const outcome = await remoteOutcome(w);
        detail.links = w.links;
        detail.outcome = outcome;
        checks.unshift(
          check("requests", stats.total, upRequestFloor(n, w.links), "requests"),
          check("429s", limited, up429Floor(stats.total), "count"),
          check("time", r.wallMs, upTimeFloorMs(stats.total - limited), "ms"),
        );
        checks.push(check("accounts still valid", outcome.stillValid, 0, "count"), check("links left", outcome.linksLeft, 0, "count"));
      }
      rows.push(row({ operation: op, path: "native", n, wallMs: r.wallMs, requests: stats.total, rateLimited: limited, checks, detail }));
      if (op === "up") {
        const bytes = await stateBytes(dir, env).catch(() => Number.POSITIVE_INFINITY);
        rows.push(
          row({
            operation: "state",
            path: "native",
            n,
            checks: [check("bytes/resource", bytes, NATIVE_STATE_LIMIT_BYTES, "bytes")],
            detail: { measure: "inputs + outputs of the largest PublisherToken" },
          }),
        );
      }
    }
    const peak = Math.max(...peaks);
    rows.push(
      row({
        operation: "memory",
        path: "native",
        n,
        checks: [check("peak RSS", peak, NATIVE_MEMORY_LIMIT_BYTES, "bytes")],
        detail: { pluginPeakRssBytesByOp: Object.fromEntries(ops.map(([op], i) => [op, peaks[i]])) },
      }),
    );
    return rows;
  } finally {
    await w.close();
  }
}
