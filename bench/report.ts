/**
 * The printed form of the results: one table, each figure beside its floor,
 * then what failed, the naive baseline's caveats, and the machine.
 */
import type { BenchResults, Check, Row } from "./bench";
import {
  LOAD_ENTRIES,
  LOAD_LIMIT_MS,
  MEMORY_LIMIT_BYTES,
  MEMORY_LIMIT_N,
  NATIVE_FLOOR_RATIO_LIMIT,
  PROGRAM_MEMORY_RATIO_LIMIT,
  STATE_FILE_LIMIT_BYTES,
  STATE_LIMIT_BYTES,
} from "./floors";

const int = (v: number): string => Math.round(v).toLocaleString("en-US");

/** `1.23 s` above a second, else `456 ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 100_000 ? 0 : 1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** `1.5 KB`, `142.3 MB` (binary units). */
export function formatBytes(b: number): string {
  if (b < 0) return `−${formatBytes(-b)}`;
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MB`;
  if (b >= 1024) return `${(b / 1024).toFixed(b >= 10 * 1024 ? 0 : 2)} KB`;
  return `${int(b)} B`;
}

function format(c: Check, v: number): string {
  return c.unit === "ms" ? formatMs(v) : c.unit === "bytes" ? formatBytes(v) : c.unit === "ratio" ? `${v.toFixed(2)}×` : int(v);
}

function value(c: Check): string {
  return format(c, c.value);
}

function limit(c: Check): string {
  return format(c, c.limit);
}

/** `value ≤ limit`, or `value < limit` for strict checks, with `!` when it fails. */
export function beside(c: Check): string {
  return `${value(c)} ${c.strict ? "<" : "≤"} ${limit(c)}${c.pass ? "" : " !"}`;
}

function find(r: Row, name: string): Check | undefined {
  return r.checks.find((c) => c.name === name);
}

/** `native up`, or `up` on the dynamic path. */
function label(r: Row): string {
  return r.path ? `${r.path} ${r.operation}` : r.operation;
}

function ratio(x: number): string {
  return x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toFixed(3)}×`;
}

/**
 * An engine-floor row's figure: `ours 86.7 s ÷ floor 75.0 s (API; engine 15.2 s) = 1.16× ≤ 1.20×,
 * checkpoints off`, the ratio for information on the dynamic path.
 */
function floorFigure(r: Row): string {
  const d = r.detail as { oursMs: number; trivialMs: number; apiMs: number; floorMs: number; bound: "engine" | "API"; ratio: number; checkpoints: string };
  if (d.trivialMs <= 0) return `ours ${formatMs(d.oursMs)}; floor not measured, checkpoints ${d.checkpoints}`;
  const other = d.bound === "API" ? `engine ${formatMs(d.trivialMs)}` : `API ${formatMs(d.apiMs)}`;
  const bounded = find(r, "ours ÷ floor");
  const ratioText = bounded ? beside(bounded) : `${Number.isFinite(d.ratio) ? ratio(d.ratio) : "∞"} (for information)`;
  return `ours ${formatMs(d.oursMs)} ÷ floor ${formatMs(d.floorMs)} (${d.bound}; ${other}) = ${ratioText}, checkpoints ${d.checkpoints}`;
}

/** The cells of one row. */
function cells(r: Row): string[] {
  const time = find(r, "time");
  let figure = "";
  if (r.operation === "memory" || r.operation === "state" || r.operation === "state file") figure = beside(r.checks[0]!);
  else if (r.operation === "program memory") {
    const d = r.detail as { programPeakRssBytes: number; trivialPeakRssBytes: number };
    figure = `${formatBytes(d.programPeakRssBytes)} vs trivial ${formatBytes(d.trivialPeakRssBytes)}: ${beside(r.checks[0]!)}`;
  } else if (r.operation.endsWith("÷ floor")) figure = floorFigure(r);
  else if (time) {
    figure = beside(time);
    const api = r.detail.apiSpanMs;
    if (typeof api === "number" && api > 0) figure += ` (API ${formatMs(api)})`;
  } else if (r.wallMs !== undefined) figure = formatMs(r.wallMs);
  const req = find(r, "requests");
  const requests = req ? beside(req) : r.requests !== undefined ? int(r.requests) : "";
  const c429 = find(r, "429s");
  const limited = c429 ? beside(c429) : r.rateLimited !== undefined ? int(r.rateLimited) : "";
  let naive = "";
  if (r.naive) {
    naive = r.naive.ran
      ? `${int(r.naive.requests)} req, ${formatMs(r.naive.wallMs)}${r.naive.rateLimited ? `, ${int(r.naive.rateLimited)} 429s` : ""}${r.naive.errorCount ? `, ${r.naive.errorCount} errors` : ""}`
      : "not run";
  }
  const vs = r.ratio ? `req ${ratio(r.ratio.requests)}, time ${ratio(r.ratio.time)}` : "";
  const n = typeof r.detail.total === "number" && r.operation.startsWith("person") ? `${int(r.n)} of ${int(r.detail.total)}` : int(r.n);
  return [label(r), n, figure, requests, limited, naive, vs, r.pass ? "pass" : "FAIL"];
}

