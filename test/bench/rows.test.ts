/**
 * The program-memory, state-file, person and engine-floor rows of the benchmark, from figures given here (no engine):
 * what each row checks, holds and prints. No time is asserted.
 */
import { describe, expect, it } from "vitest";
import { type BenchResults, personRows, programMemoryRow } from "../../bench/bench";
import { parseCli } from "../../bench/cli";
import { floorRows, type OpFigures } from "../../bench/engine-floor";
import {
  NATIVE_FLOOR_RATIO_LIMIT,
  PROGRAM_MEMORY_RATIO_LIMIT,
  previewRequestFloor,
  RATE_LIMIT_PER_SECOND,
  STATE_FILE_LIMIT_BYTES,
  upRequestFloor,
} from "../../bench/floors";
import type { Measurement } from "../../bench/measure";
import { BENCH_PERSON, personDeclarationText, personHeld, personOutcome } from "../../bench/person";
import { formatReport } from "../../bench/report";
import { exportedStateOf, TOKEN_TYPE } from "../../bench/state-size";
import type { TrivialMeasurement } from "../../bench/trivial";

const MB = 1024 * 1024;

function ours(preview: number, up: number): Partial<Record<"preview" | "up", Measurement>> {
  const m = (programPeakRssBytes: number) => ({ programPeakRssBytes }) as Measurement;
  return { preview: m(preview), up: m(up) };
}

function trivial(preview: number, up: number, errors: string[] = []): TrivialMeasurement {
  return { programPeakRssBytesByOp: { preview, up }, wallMsByOp: { preview: 1, up: 1 }, errors };
}

describe("the program-memory row", () => {
  it("divides our program's peak (highest of preview and up) by the trivial program's, against the floor", () => {
    const r = programMemoryRow(1000, ours(600 * MB, 610 * MB), trivial(300 * MB, 305 * MB), trivial(500 * MB, 520 * MB));
    expect(r.operation).toBe("program memory");
    expect(r.checks).toEqual([{ name: "ours ÷ trivial", value: 2, limit: PROGRAM_MEMORY_RATIO_LIMIT, unit: "ratio", pass: false }]);
    expect(r.pass).toBe(false);
    expect(r.detail).toMatchObject({
      programPeakRssBytes: 610 * MB,
      trivialPeakRssBytes: 305 * MB,
      shapedPeakRssBytes: 520 * MB,
      extraBytesPerResource: (305 * MB) / 1000,
      shapeBytesPerResource: (215 * MB) / 1000,
      ownBytesPerResource: (90 * MB) / 1000,
    });

    const within = programMemoryRow(1000, ours(330 * MB, 360 * MB), trivial(300 * MB, 300 * MB));
    expect(within.checks[0]).toMatchObject({ value: 1.2, pass: true });
    expect(within.detail).not.toHaveProperty("shapedPeakRssBytes");
  });

  it("fails when a peak could not be read, instead of dividing by zero", () => {
    const r = programMemoryRow(10, ours(0, 0), trivial(100 * MB, 100 * MB));
    expect(r.pass).toBe(false);
    expect(r.checks[0]!.name).toBe("peaks not read");
    expect(programMemoryRow(10, ours(200 * MB, 0), trivial(0, 0)).pass).toBe(false);
  });
});

describe("the state-file row's figures", () => {
  const token = (i: number) => ({
    urn: `urn:pulumi:bench::p::${TOKEN_TYPE}::t${i}`,
    type: TOKEN_TYPE,
    id: `t${i}`,
    inputs: { __provider: "exports.handler = x;", accountId: `t${i}`, observed: { status: "missing" } },
    outputs: { __provider: "exports.handler = x;", accountId: `t${i}`, valid: false },
  });
  const text = JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:stack", type: "pulumi:pulumi:Stack" }, token(1), token(2)] } }, null, 4);

  it("is the export's bytes ÷ the PublisherTokens, with what one entry holds", () => {
    const e = exportedStateOf(text);
    expect(e.resources).toBe(2);
    expect(e.exportBytes).toBe(Buffer.byteLength(text));
    expect(e.bytesPerResource).toBe(Buffer.byteLength(text) / 2);
    expect(e.compactBytesPerResource).toBe(Buffer.byteLength(JSON.stringify(JSON.parse(text))) / 2);
    const p = e.perToken;
    expect(p.inputsProvider).toBe(Buffer.byteLength(JSON.stringify("exports.handler = x;")));
    expect(p.outputsProvider).toBe(p.inputsProvider);
    expect(p.observed).toBe(Buffer.byteLength('{"status":"missing"}'));
    expect(p.otherInputs).toBe(Buffer.byteLength('{"accountId":"t1"}'));
    expect(p.otherOutputs).toBe(Buffer.byteLength('{"accountId":"t1","valid":false}'));
    expect(p.inputsProvider + p.observed + p.otherInputs + p.outputsProvider + p.otherOutputs + p.rest).toBe(p.entry);
    expect(p.entry).toBe(Buffer.byteLength(JSON.stringify(token(1))));
  });

  it("throws when the export holds no PublisherToken", () => {
    expect(() => exportedStateOf(JSON.stringify({ deployment: { resources: [] } }))).toThrow(/no .*PublisherToken resource/);
  });
});

