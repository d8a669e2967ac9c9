/**
 * The native plugin's PublisherToken RPCs, through its gRPC boundary, against the sandbox:
 * Check (malformed inputs; refusals logged, failing the token's own Create or Update), audit lines
 * through the engine's Log, Diff (detailed), Create and Update
 * (preview and real), Read (refresh and import; only a definite not-found is gone), Delete.
 */

import * as grpc from "@grpc/grpc-js";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONTINUE_HINT } from "../../provider/plugin/token";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { checkRequest, type Plugin, SECRET, secret, startPlugin, struct, TYPE, UNKNOWN, urn } from "./support";

const Kind = pb.PropertyDiff.Kind;
const ACTOR = "pulumi:offboarding/dev";

let sb: TestSandbox;
let p: Plugin;

beforeAll(async () => {
  sb = await testSandbox();
  p = await startPlugin();
}, 30_000);
afterAll(async () => {
  await p?.close();
  await sb?.close();
});
beforeEach(async () => {
  await sb.admin.sandbox.reset();
  await sb.admin.sandbox.setFaults({ latencyMs: 0, errorRate: 0, rateLimitPerSecond: null, failRoutes: [] });
  await newOperation();
});

/** A new Configure starts a new engine operation: nothing read or checked earlier counts. */
async function newOperation(): Promise<void> {
  await p.configure({ apiUrl: sb.url, apiKey: secret(sb.sandbox.keys.admin), declarations: "tokens.yaml", version: "0.1.0" });
  p.logs.length = 0;
}

