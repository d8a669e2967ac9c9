/**
 * Whatever preview (check) accepts, up (create) accepts: the provider's lifecycle against a real
 * sandbox with inputs at the contract's limits. A 190-character stack name (the actor would be
 * 210 characters, over the API's 200) and a 1000-character reason pass check and are recorded
 * by create; what check refuses (an account id with ":", a reason one character over) it
 * refuses with the contract's rule, before anything is sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildReport, pulumiActor } from "../../provider/core";
import { ACTOR, REASON } from "../../provider/generated/contract";
import { TokenLifecycle } from "../../provider/token/lifecycle";
import { observe } from "../../provider/token/observation";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";

let sb: TestSandbox;
let lifecycle: TokenLifecycle;

beforeAll(async () => {
  sb = await testSandbox();
  lifecycle = new TokenLifecycle(() => sb.admin);
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
});

const STACK = `offboarding-${"x".repeat(177)}z`; // 190 characters, as Pulumi's test stacks can be named

describe("an actor longer than the API allows", () => {
  it("is shortened deterministically, passes check, and is recorded by create and unlink as the same stack", async () => {
    expect(STACK).toHaveLength(190);
    const actor = pulumiActor("marin-social", STACK);
    expect(`pulumi:marin-social/${STACK}`.length).toBeGreaterThan(ACTOR.maxLength);
    expect(actor).toHaveLength(ACTOR.maxLength);
    expect(pulumiActor("marin-social", STACK)).toBe(actor);

    const observed = observe(await sb.admin.getAccount("fb-1001"));
    const news = { accountId: "fb-1001", valid: false, reason: "r".repeat(REASON.maxLength), actor, observed };
    const checked = await lifecycle.check({}, news);
    expect(checked.failures).toEqual([]);

    const { outs } = await lifecycle.create(checked.inputs);
    expect(outs).toMatchObject({ valid: false, invalidatedBy: actor, revokedOutsidePulumi: false, linkedAgencies: [] });
    const live = await sb.admin.getAccount("fb-1001");
    expect(live.token).toMatchObject({ valid: false, invalidatedBy: actor, reason: "r".repeat(REASON.maxLength) });
    const entries = await sb.admin.audit({ accountId: "fb-1001" });
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ["token.invalidate", actor],
      ["agency.unlink", actor],
      ["agency.unlink", actor],
      ["agency.unlink", actor],
    ]);

    // The next run recognises its own invalidation: nothing to do, nothing drifted.
    const again = await lifecycle.update("fb-1001", outs, { ...checked.inputs, observed: observe(live) });
    expect(again.outs).toMatchObject({ revokedOutsidePulumi: false, invalidatedBy: actor });
    expect(await auditCounts(sb.admin, "fb-1001")).toEqual({ "token.invalidate": 1, "agency.unlink": 3 });
    const report = buildReport([{ accountId: "fb-1001", valid: false }], new Map([["fb-1001", live]]), entries);
    expect(report.rows[0]).toMatchObject({ action: "none" });
    expect(report.rows[0]!.drift).toBeUndefined();
  });
});

describe("check refuses what the API would refuse, naming the contract's rule", () => {
  it.each([
    ["accountId", { accountId: "fb:1001" }, /accountId must be an account id of 1 to 64 letters/],
    ["accountId", { accountId: "a".repeat(65) }, /accountId must be an account id of 1 to 64/],
    ["reason", { reason: "r".repeat(REASON.maxLength + 1) }, /reason must be a reason of at most 1000 characters/],
    ["expectAgencies", { expectAgencies: ["ag north"] }, /each of expectAgencies must be an agency id/],
    ["actor", { actor: "x".repeat(ACTOR.maxLength + 1) }, /actor must be who acts, 1 to 200 characters/],
    ["actor", { actor: "pulumi:p/s\n" }, /without control characters/],
  ])("%s %j", async (property, fields, message) => {
    const before = await auditCounts(sb.admin);
    const { failures } = await lifecycle.check({}, { accountId: "fb-1001", valid: false, actor: "pulumi:p/s", ...fields });
    expect(failures).toEqual([{ property, reason: expect.stringMatching(message) }]);
    expect(await auditCounts(sb.admin)).toEqual(before);
  });
});