describe("the report and the flags", () => {
  it("prints both rows beside their floors, and what they hold", () => {
    const mem = programMemoryRow(1000, ours(600 * MB, 610 * MB), trivial(300 * MB, 305 * MB), trivial(500 * MB, 520 * MB));
    const res = {
      version: 1,
      startedAt: "2026-01-01T00:00:00.000Z",
      durationMs: 1000,
      machine: { nproc: 2, cpu: "cpu", memoryGiB: 1, node: "v20", platform: "linux x64", loadAverage: { start: 1, end: 1 } },
      workload: { sizes: [1000], latencyMs: 10, rateLimitPerSecond: 200, agenciesPerAccount: { min: 1, max: 3 }, naiveEnv: {}, baselineUpMaxN: 0 },
      engine: { cli: "pulumi", version: "v3", parallel: 8, parallelSource: "default", skipCheckpoints: true },
      rows: [
        mem,
        {
          operation: "state file",
          n: 1000,
          checks: [{ name: "export bytes/resource", value: 6000, limit: STATE_FILE_LIMIT_BYTES, unit: "bytes", pass: false }],
          pass: false,
          detail: {
            ...exportedStateOf(JSON.stringify({ deployment: { resources: [{ type: TOKEN_TYPE, inputs: {}, outputs: {} }] } })),
            bytesPerResource: 6000,
          },
        },
      ],
      notes: [],
      pass: false,
    } as BenchResults;
    const text = formatReport(res);
    expect(text).toMatch(/^program memory +1,000 +610\.0 MB vs trivial 305\.0 MB: 2\.00× ≤ 1\.20× ! +FAIL$/m);
    expect(text).toMatch(/^state file +1,000 +5\.86 KB ≤ 3\.00 KB ! +FAIL$/m);
    expect(text).toContain("ours above trivial 312 KB per resource");
    expect(text).toContain("the SDK's cost of a PublisherToken's shape");
    expect(text).toContain("our program's own 92 KB");
    expect(text).toContain("__provider in inputs");
    expect(text).toContain("program memory (our program's peak RSS ÷ a trivial dynamic program's, same N, same runner) ≤ 1.20×");
  });

  it("--no-trivial leaves the trivial programs (and so the program-memory row) out", () => {
    expect(parseCli([])?.bench.trivial).toBe(true);
    expect(parseCli(["--no-trivial"])?.bench.trivial).toBe(false);
  });
});