async function check(name: string, news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const res = await p.call<pb.CheckResponse>("check", checkRequest(name, news, olds));
  return { inputs: res.getInputs()?.toJavaScript(), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
}

async function diff(
  name: string,
  id: string,
  oldInputs: Record<string, unknown>,
  oldOutputs: Record<string, unknown>,
  news: Record<string, unknown>,
  ignore: string[] = [],
) {
  const req = new pb.DiffRequest()
    .setUrn(urn(name))
    .setType(TYPE)
    .setId(id)
    .setOldInputs(struct(oldInputs))
    .setOlds(struct(oldOutputs))
    .setNews(struct(news))
    .setIgnorechangesList(ignore);
  const res = await p.call<pb.DiffResponse>("diff", req);
  const detailed: Record<string, { kind: number; inputDiff: boolean }> = {};
  res.getDetaileddiffMap().forEach((v, k) => {
    detailed[k] = { kind: v.getKind(), inputDiff: v.getInputdiff() };
  });
  return {
    changes: res.getChanges(),
    replaces: res.getReplacesList(),
    stables: res.getStablesList(),
    hasDetailed: res.getHasdetaileddiff(),
    detailed,
    diffs: res.getDiffsList(),
  };
}

async function create(name: string, props: Record<string, unknown>, preview = false) {
  const res = await p.call<pb.CreateResponse>(
    "create",
    new pb.CreateRequest().setUrn(urn(name)).setType(TYPE).setProperties(struct(props)).setPreview(preview),
  );
  return { id: res.getId(), outputs: res.getProperties()!.toJavaScript() as Record<string, unknown> };
}

async function update(name: string, id: string, olds: Record<string, unknown>, news: Record<string, unknown>, preview = false) {
  const req = new pb.UpdateRequest().setUrn(urn(name)).setType(TYPE).setId(id).setOlds(struct(olds)).setNews(struct(news)).setPreview(preview);
  return (await p.call<pb.UpdateResponse>("update", req)).getProperties()!.toJavaScript() as Record<string, unknown>;
}

async function read(name: string, id: string, state?: Record<string, unknown>, inputs?: Record<string, unknown>) {
  const req = new pb.ReadRequest().setUrn(urn(name)).setType(TYPE).setId(id);
  if (state) req.setProperties(struct(state));
  if (inputs) req.setInputs(struct(inputs));
  const res = await p.call<pb.ReadResponse>("read", req);
  return {
    id: res.getId(),
    inputs: res.getInputs()?.toJavaScript() as Record<string, unknown> | undefined,
    outputs: res.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
  };
}

async function writes(): Promise<number> {
  const c = await auditCounts(sb.admin);
  return (c["token.invalidate"] ?? 0) + (c["agency.unlink"] ?? 0);
}

function grpcError(err: unknown): grpc.ServiceError {
  expect(err).toHaveProperty("code");
  return err as grpc.ServiceError;
}

describe("Check", () => {
  it("logs the dynamic path's audit line against the resource, for every kind of token", async () => {
    for (const [name, news] of [
      ["acme", { accountId: "fb-1001", valid: false }],
      ["granite", { accountId: "fb-1007", valid: false }],
      ["foxglove", { accountId: "fb-1006", valid: false }],
      ["blue", { accountId: "fb-1002", valid: true }],
    ] as const) {
      expect((await check(name, news)).failures).toEqual([]);
    }
    // The lines README.md shows for the dynamic path, word for word.
    expect(p.logs).toEqual([
      {
        severity: 2,
        urn: urn("acme"),
        message:
          'invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies: East Agency (ag-east), North Agency (ag-north), South Agency (ag-south)',
      },
      {
        severity: 2,
        urn: urn("granite"),
        message:
          'facebook account "Granite Fitness" (fb-1007) token already invalid: revoked by jane@agency.example (outside Pulumi) at 2026-01-15T09:30:00.000Z, reason: Client offboarded; access revoked in the web UI; still linked, will unlink 1 agency: South Agency (ag-south)',
      },
      {
        severity: 2,
        urn: urn("foxglove"),
        message: 'invalidating facebook account "Foxglove Florist" (fb-1006); it is linked to no agency, so none is cut off',
      },
      { severity: 1, urn: urn("blue"), message: 'facebook account "Blue Harbor Bakery" (fb-1002) token valid, linked to 1 agency: North Agency (ag-north)' },
    ]);
  });

  // The engine stops the whole deployment at a failed Check, even with --continue-on-error, so a
  // malformed value in one token would leave every other token in place.
  it("a malformed input is no check failure: it is logged as an error against the token, on the property at fault; a preview goes on, up fails that token's Create alone, changing nothing", async () => {
    const before = await writes();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ accountId: "fb 1001", valid: false }, /accountId must be an account id of 1 to 64/],
      [{ accountId: "fb:1001", valid: false, reason: "Jane left" }, /accountId must be an account id of 1 to 64.*got string "fb:1001"/],
      [{ accountId: "fb-1001", valid: "no" }, /valid must be true or false, got string "no"/],
      [
        { accountId: "fb-1001", valid: false, acountId: "x" },
        /unknown property "acountId"; a PublisherToken takes accountId, valid, publisher, reason, expectAgencies/,
      ],
      [{ accountId: "fb-1001", valid: false, reason: "x".repeat(5000) }, /reason must be/],
      [{ accountId: "fb-1001", valid: false, publisher: "myspace" }, /publisher must be one of facebook, twitter/],
      [{ accountId: "fb-1001", valid: false, expectAgencies: ["ag-east", "ag-east"] }, /expectAgencies lists an agency twice/],
      [{ accountId: "fb-1001", valid: false, expectAgencies: ["ag east"] }, /each of expectAgencies must be/],
      [{ valid: false }, /accountId must be .*got nothing/],
    ];
    for (const [i, [news, reason]] of cases.entries()) {
      await newOperation(); // each case on its own: several resources for one account are refused as such
      const name = `m${i}`;
      const checked = await check(name, news);
      expect(checked.failures, JSON.stringify(news).slice(0, 80)).toEqual([]);
      expect(checked.inputs, "passed on as declared, so Create and Update see the same fault").toEqual(news);
      const logged = p.logs.filter((l) => l.urn === urn(name));
      expect(logged.map((l) => l.severity)).toEqual([3]);
      expect(logged[0]!.message).toMatch(reason);
      expect(logged[0]!.message).toMatch(/nothing is changed for this token.*Fix it in the program/);
      const { outputs } = await create(name, news, true);
      expect(outputs.invalidatedAt, "no invalidation predicted").toBe(UNKNOWN);
      const err = grpcError(await create(name, news).catch((e) => e));
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION); // not Unknown: no pending operation in state
      expect(err.details).toMatch(reason);
      expect(err.details).toContain(CONTINUE_HINT);
    }
    expect(await writes()).toBe(before);
  });

  it("a token in state made malformed is a change, and its Update fails alone, even where the diff sees nothing else (a property it does not take)", async () => {
    const olds = { accountId: "fb-1002", valid: true };
    const outs = {
      ...olds,
      publisher: "facebook",
      accountName: "Blue Harbor Bakery",
      linkedAgencies: [{ id: "ag-north", name: "North Agency" }],
      unlinkedAgencies: [],
      invalidatedAt: null,
      invalidatedBy: null,
    };
    const before = await writes();
    for (const [news, property, reason] of [
      [{ ...olds, vaild: false }, "vaild", /unknown property "vaild"/],
      [{ ...olds, reason: "x".repeat(1001) }, "reason", /reason must be a reason of at most 1000/],
    ] as const) {
      const d = await diff("blue", "fb-1002", olds, outs, news);
      expect(d.changes, JSON.stringify(news)).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
      expect(Object.keys(d.detailed)).toEqual([property]);
      const err = grpcError(await update("blue", "fb-1002", outs, news).catch((e) => e));
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.details).toMatch(reason);
    }
    // ignoreChanges on the property at fault: nothing to do.
    expect((await diff("blue", "fb-1002", olds, outs, { ...olds, reason: "x".repeat(1001) }, ["reason"])).changes).toBe(pb.DiffResponse.DiffChanges.DIFF_NONE);
    expect(await writes()).toBe(before);
  });

  // The engine stops the whole deployment at a failed Check, even with --continue-on-error, so a
  // refusal there would leave every later token in place. It fails the token's own step instead.
  it("a policy refusal is no check failure: it is logged as an error against the token; a preview goes on, and up fails that token's Create alone, changing nothing", async () => {
    const before = await writes();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ accountId: "fb-1001", valid: false, publisher: "twitter" }, /is a facebook account, but publisher is declared as twitter/],
      [{ accountId: "fb-1001", valid: false, expectAgencies: ["ag-east"] }, /linked but not expected: North Agency \(ag-north\), South Agency \(ag-south\)/],
      [{ accountId: "fb-1007", valid: true }, /was revoked by jane@agency\.example .* re-authorize the account in Marin Social/],
      [{ accountId: "fb-9999", valid: false }, /account fb-9999 does not exist in Marin Social/],
    ];
    for (const [i, [news, reason]] of cases.entries()) {
      await newOperation();
      const name = `t${i}`;
      expect((await check(name, news)).failures, JSON.stringify(news)).toEqual([]);
      const logged = p.logs.filter((l) => l.urn === urn(name));
      expect(
        logged.map((l) => l.severity),
        JSON.stringify(news),
      ).toEqual([3]);
      expect(logged[0]!.message).toMatch(reason);
      // The preview shows the refusal (the error above) and carries on: what up will not do is not predicted.
      const { outputs } = await create(name, news, true);
      if (news.accountId !== "fb-9999") expect(outputs.invalidatedAt, JSON.stringify(news)).not.toBe(UNKNOWN); // no invalidation planned
      const err = grpcError(await create(name, news).catch((e) => e));
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION); // not Unknown: no pending operation in state
      expect(err.details, JSON.stringify(news)).toMatch(reason);
      expect(err.details).toContain(CONTINUE_HINT);
    }
    expect(await writes()).toBe(before);
  });

  // One account, one resource. The plugin sees one Check at a time while the engine runs the
  // steps of the resources checked before, so a pair is known from the second one's Check on.
  it("two resources for one account: the second's Check logs the refusal against both, naming both; neither's Create changes anything", async () => {
    const before = await writes();
    const both = /account tw-2004 is declared by 2 PublisherToken resources: "juniper-cut", "juniper-keep"\..*None of them changes anything/;
    expect((await check("juniper-keep", { accountId: "tw-2004", valid: true })).failures).toEqual([]);
    expect(p.logs.map((l) => l.severity)).toEqual([1]); // its audit line: nothing known yet
    expect((await check("juniper-cut", { accountId: "tw-2004", valid: false })).failures).toEqual([]);
    for (const name of ["juniper-keep", "juniper-cut"]) {
      expect(
        p.logs
          .filter((l) => l.urn === urn(name) && l.severity === 3)
          .map((l) => l.message)
          .join("\n"),
        name,
      ).toMatch(both);
    }
    const d = await diff("juniper-cut", "tw-2004", { accountId: "tw-2004", valid: true }, {}, { accountId: "tw-2004", valid: false });
    expect(d.detailed.accountId, "the refusal is the change").toEqual({ kind: Kind.UPDATE, inputDiff: true });
    expect((await create("juniper-cut", { accountId: "tw-2004", valid: false }, true)).outputs.valid, "preview predicts no invalidation").toBe(true);
    for (const [name, valid] of [
      ["juniper-keep", true],
      ["juniper-cut", false],
    ] as const) {
      const err = grpcError(await create(name, { accountId: "tw-2004", valid }).catch((e) => e));
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.details, name).toMatch(both);
      expect(err.details).toContain(CONTINUE_HINT);
    }
    expect(await writes()).toBe(before);
  });

  it("a resource for an account another already ran for in this operation is refused, saying which one ran; a new operation starts afresh", async () => {
    expect((await check("acme", { accountId: "fb-1001", valid: false })).failures).toEqual([]);
    await create("acme", { accountId: "fb-1001", valid: false }); // the engine ran its step before checking the next resource
    const cut = await writes();
    expect((await check("acme-again", { accountId: "fb-1001", valid: false })).failures).toEqual([]);
    const err = grpcError(await create("acme-again", { accountId: "fb-1001", valid: false }).catch((e) => e));
    expect(err.details).toMatch(
      /declared by 2 PublisherToken resources: "acme", "acme-again"\..*"acme" had already been reconciled in this run when the engine checked the others.*the others change nothing; keep one and remove the others/,
    );
    expect(await writes()).toBe(cut);

    await newOperation();
    expect((await check("acme-again", { accountId: "fb-1001", valid: false })).failures).toEqual([]);
    expect(
      p.logs.map((l) => l.severity),
      "only its audit line",
    ).toEqual([1]);
  });

  it("in preview, unknown values are not failures and are passed through", async () => {
    expect(await check("a", { accountId: UNKNOWN, valid: false })).toEqual({ inputs: { accountId: UNKNOWN, valid: false }, failures: [] });
    expect(await check("b", { accountId: "fb-1001", valid: UNKNOWN })).toEqual({ inputs: { accountId: "fb-1001", valid: UNKNOWN }, failures: [] });
    expect(p.logs).toEqual([]);
  });

  it("keeps a secret input secret in the checked inputs, and never adds hidden inputs", async () => {
    const { inputs } = await check("s", { accountId: "fb-1002", valid: true, reason: secret("HR-7 case") });
    expect(inputs).toEqual({ accountId: "fb-1002", valid: true, reason: { ...SECRET, value: "HR-7 case" } });
  });
});

