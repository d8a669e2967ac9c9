/**
 * The provider's lifecycle (the code the dynamic-provider host runs) with the
 * real client against a real sandbox. The engine-protocol tests drive the same
 * code through the SDK's host; these pin down the behaviour in detail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ClientOptions, MarinSocialClient, type MarinSocialError } from "../../provider/client";
import { type Account, planToken } from "../../provider/core";
import { LiveLookup } from "../../provider/dynamic/lookup";
import { type Sandbox, startSandbox } from "../../provider/sandbox";
import { PartialFailure } from "../../provider/token/errors";
import { executePlan } from "../../provider/token/execute";
import { TokenLifecycle } from "../../provider/token/lifecycle";
import { observe } from "../../provider/token/observation";
import { decide } from "../../provider/token/refusal";
import { account, type Handler, hang, json, notFoundProblem, problem, startServer } from "../client/helpers";

const actor = "pulumi:marin/test";
let sandbox: Sandbox;
let admin: MarinSocialClient;
let lifecycle: TokenLifecycle;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  admin = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  lifecycle = new TokenLifecycle(() => admin);
});
afterAll(async () => {
  await admin.close();
  await sandbox.close();
});
beforeEach(async () => {
  await admin.sandbox.reset();
});

const invalidations = async (accountId: string) => (await admin.audit({ accountId })).filter((e) => e.action === "token.invalidate").length;
const unlinks = async (accountId: string) => (await admin.audit({ accountId })).filter((e) => e.action === "agency.unlink").map((e) => e.agencyId);

describe("create", () => {
  it("invalidates with the Pulumi actor and reason, then unlinks every agency", async () => {
    const { id, outs } = await lifecycle.create({ accountId: "fb-1001", valid: false, reason: "Jane left", actor });
    expect(id).toBe("fb-1001");
    expect(outs).toMatchObject({
      accountId: "fb-1001",
      valid: false,
      publisher: "facebook",
      accountName: "Acme Coffee",
      invalidatedBy: actor,
      revokedOutsidePulumi: false,
      linkedAgencies: [],
      unlinkedAgencies: [
        { id: "ag-east", name: "East Agency" },
        { id: "ag-north", name: "North Agency" },
        { id: "ag-south", name: "South Agency" },
      ],
    });
    const live = await admin.getAccount("fb-1001");
    expect(live.token).toMatchObject({ valid: false, invalidatedBy: actor, reason: "Jane left" });
    expect(live.agencies).toEqual([]);
    expect(await invalidations("fb-1001")).toBe(1);
  });

  it("adopts a token revoked outside Pulumi, marks it, and finishes the unlinking", async () => {
    const seeded = await invalidations("fb-1007");
    const { outs } = await lifecycle.create({ accountId: "fb-1007", valid: false, actor });
    expect(outs).toMatchObject({ valid: false, revokedOutsidePulumi: true, invalidatedBy: "jane@agency.example" });
    expect(outs.unlinkedAgencies).toEqual([{ id: "ag-south", name: "South Agency" }]);
    expect(await invalidations("fb-1007")).toBe(seeded);
  });

  it("refuses valid: true on a revoked token, says who and how to restore, and changes nothing", async () => {
    const before = await admin.audit();
    await expect(lifecycle.create({ accountId: "fb-1007", valid: true, actor })).rejects.toThrow(
      /revoked by jane@agency\.example at 2026-01-15T09:30:00\.000Z.*re-authorize the account in Marin Social.*pulumi refresh/s,
    );
    expect(await admin.audit()).toEqual(before);
  });

  it("fails clearly for an unknown account", async () => {
    await expect(lifecycle.create({ accountId: "fb-9999", valid: false, actor })).rejects.toThrow("account fb-9999 does not exist in Marin Social");
  });

  it("refuses when expectAgencies differs from the live links, changing nothing", async () => {
    await expect(lifecycle.create({ accountId: "fb-1001", valid: false, expectAgencies: ["ag-north"], actor })).rejects.toThrow(
      /linked but not expected: East Agency \(ag-east\), South Agency \(ag-south\)/,
    );
    expect((await admin.getAccount("fb-1001")).token.valid).toBe(true);
  });

  it("surfaces a 403 from a key scoped to one agency, naming what it lacks, and changes nothing", async () => {
    const scoped = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.agency("ag-north") });
    try {
      const err = await new TokenLifecycle(() => scoped).create({ accountId: "fb-1001", valid: false, actor }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "forbidden", status: 403 });
      expect(String((err as Error).message)).toMatch(/ag-east/);
      expect(String((err as Error).message)).not.toContain(sandbox.keys.agency("ag-north"));
      expect((await admin.getAccount("fb-1001")).token.valid).toBe(true);
    } finally {
      await scoped.close();
    }
  });

  it("surfaces a wrong key as unauthorized without printing it", async () => {
    const wrong = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: "wrong-key-7f3a9c" });
    try {
      const err = (await new TokenLifecycle(() => wrong).create({ accountId: "fb-1001", valid: false, actor }).catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code: "unauthorized", status: 401 });
      expect(JSON.stringify({ m: err.message, s: err.stack, e: err })).not.toContain("wrong-key-7f3a9c");
    } finally {
      await wrong.close();
    }
  });
});

describe("partial failure", () => {
  it("records progress, then the next update finishes without doing anything twice", async () => {
    await admin.sandbox.setFaults({
      failRoutes: [{ route: "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", match: "ag-south", status: 500, count: 100 }],
    });
    const err = (await lifecycle.create({ accountId: "fb-1001", valid: false, actor }).catch((e: unknown) => e)) as {
      id: string;
      properties: Record<string, unknown>;
      message: string;
    };
    expect(err.message).toMatch(/only partly reconciled.*unlink South Agency \(ag-south\).*run `pulumi up` again/s);
    expect(err.id).toBe("fb-1001");
    expect(err.properties).toMatchObject({
      valid: false,
      linkedAgencies: [{ id: "ag-south", name: "South Agency" }],
      unlinkedAgencies: [
        { id: "ag-east", name: "East Agency" },
        { id: "ag-north", name: "North Agency" },
      ],
    });

    await admin.sandbox.setFaults({});
    const news = { accountId: "fb-1001", valid: false, actor, observed: observe(await admin.getAccount("fb-1001")) };
    expect((await lifecycle.diff("fb-1001", err.properties, news)).changes).toBe(true);
    const { outs } = await lifecycle.update("fb-1001", err.properties, news);
    expect(outs).toMatchObject({ linkedAgencies: [] });
    expect((outs as { unlinkedAgencies: { id: string }[] }).unlinkedAgencies.map((a) => a.id)).toEqual(["ag-east", "ag-north", "ag-south"]);
    expect(await invalidations("fb-1001")).toBe(1);
    expect((await unlinks("fb-1001")).sort()).toEqual(["ag-east", "ag-north", "ag-south"]);
  });
});

describe("recovery after a crash", () => {
  it("reports what a crashed run of the same stack already unlinked, from the audit log", async () => {
    // A run invalidated fb-1001 and unlinked one agency, then died before state recorded anything.
    await admin.invalidateToken("fb-1001", { actor, reason: "Jane left" });
    await admin.unlinkAgency("ag-east", "fb-1001", { actor });
    const { outs } = await lifecycle.create({ accountId: "fb-1001", valid: false, actor });
    expect(outs.unlinkedAgencies as { id: string; name: string }[]).toEqual([
      { id: "ag-east", name: "East Agency" },
      { id: "ag-north", name: "North Agency" },
      { id: "ag-south", name: "South Agency" },
    ]);
    expect(await invalidations("fb-1001")).toBe(1);
  });

  it("does not claim unlinks made by someone else", async () => {
    await admin.invalidateToken("fb-1001", { actor, reason: "Jane left" });
    await admin.unlinkAgency("ag-east", "fb-1001", { actor: "ops@agency.example" });
    const { outs } = await lifecycle.create({ accountId: "fb-1001", valid: false, actor });
    expect((outs.unlinkedAgencies as { id: string }[]).map((a) => a.id)).toEqual(["ag-north", "ag-south"]);
  });
});

describe("read (refresh)", () => {
  it("shows a token revoked outside Pulumi as valid: false with revokedOutsidePulumi, and matching inputs", async () => {
    const { outs } = await lifecycle.create({ accountId: "fb-1002", valid: true, actor });
    expect(outs).toMatchObject({ valid: true, revokedOutsidePulumi: false });
    await admin.invalidateToken("fb-1002", { actor: "jane@agency.example", reason: "by hand" });
    const read = await lifecycle.read("fb-1002", outs);
    expect(read.id).toBe("fb-1002");
    expect(read.props).toMatchObject({ valid: false, revokedOutsidePulumi: true, invalidatedBy: "jane@agency.example" });
    expect(read.inputs).toMatchObject({ accountId: "fb-1002", valid: false });
  });

  it("shows a re-authorized token as valid again, and update invalidates it again", async () => {
    const { outs } = await lifecycle.create({ accountId: "tw-2001", valid: false, actor });
    await admin.reauthorize("tw-2001", { actor: "ops@agency.example", agencies: ["ag-north"] });
    const read = await lifecycle.read("tw-2001", outs);
    expect(read.props).toMatchObject({ valid: true, linkedAgencies: [{ id: "ag-north", name: "North Agency" }] });
    expect(read.props!.tokenFingerprint).not.toBe(outs.tokenFingerprint);
    const news = { accountId: "tw-2001", valid: false, actor, observed: observe(await admin.getAccount("tw-2001")) };
    expect((await lifecycle.diff("tw-2001", read.props!, news)).changes).toBe(true);
    const updated = await lifecycle.update("tw-2001", read.props!, news);
    expect(updated.outs).toMatchObject({ valid: false, linkedAgencies: [], invalidatedBy: actor });
    expect(await invalidations("tw-2001")).toBe(2);
  });

  it("refresh right after up finds no drift: the stored observation predates what read returns", async () => {
    // What the engine does on refresh: Read, then Diff(olds = what read returned, news = the stored inputs).
    const news = { accountId: "fb-1001", valid: false, actor, observed: observe(await admin.getAccount("fb-1001")) };
    const { outs } = await lifecycle.create(news);
    const read = await lifecycle.read("fb-1001", outs);
    expect(await lifecycle.diff("fb-1001", { ...read.inputs, ...read.props }, news)).toMatchObject({ changes: false });
    // A re-authorization after that is newer than the state: the program's next observation shows work.
    await admin.reauthorize("fb-1001", { actor: "ops@agency.example", agencies: ["ag-north"] });
    const fresh = { ...news, observed: observe(await admin.getAccount("fb-1001")) };
    expect(await lifecycle.diff("fb-1001", outs, fresh)).toMatchObject({ changes: true });
  });

  it("returns gone only for a definite account-not-found; a 5xx is an error", async () => {
    expect((await lifecycle.read("fb-9999", { accountId: "fb-9999" })).id).toBe("");
    await admin.sandbox.setFaults({ errorRate: 1 });
    const flaky = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    try {
      await expect(new TokenLifecycle(() => flaky).read("fb-1001", { accountId: "fb-1001" })).rejects.toMatchObject({ code: "server" });
    } finally {
      await flaky.close();
      await admin.sandbox.setFaults({});
    }
  });
});

describe("check and diff (no API call: the engine runs them one resource at a time)", () => {
  it("fails check for a missing or unreadable account, a guard or publisher mismatch, a revoked token, two resources for one account", async () => {
    const acme = observe(await admin.getAccount("fb-1001"));
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ accountId: "fb-9999", valid: false, actor, observed: { status: "missing" } }, "accountId", /does not exist/],
      [{ accountId: "fb-1001", valid: false, actor, observed: acme, expectAgencies: ["ag-north"] }, "expectAgencies", /ag-east/],
      [{ accountId: "fb-1001", valid: false, actor, observed: acme, publisher: "twitter" }, "publisher", /facebook account/],
      [{ accountId: "fb-1007", valid: true, actor, observed: observe(await admin.getAccount("fb-1007")) }, "valid", /jane@agency\.example/],
      [{ accountId: "bad id!", valid: "no", actor }, "accountId", /accountId must be/],
      [
        { accountId: "fb-1001", valid: false, actor, observed: { status: "error", message: "timed out" } },
        "accountId",
        /could not read account fb-1001 from Marin Social: timed out/,
      ],
      [
        // The program's decision travels in `observed`: a duplicate refused there fails check.
        {
          accountId: "fb-1001",
          valid: false,
          actor,
          observed: {
            ...acme,
            decided: { refusal: decide({ desired: { accountId: "fb-1001", valid: false }, observed: acme, actor, duplicates: ["b", "a"] }).refusal },
          },
        },
        "accountId",
        /fb-1001 is declared by 2 PublisherToken resources: "a", "b"/,
      ],
    ];
    const before = (await admin.sandbox.stats()).total;
    for (const [news, property, reason] of cases) {
      const { failures } = await lifecycle.check({}, news);
      expect(failures?.map((f) => f.property)).toContain(property);
      expect(failures?.find((f) => f.property === property)?.reason).toMatch(reason);
    }
    expect((await admin.sandbox.stats()).total).toBe(before); // /_sandbox calls are not counted
  });

  it("diffs on valid, reason and expectAgencies; accountId replaces; converged tokens are unchanged", async () => {
    const converged = { status: "found", publisher: "facebook", name: "x", valid: false, invalidatedAt: "t", invalidatedBy: actor, reason: null, agencies: [] };
    const olds = { accountId: "fb-1001", valid: false, actor, reason: "a" };
    expect(await lifecycle.diff("fb-1001", olds, { ...olds, observed: converged })).toMatchObject({ changes: false, replaces: [] });
    expect(await lifecycle.diff("fb-1001", olds, { ...olds, reason: "b", observed: converged })).toMatchObject({ changes: true });
    expect(await lifecycle.diff("fb-1001", olds, { ...olds, accountId: "fb-1002", observed: converged })).toMatchObject({ replaces: ["accountId"] });
  });
});

describe("create from the program's observation", () => {
  it("invalidates without reading first when the observation is current (If-Match)", async () => {
    const observed = observe(await admin.getAccount("fb-1001"));
    await admin.sandbox.resetStats();
    const { outs } = await lifecycle.create({ accountId: "fb-1001", valid: false, actor, observed });
    expect(outs).toMatchObject({ valid: false, linkedAgencies: [] });
    const stats = await admin.sandbox.stats();
    expect(stats.byRoute["GET /v1/accounts"]).toBeUndefined();
    expect(stats.byRoute["GET /v1/accounts/{id}"]).toBeUndefined();
    expect(stats.byRoute["POST /v1/accounts/{id}/token/invalidate"]).toEqual({ "200": 1 });
  });

  it("reads and plans anew when the account changed since it was observed, honouring the guard", async () => {
    const observed = observe(await admin.getAccount("fb-1001"));
    await admin.reauthorize("fb-1001", { actor: "ops@agency.example", agencies: ["ag-west"] });
    const before = await invalidations("fb-1001");
    await expect(
      lifecycle.create({ accountId: "fb-1001", valid: false, actor, observed, expectAgencies: ["ag-east", "ag-north", "ag-south"] }),
    ).rejects.toThrow(/linked but not expected: West Agency \(ag-west\)/);
    expect(await invalidations("fb-1001")).toBe(before);
    expect((await admin.getAccount("fb-1001")).token.valid).toBe(true);
  });
});

/** A lifecycle on its own client with `opts`, closed after `fn`. */
async function withLifecycle<T>(opts: ClientOptions, fn: (l: TokenLifecycle, c: MarinSocialClient) => Promise<T>): Promise<T> {
  const c = new MarinSocialClient({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, ...opts });
  try {
    return await fn(new TokenLifecycle(() => c), c);
  } finally {
    await c.close();
  }
}