describe("the engine-floor rows (ours ÷ the same operation on N trivial resources)", () => {
  const op = (wallMs: number, requests = 10, rateLimited = 0): OpFigures => ({ wallMs, requests, rateLimited });
  // 15,200 admitted requests take 76 s at 200 requests/s: slower than the trivial up's 20 s, so the API bounds our up.
  const ours = { preview: op(24_000), up: op(90_000, 15_300, 100), refresh: op(12_000, 55) };
  const floor = { wallMsByOp: { preview: 20_000, up: 20_000, refresh: 11_000 }, errors: [] };
  const results = (rows: ReturnType<typeof floorRows>, skipCheckpoints: boolean) =>
    ({
      version: 1,
      startedAt: "2026-01-01T00:00:00.000Z",
      durationMs: 1000,
      machine: { nproc: 2, cpu: "cpu", memoryGiB: 1, node: "v20", platform: "linux x64", loadAverage: { start: 1, end: 1 } },
      workload: {
        sizes: [5000],
        latencyMs: 10,
        rateLimitPerSecond: RATE_LIMIT_PER_SECOND,
        agenciesPerAccount: { min: 1, max: 3 },
        naiveEnv: {},
        baselineUpMaxN: 0,
      },
      engine: { cli: "pulumi", version: "v3", parallel: 8, parallelSource: "default", skipCheckpoints },
      rows,
      notes: [],
      pass: rows.every((r) => r.pass),
    }) as BenchResults;

  it("holds the native path within 1.2× of its floor: the trivial run's time, or the API's rate limit alone when slower", () => {
    const rows = floorRows(5000, "native", ours, floor, true);
    expect(rows.map((r) => [r.path, r.operation, r.pass])).toEqual([
      ["native", "preview ÷ floor", true],
      ["native", "up ÷ floor", true],
      ["native", "refresh ÷ floor", true],
    ]);
    const [preview, up, refresh] = rows;
    expect(preview!.checks).toEqual([
      { name: "ours ÷ floor", value: 1.2, limit: NATIVE_FLOOR_RATIO_LIMIT, unit: "ratio", pass: true },
      { name: "floor errors", value: 0, limit: 0, unit: "count", pass: true },
    ]);
    expect(preview!.detail).toMatchObject({ oursMs: 24_000, trivialMs: 20_000, floorMs: 20_000, bound: "engine", apiMs: 50, checkpoints: "off" });
    expect(preview!.wallMs).toBe(20_000);
    expect(up!.detail).toMatchObject({ trivialMs: 20_000, apiMs: 76_000, floorMs: 76_000, bound: "API" });
    expect(up!.checks[0]!.value).toBeCloseTo(90 / 76, 10);
    expect(refresh!.checks[0]!.value).toBeCloseTo(12 / 11, 10);

    // Slower than 1.2× its floor fails: against the engine (preview) and against the API (up).
    const slow = floorRows(5000, "native", { preview: op(24_100), up: op(91_300, 15_300, 100) }, floor, false);
    expect(slow.map((r) => [r.operation, r.pass])).toEqual([
      ["preview ÷ floor", false],
      ["up ÷ floor", false],
    ]);
    expect(slow[0]!.detail).toMatchObject({ checkpoints: "on" });
  });

  it("fails a row whose floor run failed or was not measured, on either path", () => {
    const failed = floorRows(
      50,
      "native",
      ours,
      { wallMsByOp: { preview: 20_000, up: 1_000 }, errors: ["up: created 3 resources, not 50 and the stack"] },
      true,
    );
    expect(failed.map((r) => [r.operation, r.pass])).toEqual([
      ["preview ÷ floor", true],
      ["up ÷ floor", false],
      ["refresh ÷ floor", false],
    ]);
    expect(failed[1]!.detail.errors).toEqual(["up: created 3 resources, not 50 and the stack"]);
    expect(failed[2]!.checks.filter((c) => !c.pass).map((c) => c.name)).toEqual(["floor not measured"]);
    const dynamic = floorRows(50, "dynamic", ours, { wallMsByOp: { preview: 1, up: 1 }, errors: ["preview: boom"] }, true);
    expect(dynamic.map((r) => r.pass)).toEqual([false, true, false]);
  });

  it("prints the dynamic path's ratio for information, without holding it to a bound", () => {
    const rows = floorRows(5000, "dynamic", { ...ours, preview: op(60_000) }, floor, false);
    expect(rows.map((r) => [r.path, r.operation, r.pass])).toEqual([
      [undefined, "preview ÷ floor", true],
      [undefined, "up ÷ floor", true],
      [undefined, "refresh ÷ floor", true],
    ]);
    expect(rows[0]!.checks.map((c) => c.name)).toEqual(["floor errors"]);
    expect(rows[0]!.detail.ratio).toBe(3);
  });

  it("prints ours, the floor, what bounds it, the ratio and whether checkpoints were on, in each row", () => {
    const off = formatReport(
      results([...floorRows(5000, "dynamic", ours, floor, true), ...floorRows(5000, "native", { ...ours, preview: op(30_000) }, floor, true)], true),
    );
    expect(off).toMatch(/^preview ÷ floor +5,000 +ours 24\.0 s ÷ floor 20\.0 s \(engine; API 50 ms\) = 1\.20× \(for information\), checkpoints off +pass$/m);
    expect(off).toMatch(/^native up ÷ floor +5,000 +ours 90\.0 s ÷ floor 76\.0 s \(API; engine 20\.0 s\) = 1\.18× ≤ 1\.20×, checkpoints off +pass$/m);
    expect(off).toMatch(/^native preview ÷ floor +5,000 +ours 30\.0 s ÷ floor 20\.0 s \(engine; API 50 ms\) = 1\.50× ≤ 1\.20× !, checkpoints off +FAIL$/m);
    expect(off).toContain("native preview ÷ floor N=5,000: ours ÷ floor 1.50× ≤ 1.20× does not hold");
    expect(off).toContain("native ≤ 1.20×, dynamic for information");
    const on = formatReport(results(floorRows(1000, "native", ours, floor, false), false));
    expect(on).toMatch(/^native refresh ÷ floor +1,000 +ours 12\.0 s ÷ floor 11\.0 s \(engine; API 275 ms\) = 1\.09× ≤ 1\.20×, checkpoints on +pass$/m);
  });

  it("runs with the trivial programs (--no-trivial skips them); --no-shaped skips only the shaped one", () => {
    expect(parseCli([])?.bench).toMatchObject({ trivial: true, shaped: true, native: true });
    expect(parseCli(["--no-trivial"])?.bench).toMatchObject({ trivial: false, shaped: true });
    expect(parseCli(["--no-shaped"])?.bench).toMatchObject({ trivial: true, shaped: false });
  });
});

