/**
 * Faults: `pulumi up` of 60 tokens through the real Pulumi engine (the repository's program, the
 * CLI driven by the Automation API) against a sandbox answering 20% of requests with 503 and
 * rate-limiting to 100 requests/s. It completes, or completes on re-run, and then nothing is
 * missing and nothing was done twice. The count is what makes every fault kind certain, not a
 * scale test (the bench is): a 503 on the invalidation route misses all 60 with odds of 0.8^60,
 * about 1 in 650,000, and the first 429 and one partial failure are injected outright.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULTS } from "../../provider/client";
import type { Account } from "../../provider/core/types";
import { describeWithPulumi, type PulumiTestStack } from "../support/pulumi";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { type ExportedResource, exportedResources, type OpRun, runOp, stepsOf, TOKEN_TYPE, tokenSteps, tokenUrn } from "../support/stack-run";
import { auditFacts, OPERATION_GUARD_MS, ROUTES, repoStack, routeCounts, statusCount, upUntilConverged } from "./support";

const N = 60;
const MAX_RUNS = 5;
const ACTOR = "pulumi:marin-social/dev";
/** Up to MAX_RUNS runs, then a refresh and an up. */
const T = (MAX_RUNS + 2) * OPERATION_GUARD_MS;

let sb: TestSandbox;
let s: PulumiTestStack;
let ids: string[];
/** The agencies each account was linked to before the first run. */
const before = new Map<string, string[]>();
let runs: OpRun[] = [];
let faultStats: unknown;