/** Runs `fn` with a scripted HTTP server answering every request with `handler`. */
async function withServer<T>(handler: Handler, fn: (url: string) => Promise<T>): Promise<T> {
  const s = await startServer(handler);
  try {
    return await fn(s.url);
  } finally {
    await s.close();
  }
}

describe("only a definite account-not-found means gone", () => {
  const props = { accountId: "fb-1001", valid: false, actor, unlinkedAgencies: [{ id: "ag-east", name: "East Agency" }] };

  it.each([true, false])("an unknown account is gone (batchReads %s), from the contract's answer", async (batchReads) => {
    await withLifecycle({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, batchReads }, async (l) => {
      expect(await l.read("fb-9999", { accountId: "fb-9999" })).toEqual({ id: "" });
    });
  });

  it.each([true, false])("refresh with an API URL ending in /v1 (batchReads %s) fails naming the cause; nothing is gone", async (batchReads) => {
    await withLifecycle({ baseUrl: `${sandbox.url}/v1`, apiKey: sandbox.keys.admin, batchReads }, async (l) => {
      const err = (await l.read("fb-1001", props).catch((e: unknown) => e)) as MarinSocialError;
      expect(err).toMatchObject({ code: "route-not-found", status: 404 });
      expect(err.message).toContain("GET /v1/v1/accounts");
      expect(err.message).toContain("answered 404 for an unknown route");
      expect(err.message).toContain("it ends in /v1, and the client adds /v1 itself");
      expect(err.message).toContain(`pulumi config set marin-social:apiUrl ${sandbox.url}\``);
      // create and update say the same, never "does not exist", and change nothing.
      const before = await admin.audit();
      for (const run of [
        () => l.create({ accountId: "fb-1001", valid: false, actor }),
        () => l.update("fb-1001", props, { accountId: "fb-1001", valid: false, actor }),
      ]) {
        const e = (await run().catch((x: unknown) => x)) as Error;
        expect(e).toMatchObject({ code: "route-not-found" });
        expect(e.message).not.toContain("does not exist");
      }
      expect(await admin.audit()).toEqual(before);
    });
  });

  const answers: Array<[string, Handler, string]> = [
    ["a proxy's HTML 404", (_h, res) => void res.writeHead(404, { "content-type": "text/html" }).end("<h1>404</h1>"), "route-not-found"],
    ["a 404 with another problem type", (_h, res) => notFoundProblem(res, "agency"), "agency-not-found"],
    ["a 200 that ignores the ids filter", (_h, res) => json(res, 200, { items: [account("fb-other")], nextCursor: null }), "server"],
    ["a 200 that is not an AccountPage", (_h, res) => json(res, 200, { accounts: [] }), "server"],
    ["401", (_h, res) => problem(res, 401, "unknown key"), "unauthorized"],
    ["403", (_h, res) => problem(res, 403, "no read scope"), "forbidden"],
  ];

  it.each(answers)("refresh answered by %s throws; it is never gone", async (_name, handler, code) => {
    await withServer(handler, (url) =>
      withLifecycle({ baseUrl: url, apiKey: "k-gone-test" }, async (l) => {
        await expect(l.read("fb-1001", props)).rejects.toMatchObject({ code });
      }),
    );
  });

  it("refresh that times out throws; it is never gone", async () => {
    await withServer(hang, (url) =>
      withLifecycle({ baseUrl: url, apiKey: "k-gone-test", retry: { maxAttempts: 1 }, timeouts: { deadlineMs: 200 } }, async (l) => {
        await expect(l.read("fb-1001", props)).rejects.toMatchObject({ code: "timeout" });
      }),
    );
  });

  it("the program's lookup sees a route 404 as an error, a definite answer as missing", async () => {
    const wrong = new LiveLookup(new MarinSocialClient({ baseUrl: `${sandbox.url}/v1`, apiKey: sandbox.keys.admin }));
    const right = new LiveLookup(new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin }));
    try {
      const seen = await wrong.observe("fb-1001");
      expect(seen).toMatchObject({ status: "error", message: expect.stringContaining("answered 404 for an unknown route") });
      expect(await right.observe("fb-9999")).toEqual({ status: "missing" });
    } finally {
      await wrong.close();
      await right.close();
    }
  });
});

