// The /_sandbox routes: faults (5xx, 429 + Retry-After, failing routes, latency), stats, reset,
// and bulk accounts. Every response is checked against the OpenAPI contract.

import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Account } from "../../provider/core/types";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { ManualClock, until } from "../support/manual-clock";
import { type CallResult, contractCaller } from "../support/sandbox-call";

const contract = loadContract();
let sb: Sandbox;
/** The sandbox's clock: its latency and rate-limit faults see time pass only when a test moves it. */
let clock: ManualClock;

const call = contractCaller(() => sb, contract);

const setFaults = (body: unknown) => call("PUT /_sandbox/faults", { body });
const getAccount = (id: string) => call("GET /v1/accounts/{id}", { params: { id } });
const invalidate = (id: string, headers: Record<string, string> = {}) =>
  call("POST /v1/accounts/{id}/token/invalidate", { params: { id }, body: { actor: "ops" }, headers });
const unlink = (agencyId: string, accountId: string) => call("DELETE /v1/agencies/{agencyId}/accounts/{accountId}", { params: { agencyId, accountId } });
const stats = async () => (await call("GET /_sandbox/stats")).body;

beforeEach(async () => {
  clock = new ManualClock();
  sb = await startSandbox({ clock });
});
afterEach(async () => {
  await sb.close();
});