describe("Diff", () => {
  const acmeOutputs = {
    accountId: "fb-1001",
    valid: true,
    publisher: "facebook",
    accountName: "Acme Coffee",
    linkedAgencies: [
      { id: "ag-east", name: "East Agency" },
      { id: "ag-north", name: "North Agency" },
      { id: "ag-south", name: "South Agency" },
    ],
    unlinkedAgencies: [],
    invalidatedAt: null,
    invalidatedBy: null,
  };

  it("shows exactly the properties that change: valid, and the agencies cut off", async () => {
    const d = await diff("acme", "fb-1001", { accountId: "fb-1001", valid: true }, acmeOutputs, { accountId: "fb-1001", valid: false });
    expect(d).toMatchObject({ changes: pb.DiffResponse.DiffChanges.DIFF_SOME, replaces: [], hasDetailed: true });
    expect(d.detailed).toEqual({ valid: { kind: Kind.UPDATE, inputDiff: true }, linkedAgencies: { kind: Kind.DELETE, inputDiff: false } });
    expect(d.stables).toContain("tokenFingerprint");
  });

  it("reports no change, with an empty detailed diff, when nothing differs and nothing is to be done", async () => {
    const d = await diff(
      "blue",
      "fb-1002",
      { accountId: "fb-1002", valid: true },
      { ...acmeOutputs, accountId: "fb-1002", linkedAgencies: [] },
      { accountId: "fb-1002", valid: true },
    );
    expect(d).toMatchObject({ changes: pb.DiffResponse.DiffChanges.DIFF_NONE, detailed: {}, diffs: [] });
  });

  it("names added, removed and replacing properties by kind", async () => {
    const olds = { accountId: "fb-1001", valid: true, expectAgencies: ["ag-east", "ag-north", "ag-south"] };
    const d = await diff("acme", "fb-1001", olds, acmeOutputs, { accountId: "fb-1001", valid: true, reason: "audit" });
    expect(d.detailed).toEqual({ reason: { kind: Kind.ADD, inputDiff: true }, expectAgencies: { kind: Kind.DELETE, inputDiff: true } });
    const r = await diff("acme", "fb-1001", olds, acmeOutputs, { ...olds, accountId: "tw-2001" });
    expect(r.replaces).toEqual(["accountId"]);
    expect(r.detailed).toEqual({ accountId: { kind: Kind.UPDATE_REPLACE, inputDiff: true } });
    expect(r.stables).toEqual([]);
  });

  it("honours ignoreChanges", async () => {
    const d = await diff("acme", "fb-1001", { accountId: "fb-1001", valid: true }, acmeOutputs, { accountId: "fb-1001", valid: false }, ["valid"]);
    expect(d).toMatchObject({ changes: pb.DiffResponse.DiffChanges.DIFF_NONE, detailed: {} });
  });

  it("sees work a stale state hides, once Check has read the live account (a re-authorized token)", async () => {
    const invalidated = { ...acmeOutputs, valid: false, linkedAgencies: [], invalidatedBy: ACTOR, invalidatedAt: "2026-01-01T00:00:00.000Z" };
    const declared = { accountId: "fb-1001", valid: false };
    expect((await diff("acme", "fb-1001", declared, invalidated, declared)).changes).toBe(pb.DiffResponse.DiffChanges.DIFF_NONE);
    await check("acme", declared); // live: valid, 3 agencies
    expect((await diff("acme", "fb-1001", declared, invalidated, declared)).changes).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
  });

  it("a refused token is a change even when nothing declared changed, so its own Update (in up) fails with the refusal", async () => {
    const before = await writes();
    // Recorded valid; revoked by hand since; the program still declares valid: true.
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const blue = { accountId: "fb-1002", valid: true };
    const blueOutputs = { ...acmeOutputs, accountId: "fb-1002", accountName: "Blue Harbor Bakery", linkedAgencies: [{ id: "ag-north", name: "North Agency" }] };
    await check("blue", blue);
    const d = await diff("blue", "fb-1002", blue, blueOutputs, blue);
    expect(d).toMatchObject({ changes: pb.DiffResponse.DiffChanges.DIFF_SOME, detailed: { valid: { kind: Kind.UPDATE, inputDiff: true } } });
    // An account gone from Marin Social since it was recorded.
    const ghost = { accountId: "fb-9999", valid: false };
    await check("ghost", ghost);
    expect((await diff("ghost", "fb-9999", ghost, { ...acmeOutputs, accountId: "fb-9999", valid: false, linkedAgencies: [] }, ghost)).detailed).toEqual({
      accountId: { kind: Kind.UPDATE, inputDiff: true },
    });
    expect(await update("blue", "fb-1002", blueOutputs, blue, true)).toMatchObject({ valid: false, invalidatedBy: "mallory@agency.example" }); // as it is
    const err = grpcError(await update("blue", "fb-1002", blueOutputs, blue).catch((e) => e));
    expect(err.details).toMatch(/revoked by mallory@agency\.example.*\(nothing was changed\)/);
    expect(await writes()).toBe(before + 1); // the hand revocation only
  });

  it("makes no request", async () => {
    await sb.admin.sandbox.resetStats();
    await diff("acme", "fb-1001", { accountId: "fb-1001", valid: true }, acmeOutputs, { accountId: "fb-1001", valid: false });
    expect((await sb.admin.sandbox.stats()).total).toBe(0);
  });
});

