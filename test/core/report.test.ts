import { describe, expect, it } from "vitest";
import { type AuditEntry, buildReport, detectDrift, reauthorizations } from "../../provider/core";
import { AGENCIES, account } from "./accounts";

const entry = (e: Partial<AuditEntry>): AuditEntry => ({ at: "2026-01-01T00:00:00Z", actor: "x", action: "token.invalidate", accountId: "fb-1001", ...e });

describe("buildReport", () => {
  it("reports the action, and a token declared valid but revoked outside Pulumi as drift", () => {
    const revoked = account({
      id: "fb-1002",
      name: "Brand",
      token: { valid: false, invalidatedBy: "jane@agency.example", invalidatedAt: "2026-02-02T00:00:00Z" },
    });
    const live = new Map([
      ["fb-1001", account()],
      ["fb-1002", revoked],
    ]);
    const report = buildReport(
      [
        { accountId: "fb-1001", valid: false },
        { accountId: "fb-1002", valid: true },
        { accountId: "fb-9999", valid: false },
      ],
      live,
      [],
    );
    expect(report.rows.map((r) => [r.accountId, r.action, r.drift ?? "-"])).toEqual([
      ["fb-1001", "invalidate, unlink 3 agencies", "-"],
      ["fb-1002", "refuse (revoked)", "revoked-outside-pulumi"],
      ["fb-9999", "fail (not found)", "-"],
    ]);
    expect(report.rows[1]!.driftDetail).toBe("revoked by jane@agency.example at 2026-02-02T00:00:00Z");
    expect(report.summary).toEqual({ tokens: 3, drift: 1, pending: 1, refused: 1, missing: 1 });
  });

  it("carries the plan as data: whether the token is invalidated, the agencies unlinked, the refusal", () => {
    const live = new Map([
      ["fb-1001", account()],
      ["fb-1002", account({ id: "fb-1002", agencies: [AGENCIES[3]!], token: { valid: false, invalidatedBy: "jane", invalidatedAt: "2026-01-01T00:00:00Z" } })],
      ["fb-1003", account({ id: "fb-1003" })],
    ]);
    const report = buildReport(
      [
        { accountId: "fb-1001", valid: false },
        { accountId: "fb-1002", valid: false },
        { accountId: "fb-1003", valid: false, expectAgencies: ["ag-east"] },
        { accountId: "fb-9999", valid: false },
      ],
      live,
      [],
    );
    expect(report.rows.map((r) => [r.invalidate, r.unlink.map((a) => a.id), r.refusal])).toEqual([
      [true, ["ag-east", "ag-north", "ag-south"], undefined],
      [false, ["ag-west"], undefined],
      [false, [], "agencies-differ"],
      [false, [], undefined],
    ]);
  });

  it("flags a token re-authorized after Pulumi invalidated it", () => {
    const history = [
      entry({ actor: "pulumi:marin/dev", action: "token.invalidate" }),
      entry({ actor: "ops@agency.example", action: "token.reauthorize", at: "2026-03-03T00:00:00Z" }),
    ];
    const report = buildReport([{ accountId: "fb-1001", valid: false }], new Map([["fb-1001", account()]]), history);
    expect(report.rows[0]).toMatchObject({
      drift: "reauthorized-after-invalidation",
      driftDetail: "re-authorized by ops@agency.example at 2026-03-03T00:00:00Z",
      action: "invalidate, unlink 3 agencies",
    });
  });

  it("names the person who re-authorized it, and when, from the audit entry", () => {
    const jane = { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" };
    const history = [
      entry({ actor: "pulumi:marin/dev", action: "token.invalidate" }),
      entry({ actor: "publisher", action: "token.reauthorize", at: "2026-03-03T00:00:01Z", authorizedBy: jane, authorizedAt: "2026-03-03T00:00:00Z" }),
    ];
    const report = buildReport([{ accountId: "fb-1001", valid: false }], new Map([["fb-1001", account()]]), history);
    expect(report.rows[0]!.driftDetail).toBe("re-authorized by Jane Doe <jane@agency.example> (u-7001) at 2026-03-03T00:00:00Z");
  });
});

describe("detectDrift", () => {
  it("names who re-authorized a token Pulumi had invalidated, and when", () => {
    const live = account({ token: { authorizedBy: { id: "u-7001", name: "Jane Doe" }, authorizedAt: "2026-03-03T00:00:00Z" } });
    expect(detectDrift({ valid: false }, live)).toEqual({
      kind: "reauthorized",
      message: "re-authorized by Jane Doe (u-7001) at 2026-03-03T00:00:00Z, after it was invalidated; the next `pulumi up` invalidates it again",
    });
    expect(detectDrift({ valid: true }, live)).toBeUndefined();
  });
});

describe("reauthorizations", () => {
  it("ignores re-authorizations not preceded by a Pulumi invalidation, and ones invalidated again", () => {
    const history = [
      entry({ accountId: "a", actor: "jane", action: "token.invalidate" }),
      entry({ accountId: "a", actor: "ops", action: "token.reauthorize" }),
      entry({ accountId: "b", actor: "pulumi:p/s", action: "token.invalidate" }),
      entry({ accountId: "b", actor: "ops", action: "token.reauthorize" }),
      entry({ accountId: "b", actor: "pulumi:p/s", action: "token.invalidate" }),
      entry({ accountId: "c", actor: "pulumi:p/s", action: "token.invalidate" }),
      entry({ accountId: "c", actor: "ops", action: "token.reauthorize" }),
    ];
    expect([...reauthorizations(history).keys()]).toEqual(["c"]);
  });
});