describe("faults", () => {
  it("starts with none, and errorRate 1 fails every /v1 request with a 503 that changes nothing", async () => {
    expect((await call("GET /_sandbox/faults")).body).toEqual({ latencyMs: 0, errorRate: 0, rateLimitPerSecond: null, rateLimitHeaders: true, failRoutes: [] });
    const set = await setFaults({ errorRate: 1 });
    expect(set.body).toMatchObject({ errorRate: 1, latencyMs: 0, rateLimitPerSecond: null });
    const r = await invalidate("fb-1001");
    expect(r.status).toBe(503);
    expect((await call("GET /v1/agencies")).status).toBe(503);
    expect((await call("GET /_sandbox/stats")).status).toBe(200);
    await setFaults({});
    expect((await getAccount("fb-1001")).body.token.valid).toBe(true);
  });

  it("fails the next N matching requests of a failing route, then stops", async () => {
    const route = "DELETE /v1/agencies/{agencyId}/accounts/{accountId}";
    await setFaults({ failRoutes: [{ route, match: "fb-1001", count: 2, status: 502 }] });
    expect((await unlink("ag-north", "tw-2001")).status).toBe(204);
    expect((await unlink("ag-north", "fb-1001")).status).toBe(502);
    expect((await call("GET /_sandbox/faults")).body.failRoutes).toEqual([{ route, match: "fb-1001", count: 1, status: 502 }]);
    expect((await unlink("ag-north", "fb-1001")).status).toBe(502);
    expect((await getAccount("fb-1001")).body.agencies).toHaveLength(3);
    expect((await call("GET /_sandbox/faults")).body.failRoutes).toEqual([]);
    expect((await unlink("ag-north", "fb-1001")).status).toBe(204);
    const bad = await setFaults({ failRoutes: [{ route: "DELETE /v1/agencies/{id}" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain(route);
  });

  it("rate-limits /v1 with 429 and an integer Retry-After, but never /_sandbox", async () => {
    await setFaults({ rateLimitPerSecond: 1 });
    const results = await Promise.all(Array.from({ length: 12 }, () => call("GET /v1/agencies")));
    const limited = results.filter((r) => r.status === 429);
    // No time passes: the bucket holds one request.
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(limited).toHaveLength(11);
    for (const r of limited) expect(Number(r.headers["retry-after"])).toSatisfy((n: number) => Number.isInteger(n) && n >= 1);
    for (let i = 0; i < 5; i++) expect((await call("GET /_sandbox/faults")).status).toBe(200);
    expect((await stats()).byRoute["GET /v1/agencies"]["429"]).toBe(limited.length);
  });

  it("delays /v1 requests by latencyMs, and never /_sandbox", async () => {
    await setFaults({ latencyMs: 120 });
    let answered = false;
    const delayed = call("GET /v1/agencies").then((r) => {
      answered = true;
      return r;
    });
    await until(() => clock.pending().length > 0); // the request arrived and waits on the sandbox's clock
    expect(clock.pending()).toEqual([120]);
    expect((await call("GET /_sandbox/faults")).status).toBe(200); // /_sandbox answers at once
    await clock.advance(119);
    expect((await call("GET /_sandbox/stats")).status).toBe(200);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect((await delayed).status).toBe(200);
  });
});

describe("stats and reset", () => {
  it("counts /v1 requests by route template and status, and resets", async () => {
    await call("DELETE /_sandbox/stats");
    await getAccount("fb-1001");
    await getAccount("fb-1002");
    await getAccount("nope");
    await invalidate("fb-1001", { "if-match": '"99"' });
    const s = await stats();
    expect(s).toEqual({
      total: 4,
      byRoute: { "GET /v1/accounts/{id}": { "200": 2, "404": 1 }, "POST /v1/accounts/{id}/token/invalidate": { "409": 1 } },
      byStatus: { "200": 2, "404": 1, "409": 1 },
    });
    expect((await call("DELETE /_sandbox/stats")).status).toBe(204);
    expect(await stats()).toEqual({ total: 0, byRoute: {}, byStatus: {} });
  });

  it("restores the seed and clears faults, stats and idempotency keys", async () => {
    const seeded = (await getAccount("fb-1001")).body as Account;
    await invalidate("fb-1001", { "idempotency-key": "k1" });
    await unlink("ag-north", "fb-1001");
    await call("POST /_sandbox/accounts", { body: { count: 10 } });
    await setFaults({ latencyMs: 1, failRoutes: [{ route: "GET /v1/agencies" }] });
    const r = await call("POST /_sandbox/reset");
    expect(r.status).toBe(200);
    expect(r.body.accounts).toBe(14);
    expect(r.body.agencies).toBe(4);
    expect((await getAccount("fb-1001")).body).toEqual(seeded);
    expect((await call("GET /_sandbox/faults")).body.failRoutes).toEqual([]);
    expect((await stats()).total).toBe(1);
    const again = await invalidate("fb-1002", { "idempotency-key": "k1" });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe("fb-1002");
    expect((await call("GET /v1/audit", { query: "accountId=fb-1001" })).body).toEqual([]);
  });
});

describe("bulk accounts", () => {
  it("adds 5,000 accounts linked to 1-3 bench agencies, deterministically", async () => {
    const r = await call("POST /_sandbox/accounts", { body: { count: 5000, agencies: 20 } });
    expect(r.status).toBe(201);
    expect(r.body.created).toBe(5000);
    expect(new Set(r.body.ids).size).toBe(5000);
    const seen: Account[] = [];
    let cursor: string | null = null;
    do {
      const page: CallResult = await call("GET /v1/accounts", { query: `limit=500${cursor ? `&cursor=${cursor}` : ""}` });
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5014);
    const bench = seen.filter((a) => a.id.startsWith("bench-"));
    expect(bench.map((a) => a.id)).toEqual(r.body.ids);
    const sizes = new Set(bench.map((a) => a.agencies.length));
    expect(sizes).toEqual(new Set([1, 2, 3]));
    expect(bench.every((a) => a.agencies.every((g) => /^ag-bench-0(0[1-9]|1\d|20)$/.test(g.id)))).toBe(true);
    expect(new Set(bench.map((a) => a.publisher))).toEqual(new Set(["facebook", "twitter"]));
    expect((await call("GET /v1/agencies")).body).toHaveLength(24);

    const other = await startSandbox();
    try {
      const res = await request(`${other.url}/_sandbox/accounts`, {
        method: "POST",
        headers: { authorization: `Bearer ${other.keys.admin}`, "content-type": "application/json" },
        body: JSON.stringify({ count: 50, agencies: 20 }),
      });
      expect(res.statusCode).toBe(201);
      await res.body.dump();
      const b = await request(`${other.url}/v1/accounts/bench-000037`, { headers: { authorization: `Bearer ${other.keys.admin}` } });
      const twin = (await b.body.json()) as Account;
      expect(contract.responseErrors("GET /v1/accounts/{id}", b.statusCode, b.headers["content-type"] as string, twin, b.headers)).toEqual([]);
      const mine = bench.find((a) => a.id === "bench-000037");
      expect(twin.agencies).toEqual(mine?.agencies);
    } finally {
      await other.close();
    }
  });

  it("numbers new generated accounts after existing ones and honours the options", async () => {
    const a = await call("POST /_sandbox/accounts", { body: { count: 3, idPrefix: "fb-b", publisher: "facebook", agenciesPerAccount: { min: 0, max: 0 } } });
    expect(a.body.ids).toEqual(["fb-b000001", "fb-b000002", "fb-b000003"]);
    const b = await call("POST /_sandbox/accounts", { body: { count: 2, idPrefix: "fb-b" } });
    expect(b.body.ids).toEqual(["fb-b000004", "fb-b000005"]);
    const first = (await getAccount("fb-b000002")).body as Account;
    expect(first.publisher).toBe("facebook");
    expect(first.agencies).toEqual([]);
    const bad = await call("POST /_sandbox/accounts", { body: { count: 1, agenciesPerAccount: { min: 3, max: 1 } } });
    expect(bad.status).toBe(400);
    const tooMany = await call("POST /_sandbox/accounts", { body: { count: 1, agenciesPerAccount: { min: 9, max: 9 } } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail).toContain("agencies");
  });

  it("adds explicit accounts, refusing duplicates and unknown agencies as a whole", async () => {
    const accounts = [
      { id: "fb-5001", publisher: "facebook", name: "New One", agencies: ["ag-north", "ag-west"] },
      { id: "tw-5002", publisher: "twitter", name: "Gone One", agencies: [], valid: false, invalidatedBy: "bob@agency.example", reason: "test" },
    ];
    const r = await call("POST /_sandbox/accounts", { body: { accounts } });
    expect(r.body).toEqual({ created: 2, ids: ["fb-5001", "tw-5002"] });
    const gone = (await getAccount("tw-5002")).body as Account;
    expect(gone.token).toMatchObject({ valid: false, invalidatedBy: "bob@agency.example", reason: "test" });
    expect((await getAccount("fb-5001")).body.agencies.map((g: { id: string }) => g.id)).toEqual(["ag-north", "ag-west"]);

    const dup = await call("POST /_sandbox/accounts", { body: { accounts: [{ ...accounts[0], id: "fb-5003" }, accounts[0]] } });
    expect(dup.status).toBe(409);
    const unknown = await call("POST /_sandbox/accounts", { body: { accounts: [{ id: "fb-5004", publisher: "facebook", name: "X", agencies: ["ag-mars"] }] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain("ag-mars");
    expect((await getAccount("fb-5003")).status).toBe(404);
    const both = await call("POST /_sandbox/accounts", { body: { count: 1, accounts } });
    expect(both.status).toBe(400);
    const optsWithAccounts = await call("POST /_sandbox/accounts", { body: { accounts, idPrefix: "x" } });
    expect(optsWithAccounts.status).toBe(400);
  });
});

describe("publisher-side events", () => {
  it("links an agency to an existing account without touching its token, bumping the version once", async () => {
    const before = (await getAccount("tw-2001")).body as Account;
    expect(before.agencies.map((g) => g.id)).not.toContain("ag-west");
    const r = await call("PUT /_sandbox/accounts/{id}/agencies/{agencyId}", { params: { id: "tw-2001", agencyId: "ag-west" } });
    expect(r.status).toBe(200);
    expect(r.body.agencies.map((g: { id: string }) => g.id)).toContain("ag-west");
    expect(r.body.token).toEqual(before.token);
    expect(r.body.version).toBe(before.version + 1);
    const again = await call("PUT /_sandbox/accounts/{id}/agencies/{agencyId}", { params: { id: "tw-2001", agencyId: "ag-west" } });
    expect(again.body.version).toBe(before.version + 1);
    const audit = (await call("GET /v1/audit", { query: "accountId=tw-2001" })).body as Array<{ action: string; actor: string; agencyId: string }>;
    expect(audit.filter((e) => e.action === "agency.link")).toEqual([expect.objectContaining({ actor: "publisher", agencyId: "ag-west" })]);
    expect((await call("PUT /_sandbox/accounts/{id}/agencies/{agencyId}", { params: { id: "tw-2001", agencyId: "ag-mars" } })).body.type).toMatch(
      /agency-not-found$/,
    );
    expect((await call("PUT /_sandbox/accounts/{id}/agencies/{agencyId}", { params: { id: "fb-9999", agencyId: "ag-west" } })).body.type).toMatch(
      /account-not-found$/,
    );
    expect(
      (await call("PUT /_sandbox/accounts/{id}/agencies/{agencyId}", { params: { id: "tw-2001", agencyId: "ag-west" }, key: "sandbox-readonly" })).status,
    ).toBe(403);
  });

  it("renames an account, bumping its version; an unknown account is account-not-found", async () => {
    const before = (await getAccount("fb-1001")).body as Account;
    const r = await call("PATCH /_sandbox/accounts/{id}", { params: { id: "fb-1001" }, body: { name: "Renamed \u202e Coffee" } });
    expect(r.body).toMatchObject({ name: "Renamed \u202e Coffee", version: before.version + 1, token: before.token, agencies: before.agencies });
    expect((await getAccount("fb-1001")).body.name).toBe("Renamed \u202e Coffee");
    expect((await call("PATCH /_sandbox/accounts/{id}", { params: { id: "fb-1001" }, body: { name: "" } })).status).toBe(400);
    expect((await call("PATCH /_sandbox/accounts/{id}", { params: { id: "fb-9999" }, body: { name: "x" } })).status).toBe(404);
  });

  it("deletes an account: /v1 then answers account-not-found for it, and the rest is untouched", async () => {
    expect((await call("DELETE /_sandbox/accounts/{id}", { params: { id: "fb-1002" } })).status).toBe(204);
    const gone = await getAccount("fb-1002");
    expect(gone.status).toBe(404);
    expect(gone.body.type).toMatch(/account-not-found$/);
    const list = await call("GET /v1/accounts", { query: "ids=fb-1001,fb-1002" });
    expect(list.body.items.map((a: Account) => a.id)).toEqual(["fb-1001"]);
    expect((await call("DELETE /_sandbox/accounts/{id}", { params: { id: "fb-1002" } })).status).toBe(404);
  });
});
