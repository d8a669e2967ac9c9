/**
 * The benchmark's native rows at N = 50, so that they cannot rot: the plugin through the real CLI
 * against the workload's sandbox, every row produced, request counts within their floors, and the
 * stack converged. No time is asserted. Skipped without the CLI (see test/e2e/native-cli.ts).
 */
import { describe, expect, it } from "vitest";
import { nativeRows } from "../../bench/native";
import { formatReport } from "../../bench/report";
import { PULUMI_BIN } from "../e2e/native-cli";

const N = 50;

describe.skipIf(!PULUMI_BIN)("npm run bench, the native rows at N = 50", () => {
  it("produces preview, up, state, refresh and memory rows within their request floors", async () => {
    const rows = await nativeRows(N, 120_000, () => undefined);
    expect(rows.map((r) => `${r.path} ${r.operation}`)).toEqual(["native preview", "native up", "native state", "native refresh", "native memory"]);
    for (const r of rows.filter((x) => ["preview", "up", "refresh"].includes(x.operation))) {
      expect(r.detail.errors, r.operation).toEqual([]);
      expect(r.checks.find((c) => c.name === "requests")?.pass, r.operation).toBe(true);
    }
    const up = rows.find((r) => r.operation === "up")!;
    expect(up.detail.outcome).toEqual({ stillValid: 0, linksLeft: 0 });
    const byRoute = up.detail.byRoute as Record<string, Record<string, number>>;
    expect(byRoute["POST /v1/accounts/{id}/token/invalidate"]?.["200"]).toBe(N);
    expect(rows.find((r) => r.operation === "memory")!.checks[0]!.value).toBeGreaterThan(0);
    expect(rows.find((r) => r.operation === "state")!.checks[0]!.value).toBeLessThan(Number.POSITIVE_INFINITY);
    const text = formatReport({
      version: 1,
      startedAt: "",
      durationMs: 0,
      machine: { nproc: 1, cpu: "", memoryGiB: 1, node: "", platform: "", loadAverage: { start: 0, end: 0 } },
      workload: { sizes: [N], latencyMs: 10, rateLimitPerSecond: 200, agenciesPerAccount: { min: 1, max: 3 }, naiveEnv: {}, baselineUpMaxN: 0 },
      engine: { cli: "pulumi", version: "v3.274.1", parallel: 8, parallelSource: "default", skipCheckpoints: false },
      rows,
      notes: [],
      pass: true,
    });
    expect(text).toMatch(/^native preview +50 /m);
  }, 300_000);
});