describe("the person rows (one person who holds 1 in 5 of the N accounts)", () => {
  const op = (requests: number, rateLimited = 0, wallMs = 1_000) =>
    ({
      wallMs,
      requests,
      rateLimited,
      byRoute: {},
      apiSpanMs: 0,
      hostPeakRssBytes: 0,
      programPeakRssBytes: 0,
      steps: {},
      errors: [],
      errorCount: 0,
    }) as Measurement;

  it("holds preview and up to the token rows' floors for the person's accounts, and checks that only theirs were cut", () => {
    expect(personHeld(5_000)).toBe(1_000);
    const links = 2_000;
    const within = personRows(
      5_000,
      1_000,
      links,
      { preview: op(previewRequestFloor(1_000)), up: op(upRequestFloor(1_000, links)) },
      {
        stillValid: 0,
        linksLeft: 0,
        othersTouched: 0,
      },
    );
    expect(within.map((r) => [r.operation, r.n, r.pass])).toEqual([
      ["person preview", 1_000, true],
      ["person up", 1_000, true],
    ]);
    expect(within[0]!.detail).toMatchObject({ total: 5_000, held: 1_000, links });

    // One read per account is above the preview floor; a slow up, one of theirs left, or others cut fail the up.
    const naive = personRows(5_000, 1_000, links, { preview: op(1_000), up: op(3_000, 0, 60_000) }, { stillValid: 1, linksLeft: 0, othersTouched: 2 });
    expect(naive[0]!.checks.find((c) => c.name === "requests")).toMatchObject({ value: 1_000, limit: 25, pass: false });
    expect(naive[1]!.checks.filter((c) => !c.pass).map((c) => c.name)).toEqual(["time", "theirs still valid", "others touched"]);
  });

  it("reads the outcome by who authorized each account, and declares the person by email", () => {
    const acct = (by: string, valid: boolean, agencies: number) => ({
      token: { valid, authorizedBy: { id: by, name: by } },
      agencies: new Array(agencies).fill("ag"),
    });
    expect(personOutcome([acct(BENCH_PERSON.id, false, 0), acct(BENCH_PERSON.id, true, 2), acct("u-other", true, 1), acct("u-other", false, 1)])).toEqual({
      stillValid: 1,
      linksLeft: 2,
      othersTouched: 1,
    });
    expect(personDeclarationText()).toContain(`people:\n  - person: ${BENCH_PERSON.email}\n`);
  });

  it("--no-person and --person-only", () => {
    expect(parseCli([])?.bench).toMatchObject({ person: true });
    expect(parseCli(["--no-person"])?.bench.person).toBe(false);
    expect(parseCli(["--person-only", "--n", "5000"])?.bench).toMatchObject({ personOnly: true, sizes: [5000] });
  });
});
