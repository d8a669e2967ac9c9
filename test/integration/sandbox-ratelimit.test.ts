// The rate-limit headers of the sandbox (draft-ietf-httpapi-ratelimit-headers-11): on every /v1
// response while a rate limit is set, 429s included, with the bucket's real values; never
// without a limit, never on /_sandbox. Every response is checked against the contract, headers
// included.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { policyOf } from "../../provider/sandbox/ratelimit-headers";
import { ManualClock } from "../support/manual-clock";
import { type CallOpts, type CallResult, callSandbox } from "../support/sandbox-call";

const contract = loadContract();
let sb: Sandbox;
/** The sandbox's clock: its bucket refills only when a test moves it. */
let clock: ManualClock;

type Res = CallResult;

/** Calls operation `op` at `path` and checks the response (body and documented headers) against the contract. */
const call = (op: string, path: string, o: Pick<CallOpts, "key" | "body" | "headers"> = {}): Promise<Res> => callSandbox(sb, contract, op, { ...o, path });

const setFaults = (body: unknown) => call("PUT /_sandbox/faults", "/_sandbox/faults", { body });
const agencies = () => call("GET /v1/agencies", "/v1/agencies");
const invalidate = (id: string, key: string) =>
  call("POST /v1/accounts/{id}/token/invalidate", `/v1/accounts/${id}/token/invalidate`, { body: { actor: "ops" }, headers: { "idempotency-key": key } });

/** The `r` and `t` of a `RateLimit: "default";r=..;t=..` header. */
function limitOf(res: Res): { r: number; t: number } {
  const m = /^"default";r=(\d+);t=(\d+)$/.exec(String(res.headers.ratelimit));
  expect(m, `RateLimit: ${String(res.headers.ratelimit)}`).not.toBeNull();
  return { r: Number(m![1]), t: Number(m![2]) };
}

beforeEach(async () => {
  clock = new ManualClock();
  sb = await startSandbox({ clock });
});
afterEach(async () => {
  await sb.close();
});

