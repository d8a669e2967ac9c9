import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planOffboarding } from "../../provider/core";
import { account } from "./accounts";

const jane = { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" };
const hers = (id: string, valid = true) =>
  account({ id, name: `Brand ${id}`, token: { authorizedBy: jane, authorizedAt: "2026-01-01T00:00:00Z", ...(valid ? {} : { valid: false }) } });
const found = [hers("tw-2001"), hers("fb-1004"), hers("fb-1001"), hers("fb-1007", false)];

describe("planOffboarding", () => {
  it("cuts every account the person authorized, in id order, already revoked ones included", () => {
    const plan = planOffboarding({ person: "jane@agency.example" }, found);
    expect(plan.cut.map((a) => a.id)).toEqual(["fb-1001", "fb-1004", "fb-1007", "tw-2001"]);
    expect(plan.refusal).toBeUndefined();
  });

  it("never touches a keep-listed account, and says so", () => {
    const plan = planOffboarding({ person: "u-7001", keep: ["fb-1004", "fb-9999"] }, found);
    expect(plan.cut.map((a) => a.id)).toEqual(["fb-1001", "fb-1007", "tw-2001"]);
    expect(plan.kept.map((a) => a.id)).toEqual(["fb-1004"]);
    expect(plan.notes).toEqual([
      'facebook account "Brand fb-1004" (fb-1004) is on the keep list: not touched',
      "keep lists fb-9999, not authorized by Jane Doe <jane@agency.example> (u-7001): nothing to keep there",
    ]);
  });

  it("refuses the whole entry when it would cut an account expectAccounts does not name, naming the difference", () => {
    const plan = planOffboarding({ person: "u-7001", expectAccounts: ["fb-1001", "fb-1004", "fb-1007", "fb-1008"] }, found);
    expect(plan.cut).toEqual([]);
    expect(plan.refusal).toMatchObject({ code: "accounts-differ", unexpected: ["tw-2001"], missing: ["fb-1008"] });
    expect(plan.refusal!.message).toContain('found but not expected: facebook account "Brand tw-2001" (tw-2001)');
    expect(plan.refusal!.message).toContain("expected but not found: fb-1008");
    expect(plan.refusal!.message).toContain("Nothing of theirs was changed");
  });

  it("never refuses for fewer accounts than expected: those are a note", () => {
    const plan = planOffboarding({ person: "u-7001", expectAccounts: ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"] }, found);
    expect(plan.refusal).toBeUndefined();
    expect(plan.cut).toHaveLength(4);
    expect(plan.notes).toEqual(["expectAccounts names tw-2004, not found to cut: nothing to cut there"]);
    expect(planOffboarding({ person: "u-7001", expectAccounts: ["fb-1001"] }, []).refusal).toBeUndefined();
  });

  it("refuses exactly when the cut reaches beyond expectAccounts; kept accounts are never cut", () => {
    const ids = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];
    fc.assert(
      fc.property(fc.subarray(ids), fc.subarray(ids), fc.option(fc.subarray(ids), { nil: undefined }), (have, keep, expect_) => {
        const plan = planOffboarding(
          { person: "u-7001", keep, ...(expect_ ? { expectAccounts: expect_ } : {}) },
          have.map((id) => hers(id)),
        );
        const wouldCut = have.filter((id) => !keep.includes(id));
        const beyond = expect_ ? wouldCut.filter((id) => !expect_.includes(id)) : [];
        expect(plan.refusal !== undefined).toBe(beyond.length > 0);
        expect(plan.cut.map((a) => a.id)).toEqual(beyond.length > 0 ? [] : [...wouldCut].sort());
        for (const a of plan.cut) expect(keep).not.toContain(a.id);
      }),
    );
  });
});