describeWithPulumi(`up of ${N} tokens with 20% 5xx and a 100 requests/s rate limit, through the real engine`, () => {
  beforeAll(async () => {
    sb = await testSandbox();
    ({ ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "rel-", agenciesPerAccount: { min: 1, max: 3 } }));
    for (const [id, a] of await sb.admin.getAccounts(ids)) before.set(id, a.agencies.map((g) => g.id).sort());
    s = await repoStack({
      apiUrl: sb.url,
      apiKey: sb.sandbox.keys.admin,
      tokens: ids.map((accountId) => ({ accountId, valid: false, reason: "offboarding under faults" })),
    });
  }, T);
  afterAll(async () => {
    await s?.cleanup();
    await sb?.close();
  }, T);

  it(
    "completes, or completes on re-run; a partly failed token is recorded and finished by the next run",
    async () => {
      expect(ids).toHaveLength(N);
      expect([...before.values()].every((a) => a.length >= 1 && a.length <= 3)).toBe(true);
      // Besides the random faults, one unlink of the first account fails on every attempt of the
      // first run, so that run is a partial failure for sure and the re-run path is always taken.
      const target = ids[0]!;
      const agency = before.get(target)![0]!;
      await sb.admin.sandbox.resetStats();
      await sb.admin.sandbox.setFaults({
        errorRate: 0.2,
        rateLimitPerSecond: 100,
        // A server that does not advertise its limit: the client must learn it from the 429s.
        rateLimitHeaders: false,
        failRoutes: [
          { route: ROUTES.unlink, match: `/${agency}/accounts/${target}`, status: 500, count: DEFAULTS.retry.maxAttempts },
          // The bucket refuses only a client faster than 100/s, which the engine at its default
          // --parallel on a busy machine may not be: the run's first request (the program's lookup,
          // before anything taught a rate) is refused for sure.
          { route: ROUTES.list, status: 429, count: 1 },
        ],
      });
      let first: OpRun;
      let firstState: ExportedResource[];
      try {
        first = await runOp(s.stack, "up");
        firstState = await exportedResources(s.stack);
        runs = [first, ...(await upUntilConverged(s, MAX_RUNS - 1))];
      } finally {
        faultStats = await sb.admin.sandbox.stats();
        await sb.admin.sandbox.setFaults({});
      }
      // The faults really happened: the client met 5xx and 429 and got through.
      expect(statusCount(faultStats, 503)).toBeGreaterThan(0);
      expect(statusCount(faultStats, 429)).toBeGreaterThan(0);
      expect(runs.at(-1)!.exitCode).toBe(0);

      // Run 1 failed on the target, recording its progress (invalidated, other agencies cut).
      expect(first.exitCode).not.toBe(0);
      expect(first.errors.join("\n")).toMatch(
        new RegExp(`account ${target} is only partly reconciled .*unlink .*\\(${agency}\\).*run \`pulumi up\` again`, "s"),
      );
      const recorded = firstState.find((r) => r.type === TOKEN_TYPE && r.id === target);
      expect(recorded?.initErrors?.length).toBe(1);
      expect(recorded?.outputs).toMatchObject({ valid: false, linkedAgencies: [{ id: agency }] });
      // The next run updated it (it did not create it again).
      expect(stepsOf(runs[1]!, tokenUrn(target))).toEqual(["update"]);
    },
    T,
  );

  it("leaves every token invalid (by Pulumi, with the reason) and unlinked from every agency", async () => {
    expect(runs.at(-1)?.exitCode).toBe(0);
    const live = await sb.admin.getAccounts(ids);
    expect(live.size).toBe(N);
    const wrong = [...live.values()].filter(
      (a: Account) => a.token.valid || a.agencies.length > 0 || a.token.invalidatedBy !== ACTOR || a.token.reason !== "offboarding under faults",
    );
    expect(wrong.map((a) => a.id)).toEqual([]);
  });

  it("records exactly one invalidation per account and no unlink twice; every original link was unlinked once", async () => {
    const facts = await auditFacts(sb.admin);
    const notOnce = ids.filter((id) => facts.invalidations.get(id) !== 1).map((id) => `${id}: ${facts.invalidations.get(id) ?? 0}`);
    expect(notOnce).toEqual([]);
    expect(facts.repeatedUnlinks).toEqual([]);
    const mismatched = ids.filter((id) => JSON.stringify([...(facts.unlinks.get(id) ?? [])].sort()) !== JSON.stringify(before.get(id)));
    expect(mismatched).toEqual([]);
    // On the wire too: the invalidation route met faults, yet across all runs exactly one invalidation
    // per account succeeded and one unlink per link, and no run tried to unlink a link already gone.
    const inv = routeCounts(faultStats, ROUTES.invalidate);
    expect((inv["503"] ?? 0) + (inv["429"] ?? 0)).toBeGreaterThan(0);
    expect(inv["200"]).toBe(N);
    const links = [...before.values()].reduce((n, a) => n + a.length, 0);
    const unl = routeCounts(faultStats, ROUTES.unlink);
    expect(unl["204"]).toBe(links);
    expect(unl["404"]).toBeUndefined();
  });

  it(
    "records every token in state, converged: live values, no init errors, what each one cut off",
    async () => {
      const tokens = (await exportedResources(s.stack)).filter((r) => r.type === TOKEN_TYPE);
      expect(tokens).toHaveLength(N);
      const bad = tokens.filter((r) => {
        const o = r.outputs!;
        const cut = Array.isArray(o.unlinkedAgencies) ? (o.unlinkedAgencies as Array<{ id: string }>).map((a) => a.id).sort() : [];
        return (
          (r.initErrors?.length ?? 0) > 0 ||
          o.valid !== false ||
          JSON.stringify(o.linkedAgencies) !== "[]" ||
          o.revokedOutsidePulumi !== false ||
          JSON.stringify(cut) !== JSON.stringify(before.get(r.id!))
        );
      });
      expect(bad.map((r) => ({ id: r.id, initErrors: r.initErrors, unlinked: r.outputs!.unlinkedAgencies, linked: r.outputs!.linkedAgencies }))).toEqual([]);
    },
    T,
  );

  it(
    "then refresh --expect-no-changes passes and a further up is all `same`, changing nothing",
    async () => {
      const auditBefore = (await sb.admin.audit()).length;
      const r = await runOp(s.stack, "refresh", { expectNoChanges: true });
      expect(r.exitCode, r.stdout).toBe(0);
      expect(tokenSteps(r)).toEqual(Array(N).fill("refresh"));

      const u = await runOp(s.stack, "up");
      expect(u.exitCode, u.message).toBe(0);
      const ops = tokenSteps(u);
      expect(ops).toHaveLength(N);
      expect(ops.filter((op) => op !== "same")).toEqual([]);
      expect((await sb.admin.audit()).length).toBe(auditBefore);
    },
    T,
  );
});