/** Renders rows as an aligned text table (numbers right-aligned). */
export function table(header: string[], body: string[][], right: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The whole printed report. */
export function formatReport(res: BenchResults): string {
  const header = ["operation", "N", "time / figure (≤ floor)", "requests (≤ floor)", "429s (≤ floor)", "naive baseline", "ours ÷ naive", "result"];
  const e = res.engine;
  const parallel = e.parallelSource === "default" ? `--parallel ${e.parallel} (the CLI's default: none given)` : `--parallel ${e.parallel}`;
  const out = [
    `Marin Social benchmark: ${res.workload.latencyMs} ms latency, ${res.workload.rateLimitPerSecond} requests/s rate limit, ` +
      `accounts linked to ${res.workload.agenciesPerAccount.min}-${res.workload.agenciesPerAccount.max} agencies`,
    `Engine: pulumi ${e.version} (Automation API, file backend${e.skipCheckpoints ? ", PULUMI_SKIP_CHECKPOINTS=true" : ""}), ${parallel}`,
    "",
    table(header, res.rows.map(cells), new Set([1, 2, 3, 4])),
    "",
  ];
  const failed = res.rows.flatMap((r) =>
    r.checks.filter((c) => !c.pass).map((c) => `  ${label(r)} N=${int(r.n)}: ${c.name} ${beside(c).replace(/ !$/, "")} does not hold`),
  );
  const errors = res.rows.flatMap((r) => {
    const list = (r.detail.errors as string[] | undefined) ?? [];
    return list.map((e) => `  ${label(r)} N=${int(r.n)}: ${e}`);
  });
  if (failed.length) out.push("Failed:", ...failed, "");
  if (errors.length) out.push("Errors:", ...errors, "");
  const ups = res.rows.filter((r) => r.operation === "up");
  if (ups.length) {
    out.push("Requests of up by route (status: count):");
    for (const r of ups) {
      const routes = Object.entries((r.detail.byRoute as Record<string, Record<string, number>>) ?? {})
        .map(
          ([route, st]) =>
            `${route} ${Object.entries(st)
              .map(([s, c]) => `${s}:${int(c)}`)
              .join(" ")}`,
        )
        .join("; ");
      const first = r.detail.firstRequestMs;
      const lead = typeof first === "number" ? `; first request ${formatMs(first)} after the start` : "";
      out.push(`  N=${int(r.n)} (${int(Number(r.detail.links))} links${lead}): ${routes}`);
    }
    out.push("");
  }
  const programs = res.rows.filter((r) => r.operation === "program memory");
  if (programs.length) {
    out.push("Program memory (peak RSS of the program process, the SDK runner; highest of preview and up):");
    for (const r of programs) {
      const d = r.detail as {
        programPeakRssBytesByOp: { preview: number; up: number };
        trivialPeakRssBytesByOp: { preview: number; up: number };
        extraBytesPerResource: number;
        shapedPeakRssBytesByOp?: { preview: number; up: number };
        shapeBytesPerResource?: number;
        ownBytesPerResource?: number;
      };
      out.push(
        `  N=${int(r.n)}: ours preview ${formatBytes(d.programPeakRssBytesByOp.preview)}, up ${formatBytes(d.programPeakRssBytesByOp.up)}; ` +
          `trivial preview ${formatBytes(d.trivialPeakRssBytesByOp.preview)}, up ${formatBytes(d.trivialPeakRssBytesByOp.up)}; ` +
          `ours above trivial ${formatBytes(d.extraBytesPerResource)} per resource`,
      );
      if (d.shapedPeakRssBytesByOp && d.shapeBytesPerResource !== undefined && d.ownBytesPerResource !== undefined) {
        out.push(
          `    of which the SDK's cost of a PublisherToken's shape (16 properties; trivial program shaped so: preview ${formatBytes(d.shapedPeakRssBytesByOp.preview)}, ` +
            `up ${formatBytes(d.shapedPeakRssBytesByOp.up)}) ${formatBytes(d.shapeBytesPerResource)} per resource, our program's own ${formatBytes(d.ownBytesPerResource)}`,
        );
      }
    }
    out.push("");
  }
  const files = res.rows.filter((r) => r.operation === "state file" && r.detail.perToken);
  if (files.length) {
    out.push("State file (`pulumi stack export` ÷ N) and what one PublisherToken entry holds (mean, compact JSON):");
    for (const r of files) {
      const d = r.detail as { bytesPerResource: number; compactBytesPerResource: number; perToken: Record<string, number> };
      const p = d.perToken;
      out.push(
        `  N=${int(r.n)}: ${formatBytes(d.bytesPerResource)} per resource as printed, ${formatBytes(d.compactBytesPerResource)} without the indentation; ` +
          `entry ${formatBytes(p.entry!)} = __provider in inputs ${formatBytes(p.inputsProvider!)} + observed ${formatBytes(p.observed!)} + ` +
          `other inputs ${formatBytes(p.otherInputs!)} + __provider in outputs ${formatBytes(p.outputsProvider!)} + other outputs ${formatBytes(p.otherOutputs!)} + ` +
          `urn, type, id, dependencies... ${formatBytes(p.rest!)}`,
      );
    }
    out.push("");
  }
  out.push(
    "Floors: preview ≤ 2·⌈N/100⌉+5 requests; refresh ≤ ⌈N/100⌉+5; up ≤ N+links+⌈N/100⌉+5, 429s ≤ 1% of its requests, " +
      "time ≤ 1.3 × (requests − 429s) ÷ rate limit (API: first request to last response, without the CLI's and program's start-up); " +
      `memory (provider host peak RSS) < ${formatBytes(MEMORY_LIMIT_BYTES)} (set for N=${int(MEMORY_LIMIT_N)}, applied at every N); ` +
      `state ≤ ${formatBytes(STATE_LIMIT_BYTES)} per resource (largest); state file (\`pulumi stack export\` bytes ÷ N) ≤ ${formatBytes(STATE_FILE_LIMIT_BYTES)}; ` +
      `program memory (our program's peak RSS ÷ a trivial dynamic program's, same N, same runner) ≤ ${PROGRAM_MEMORY_RATIO_LIMIT.toFixed(2)}×; load (${int(LOAD_ENTRIES)} entries, best run) < ${formatMs(LOAD_LIMIT_MS)}. ` +
      "Native rows (the plugin through the real pulumi CLI, a Pulumi YAML program; up and refresh with --skip-preview): the same request and time floors; " +
      "memory (plugin peak RSS) ≤ 150 MB; state (inputs + outputs per PublisherToken) ≤ 1.5 KB. " +
      "÷ floor rows (engine floor): our preview, up and refresh ÷ the slower of the same operation on N trivial resources (same CLI, language host, backend, " +
      `--parallel and checkpoints; dynamic path: a trivial dynamic program, native path: a Pulumi YAML stack of a plugin that does nothing) and the API's rate limit alone for our requests; native ≤ ${NATIVE_FLOOR_RATIO_LIMIT.toFixed(2)}×, dynamic for information.`,
    `Naive baseline: the same engine path with ${Object.entries(res.workload.naiveEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")} (one GET per resource, no coalescing, fixed concurrency, no pacing). ours ÷ naive below 1 is better.`,
  );
  for (const n of res.notes) out.push(n);
  const m = res.machine;
  out.push(
    `Machine: ${m.nproc} cores, ${m.cpu}, ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.platform}; ` +
      `load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end. Took ${formatMs(res.durationMs)}.`,
    res.pass ? "All rows pass." : `${res.rows.filter((r) => !r.pass).length} of ${res.rows.length} rows FAIL.`,
  );
  return out.join("\n");
}