describe("an unlink answered 404 is done only when the link does not exist", () => {
  const stale = async (id: string): Promise<Account> => admin.getAccount(id);

  it("link-not-found (someone else unlinked it since the read) is done, but not counted as ours", async () => {
    const live = await stale("tw-2001");
    await admin.unlinkAgency("ag-east", "tw-2001", { actor: "ops@agency.example" });
    const plan = planToken({ accountId: "tw-2001", valid: false }, live, { actor });
    const run = await executePlan(admin, live, plan);
    expect(run.failures).toEqual([]);
    expect(run.unlinked.map((a) => a.id)).toEqual(["ag-north"]);
    expect(run.account.agencies).toEqual([]);
  });

  it("agency-not-found, account-not-found and an injected 404 are failures: the link stays recorded as linked", async () => {
    const live = await stale("fb-1007"); // already invalid, linked to ag-south
    const ghosts: Account = { ...live, agencies: [...live.agencies, { id: "ag-ghost", name: "Ghost Agency" }] };
    const run = await executePlan(admin, ghosts, planToken({ accountId: "fb-1007", valid: false }, ghosts, { actor }));
    expect(run.unlinked.map((a) => a.id)).toEqual(["ag-south"]);
    expect(run.failures.map((f) => [f.description, (f.error as MarinSocialError).code])).toEqual([["unlink Ghost Agency (ag-ghost)", "agency-not-found"]]);
    expect(run.account.agencies.map((a) => a.id)).toEqual(["ag-ghost"]);

    const vanished: Account = { ...live, id: "fb-vanished" };
    const gone = await executePlan(admin, vanished, planToken({ accountId: "fb-vanished", valid: false }, vanished, { actor }));
    expect(gone.failures.map((f) => (f.error as MarinSocialError).code)).toEqual(["account-not-found"]);

    await admin.sandbox.reset();
    await admin.sandbox.setFaults({ failRoutes: [{ route: "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", status: 404, count: 100 }] });
    try {
      const err = (await lifecycle.create({ accountId: "fb-1001", valid: false, actor }).catch((e: unknown) => e)) as PartialFailure;
      expect(PartialFailure.isInstance(err)).toBe(true);
      expect(err).toMatchObject({ code: "partial-failure", kind: "partial-failure" });
      expect(err.message).toMatch(
        /unlink East Agency \(ag-east\): DELETE \/v1\/agencies\/ag-east\/accounts\/fb-1001 answered 404 with a problem of type "https:\/\/marin-social.example\/problems\/injected-fault"/,
      );
      expect(err.properties.unlinkedAgencies).toEqual([]);
      expect(err.properties.linkedAgencies.map((a) => a.id).sort()).toEqual(["ag-east", "ag-north", "ag-south"]);
    } finally {
      await admin.sandbox.setFaults({});
    }
  });
});