describe("Create and Update", () => {
  it("previews the outputs without changing anything: valid false, the agencies cut off, the time unknown", async () => {
    const before = await writes();
    await check("acme", { accountId: "fb-1001", valid: false });
    const { outputs } = await create("acme", { accountId: "fb-1001", valid: false }, true);
    expect(outputs).toMatchObject({
      accountId: "fb-1001",
      valid: false,
      actor: ACTOR,
      linkedAgencies: [],
      unlinkedAgencies: [
        { id: "ag-east", name: "East Agency" },
        { id: "ag-north", name: "North Agency" },
        { id: "ag-south", name: "South Agency" },
      ],
      invalidatedAt: UNKNOWN,
      invalidatedBy: ACTOR,
      tokenFingerprint: { ...SECRET },
    });
    expect(await writes()).toBe(before);
  });

  it("creates by adopting and reconciling; the fingerprint is a secret; a repeat does nothing twice", async () => {
    const news = { accountId: "fb-1001", valid: false, reason: "HR-1234" };
    await check("acme", news);
    const first = await create("acme", news);
    expect(first.id).toBe("fb-1001");
    expect(first.outputs).toMatchObject({ valid: false, invalidatedBy: ACTOR, reason: "HR-1234", linkedAgencies: [], revokedOutsidePulumi: false });
    expect(first.outputs.tokenFingerprint).toMatchObject(SECRET);
    expect(first.outputs).not.toHaveProperty("observed");
    const again = await create("acme", news);
    expect(again.outputs.valid).toBe(false);
    expect(await auditCounts(sb.admin, "fb-1001")).toMatchObject({ "token.invalidate": 1, "agency.unlink": 3 });
  });

  it("refuses in create when the live account changed since Check, changing nothing", async () => {
    await check("blue", { accountId: "fb-1002", valid: true });
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const before = await writes();
    const err = grpcError(await create("blue", { accountId: "fb-1002", valid: true }).catch((e) => e));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION); // not Unknown: no pending operation in state
    expect(err.details).toMatch(/revoked by mallory@agency\.example.*\(nothing was changed\)/);
    expect(await writes()).toBe(before);
  });

  it("records partial progress with ErrorResourceInitFailed, the fingerprint still secret", async () => {
    await sb.admin.sandbox.setFaults({
      failRoutes: [{ route: "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", match: "ag-south", status: 500, count: 100 }],
    });
    const err = grpcError(await create("acme", { accountId: "fb-1001", valid: false }).catch((e) => e));
    const bin = err.metadata.get("grpc-status-details-bin")[0] as Buffer;
    const status = Status.deserializeBinary(new Uint8Array(bin));
    const detail = status.getDetailsList()[0]!.unpack(pb.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed")!;
    expect(detail.getId()).toBe("fb-1001");
    const props = detail.getProperties()!.toJavaScript() as Record<string, unknown>;
    expect(props).toMatchObject({ valid: false, unlinkedAgencies: [{ id: "ag-east" }, { id: "ag-north" }], tokenFingerprint: SECRET });
    expect(detail.getReasonsList().join()).toMatch(/unlink South Agency \(ag-south\)/);
  });

  it("update invalidates a re-authorized token again and keeps what earlier runs cut", async () => {
    const first = await create("acme", { accountId: "fb-1001", valid: false });
    await sb.admin.reauthorize("fb-1001", { actor: "ops@agency.example", agencies: ["ag-east"] });
    await p.configure({ apiUrl: sb.url, apiKey: secret(sb.sandbox.keys.admin) });
    await check("acme", { accountId: "fb-1001", valid: false });
    const preview = await update("acme", "fb-1001", first.outputs, { accountId: "fb-1001", valid: false }, true);
    expect(preview).toMatchObject({ valid: false, invalidatedAt: UNKNOWN, linkedAgencies: [] });
    const outs = await update("acme", "fb-1001", first.outputs, { accountId: "fb-1001", valid: false });
    expect(outs).toMatchObject({ valid: false, invalidatedBy: ACTOR, linkedAgencies: [] });
    expect((outs.unlinkedAgencies as Array<{ id: string }>).map((a) => a.id)).toEqual(["ag-east", "ag-north", "ag-south"]);
    expect(await auditCounts(sb.admin, "fb-1001")).toMatchObject({ "token.invalidate": 2 });
  });

  it("delete changes nothing in Marin Social and makes no request", async () => {
    await sb.admin.sandbox.resetStats();
    const req = new pb.DeleteRequest()
      .setUrn(urn("acme"))
      .setType(TYPE)
      .setId("fb-1001")
      .setProperties(struct({ accountId: "fb-1001" }));
    expect(await p.call("delete", req)).toBeInstanceOf(Empty);
    expect((await sb.admin.sandbox.stats()).total).toBe(0);
  });
});

