import { describe, expect, it } from "vitest";
import { isNotFound, type MarinSocialError } from "../../provider/client";
import { ManualClock, turn } from "../support/manual-clock";
import { account, accounts, clientFixture, fail, json, rejection } from "./helpers";

const { setup } = clientFixture((baseUrl, opts) => ({ baseUrl, apiKey: "test-key-batching", retry: { baseDelayMs: 5 }, ...opts }));

const ids = (n: number, prefix = "fb-"): string[] => Array.from({ length: n }, (_, i) => `${prefix}${1000 + i}`);
const idsOf = (url: string): string[] => (new URL(url, "http://x").searchParams.get("ids") ?? "").split(",");

describe("batched reads", () => {
  it("coalesces 100 concurrent getAccount calls into one GET /v1/accounts?ids= with 100 ids", async () => {
    const { s, c } = await setup(accounts());
    const want = ids(100);
    const got = await Promise.all(want.map((id) => c.getAccount(id)));
    expect(got.map((a) => a.id)).toEqual(want);
    expect(s.hits).toHaveLength(1);
    expect(s.hits[0]!.pathname).toBe("/v1/accounts");
    expect(idsOf(s.hits[0]!.url)).toEqual(want);
    expect(c.metrics().batches).toBe(1);
  });

  it("splits 250 concurrent calls into 3 requests of at most 100 ids", async () => {
    const { s, c } = await setup(accounts());
    const want = ids(250);
    const got = await Promise.all(want.map((id) => c.getAccount(id)));
    expect(got.map((a) => a.id)).toEqual(want);
    expect(s.hits).toHaveLength(3);
    const sizes = s.hits.map((h) => idsOf(h.url).length).sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 50]);
    expect(s.hits.flatMap((h) => idsOf(h.url)).sort()).toEqual([...want].sort());
  });

  it("rejects an id a successful batch did not return with account-not-found; the others resolve", async () => {
    const { s, c } = await setup(accounts(["fb-gone"]));
    const [a, gone, b] = await Promise.allSettled([c.getAccount("fb-1"), c.getAccount("fb-gone"), c.getAccount("fb-2")]);
    expect(a).toMatchObject({ status: "fulfilled", value: { id: "fb-1" } });
    expect(b).toMatchObject({ status: "fulfilled", value: { id: "fb-2" } });
    expect(gone.status).toBe("rejected");
    const e = (gone as PromiseRejectedResult).reason as MarinSocialError;
    expect(isNotFound(e)).toBe(true);
    expect(e).toMatchObject({ code: "account-not-found", status: 200 });
    expect(e.message).toContain('no account "fb-gone"');
    expect(s.hits).toHaveLength(1);
  });

  it("asks once for an id requested twice in the same tick", async () => {
    const { s, c } = await setup(accounts());
    const [a, b] = await Promise.all([c.getAccount("fb-7"), c.getAccount("fb-7")]);
    expect(a.id).toBe("fb-7");
    expect(b).toEqual(a);
    expect(idsOf(s.hits[0]!.url)).toEqual(["fb-7"]);
  });

  it("with batchReads false sends one GET /v1/accounts/{id} per call", async () => {
    const { s, c } = await setup(accounts(), { batchReads: false });
    const want = ids(5);
    await Promise.all(want.map((id) => c.getAccount(id)));
    expect(s.hits.map((h) => h.url).sort()).toEqual(want.map((id) => `/v1/accounts/${id}`).sort());
  });

  it("gathers calls that trickle in while a batch is in flight into the next request", async () => {
    const clock = new ManualClock();
    let answerFirst = (): void => undefined;
    const firstHeld = new Promise<void>((resolve) => (answerFirst = resolve));
    const { s, c } = await setup(
      async (hit, res) => {
        if (hit.index === 0) await firstHeld;
        accounts()(hit, res, undefined as never);
      },
      { batchWindowMs: 1000, clock },
    );
    const first = c.getAccount("fb-0");
    await s.waitForHits(1);
    const later: Promise<unknown>[] = [];
    for (const id of ids(10)) {
      later.push(c.getAccount(id));
      await turn(); // a new turn of the event loop each time
    }
    answerFirst();
    await first;
    expect(s.hits).toHaveLength(1);
    await clock.advance(1000); // the quiet gap after the last lookup
    await Promise.all(later);
    expect(s.hits).toHaveLength(2);
    expect(idsOf(s.hits[0]!.url)).toEqual(["fb-0"]);
    expect(idsOf(s.hits[1]!.url)).toEqual(ids(10));
  });

  it("getAccounts chunks by maxBatchSize and leaves unknown ids out of the map", async () => {
    const { s, c } = await setup(accounts(["fb-1003"]), { maxBatchSize: 10 });
    const want = ids(25);
    const map = await c.getAccounts([...want, "not an id", "fb-1000"]);
    expect([...map.keys()].sort()).toEqual(want.filter((id) => id !== "fb-1003").sort());
    expect(map.get("fb-1000")?.name).toBe("Account fb-1000");
    expect(s.hits).toHaveLength(3);
    expect(s.hits.every((h) => idsOf(h.url).length <= 10)).toBe(true);
  });

  it("getAccounts without batchReads still uses the batch endpoint", async () => {
    const { s, c } = await setup(accounts(), { batchReads: false, maxBatchSize: 100 });
    const map = await c.getAccounts(ids(150));
    expect(map.size).toBe(150);
    expect(s.hits).toHaveLength(2);
  });

  it("a failed batch rejects every waiting call with the same error, once", async () => {
    const { s, c } = await setup(fail(401, {}, "unknown key"));
    const results = await Promise.allSettled(ids(30).map((id) => c.getAccount(id)));
    expect(results.every((r) => r.status === "rejected" && (r.reason as MarinSocialError).code === "unauthorized")).toBe(true);
    expect(s.hits).toHaveLength(1);
  });

  it("follows nextCursor when the server pages a batch", async () => {
    const { s, c } = await setup((hit, res) => {
      const want = idsOf(hit.url);
      const half = Math.ceil(want.length / 2);
      if (!hit.query.get("cursor")) json(res, 200, { items: want.slice(0, half).map((id) => account(id)), nextCursor: "p2" });
      else json(res, 200, { items: want.slice(half).map((id) => account(id)), nextCursor: null });
    });
    const got = await Promise.all(ids(6).map((id) => c.getAccount(id)));
    expect(got.map((a) => a.id)).toEqual(ids(6));
    expect(s.hits).toHaveLength(2);
    expect(s.hits[1]!.query.get("cursor")).toBe("p2");
  });

  it("rejects queued lookups when the client closes", async () => {
    const { c } = await setup(accounts());
    const p = c.getAccount("fb-1");
    await c.close();
    const e = (await rejection(p)) as MarinSocialError;
    expect(e.code).toBe("config");
    expect(e.message).toContain("closed");
    expect(((await rejection(c.getAccount("fb-2"))) as MarinSocialError).message).toContain("closed");
  });
});