describe("rate-limit headers", () => {
  it("are absent without a rate limit, and again once it is removed", async () => {
    for (const res of [await agencies(), await call("GET /v1/accounts/{id}", "/v1/accounts/nope")]) {
      expect(res.headers["ratelimit-policy"]).toBeUndefined();
      expect(res.headers.ratelimit).toBeUndefined();
    }
    await setFaults({ rateLimitPerSecond: 50 });
    expect((await agencies()).headers["ratelimit-policy"]).toBe('"default";q=50;w=1');
    await setFaults({});
    const after = await agencies();
    expect(after.headers["ratelimit-policy"]).toBeUndefined();
    expect(after.headers.ratelimit).toBeUndefined();
  });

  it("are left out under a limit with rateLimitHeaders false (a server that does not advertise)", async () => {
    const set = await setFaults({ rateLimitPerSecond: 1, rateLimitHeaders: false });
    expect(set.body).toMatchObject({ rateLimitPerSecond: 1, rateLimitHeaders: false });
    const ok = await agencies();
    const refused = await agencies();
    expect([ok.status, refused.status]).toEqual([200, 429]);
    for (const res of [ok, refused]) {
      expect(res.headers["ratelimit-policy"]).toBeUndefined();
      expect(res.headers.ratelimit).toBeUndefined();
    }
    expect(refused.headers["retry-after"]).toBe("1");
  });

  it("advertise the policy and the bucket on every /v1 response, errors and 429s included, never on /_sandbox", async () => {
    await setFaults({ rateLimitPerSecond: 2 });
    // The bucket holds 2 and refills one token every 500 ms.
    const first = await agencies();
    expect(first.status).toBe(200);
    expect(first.headers["ratelimit-policy"]).toBe('"default";q=2;w=1');
    expect(limitOf(first)).toEqual({ r: 1, t: 1 });

    const notFound = await call("GET /v1/accounts/{id}", "/v1/accounts/nope");
    expect(notFound.status).toBe(404);
    expect(notFound.headers["ratelimit-policy"]).toBe('"default";q=2;w=1');
    expect(limitOf(notFound).r).toBe(0);

    const refused = await agencies();
    expect(refused.status).toBe(429);
    expect(refused.headers["ratelimit-policy"]).toBe('"default";q=2;w=1');
    const { r, t } = limitOf(refused);
    expect(r).toBe(0);
    // The effective window ends no later than Retry-After says (draft section 6).
    expect(t).toBeGreaterThanOrEqual(1);
    expect(t).toBeLessThanOrEqual(Number(refused.headers["retry-after"]));

    const admin = await call("GET /_sandbox/stats", "/_sandbox/stats");
    expect(admin.headers["ratelimit-policy"]).toBeUndefined();
    expect(admin.headers.ratelimit).toBeUndefined();
  });

  it("refill one token every 1/rate seconds", async () => {
    await setFaults({ rateLimitPerSecond: 2 });
    expect((await agencies()).status).toBe(200);
    expect((await agencies()).status).toBe(200);
    expect((await agencies()).status).toBe(429);
    await clock.advance(499);
    expect((await agencies()).status).toBe(429);
    await clock.advance(1);
    const refilled = await agencies();
    expect(refilled.status).toBe(200);
    expect(limitOf(refilled).r).toBe(0);
  });

  it("count down as requests arrive, and a replayed response carries the current values, not the stored ones", async () => {
    await setFaults({ rateLimitPerSecond: 3 });
    const first = await invalidate("fb-1001", "k-1");
    expect(first.status).toBe(200);
    expect(limitOf(first)).toEqual({ r: 2, t: 1 });
    const replay = await invalidate("fb-1001", "k-1");
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(limitOf(replay).r).toBe(1);
    expect(limitOf(await agencies()).r).toBe(0);
  });

  it("report what the bucket holds under a burst: r between q minus the burst and q, t within one window", async () => {
    await setFaults({ rateLimitPerSecond: 50 });
    const rows = await Promise.all(Array.from({ length: 20 }, () => agencies()));
    for (const row of rows) {
      expect(row.status).toBe(200);
      const { r, t } = limitOf(row);
      expect(r).toBeGreaterThanOrEqual(30);
      expect(r).toBeLessThanOrEqual(50);
      expect(t).toBeLessThanOrEqual(1);
    }
    // No time passes: twenty tokens were taken from fifty, one each.
    expect(rows.map((row) => limitOf(row).r).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 30 + i));
  });

  it("express a fractional rate with whole q and w", async () => {
    await setFaults({ rateLimitPerSecond: 0.5 });
    const first = await agencies();
    expect(first.headers["ratelimit-policy"]).toBe('"default";q=1;w=2');
    expect(limitOf(first)).toEqual({ r: 0, t: 2 });
    const refused = await agencies();
    expect(refused.status).toBe(429);
    expect(limitOf(refused).t).toBeLessThanOrEqual(Number(refused.headers["retry-after"]));
  });
});

describe("policyOf", () => {
  it("finds the shortest window with a whole quota, and never promises more than the rate", () => {
    expect(policyOf(200)).toEqual({ quota: 200, windowSeconds: 1 });
    expect(policyOf(200)).toEqual({ quota: 200, windowSeconds: 1 }); // the remembered answer, the same
    expect(policyOf(0.5)).toEqual({ quota: 1, windowSeconds: 2 });
    expect(policyOf(2.5)).toEqual({ quota: 5, windowSeconds: 2 });
    expect(policyOf(1 / 3)).toEqual({ quota: 1, windowSeconds: 3 });
    const odd = policyOf(Math.PI);
    expect(odd.windowSeconds).toBe(3600);
    expect(odd.quota).toBe(Math.floor(Math.PI * 3600));
    expect(odd.quota / odd.windowSeconds).toBeLessThanOrEqual(Math.PI);
  });
});

describe("the contract checks the headers", () => {
  it("rejects a malformed RateLimit header on a documented response", () => {
    const ok = { "ratelimit-policy": '"default";q=2;w=1', ratelimit: '"default";r=1;t=1' };
    expect(contract.responseErrors("GET /v1/agencies", 200, "application/json", [], ok)).toEqual([]);
    expect(contract.responseErrors("GET /v1/agencies", 200, "application/json", [], { ...ok, ratelimit: "r=1" })).not.toEqual([]);
    expect(contract.responseErrors("GET /v1/agencies", 200, "application/json", [], { ...ok, "ratelimit-policy": '"default";q=2;w=0' })).not.toEqual([]);
    expect(
      contract.responseErrors("GET /v1/agencies", 429, "application/problem+json", { type: "x", title: "t", status: 429, detail: "d" }, { "retry-after": "0" }),
    ).not.toEqual([]);
  });
});
