import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPlan, auditLine, type DesiredToken, describePlan, isConverged, planToken, summarizePlan } from "../../provider/core";
import { account, arbAccount, arbDesired } from "./accounts";

const ctx = { actor: "pulumi:marin/dev" };
const desired = (d: Partial<DesiredToken> = {}): DesiredToken => ({ accountId: "fb-1001", valid: false, ...d });

describe("planToken", () => {
  it("invalidates a valid token, then unlinks every agency in id order", () => {
    const plan = planToken(desired({ reason: "Jane left" }), account(), ctx);
    expect(describePlan(plan)).toEqual([
      "invalidate token of fb-1001 as pulumi:marin/dev (reason: Jane left)",
      "unlink East Agency (ag-east) from fb-1001",
      "unlink North Agency (ag-north) from fb-1001",
      "unlink South Agency (ag-south) from fb-1001",
    ]);
    expect(summarizePlan(plan)).toBe("invalidate, unlink 3 agencies");
  });

  it("adopts an already invalid token and finishes the unlinking only", () => {
    const live = account({
      agencies: [{ id: "ag-south", name: "South Agency" }],
      token: { valid: false, invalidatedBy: "jane@agency.example", invalidatedAt: "2026-01-01T00:00:00Z" },
    });
    expect(describePlan(planToken(desired(), live, ctx))).toEqual(["unlink South Agency (ag-south) from fb-1001"]);
  });

  it("has nothing to do for a converged token or a valid token declared valid", () => {
    const converged = account({ agencies: [], token: { valid: false, invalidatedBy: "pulumi:marin/dev" } });
    expect(describePlan(planToken(desired(), converged, ctx))).toEqual(["nothing to do for fb-1001"]);
    expect(isConverged(planToken(desired({ valid: true }), account(), ctx))).toBe(true);
  });

  it("refuses valid: true on a revoked token, saying who, when and how to restore it", () => {
    const live = account({
      token: { valid: false, invalidatedBy: "jane@agency.example", invalidatedAt: "2026-03-04T05:06:07Z", reason: "left" },
    });
    const plan = planToken(desired({ valid: true }), live, ctx);
    expect(plan.actions).toEqual([]);
    expect(plan.refusal?.code).toBe("revoked");
    expect(plan.refusal?.message).toContain("revoked by jane@agency.example at 2026-03-04T05:06:07Z (reason: left), outside Pulumi");
    expect(plan.refusal?.message).toContain("re-authorize the account in Marin Social");
    expect(plan.refusal?.message).toContain("`pulumi refresh`");
  });

  it("refuses a publisher mismatch", () => {
    const plan = planToken(desired({ publisher: "twitter" }), account(), ctx);
    expect(plan.refusal).toMatchObject({ code: "publisher-mismatch", property: "publisher" });
    expect(plan.actions).toEqual([]);
  });

  it("guards with expectAgencies, naming unexpected and missing agencies", () => {
    const plan = planToken(desired({ expectAgencies: ["ag-north", "ag-west"] }), account(), ctx);
    expect(plan.refusal?.code).toBe("agencies-differ");
    expect(plan.refusal?.unexpected?.map((a) => a.id)).toEqual(["ag-east", "ag-south"]);
    expect(plan.refusal?.missing).toEqual(["ag-west"]);
    expect(plan.refusal?.message).toContain("linked but not expected: East Agency (ag-east), South Agency (ag-south)");
    expect(plan.refusal?.message).toContain("expected but not linked: ag-west");
    expect(plan.actions).toEqual([]);
  });

  it("never refuses a revocation for agencies the guard names that are not linked: a guard bounds the cut", () => {
    // The README's own example, after up and a re-authorization: the token is valid again, its links all cut.
    const reauthorized = account({ agencies: [] });
    const guard = { expectAgencies: ["ag-east", "ag-north", "ag-south"] };
    const plan = planToken(desired(guard), reauthorized, ctx);
    expect(plan.refusal).toBeUndefined();
    expect(describePlan(plan)).toEqual(["invalidate token of fb-1001 as pulumi:marin/dev"]);
    expect(auditLine(reauthorized, plan)).toEqual({
      severity: "warn",
      message:
        'invalidating facebook account "Acme Coffee" (fb-1001); it is linked to no agency, so none is cut off (expectAgencies names ag-east, ag-north, ag-south, no longer linked: nothing to cut there)',
    });
    // Fewer links than expected on a valid token: the rest is cut.
    const fewer = account({ agencies: [{ id: "ag-north", name: "North Agency" }] });
    expect(describePlan(planToken(desired(guard), fewer, ctx))).toEqual([
      "invalidate token of fb-1001 as pulumi:marin/dev",
      "unlink North Agency (ag-north) from fb-1001",
    ]);
    // One more than expected still refuses, even with others absent.
    const more = account({
      agencies: [
        { id: "ag-north", name: "North Agency" },
        { id: "ag-west", name: "West Agency" },
      ],
    });
    expect(planToken(desired(guard), more, ctx).refusal).toMatchObject({ code: "agencies-differ", missing: ["ag-east", "ag-south"] });
  });

  it("on a token declared valid (nothing to cut), asserts the links exactly", () => {
    const plan = planToken(desired({ valid: true, expectAgencies: ["ag-east", "ag-north", "ag-south", "ag-west"] }), account(), ctx);
    expect(plan.refusal).toMatchObject({ code: "agencies-differ", missing: ["ag-west"], unexpected: [] });
  });

  it("does not call already-cut agencies missing once the token is invalid", () => {
    const partial = account({
      agencies: [{ id: "ag-south", name: "South Agency" }],
      token: { valid: false, invalidatedBy: "pulumi:marin/dev" },
    });
    const plan = planToken(desired({ expectAgencies: ["ag-east", "ag-north", "ag-south"] }), partial, ctx);
    expect(describePlan(plan)).toEqual(["unlink South Agency (ag-south) from fb-1001"]);
  });
});

