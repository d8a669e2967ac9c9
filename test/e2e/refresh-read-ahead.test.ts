/**
 * Requests of refresh, preview and up through the real Pulumi engine, at `--parallel` 8 (the
 * CLI's default on 2 CPUs), 1 and 64. The engine reads resources a few at a time, so coalescing
 * only the reads in flight at once cost ⌈N/8⌉ requests; the provider's read-ahead
 * (provider/client/read-ahead.ts) brings refresh to about ⌈N/100⌉, and it must report what is
 * live: a token re-authorized outside Pulumi shows up, wherever it sits in the list.
 *
 * The organization holds more accounts than the stack declares, and the declarations are in a
 * shuffled order (seed printed), so the engine's state order is not the API's list order.
 * Requests are the sandbox's own count (`GET /_sandbox/stats`). No time is asserted.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPulumi, type PulumiTestStack, pulumiStack, repoProgramCopy } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";

/**
 * Tokens the stack declares, and accounts in the organization. N = 150 is enough to tell: reads
 * coalesced only while in flight would cost ⌈150/8⌉ = 19 requests at --parallel 8 and 150 at 1,
 * against a floor of 7; every token costs each engine operation time, so no more are declared.
 */
const N = 150;
const ACCOUNTS = 200;
const SEED = 20261130;
/** The batched-read floor: ⌈N/100⌉ requests, plus 5. */
const FLOOR = Math.ceil(N / 100) + 5;

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const next = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let sb: TestSandbox;
let dir: string;
let s: PulumiTestStack;
let declared: string[];
let links = 0;

/** Zeroes the sandbox's counters, runs `op`, and returns the requests it cost by route. */
async function requestsOf(op: () => Promise<unknown>): Promise<{ total: number; byRoute: Record<string, Record<string, number>> }> {
  await sb.admin.sandbox.resetStats();
  await op();
  const stats = (await sb.admin.sandbox.stats()) as { total: number; byRoute: Record<string, Record<string, number>> };
  return { total: stats.total, byRoute: stats.byRoute };
}

describeWithPulumi(`requests of ${N} tokens through the real engine`, () => {
  beforeAll(async () => {
    console.log(`refresh-read-ahead: declaration order shuffled with seed ${SEED}`);
    sb = await testSandbox({ seed: "none" });
    const { ids } = await sb.admin.sandbox.addAccounts({ count: ACCOUNTS, idPrefix: "ra-", agenciesPerAccount: { min: 1, max: 3 }, agencies: 6 });
    declared = shuffled(ids, SEED).slice(0, N);
    const wanted = new Set(declared);
    links = (await sb.admin.listAccounts()).filter((a) => wanted.has(a.id)).reduce((sum, a) => sum + a.agencies.length, 0);
    const workDir = repoProgramCopy();
    dir = path.dirname(workDir);
    const yaml = ["defaults:", '  reason: "read-ahead test"', "tokens:", ...declared.map((id) => `  - { accountId: ${id}, valid: false }`)];
    writeFileSync(path.join(workDir, "tokens.yaml"), `${yaml.join("\n")}\n`);
    // Requests are what is counted: the file backend's checkpoint after every step (O(N²) bytes
    // for N tokens) changes none of them, so the engine writes the state once, at the end.
    s = await pulumiStack({
      workDir,
      config: { "marin-social:apiUrl": sb.url },
      secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
      env: { PULUMI_SKIP_CHECKPOINTS: "true" },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.cleanup();
    await sb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("preview looks every token up in ⌈N/100⌉ batched reads", async () => {
    const r = await requestsOf(() => s.stack.preview({ parallel: 8, color: "never" }));
    expect(r.total, `preview --parallel 8: ${JSON.stringify(r.byRoute)}`).toBeLessThanOrEqual(FLOOR);
  }, 600_000);

  it("up at --parallel 8: one invalidation per token, one DELETE per link, the lookups batched; again at --parallel 1: nothing to do, and the lookups still batched", async () => {
    const r = await requestsOf(() => s.stack.up({ parallel: 8, color: "never" }));
    expect(r.byRoute["POST /v1/accounts/{id}/token/invalidate"]).toEqual({ "200": N });
    expect(r.byRoute["DELETE /v1/agencies/{agencyId}/accounts/{accountId}"]).toEqual({ "204": links });
    expect(r.total, `up --parallel 8: ${JSON.stringify(r.byRoute)}`).toBeLessThanOrEqual(N + links + FLOOR);
    // Again, one resource at a time: nothing to do, and the program's lookups (the same as a
    // preview's) are all it reads, batched however few the engine runs at once.
    const again = await requestsOf(async () => expect((await s.stack.up({ parallel: 1, color: "never" })).summary.resourceChanges).toEqual({ same: N + 1 }));
    expect(again.total, `up --parallel 1 with nothing to do: ${JSON.stringify(again.byRoute)}`).toBeLessThanOrEqual(FLOOR);
  }, 600_000);

  it("refresh reads ahead: ≤ ⌈N/100⌉+5 requests at --parallel 8, 1 and 64, and reports what is live, afresh on every run", async () => {
    // Re-authorized outside Pulumi, spread over the list: each must show up as valid again.
    const sorted = [...declared].sort();
    const reauthorized = [sorted[0]!, sorted[Math.floor(N / 2)]!, sorted[N - 1]!];
    for (const id of reauthorized) await sb.admin.reauthorize(id, { actor: "mallory@agency.example" });

    const refresh = async (parallel: number, expected: Record<string, number>): Promise<void> => {
      let summary: Record<string, number> | undefined;
      const r = await requestsOf(async () => {
        summary = (await s.stack.refresh({ parallel, color: "never" })).summary.resourceChanges;
      });
      expect(r.total, `refresh --parallel ${parallel}: ${JSON.stringify(r.byRoute)}`).toBeLessThanOrEqual(FLOOR);
      expect(summary, `refresh --parallel ${parallel}`).toEqual(expected);
    };
    // The first refresh records the three re-authorizations; the next finds nothing new.
    await refresh(8, { same: N + 1 - 3, update: 3 });
    await refresh(1, { same: N + 1 });
    const deployment = (await s.stack.exportStack()).deployment as { resources: { id?: string; outputs: Record<string, unknown> }[] };
    const valid = deployment.resources.filter((x) => x.outputs.valid === true).map((x) => x.id);
    expect(valid.sort()).toEqual([...reauthorized].sort());

    // A revocation between two refreshes is seen by the next one: nothing is kept across runs.
    await sb.admin.invalidateToken(reauthorized[1]!, { actor: "mallory@agency.example", reason: "again" });
    await refresh(64, { same: N, update: 1 });
  }, 900_000);
});