describe("Read", () => {
  it("refresh: a token revoked outside Pulumi comes back as valid false, with who did it", async () => {
    const { outputs: state } = await create("blue", { accountId: "fb-1002", valid: true });
    await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example", reason: "by hand" });
    const r = await read("blue", "fb-1002", state, { accountId: "fb-1002", valid: true });
    expect(r.inputs).toEqual({ accountId: "fb-1002", valid: false });
    expect(r.outputs).toMatchObject({ valid: false, revokedOutsidePulumi: true, invalidatedBy: "mallory@agency.example", tokenFingerprint: SECRET });
  });

  it("import: an id alone gives inputs that match the live account and the full outputs", async () => {
    for (const [id, valid] of [
      ["fb-1001", true],
      ["fb-1007", false],
      ["tw-2004", true],
    ] as const) {
      const r = await read("imported", id);
      expect(r.id).toBe(id);
      expect(r.inputs).toEqual({ accountId: id, valid });
      expect(r.outputs).toMatchObject({ accountId: id, valid, actor: ACTOR, unlinkedAgencies: [], tokenFingerprint: SECRET });
    }
  });

  it("keeps only the optional inputs that were declared, and their secrecy", async () => {
    const r = await read("acme", "fb-1001", {}, { accountId: "fb-1001", valid: true, reason: secret("HR-7"), publisher: "facebook" });
    expect(r.inputs).toEqual({ accountId: "fb-1001", valid: true, publisher: "facebook", reason: { ...SECRET, value: "HR-7" } });
    expect(r.outputs!.reason).toEqual({ ...SECRET, value: "HR-7" });
  });

  it("only a definite not-found is gone; a 503 or a rejected key is an error, not a token dropped from state", async () => {
    expect((await read("gone", "fb-9999")).id).toBe("");
    await sb.admin.sandbox.setFaults({ failRoutes: [{ route: "GET /v1/accounts", status: 503 }] });
    await p.configure({ apiUrl: sb.url, apiKey: secret(sb.sandbox.keys.admin) }); // a new operation: nothing read before the fault
    const e503 = grpcError(await read("x", "fb-1001").catch((e) => e));
    expect(e503.code).toBe(grpc.status.UNAVAILABLE);
    await sb.admin.sandbox.setFaults({ failRoutes: [] });
    for (const [key, code] of [
      ["wrong-key", grpc.status.UNAUTHENTICATED],
      [sb.sandbox.keys.readonly, undefined],
    ] as const) {
      await p.configure({ apiUrl: sb.url, apiKey: secret(key) });
      const r = await read("x", "fb-1001").catch((e) => e);
      if (code === undefined)
        expect(r.id).toBe("fb-1001"); // reading needs no write scope
      else expect(grpcError(r).code).toBe(code);
    }
  });
});

