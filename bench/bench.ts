/**
 * The benchmark's core: for each N, a seeded sandbox, the repository's stack through the real
 * `pulumi` CLI (preview, up, refresh, at the CLI's default `--parallel` unless told), the same
 * with the client's naive knobs, the provider host's memory and the state size; plus the loader
 * on a 10,000-entry file. Produces rows, each figure beside its floor.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import * as path from "node:path";
import { type PulumiTestStack, requirePulumi } from "../test/support/pulumi-env";
import { floorRows, type OpFigures } from "./engine-floor";
import {
  LATENCY_MS,
  LOAD_ENTRIES,
  LOAD_LIMIT_MS,
  MEMORY_LIMIT_BYTES,
  MEMORY_LIMIT_N,
  PROGRAM_MEMORY_RATIO_LIMIT,
  previewRequestFloor,
  RATE_LIMIT_PER_SECOND,
  refreshRequestFloor,
  STATE_FILE_LIMIT_BYTES,
  STATE_LIMIT_BYTES,
  up429Floor,
  upRequestFloor,
  upTimeFloorMs,
} from "./floors";
import { type LoadMeasurement, measureLoad } from "./load";
import { type EngineOp, type Measurement, measure } from "./measure";
import { nativeAvailable, nativeFloor, nativeRows } from "./native";
import { type PersonOutcome, personOutcome } from "./person";
import { type ExportedState, exportedState, type StateSize, stateSize } from "./state-size";
import { measureTrivial, type TrivialMeasurement } from "./trivial";
import { NAIVE_ENV, remoteOutcome, startWorkload, type Workload, workloadStack } from "./workload";

/** What to run. */
export interface BenchOptions {
  /** Stack sizes. Default [100, 1000, 5000]. */
  sizes: number[];
  /** Run the naive baseline too. Default true. */
  baseline: boolean;
  /** The naive `up` runs only for N up to this (it is slow by design). Default 1000. */
  baselineUpMaxN: number;
  /** Entries of the load benchmark's file. Default 10,000. */
  loadEntries: number;
  /** Runs of the load benchmark (the best counts). Default 5. */
  loadRuns: number;
  /** The CLI's `--parallel` (`pulumi up --parallel N`); undefined runs the CLI's default (see {@link cliDefaultParallel}). */
  parallel?: number;
  /** Also run the native provider through the real CLI (when it is there). Default true. */
  native: boolean;
  /**
   * Also run the trivial programs: the trivial dynamic program (bench/trivial.ts: preview, up and
   * refresh of N trivial dynamic resources), and the same shaped like a PublisherToken, for the
   * program-memory row and the dynamic path's engine-floor rows; with `native`, the native path's
   * floor (bench/native.ts nativeFloor) for its engine-floor rows. Default true.
   */
  trivial: boolean;
  /**
   * With `trivial`, also run the trivial program shaped like a PublisherToken (the program-memory
   * row's split of ours above trivial). Default true; without it that row has no split.
   */
  shaped: boolean;
  /**
   * Run the CLI with `PULUMI_SKIP_CHECKPOINTS=true`: the file backend then writes the state once,
   * at the end, instead of the whole checkpoint after every step (O(N²) bytes). Default false.
   */
  skipCheckpoints?: boolean;
  /**
   * Also run the person rows (bench/person.ts): offboarding one person who holds one in five of
   * the N accounts, through a `people:` entry. Default true.
   */
  person: boolean;
  /** Run the person rows alone: no token rows, baseline, trivial programs, native rows or load. Default false. */
  personOnly?: boolean;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** The defaults of {@link BenchOptions}: the full benchmark of issue 5. */
export const DEFAULT_OPTIONS: BenchOptions = {
  sizes: [100, 1_000, 5_000],
  baseline: true,
  baselineUpMaxN: 1_000,
  loadEntries: LOAD_ENTRIES,
  loadRuns: 5,
  native: true,
  trivial: true,
  shaped: true,
  person: true,
};

/** One figure against its limit. */
export interface Check {
  /** e.g. `requests`, `429s`, `time`, `peak RSS`, `bytes/resource`, `errors`. */
  name: string;
  value: number;
  /** The largest value that passes (inclusive), or the bound it must stay under when `strict`. */
  limit: number;
  /** True when the value must be strictly below the limit. */
  strict?: boolean;
  unit: "requests" | "count" | "ms" | "bytes" | "ratio";
  pass: boolean;
}

/** The naive baseline's figures for one operation, or why it did not run. */
export type NaiveFigures =
  | { ran: true; wallMs: number; requests: number; rateLimited: number; errors: string[]; errorCount: number }
  | { ran: false; reason: string };

/** One row of the table. */
export interface Row {
  operation: EngineOp | `${EngineOp} ÷ floor` | "load" | "memory" | "state" | "program memory" | "state file" | "person preview" | "person up";
  /** `native` for the native provider's rows (bench/native.ts); absent for the dynamic path's. */
  path?: "native";
  /** Stack size (entries, for load). */
  n: number;
  /** Wall time, ms (engine operations and load). */
  wallMs?: number;
  /** `/v1` requests, 429s included (engine operations). */
  requests?: number;
  /** 429 responses (engine operations). */
  rateLimited?: number;
  checks: Check[];
  pass: boolean;
  naive?: NaiveFigures;
  /** Ours ÷ naive (below 1 is better), when the baseline ran. */
  ratio?: { requests: number; time: number };
  /** Everything else measured for this row (per-route requests, sizes, runs...). */
  detail: Record<string, unknown>;
}

/** The whole run, as written to bench/results.json. */
export interface BenchResults {
  version: 1;
  startedAt: string;
  durationMs: number;
  machine: {
    nproc: number;
    cpu: string;
    memoryGiB: number;
    node: string;
    platform: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews the times. */
    loadAverage: { start: number; end: number };
  };
  workload: {
    sizes: number[];
    latencyMs: number;
    rateLimitPerSecond: number;
    agenciesPerAccount: { min: number; max: number };
    naiveEnv: Record<string, string>;
    baselineUpMaxN: number;
  };
  /** The engine: the pulumi CLI and the `--parallel` every operation ran with. */
  engine: {
    cli: string;
    version: string;
    parallel: number;
    /** `default`: no `--parallel` was passed (the CLI's own default, as users run it); `flag`: `--parallel` was given. */
    parallelSource: "default" | "flag";
    /** PULUMI_SKIP_CHECKPOINTS was set (see {@link BenchOptions.skipCheckpoints}). */
    skipCheckpoints: boolean;
  };
  rows: Row[];
  notes: string[];
  /** True when every row passed. */
  pass: boolean;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One figure against its limit. */
export function check(name: string, value: number, limit: number, unit: Check["unit"], strict = false): Check {
  return { name, value, limit, unit, pass: strict ? value < limit : value <= limit, ...(strict ? { strict } : {}) };
}

/** A row, passing when every check passes. */
export function row(r: Omit<Row, "pass">): Row {
  return { ...r, pass: r.checks.every((c) => c.pass) };
}

/** The machine the figures come from; `loadStart` is the 1-minute load average when the run began. */
export function machine(loadStart: number): BenchResults["machine"] {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: { start: loadStart, end: round2(loadavg()[0] ?? 0) },
  };
}

/**
 * The `--parallel` the pulumi CLI uses when none is given: `PULUMI_PARALLEL` when set, else 4 per
 * CPU the Go runtime may use (`GOMAXPROCS`, by default the CPUs available to the process).
 * See pkg/cmd/pulumi/operations/up.go `defaultParallel`.
 */
export function cliDefaultParallel(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.PULUMI_PARALLEL);
  if (Number.isSafeInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const procs = Number(env.GOMAXPROCS);
  return 4 * (Number.isSafeInteger(procs) && procs > 0 ? procs : availableParallelism());
}

/** Per-operation deadline: generous, so a slow run is measured rather than killed. */
function timeoutFor(n: number): number {
  return Math.max(600_000, n * 1_200);
}

function naiveFigures(m: Measurement): NaiveFigures {
  return { ran: true, wallMs: m.wallMs, requests: m.requests, rateLimited: m.rateLimited, errors: m.errors, errorCount: m.errorCount };
}

function withNaive(r: Row, naive: NaiveFigures | undefined): Row {
  if (!naive) return r;
  r.naive = naive;
  if (naive.ran && r.requests !== undefined && r.wallMs !== undefined && naive.requests > 0 && naive.wallMs > 0) {
    r.ratio = { requests: r.requests / naive.requests, time: r.wallMs / naive.wallMs };
  }
  return r;
}

function opDetail(m: Measurement): Record<string, unknown> {
  return {
    apiSpanMs: m.apiSpanMs,
    firstRequestMs: m.firstRequestMs,
    byRoute: m.byRoute,
    steps: m.steps,
    hostPeakRssBytes: m.hostPeakRssBytes,
    programPeakRssBytes: m.programPeakRssBytes,
    errors: m.errors,
    errorCount: m.errorCount,
  };
}

/** Runs preview, up and refresh on one workload's stack; after up, reads the sandbox and the state. */
async function runStack(
  w: Workload,
  stack: PulumiTestStack,
  ops: EngineOp[],
  log: (line: string) => void,
  label: string,
): Promise<{
  m: Partial<Record<EngineOp, Measurement>>;
  outcome?: { stillValid: number; linksLeft: number };
  state?: StateSize;
  exported?: ExportedState | { error: string };
}> {
  const m: Partial<Record<EngineOp, Measurement>> = {};
  let outcome: { stillValid: number; linksLeft: number } | undefined;
  let state: StateSize | undefined;
  let exported: ExportedState | { error: string } | undefined;
  for (const op of ops) {
    log(`${label} N=${w.n}: ${op}...`);
    const r = await measure(w, stack, op);
    m[op] = r;
    log(
      `${label} N=${w.n}: ${op} ${(r.wallMs / 1000).toFixed(1)} s, ${r.requests} requests, ${r.rateLimited} 429s` +
        (r.errorCount ? `, ${r.errorCount} errors: ${r.errors[0]}` : ""),
    );
    if (op === "up") {
      outcome = await remoteOutcome(w);
      try {
        state = stateSize(stack);
      } catch {
        state = undefined;
      }
      exported = await exportedState(stack).catch((err: Error) => ({ error: err.message.slice(0, 500) }));
    }
  }
  return { m, ...(outcome ? { outcome } : {}), ...(state ? { state } : {}), ...(exported ? { exported } : {}) };
}

function errorsCheck(m: Measurement): Check {
  return check("errors", m.errorCount, 0, "count");
}

/** Builds the rows of one N from our run and the naive run. */
function rowsForN(
  n: number,
  links: number,
  ours: Awaited<ReturnType<typeof runStack>>,
  naive: Awaited<ReturnType<typeof runStack>> | undefined,
  naiveSkipped: Partial<Record<EngineOp, string>>,
  trivial: { plain: TrivialMeasurement; shaped?: TrivialMeasurement } | undefined,
  skipCheckpoints = false,
): Row[] {
  const rows: Row[] = [];
  const naiveOf = (op: EngineOp): NaiveFigures | undefined => {
    if (naiveSkipped[op]) return { ran: false, reason: naiveSkipped[op]! };
    const nm = naive?.m[op];
    return nm ? naiveFigures(nm) : undefined;
  };
  const p = ours.m.preview;
  if (p) {
    rows.push(
      withNaive(
        row({
          operation: "preview",
          n,
          wallMs: p.wallMs,
          requests: p.requests,
          rateLimited: p.rateLimited,
          checks: [check("requests", p.requests, previewRequestFloor(n), "requests"), errorsCheck(p)],
          detail: opDetail(p),
        }),
        naiveOf("preview"),
      ),
    );
  }
  const u = ours.m.up;
  if (u) {
    const admitted = u.requests - u.rateLimited;
    const checks = [
      check("requests", u.requests, upRequestFloor(n, links), "requests"),
      check("429s", u.rateLimited, up429Floor(u.requests), "count"),
      check("time", u.wallMs, upTimeFloorMs(admitted), "ms"),
      errorsCheck(u),
    ];
    if (ours.outcome) {
      checks.push(check("accounts still valid", ours.outcome.stillValid, 0, "count"));
      checks.push(check("links left", ours.outcome.linksLeft, 0, "count"));
    }
    rows.push(
      withNaive(
        row({
          operation: "up",
          n,
          wallMs: u.wallMs,
          requests: u.requests,
          rateLimited: u.rateLimited,
          checks,
          detail: { ...opDetail(u), links, outcome: ours.outcome, naiveOutcome: naive?.outcome },
        }),
        naiveOf("up"),
      ),
    );
  }
  const r = ours.m.refresh;
  if (r) {
    rows.push(
      withNaive(
        row({
          operation: "refresh",
          n,
          wallMs: r.wallMs,
          requests: r.requests,
          rateLimited: r.rateLimited,
          checks: [check("requests", r.requests, refreshRequestFloor(n), "requests"), errorsCheck(r)],
          detail: opDetail(r),
        }),
        naiveOf("refresh"),
      ),
    );
  }
  if (trivial) rows.push(...floorRows(n, "dynamic", ours.m, trivial.plain, skipCheckpoints));
  const peaks = (["preview", "up", "refresh"] as const).map((op) => [op, ours.m[op]?.hostPeakRssBytes ?? 0] as const);
  const peak = Math.max(...peaks.map(([, v]) => v));
  rows.push(
    row({
      operation: "memory",
      n,
      checks: [check("peak RSS", peak, MEMORY_LIMIT_BYTES, "bytes", true)],
      detail: { hostPeakRssBytesByOp: Object.fromEntries(peaks), limitSetAtN: MEMORY_LIMIT_N },
    }),
  );
  if (ours.state) {
    rows.push(
      row({
        operation: "state",
        n,
        checks: [check("bytes/resource", ours.state.providerPlusOutputsBytes, STATE_LIMIT_BYTES, "bytes")],
        detail: { ...ours.state },
      }),
    );
  } else {
    rows.push(
      row({
        operation: "state",
        n,
        checks: [check("resources missing from the state", n, 0, "count")],
        detail: { error: "no PublisherToken in the state after up" },
      }),
    );
  }
  if (ours.exported && !("error" in ours.exported)) {
    const e = ours.exported;
    rows.push(
      row({
        operation: "state file",
        n,
        checks: [check("export bytes/resource", e.bytesPerResource, STATE_FILE_LIMIT_BYTES, "bytes")],
        detail: { ...e },
      }),
    );
  } else {
    const error = ours.exported && "error" in ours.exported ? ours.exported.error : "no up ran";
    rows.push(row({ operation: "state file", n, checks: [check("resources missing from the export", n, 0, "count")], detail: { errors: [error] } }));
  }
  if (trivial) rows.push(programMemoryRow(n, ours.m, trivial.plain, trivial.shaped));
  return rows;
}

/**
 * The program-memory row: the peak RSS of our program's process (the SDK runner running
 * dist/program.js, highest of preview and up) beside the trivial program's (same runner, same N),
 * and their ratio against its floor.
 */
export function programMemoryRow(n: number, ours: Partial<Record<EngineOp, Measurement>>, trivial: TrivialMeasurement, shaped?: TrivialMeasurement): Row {
  const oursByOp = { preview: ours.preview?.programPeakRssBytes ?? 0, up: ours.up?.programPeakRssBytes ?? 0 };
  const peak = Math.max(oursByOp.preview, oursByOp.up);
  const base = Math.max(trivial.programPeakRssBytesByOp.preview, trivial.programPeakRssBytesByOp.up);
  const shapedPeak = shaped ? Math.max(shaped.programPeakRssBytesByOp.preview, shaped.programPeakRssBytesByOp.up) : undefined;
  const detail = {
    programPeakRssBytes: peak,
    trivialPeakRssBytes: base,
    programPeakRssBytesByOp: oursByOp,
    trivialPeakRssBytesByOp: trivial.programPeakRssBytesByOp,
    trivialWallMsByOp: trivial.wallMsByOp,
    /** What our program holds above the trivial one, per resource. */
    extraBytesPerResource: (peak - base) / n,
    ...(shaped && shapedPeak !== undefined
      ? {
          /** The trivial program shaped like a PublisherToken (bench/trivial.ts SHAPED_PROGRAM). */
          shapedPeakRssBytes: shapedPeak,
          shapedPeakRssBytesByOp: shaped.programPeakRssBytesByOp,
          shapedWallMsByOp: shaped.wallMsByOp,
          /** The SDK's cost of the PublisherToken's shape, per resource: shaped above trivial. */
          shapeBytesPerResource: (shapedPeak - base) / n,
          /** Our program's own, per resource: ours above the shaped program. */
          ownBytesPerResource: (peak - shapedPeak) / n,
        }
      : {}),
    errors: [...trivial.errors, ...(shaped?.errors.map((e) => `shaped ${e}`) ?? [])],
  };
  if (peak === 0 || base === 0 || shapedPeak === 0) {
    return row({ operation: "program memory", n, checks: [check("peaks not read", 1, 0, "count")], detail });
  }
  return row({ operation: "program memory", n, checks: [check("ours ÷ trivial", peak / base, PROGRAM_MEMORY_RATIO_LIMIT, "ratio")], detail });
}

/**
 * The person rows: `person preview` and `person up`, for `held` of `total` accounts, their
 * requests against the token rows' floors for `held` tokens, up's 429s and time as the up row's,
 * and afterwards none of theirs valid or linked and none of the others touched.
 */
export function personRows(
  total: number,
  held: number,
  links: number,
  m: Partial<Record<"preview" | "up", Measurement>>,
  outcome: PersonOutcome | undefined,
): Row[] {
  const rows: Row[] = [];
  const detail = (x: Measurement) => ({
    total,
    held,
    links,
    byRoute: x.byRoute,
    steps: x.steps,
    apiSpanMs: x.apiSpanMs,
    errors: x.errors,
    errorCount: x.errorCount,
  });
  const errors = (x: Measurement) => check("errors", x.errorCount, 0, "count");
  if (m.preview) {
    const p = m.preview;
    rows.push(
      row({
        operation: "person preview",
        n: held,
        wallMs: p.wallMs,
        requests: p.requests,
        rateLimited: p.rateLimited,
        checks: [check("requests", p.requests, previewRequestFloor(held), "requests"), errors(p)],
        detail: detail(p),
      }),
    );
  }
  if (m.up) {
    const u = m.up;
    const checks = [
      check("requests", u.requests, upRequestFloor(held, links), "requests"),
      check("429s", u.rateLimited, up429Floor(u.requests), "count"),
      check("time", u.wallMs, upTimeFloorMs(u.requests - u.rateLimited), "ms"),
      errors(u),
    ];
    if (outcome) {
      checks.push(check("theirs still valid", outcome.stillValid, 0, "count"));
      checks.push(check("their links left", outcome.linksLeft, 0, "count"));
      checks.push(check("others touched", outcome.othersTouched, 0, "count"));
    }
    rows.push(
      row({ operation: "person up", n: held, wallMs: u.wallMs, requests: u.requests, rateLimited: u.rateLimited, checks, detail: { ...detail(u), outcome } }),
    );
  }
  return rows;
}

/** The person rows of one N: a fresh sandbox (bench/person.ts), the repository's stack, preview then up. */
async function personRun(n: number, timeoutMs: number, log: (line: string) => void, parallel: number | undefined, env: Record<string, string>): Promise<Row[]> {
  const w = await startWorkload({ n, timeoutMs, person: true, ...(parallel !== undefined ? { parallel } : {}) });
  try {
    log(`person N=${n}: ${w.ids.length} of theirs, ${w.links} agency links`);
    const { m } = await runStack(w, await workloadStack(w, env), ["preview", "up"], log, "person");
    await w.admin.sandbox.setFaults({ latencyMs: 0, errorRate: 0, rateLimitPerSecond: null });
    const outcome = personOutcome(await w.admin.listAccounts());
    return personRows(n, w.ids.length, w.links, m, outcome);
  } finally {
    await w.close();
  }
}

/**
 * Runs the benchmark and returns its results (nothing is printed or written;
 * see cli.ts). Each N gets fresh sandboxes, one for our run and one for the
 * naive run. Throws only when a workload cannot be set up; a failing
 * operation becomes a FAIL row with its errors.
 */
export async function runBench(options: Partial<BenchOptions> = {}): Promise<BenchResults> {
  const o: BenchOptions = { ...DEFAULT_OPTIONS, ...options };
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const loadStart = round2(loadavg()[0] ?? 0);
  const rows: Row[] = [];
  const install = requirePulumi();
  const engine: BenchResults["engine"] = {
    cli: install.pulumi,
    version: install.version ?? "unknown",
    parallel: o.parallel ?? cliDefaultParallel(),
    parallelSource: o.parallel === undefined ? "default" : "flag",
    skipCheckpoints: o.skipCheckpoints === true,
  };
  const engineEnv: Record<string, string> = o.skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {};
  const notes: string[] = [];
  for (const n of o.sizes) {
    if (!o.personOnly) await tokenRows(n);
    if (o.person || o.personOnly) rows.push(...(await personRun(n, timeoutFor(n), log, o.parallel, engineEnv)));
  }
  async function tokenRows(n: number): Promise<void> {
    const w = await startWorkload({ n, timeoutMs: timeoutFor(n), ...(o.parallel !== undefined ? { parallel: o.parallel } : {}) });
    let ours: Awaited<ReturnType<typeof runStack>>;
    try {
      log(`N=${n}: ${w.links} agency links`);
      ours = await runStack(w, await workloadStack(w, engineEnv), ["preview", "up", "refresh"], log, "ours");
    } finally {
      await w.close();
    }
    let naive: Awaited<ReturnType<typeof runStack>> | undefined;
    const skipped: Partial<Record<EngineOp, string>> = {};
    if (o.baseline) {
      const nw = await startWorkload({ n, timeoutMs: timeoutFor(n) * 2, ...(o.parallel !== undefined ? { parallel: o.parallel } : {}) });
      try {
        const ops: EngineOp[] = n <= o.baselineUpMaxN ? ["preview", "up", "refresh"] : ["preview"];
        if (n > o.baselineUpMaxN) {
          skipped.up = `not run above N=${o.baselineUpMaxN} (too slow)`;
          skipped.refresh = `not run above N=${o.baselineUpMaxN} (needs the naive up's state)`;
          notes.push(`The naive baseline runs up and refresh only for N <= ${o.baselineUpMaxN}, to keep the run short; at N=${n} only its preview ran.`);
        }
        naive = await runStack(nw, await workloadStack(nw, { ...engineEnv, ...NAIVE_ENV }), ops, log, "naive");
      } finally {
        await nw.close();
      }
    }
    let trivial: { plain: TrivialMeasurement; shaped?: TrivialMeasurement } | undefined;
    if (o.trivial) {
      const t = { env: engineEnv, timeoutMs: timeoutFor(n), log, ...(o.parallel !== undefined ? { parallel: o.parallel } : {}) };
      const plain = await measureTrivial(n, { ...t, refresh: true });
      trivial = o.shaped ? { plain, shaped: await measureTrivial(n, { ...t, shaped: true }) } : { plain };
    }
    rows.push(...rowsForN(n, w.links, ours, naive, skipped, trivial, engine.skipCheckpoints));
    if (o.native) {
      const available = nativeAvailable();
      if (available.ok) {
        const native = await nativeRows(n, timeoutFor(n), log, o.parallel, engineEnv);
        if (o.trivial) {
          const floor = await nativeFloor(n, timeoutFor(n), log, o.parallel, engineEnv);
          const oursByOp = Object.fromEntries(
            native.filter((r) => r.wallMs !== undefined && r.requests !== undefined).map((r) => [r.operation, r as OpFigures]),
          );
          // Beside ours: after the native refresh row, as the dynamic path's follow its refresh.
          const at = native.findIndex((r) => r.operation === "refresh") + 1 || native.length;
          native.splice(at, 0, ...floorRows(n, "native", oursByOp, floor, engine.skipCheckpoints));
        }
        rows.push(...native);
      } else notes.push(available.reason);
    }
  }
  const dir = mkdtempSync(path.join(tmpdir(), "marin-bench-load-"));
  try {
    if (o.personOnly) return results();
    log(`load: ${o.loadEntries} entries, best of ${o.loadRuns}...`);
    const l: LoadMeasurement = await measureLoad(dir, o.loadEntries, o.loadRuns);
    rows.push(
      row({
        operation: "load",
        n: l.entries,
        wallMs: l.bestMs,
        checks: [check("time", l.bestMs, LOAD_LIMIT_MS, "ms", true)],
        detail: { ...l },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results();
  function results(): BenchResults {
    return {
      version: 1,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      machine: machine(loadStart),
      workload: {
        sizes: o.sizes,
        latencyMs: LATENCY_MS,
        rateLimitPerSecond: RATE_LIMIT_PER_SECOND,
        agenciesPerAccount: { min: 1, max: 3 },
        naiveEnv: { ...NAIVE_ENV },
        baselineUpMaxN: o.baselineUpMaxN,
      },
      engine,
      rows,
      notes: [...new Set(notes)],
      pass: rows.every((r) => r.pass),
    };
  }
}
