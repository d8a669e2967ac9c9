/**
 * A small run of the benchmark (N = 50), so that it cannot rot: the real pulumi CLI against a
 * real sandbox, every row produced, request counts within their floors, and output shaped like
 * bench/results.json; and the native path's engine floor (a YAML stack of a plugin that does
 * nothing) through the same CLI. No time is asserted: these are figures, not tests of speed.
 */
import { describe, expect, it } from "vitest";
import { type BenchResults, cliDefaultParallel, type Row, runBench } from "../../bench/bench";
import { parseCli } from "../../bench/cli";
import { previewRequestFloor, refreshRequestFloor, upRequestFloor } from "../../bench/floors";
import { nativeFloor } from "../../bench/native";
import { formatReport } from "../../bench/report";
import { PULUMI_BIN } from "../e2e/native-cli";
import { describeWithPulumi } from "../support/pulumi";

const N = 50;

function rowOf(res: BenchResults, operation: Row["operation"]): Row {
  const r = res.rows.find((x) => x.operation === operation);
  if (!r) throw new Error(`no ${operation} row in ${res.rows.map((x) => x.operation).join(", ")}`);
  return r;
}

describeWithPulumi("npm run bench, at N = 50", () => {
  it("produces every row, keeps requests within their floors, and converges", async () => {
    // The person rows' own figures are checked in rows.test.ts (CI time): not run here.
    const res = await runBench({ sizes: [N], baseline: true, baselineUpMaxN: 0, loadEntries: 2_000, loadRuns: 1, native: false, person: false });

    expect(res.rows.map((r) => `${r.operation} ${r.n}`)).toEqual([
      `preview ${N}`,
      `up ${N}`,
      `refresh ${N}`,
      `preview ÷ floor ${N}`,
      `up ÷ floor ${N}`,
      `refresh ÷ floor ${N}`,
      `memory ${N}`,
      `state ${N}`,
      `state file ${N}`,
      `program memory ${N}`,
      "load 2000",
    ]);
    for (const r of res.rows) expect(r.checks.length, r.operation).toBeGreaterThan(0);

    const preview = rowOf(res, "preview");
    const up = rowOf(res, "up");
    const refresh = rowOf(res, "refresh");
    for (const r of [preview, up, refresh]) {
      expect(r.detail.errors, r.operation).toEqual([]);
      expect(r.checks.find((c) => c.name === "requests")?.pass, r.operation).toBe(true);
    }
    expect(preview.requests).toBeLessThanOrEqual(previewRequestFloor(N));
    expect(refresh.requests).toBeLessThanOrEqual(refreshRequestFloor(N));
    const links = Number(up.detail.links);
    expect(links).toBeGreaterThanOrEqual(N);
    expect(links).toBeLessThanOrEqual(3 * N);
    expect(up.requests).toBeLessThanOrEqual(upRequestFloor(N, links));
    // up did the work: one invalidation per account and one unlink per link, and nothing is left.
    const byRoute = up.detail.byRoute as Record<string, Record<string, number>>;
    expect(byRoute["POST /v1/accounts/{id}/token/invalidate"]?.["200"]).toBe(N);
    expect(byRoute["DELETE /v1/agencies/{agencyId}/accounts/{accountId}"]?.["204"]).toBe(links);
    expect(up.detail.outcome).toEqual({ stillValid: 0, linksLeft: 0 });
    expect(refresh.detail.steps).toEqual({ refresh: N });

    // The naive baseline ran its preview with one GET per resource; its up and refresh were skipped as asked.
    expect(preview.naive).toMatchObject({ ran: true, requests: N, errorCount: 0 });
    expect(preview.ratio?.requests).toBeLessThan(1);
    expect(up.naive).toMatchObject({ ran: false });

    const memory = rowOf(res, "memory");
    expect(memory.checks[0]!.value).toBeGreaterThan(0);
    const state = rowOf(res, "state");
    expect(state.detail).toMatchObject({ resources: N });
    expect(Number(state.detail.providerBytes)).toBeGreaterThan(0);
    expect(rowOf(res, "load").detail).toMatchObject({ entries: 2_000 });

    // The state as `pulumi stack export` prints it, per resource, with what one entry holds.
    const file = rowOf(res, "state file");
    expect(file.detail).toMatchObject({ resources: N });
    const perToken = file.detail.perToken as Record<string, number>;
    // The serialized provider, stored twice (the same text, as a JSON string with its escapes).
    expect(perToken.inputsProvider).toBeGreaterThan(Number(state.detail.providerBytes));
    expect(perToken.outputsProvider).toBe(perToken.inputsProvider);
    expect(perToken.observed).toBeGreaterThan(0);
    expect(Number(file.detail.bytesPerResource)).toBeGreaterThan(Number(file.detail.compactBytesPerResource));
    expect(file.checks[0]!.value).toBe(file.detail.bytesPerResource);
    // Our program's peak beside the trivial programs' (same runner, same N), each read.
    const program = rowOf(res, "program memory");
    expect(program.detail.errors).toEqual([]);
    for (const key of ["programPeakRssBytes", "trivialPeakRssBytes", "shapedPeakRssBytes"]) expect(Number(program.detail[key]), key).toBeGreaterThan(0);
    expect(program.checks[0]).toMatchObject({ name: "ours ÷ trivial", unit: "ratio" });
    expect(program.checks[0]!.value).toBeCloseTo(Number(program.detail.programPeakRssBytes) / Number(program.detail.trivialPeakRssBytes), 10);

    // The dynamic path's engine floor: the trivial program's preview, up (which created the N) and
    // refresh through the same CLI and backend, checkpoints on (no --skip-checkpoints), ours ÷ it
    // printed for information.
    for (const [op, ours] of [
      ["preview", preview],
      ["up", up],
      ["refresh", refresh],
    ] as const) {
      const f = rowOf(res, `${op} ÷ floor`);
      expect(f.detail, op).toMatchObject({ errors: [], checkpoints: "on", oursMs: ours.wallMs });
      expect(f.wallMs, op).toBeGreaterThan(0);
      expect(f.detail.ratio, op).toBeCloseTo(ours.wallMs! / Number(f.detail.floorMs), 10);
      expect(f.checks.map((c) => c.name)).toEqual(["floor errors"]);
    }

    // results.json: plain JSON that survives a round trip, with the machine and workload described.
    expect(JSON.parse(JSON.stringify(res))).toEqual(res);
    expect(res).toMatchObject({ version: 1, workload: { sizes: [N], latencyMs: 10, rateLimitPerSecond: 200 } });
    expect(res.machine.nproc).toBeGreaterThan(0);
    // What users run: no --parallel given, so the CLI's own default, which the table names.
    expect(res.engine).toMatchObject({ parallel: cliDefaultParallel(), parallelSource: "default" });
    expect(res.pass).toBe(res.rows.every((r) => r.pass));

    const text = formatReport(res);
    for (const op of ["preview", "up", "refresh", "memory", "state", "state file", "program memory", "load"]) expect(text).toMatch(new RegExp(`^${op} `, "m"));
    expect(text).toMatch(/^up ÷ floor +50 +ours .* \(for information\), checkpoints on +pass$/m);
    expect(text).toContain("Machine:");
    expect(text).toContain(`--parallel ${cliDefaultParallel()} (the CLI's default: none given)`);
  }, 900_000);

  it.skipIf(!PULUMI_BIN)(
    "runs the native path's engine floor through the YAML language host, checkpoints off",
    async () => {
      const lines: string[] = [];
      const floor = await nativeFloor(N, 300_000, (l) => lines.push(l), undefined, { PULUMI_SKIP_CHECKPOINTS: "true" });
      // No error: every operation exited 0 and up's summary counted the N resources and the stack.
      expect(floor.errors).toEqual([]);
      expect(Object.keys(floor.wallMsByOp)).toEqual(["preview", "up", "refresh"]);
      for (const ms of Object.values(floor.wallMsByOp)) expect(ms).toBeGreaterThan(0);
      expect(lines).toContain(`native floor N=${N}: refresh...`);
    },
    600_000,
  );
});