describe("auditLine", () => {
  it("warns with every agency an invalidation cuts off", () => {
    const live = account();
    expect(auditLine(live, planToken(desired(), live, ctx))).toEqual({
      severity: "warn",
      message:
        'invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
    });
  });

  it("says who revoked an invalid token, and lists a valid token's agencies", () => {
    const revoked = account({
      agencies: [],
      token: { valid: false, invalidatedBy: "jane@agency.example", invalidatedAt: "2026-01-01T00:00:00Z", reason: "left" },
    });
    expect(auditLine(revoked, planToken(desired(), revoked, ctx))).toEqual({
      severity: "info",
      message:
        'facebook account "Acme Coffee" (fb-1001) token already invalid: revoked by jane@agency.example (outside Pulumi) at 2026-01-01T00:00:00Z, reason: left',
    });
    const valid = account({ agencies: [{ id: "ag-north", name: "North Agency" }] });
    expect(auditLine(valid, planToken(desired({ valid: true }), valid, ctx)).message).toBe(
      'facebook account "Acme Coffee" (fb-1001) token valid, linked to 1 agency: North Agency (ag-north)',
    );
  });

  it("reports a refusal as an error: the run fails for it", () => {
    const revoked = account({ token: { valid: false, invalidatedBy: "mallory@agency.example", invalidatedAt: "2026-01-01T00:00:00Z", reason: null } });
    const line = auditLine(revoked, planToken(desired({ valid: true }), revoked, ctx));
    expect(line.severity).toBe("error");
    expect(line.message).toMatch(
      /^facebook account "Acme Coffee" \(fb-1001\): the facebook token of "Acme Coffee" \(fb-1001\) was revoked by mallory@agency\.example/,
    );
  });
});

describe("properties", () => {
  it("applying a plan, then planning again, yields nothing", () => {
    fc.assert(
      fc.property(arbDesired, arbAccount, (want, live) => {
        const plan = planToken(want, live, ctx);
        if (plan.refusal) return;
        const after = applyPlan(live, plan.actions, "2026-11-25T00:00:00Z");
        const again = planToken(want, after, ctx);
        expect(again.actions).toEqual([]);
        expect(again.refusal).toBeUndefined();
        expect(after.token.valid).toBe(want.valid);
      }),
    );
  });

  it("never invalidates or unlinks when it refuses, and never unlinks a token declared valid", () => {
    fc.assert(
      fc.property(arbDesired, arbAccount, (want, live) => {
        const plan = planToken(want, live, ctx);
        if (plan.refusal) expect(plan.actions).toEqual([]);
        if (want.valid) expect(plan.actions).toEqual([]);
      }),
    );
  });

  it("invalidates at most once, first, and unlinks each linked agency exactly once", () => {
    fc.assert(
      fc.property(arbDesired, arbAccount, (want, live) => {
        const plan = planToken(want, live, ctx);
        const kinds = plan.actions.map((a) => a.kind);
        expect(kinds.filter((k) => k === "invalidate").length).toBeLessThanOrEqual(1);
        if (kinds.includes("invalidate")) expect(kinds[0]).toBe("invalidate");
        const unlinked = plan.actions.flatMap((a) => (a.kind === "unlink" ? [a.agency.id] : []));
        expect(new Set(unlinked).size).toBe(unlinked.length);
        for (const id of unlinked) expect(live.agencies.map((a) => a.id)).toContain(id);
      }),
    );
  });

  it("a guard never refuses a revocation that cuts only what it names", () => {
    fc.assert(
      fc.property(arbDesired, arbAccount, (want, live) => {
        const plan = planToken({ ...want, valid: false, publisher: live.publisher }, live, ctx);
        const within = want.expectAgencies === undefined || live.agencies.every((a) => want.expectAgencies!.includes(a.id));
        expect(plan.refusal === undefined).toBe(within);
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic: the same inputs give the same plan", () => {
    fc.assert(
      fc.property(arbDesired, arbAccount, (want, live) => {
        const reversed = { ...live, agencies: [...live.agencies].reverse() };
        expect(planToken(want, reversed, ctx)).toEqual(planToken(want, live, ctx));
      }),
    );
  });
});

describe("an account linked to no agency", () => {
  it("is only invalidated, and says no agency is cut off", () => {
    const live = account({ agencies: [] });
    const plan = planToken(desired(), live, ctx);
    expect(summarizePlan(plan)).toBe("invalidate");
    expect(auditLine(live, plan).message).toBe('invalidating facebook account "Acme Coffee" (fb-1001); it is linked to no agency, so none is cut off');
  });
});
