/**
 * The engine-floor rows (issue 17 §3b): per path, our preview, up and refresh beside the same
 * operation on N trivial resources through the same CLI, language host and backend, at the same
 * `--parallel` and checkpoint setting. The dynamic path's floor is the trivial dynamic program
 * (bench/trivial.ts); the native path's, a Pulumi YAML stack of a plugin that does nothing
 * (bench/trivial-plugin, run by bench/native.ts nativeFloor).
 */
import { type Check, check, type Row, row } from "./bench";
import { apiTimeMs, engineFloorMs, NATIVE_FLOOR_RATIO_LIMIT } from "./floors";
import type { EngineOp } from "./measure";

/** What one of our operations took: its wall time and the requests the sandbox answered. */
export interface OpFigures {
  wallMs: number;
  requests: number;
  rateLimited: number;
}

/** What the trivial resources' operations took, and their errors (each prefixed `<op>: `). */
export interface FloorRun {
  wallMsByOp: Partial<Record<EngineOp, number>>;
  errors: string[];
}

const OPS = ["preview", "up", "refresh"] as const;

/**
 * The floor rows of one path and N: for each operation of ours that ran, ours ÷ its floor
 * ({@link engineFloorMs}: the trivial run's time, or the API's rate limit alone for our admitted
 * requests when that is slower). On the native path the ratio is held to
 * {@link NATIVE_FLOOR_RATIO_LIMIT}; on the dynamic path it is printed for information (the issue sets
 * no bound there: the SDK's dynamic provider costs what it costs). Either fails when the floor run
 * failed, as its time then means nothing.
 */
export function floorRows(n: number, path: "dynamic" | "native", ours: Partial<Record<EngineOp, OpFigures>>, floor: FloorRun, skipCheckpoints: boolean): Row[] {
  const rows: Row[] = [];
  for (const op of OPS) {
    const o = ours[op];
    if (!o) continue;
    const errors = floor.errors.filter((e) => e.startsWith(`${op}:`));
    const trivialMs = floor.wallMsByOp[op] ?? 0;
    const admitted = o.requests - o.rateLimited;
    const f = engineFloorMs(trivialMs, admitted);
    const ratio = f.ms > 0 ? o.wallMs / f.ms : Number.POSITIVE_INFINITY;
    const checks: Check[] = [check("floor errors", errors.length, 0, "count")];
    if (trivialMs <= 0) checks.push(check("floor not measured", 1, 0, "count"));
    else if (path === "native") checks.unshift(check("ours ÷ floor", ratio, NATIVE_FLOOR_RATIO_LIMIT, "ratio"));
    rows.push(
      row({
        operation: `${op} ÷ floor`,
        ...(path === "native" ? { path } : {}),
        n,
        wallMs: trivialMs,
        checks,
        detail: {
          oursMs: o.wallMs,
          trivialMs,
          apiMs: apiTimeMs(admitted),
          floorMs: f.ms,
          bound: f.bound,
          ratio,
          checkpoints: skipCheckpoints ? "off" : "on",
          errors,
        },
      }),
    );
  }
  return rows;
}