describe("bench flags", () => {
  it("reads --n (repeated or comma-separated), --quick and --no-baseline, and rejects bad values", () => {
    expect(parseCli(["--n", "50"])?.bench.sizes).toEqual([50]);
    expect(parseCli(["--n", "100,1000", "--n", "5000"])?.bench.sizes).toEqual([100, 1000, 5000]);
    expect(parseCli(["--quick"])?.bench.sizes).toEqual([100]);
    expect(parseCli([])?.bench).toMatchObject({ sizes: [100, 1000, 5000], baseline: true, baselineUpMaxN: 1000 });
    expect(parseCli(["--no-baseline"])?.bench.baseline).toBe(false);
    expect(parseCli(["--help"])).toBeUndefined();
    expect(() => parseCli(["--n", "0"])).toThrow('--n: expected a whole number of at least 1, got "0"');
    expect(() => parseCli(["--n", "ten"])).toThrow("--n");
    expect(() => parseCli(["--bogus"])).toThrow();
    expect(parseCli([])?.bench.parallel).toBeUndefined();
    expect(parseCli(["--parallel", "1"])?.bench.parallel).toBe(1);
    expect(() => parseCli(["--parallel", "0"])).toThrow("--parallel");
  });

  it("knows the CLI's default --parallel: PULUMI_PARALLEL, else 4 per CPU (GOMAXPROCS when set)", () => {
    expect(cliDefaultParallel({ PULUMI_PARALLEL: "3" })).toBe(3);
    expect(cliDefaultParallel({ GOMAXPROCS: "5" })).toBe(20);
    expect(cliDefaultParallel({ PULUMI_PARALLEL: "0", GOMAXPROCS: "1" })).toBe(4);
  });
});
