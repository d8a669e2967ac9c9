/**
 * The program-memory and state-file rows of the benchmark, from figures given here (no engine):
 * what each row checks, holds and prints. No time is asserted.
 */
import { describe, expect, it } from "vitest";
import { type BenchResults, personRows, programMemoryRow } from "../../bench/bench";
import { parseCli } from "../../bench/cli";
import { PROGRAM_MEMORY_RATIO_LIMIT, previewRequestFloor, STATE_FILE_LIMIT_BYTES, upRequestFloor } from "../../bench/floors";
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