describe("Invoke getAccount", () => {
  async function invoke(args: Record<string, unknown>, tok = "marin-social:index:getAccount") {
    const res = await p.call<pb.InvokeResponse>("invoke", new pb.InvokeRequest().setTok(tok).setArgs(struct(args)));
    return { result: res.getReturn()?.toJavaScript(), failures: res.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`) };
  }

  it("returns the live validity and linked agencies of one account", async () => {
    expect((await invoke({ accountId: "fb-1001" })).result).toEqual({
      accountId: "fb-1001",
      publisher: "facebook",
      name: "Acme Coffee",
      externalId: expect.any(String),
      valid: true,
      linkedAgencies: [
        { id: "ag-north", name: "North Agency" },
        { id: "ag-south", name: "South Agency" },
        { id: "ag-east", name: "East Agency" },
      ], // the API's order
      invalidatedAt: null,
      invalidatedBy: null,
      reason: null,
      revokedOutsidePulumi: false,
      authorizedBy: { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" },
      authorizedAt: "2025-03-02T10:00:00.000Z",
    });
  });

  it("fails clearly for a missing account, a bad id, an unknown argument or function; a secret argument makes a secret result", async () => {
    expect((await invoke({ accountId: "fb-9999" })).failures).toEqual([expect.stringMatching(/^accountId: account fb-9999 does not exist in Marin Social/)]);
    expect((await invoke({ accountId: 7 })).failures).toEqual([expect.stringMatching(/^accountId: accountId must be a Marin Social account id/)]);
    expect((await invoke({ accountId: "fb-1001", id: "x" })).failures).toEqual(['id: unknown argument "id"; getAccount takes accountId']);
    expect(grpcError(await invoke({}, "marin-social:index:listAccounts").catch((e) => e)).details).toMatch(/no function "marin-social:index:listAccounts"/);
    const { result } = await invoke({ accountId: secret("fb-1002") });
    expect((result as Record<string, unknown>).valid).toEqual({ ...SECRET, value: true });
  });
});

describe("Invoke getAccounts", () => {
  async function invoke(args: Record<string, unknown>) {
    const res = await p.call<pb.InvokeResponse>("invoke", new pb.InvokeRequest().setTok("marin-social:index:getAccounts").setArgs(struct(args)));
    return {
      result: res.getReturn()?.toJavaScript() as { accounts: Array<Record<string, unknown>> } | undefined,
      failures: res.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`),
    };
  }
  const ids = (r: { result?: { accounts: Array<Record<string, unknown>> } }) => r.result?.accounts.map((a) => a.accountId);
  const listRequests = async () => Object.values((await sb.admin.sandbox.stats()).byRoute["GET /v1/accounts"] ?? {}).reduce((a, b) => a + b, 0);

  it("lists every account a person authorized, by id or email, each with its validity, authorizer and agencies, in pages", async () => {
    await sb.admin.sandbox.resetStats();
    const byEmail = await invoke({ authorizedBy: "Jane@Agency.Example" });
    expect(byEmail.failures).toEqual([]);
    expect(ids(byEmail)).toEqual(["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"]);
    expect(await listRequests()).toBe(1);
    expect(byEmail.result?.accounts[2]).toEqual({
      accountId: "fb-1007",
      publisher: "facebook",
      name: "Granite Fitness",
      externalId: expect.any(String),
      valid: false,
      linkedAgencies: [{ id: "ag-south", name: "South Agency" }],
      invalidatedAt: "2026-01-15T09:30:00.000Z",
      invalidatedBy: "jane@agency.example",
      reason: "Client offboarded; access revoked in the web UI",
      revokedOutsidePulumi: true,
      authorizedBy: { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" },
      authorizedAt: "2025-02-10T13:00:00.000Z",
    });
    expect((await invoke({ authorizedBy: "u-7001" })).result).toEqual(byEmail.result);
  });

  it("combines the filters, and with none lists every account; a new account connected as the person shows at once", async () => {
    expect(ids(await invoke({ authorizedBy: "u-7001", valid: true, publisher: "twitter", agency: "ag-west" }))).toEqual(["tw-2004"]);
    expect(ids(await invoke({ authorizedBy: "nobody@agency.example" }))).toEqual([]);
    expect(ids(await invoke({}))).toHaveLength(14);
    await sb.admin.sandbox.addAccounts({
      accounts: [{ id: "tw-2100", publisher: "twitter", name: "New", agencies: ["ag-east"], authorizedBy: { id: "u-7001", name: "Jane Doe" } }],
    });
    expect(ids(await invoke({ authorizedBy: "u-7001", agency: "ag-east" }))).toEqual(["fb-1001", "fb-1004", "tw-2001", "tw-2100"]);
  });

  it("fails clearly for each bad or unknown argument, sending nothing; a secret argument makes a secret result", async () => {
    await sb.admin.sandbox.resetStats();
    const bad = await invoke({ authorizedBy: "", publisher: "myspace", agency: "ag north", valid: "yes", person: "x" });
    expect(bad.result).toBeUndefined();
    expect(bad.failures).toEqual([
      'person: unknown argument "person"; getAccounts takes authorizedBy, publisher, agency, valid',
      expect.stringMatching(/^authorizedBy: authorizedBy must be a person's publisher-side user id or email, 1 to 254 characters/),
      'publisher: publisher must be one of facebook, twitter, got "myspace"',
      expect.stringMatching(/^agency: agency must be an agency id of 1 to 64 letters/),
      'valid: valid must be true or false, got "yes"',
    ]);
    expect(await listRequests()).toBe(0);
    const { result } = await invoke({ authorizedBy: secret("jane@agency.example") });
    expect(result?.accounts).toMatchObject({ ...SECRET, value: expect.any(Array) });
  });
});

describe("after the fact", () => {
  it("a token Check saw valid but another stack invalidated before Create: the line after says it was already invalid and what this run did", async () => {
    const news = { accountId: "fb-1001", valid: false };
    await check("lost", news);
    expect(p.logs.find((l) => l.urn === urn("lost"))!.message).toMatch(/^invalidating .* unlinks 3 agencies/);
    // The other stack wins the race: it invalidates and cuts every link first.
    await sb.admin.invalidateToken("fb-1001", { actor: "pulumi:offboarding/other" });
    for (const a of (await sb.admin.getAccount("fb-1001")).agencies) await sb.admin.unlinkAgency(a.id, "fb-1001", { actor: "pulumi:offboarding/other" });
    const before = (await sb.admin.audit()).length;
    const res = await create("lost", news);
    expect(res.outputs.invalidatedBy).toBe("pulumi:offboarding/other");
    expect((await sb.admin.audit()).length).toBe(before); // it changed nothing
    const after = p.logs.filter((l) => l.urn === urn("lost")).map((l) => l.message);
    expect(after.at(-1)).toMatch(
      /the token was already invalid when this run came to invalidate it \(revoked by pulumi:offboarding\/other at .*\), so this run did not invalidate it; it changed nothing$/,
    );
  });

  it("says nothing more when this run invalidated the token itself", async () => {
    const news = { accountId: "fb-1002", valid: false };
    await check("won", news);
    await create("won", news);
    expect(
      p.logs
        .filter((l) => l.urn === urn("won"))
        .map((l) => l.message)
        .join("\n"),
    ).not.toContain("already invalid when this run");
  });
});
