/**
 * Faults: `up` of 200 tokens through the engine-protocol path (the repository's program via the
 * SDK's runner, the provider via the SDK's dynamic-provider host) against a sandbox answering 20%
 * of requests with 503 and rate-limiting to 100 requests/s. It completes, or completes on re-run,
 * and then nothing is missing and nothing was done twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../provider/core/types";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { DEFAULTS } from "../../provider/client";
import { readState, refresh, up, type RunResult, type StackSpec, type State } from "../engine";
import { auditFacts, OPERATION_GUARD_MS, repoStack, routeCounts, ROUTES, statusCount, TOKEN_TYPE, upUntilConverged, writeDeclarations } from "./support";

const N = 200;
const MAX_RUNS = 5;
const ACTOR = "pulumi:marin-social/dev";

let sb: TestSandbox;
let tmp: string;
let spec: StackSpec;
let ids: string[];
/** The agencies each account was linked to before the first run. */
const before = new Map<string, string[]>();
let runs: RunResult[] = [];
let faultStats: unknown;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-faults-"));
  ({ ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "rel-", agenciesPerAccount: { min: 1, max: 3 } }));
  for (const [id, a] of await sb.admin.getAccounts(ids)) before.set(id, a.agencies.map((g) => g.id).sort());
  spec = repoStack({
    apiUrl: sb.url,
    apiKey: sb.sandbox.keys.admin,
    declarations: writeDeclarations(
      path.join(tmp, "tokens.yaml"),
      ids.map((accountId) => ({ accountId, valid: false, reason: "offboarding under faults" })),
    ),
    statePath: path.join(tmp, "state.json"),
  });
});
afterAll(async () => {
  await sb?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe(`up of ${N} tokens with 20% 5xx and a 100 requests/s rate limit`, () => {
  it("completes, or completes on re-run; a partly failed token is recorded and finished by the next run", { timeout: MAX_RUNS * OPERATION_GUARD_MS }, async () => {
    // Typically 10-25 s: one run of about 900 requests at 100/s, then one more run for the forced
    // partial failure. The timeout only catches a hang: up to MAX_RUNS runs, each one guarded.
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
        // The bucket refuses only a client faster than 100/s, which a busy machine may not be: the
        // run's first request (the program's lookup, before anything taught a rate) is refused for sure.
        { route: ROUTES.list, status: 429, count: 1 },
      ],
    });
    let first: RunResult;
    let firstState: State;
    try {
      first = await up(spec);
      firstState = readState(spec.statePath);
      runs = [first, ...(await upUntilConverged(spec, MAX_RUNS - 1))];
    } finally {
      faultStats = await sb.admin.sandbox.stats();
      await sb.admin.sandbox.setFaults({});
    }
    // The faults really happened: the client met 5xx and 429 and got through.
    expect(statusCount(faultStats, 503)).toBeGreaterThan(0);
    expect(statusCount(faultStats, 429)).toBeGreaterThan(0);
    expect(runs.at(-1)!.errors).toEqual([]);

    // Run 1 failed on the target, recording its progress (invalidated, other agencies cut).
    expect(first.exitCode).not.toBe(0);
    expect(first.errors.join("\n")).toMatch(new RegExp(`account ${target} is only partly reconciled .*unlink .*\\(${agency}\\).*run \`pulumi up\` again`, "s"));
    const recorded = firstState.resources.find((r) => r.type === TOKEN_TYPE && r.id === target);
    expect(recorded?.initErrors?.length).toBe(1);
    expect(recorded?.outputs).toMatchObject({ valid: false, linkedAgencies: [{ id: agency }] });
    // The next run updated it (it did not create it again).
    expect(runs[1]!.steps.find((s) => s.type === TOKEN_TYPE && s.urn.endsWith(`::${target}`))?.op).toBe("update");
  });

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

  it("records every token in state, converged: live values, no init errors, what each one cut off", () => {
    const tokens = readState(spec.statePath).resources.filter((r) => r.type === TOKEN_TYPE);
    expect(tokens).toHaveLength(N);
    const bad = tokens.filter((r) => {
      const o = r.outputs;
      const cut = Array.isArray(o.unlinkedAgencies) ? (o.unlinkedAgencies as Array<{ id: string }>).map((a) => a.id).sort() : [];
      return (
        (r.initErrors?.length ?? 0) > 0 ||
        o.valid !== false ||
        JSON.stringify(o.linkedAgencies) !== "[]" ||
        o.revokedOutsidePulumi !== false ||
        JSON.stringify(cut) !== JSON.stringify(before.get(r.id))
      );
    });
    expect(bad.map((r) => ({ id: r.id, initErrors: r.initErrors, unlinked: r.outputs.unlinkedAgencies, linked: r.outputs.linkedAgencies }))).toEqual([]);
  });

  it("then a refresh finds no drift and a further up is all `same`, changing nothing", { timeout: 2 * OPERATION_GUARD_MS }, async () => {
    // Two operations of about 5 s each; the timeout only catches a hang.
    const auditBefore = (await sb.admin.audit()).length;
    const r = await refresh(spec);
    expect(r.errors).toEqual([]);
    expect(r.changes).toEqual([]);
    expect(r.steps.filter((s) => s.type === TOKEN_TYPE && s.op === "refresh")).toHaveLength(N);

    const u = await up(spec);
    expect(u.errors).toEqual([]);
    const ops = u.steps.filter((s) => s.type === TOKEN_TYPE).map((s) => s.op);
    expect(ops).toHaveLength(N);
    expect(ops.filter((op) => op !== "same")).toEqual([]);
    expect((await sb.admin.audit()).length).toBe(auditBefore);
  });
});
