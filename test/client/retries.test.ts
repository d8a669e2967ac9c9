import { describe, expect, it } from "vitest";
import { isNotFound, MarinSocialError } from "../../provider/client";
import { ManualClock, until } from "../support/manual-clock";
import { account, accounts, clientFixture, closedPort, fail, json, notFoundProblem, problem, rejection, reset, script } from "./helpers";

const KEY = "test-key-retries";
const { setup, connect } = clientFixture((baseUrl, opts) => ({
  baseUrl,
  apiKey: KEY,
  batchReads: false,
  ...opts,
  retry: { baseDelayMs: 5, maxDelayMs: 50, ...opts.retry },
}));

/** The status of each attempt, for a test that waits for one (set by the test). */
let onStatus: (status: number | undefined) => void = () => undefined;

describe("retries", () => {
  it("retries a 503 and returns the account from the following 200", async () => {
    const { s, c } = await setup(script(fail(503), accounts()));
    const a = await c.getAccount("fb-1001");
    expect(a.id).toBe("fb-1001");
    expect(s.hits.map((h) => h.url)).toEqual(["/v1/accounts/fb-1001", "/v1/accounts/fb-1001"]);
    expect(c.metrics()).toMatchObject({ requests: 2, retries: 1 });
  });

  it("gives up after maxAttempts 5xx and keeps the last problem details", async () => {
    const { s, c } = await setup(fail(500, {}, "disk on fire"), { retry: { maxAttempts: 3 } });
    const e = (await rejection(c.getAccount("fb-1001"))) as MarinSocialError;
    expect(e).toBeInstanceOf(MarinSocialError);
    expect(e.code).toBe("server");
    expect(e.status).toBe(500);
    expect(e.attempts).toBe(3);
    expect(e.retryable).toBe(true);
    expect(e.problem?.detail).toBe("disk on fire");
    expect(e.message).toContain("disk on fire");
    expect(e.message).toContain("GET /v1/accounts/fb-1001");
    expect(s.hits).toHaveLength(3);
  });

  it("does not retry 501 (it will not change)", async () => {
    const { s, c } = await setup(fail(501));
    expect(((await rejection(c.getAccount("x"))) as MarinSocialError).code).toBe("server");
    expect(s.hits).toHaveLength(1);
  });

  it("honours Retry-After in seconds, and pauses other calls for it too", async () => {
    const clock = new ManualClock();
    const answered = new Promise<void>((resolve) => {
      onStatus = (status) => status === 429 && resolve();
    });
    const { s, c } = await setup(script(fail(429, { "retry-after": "1" }), accounts()), { clock, onRequest: (e) => onStatus(e.status) });
    const first = c.getAccount("fb-1");
    await answered; // the client has the 429: its queue is paused
    const scheduled = clock.scheduled;
    const second = c.getAccount("fb-2");
    // The unrelated call waits for the pause (the client sets a timer) instead of going out.
    await until(() => clock.scheduled > scheduled || s.hits.length > 1);
    expect(s.hits).toHaveLength(1);
    await clock.advance(999);
    expect(s.hits).toHaveLength(1);
    await clock.advance(1);
    expect((await first).id).toBe("fb-1");
    await clock.advance(1); // the queue's own wake-up, a millisecond after the pause
    expect((await second).id).toBe("fb-2");
    // Neither the retry nor the unrelated call came before the 1 s the server asked for.
    expect(s.hits.map((h) => h.at)).toEqual([0, expect.any(Number), expect.any(Number)]);
    for (const h of s.hits.slice(1)) expect(h.at).toBeGreaterThanOrEqual(1000);
    expect(c.metrics().rateLimited).toBe(1);
  });

  it("caps Retry-After at maxRetryAfterMs", async () => {
    const clock = new ManualClock();
    const { s, c } = await setup(script(fail(429, { "retry-after": "3600" }), accounts()), { clock, retry: { maxRetryAfterMs: 150 } });
    const call = c.getAccount("fb-1");
    await s.waitForHits(1);
    await until(() => clock.pending().includes(150));
    await clock.advance(150);
    await call;
    expect(s.hits.map((h) => h.at)).toEqual([0, 150]);
  });

  it("reports rate-limited when 429 outlasts every attempt", async () => {
    const { s, c } = await setup(fail(429, { "retry-after": "0" }, "slow down"), { retry: { maxAttempts: 3 } });
    const e = (await rejection(c.getAccount("fb-1"))) as MarinSocialError;
    expect(e.code).toBe("rate-limited");
    expect(e.status).toBe(429);
    expect(e.attempts).toBe(3);
    expect(e.message).toContain("slow down");
    expect(s.hits).toHaveLength(3);
  });

  it.each([
    [401, "unauthorized"],
    [403, "forbidden"],
  ] as const)("never retries %i (server sees exactly one request)", async (status, code) => {
    const { s, c } = await setup(fail(status, {}, "nope"), { retry: { maxAttempts: 6 } });
    const e = (await rejection(c.getAccount("fb-1"))) as MarinSocialError;
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.retryable).toBe(false);
    expect(s.hits).toHaveLength(1);

    const e2 = (await rejection(c.invalidateToken("fb-1", { actor: "a" }))) as MarinSocialError;
    expect(e2.code).toBe(code);
    expect(s.hits).toHaveLength(2);
  });

  it("the 401 message says how to set the key both ways", async () => {
    const { c } = await setup(fail(401, {}, "unknown key"));
    const e = (await rejection(c.getAccount("fb-1001"))) as MarinSocialError;
    expect(e.message).toBe(
      "Marin Social rejected the API key (401 at GET /v1/accounts/fb-1001): unknown key. " +
        "Set a valid key with `pulumi config set --secret marin-social:apiKey <key>` or MARIN_SOCIAL_API_KEY=<key>.",
    );
  });

  it("keeps 403 problem extension members", async () => {
    const { c } = await setup((_h, res) =>
      json(res, 403, { type: "t", title: "Forbidden", status: 403, detail: "lacks ag-east", missingAgencies: ["ag-east"] }),
    );
    const e = (await rejection(c.invalidateToken("fb-1", { actor: "a" }))) as MarinSocialError;
    expect(e.problem).toMatchObject({ detail: "lacks ag-east", missingAgencies: ["ag-east"] });
    expect(e.method).toBe("POST");
    expect(e.path).toBe("/v1/accounts/fb-1/token/invalidate");
  });

  it("maps the contract's account-not-found to account-not-found and 409 to conflict, without retrying", async () => {
    const { s, c } = await setup((hit, res) => (hit.method === "GET" ? notFoundProblem(res, "account") : problem(res, 409, "scripted")));
    const nf = await rejection(c.getAccount("nope"));
    expect(isNotFound(nf)).toBe(true);
    expect((nf as MarinSocialError).status).toBe(404);
    const cf = (await rejection(c.invalidateToken("fb-1", { actor: "a" }, { ifMatch: 3 }))) as MarinSocialError;
    expect(cf.code).toBe("conflict");
    expect(s.hits).toHaveLength(2);
    expect(s.hits[1]!.headers["if-match"]).toBe('"3"');
  });

  it("does not retry a POST without an Idempotency-Key on 503", async () => {
    const { s, c } = await setup(fail(503));
    const e = (await rejection(c.sandbox.addAccounts({ count: 5 }))) as MarinSocialError;
    expect(e.code).toBe("server");
    expect(e.attempts).toBe(1);
    expect(s.hits).toHaveLength(1);
    expect(s.hits[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("invalidateToken sends one Idempotency-Key, the same on every attempt", async () => {
    const { s, c } = await setup(script(fail(503), fail(502), (_h, res) => json(res, 200, account("fb-1"))));
    const a = await c.invalidateToken("fb-1", { actor: "pulumi:p/s", reason: "left" });
    expect(a.id).toBe("fb-1");
    expect(s.hits).toHaveLength(3);
    const keys = s.hits.map((h) => h.headers["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(s.hits.map((h) => JSON.parse(h.body))).toEqual(Array(3).fill({ actor: "pulumi:p/s", reason: "left" }));

    // A second call gets a fresh key; a given key is sent verbatim.
    await c.invalidateToken("fb-1", { actor: "x" });
    await c.invalidateToken("fb-1", { actor: "x" }, { idempotencyKey: "my-key-1" });
    expect(s.hits[3]!.headers["idempotency-key"]).not.toBe(keys[0]);
    expect(s.hits[4]!.headers["idempotency-key"]).toBe("my-key-1");
  });

  it("retries a connection reset", async () => {
    const { s, c } = await setup(script(reset, accounts()));
    const a = await c.getAccount("fb-1");
    expect(a.id).toBe("fb-1");
    expect(s.hits).toHaveLength(2);
  });

  it("reports network after resets outlast every attempt", async () => {
    const { s, c } = await setup(reset, { retry: { maxAttempts: 3 } });
    const e = (await rejection(c.unlinkAgency("ag-1", "fb-1"))) as MarinSocialError;
    expect(e.code).toBe("network");
    expect(e.attempts).toBe(3);
    expect(e.retryable).toBe(true);
    expect(s.hits).toHaveLength(3);
    // DELETE carries one Idempotency-Key across its retries.
    expect(new Set(s.hits.map((h) => h.headers["idempotency-key"])).size).toBe(1);
  });

  it("retries a refused connection only refusedAttempts times", async () => {
    const port = await closedPort();
    const events: number[] = [];
    const client = connect({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: KEY,
      batchReads: false,
      retry: { maxAttempts: 6, refusedAttempts: 3, baseDelayMs: 5 },
      onRequest: (e) => events.push(e.attempt),
    });
    const e = (await rejection(client.getAccount("fb-1"))) as MarinSocialError;
    expect(e.code).toBe("network");
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.message).toContain(`http://127.0.0.1:${port}`);
    expect(events).toEqual([1, 2, 3]);
  });
});
