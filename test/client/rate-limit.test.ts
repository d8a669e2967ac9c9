/**
 * The client under a server rate limit, against a real scripted server that
 * limits like the sandbox: a token bucket of `RATE` requests/s (holding a
 * second's worth), 429 with `Retry-After: 1` when empty. Client and server
 * share a ManualClock, so the outcome does not depend on the machine's speed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ClientOptions, MarinSocialClient, resolveConnection } from "../../provider/client";
import { ManualClock, runUntil } from "../support/manual-clock";
import { account, accounts, delay, json, rateLimited, startServer, type TestServer } from "./helpers";

const RATE = 100;
let server: TestServer | undefined;
let client: MarinSocialClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `fb-${i}`);

/** `calls` lookups at once against a server limited to RATE/s, run on a ManualClock. */
async function run(opts: Partial<ClientOptions>, calls: number): Promise<{ c: MarinSocialClient; s: TestServer; clock: ManualClock }> {
  const clock = new ManualClock();
  server = await startServer(rateLimited(RATE, "none", clock.now).handler, clock.now);
  client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-rate", batchReads: false, clock, ...opts });
  let done = false;
  const all = Promise.all(ids(calls).map((id) => client!.getAccount(id))).finally(() => (done = true));
  await runUntil(clock, () => done);
  expect((await all).map((a) => a.id)).toEqual(ids(calls));
  return { c: client, s: server, clock };
}

describe("under a server rate limit", () => {
  it("learns the rate from its 429s and paces under it: few 429s, every call succeeds", async () => {
    const { c, s } = await run({}, 400);
    const m = c.metrics();
    expect(m.requests).toBe(s.hits.length);
    // The first burst drains the server's bucket; once paced, the server stops refusing.
    expect(m.rateLimited).toBeLessThanOrEqual(0.05 * m.requests);
    const pace = c.pacing();
    expect(pace.rate).not.toBeNull();
    expect(pace.rate!).toBeGreaterThan(0.5 * RATE);
    expect(pace.rate!).toBeLessThan(1.5 * RATE);
    expect(pace.adjustments).toBeGreaterThanOrEqual(1);
    await client!.close();
    await server!.close();

    // The naive client (fixed concurrency, no pacing) keeps hitting the limit: a burst of 429s after every pause.
    const naive = await run({ adaptiveConcurrency: false }, 400);
    expect(naive.c.pacing().rate).toBeNull();
    expect(naive.c.metrics().rateLimited).toBeGreaterThan(m.rateLimited);
  });

  it("paces to a configured rate from the first request, before any 429", async () => {
    const { c, s, clock } = await run({ rateLimitPerSecond: 50 }, 40);
    expect(c.metrics().rateLimited).toBe(0);
    expect(c.pacing().rate).toBe(50);
    // The bucket starts empty and gains a token every 20 ms: the 40th request goes at 800 ms.
    expect(s.hits[0]!.at).toBeGreaterThanOrEqual(20);
    expect(clock.now()).toBe(800);
  });

  it("the environment knobs reach the client through resolveConnection", async () => {
    server = await startServer(rateLimited(1000).handler);
    const connection = resolveConnection({
      env: {
        MARIN_SOCIAL_API_URL: server.url,
        MARIN_SOCIAL_API_KEY: "test-key-rate",
        MARIN_SOCIAL_BATCH_READS: "false",
        MARIN_SOCIAL_ADAPTIVE_CONCURRENCY: "false",
        MARIN_SOCIAL_MAX_CONCURRENCY: "2",
      },
    });
    client = new MarinSocialClient({ ...connection });
    await Promise.all(ids(10).map((id) => client!.getAccount(id)));
    expect(server.hits.map((h) => h.pathname).sort()).toEqual(
      ids(10)
        .map((id) => `/v1/accounts/${id}`)
        .sort(),
    );
    expect(server.maxInFlight()).toBeLessThanOrEqual(2);
  });
});

describe("deadline and queueing", () => {
  it("does not count time queued behind the client's own cap against a call's deadline", async () => {
    const clock = new ManualClock();
    server = await startServer(async (hit, res, req) => {
      await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), 100)); // 100 ms to answer
      accounts()(hit, res, req);
    }, clock.now);
    client = new MarinSocialClient({
      baseUrl: server.url,
      apiKey: "test-key-rate",
      batchReads: false,
      maxConcurrency: 1,
      timeouts: { deadlineMs: 300 },
      clock,
    });
    // Five calls, one at a time: the last waits 400 ms in the queue, longer than its 300 ms deadline.
    let done = false;
    const all = Promise.all(ids(5).map((id) => client!.getAccount(id))).finally(() => (done = true));
    await runUntil(clock, () => done, 100); // answers only; deadlines are further out
    expect(await all).toHaveLength(5);
    expect(server.maxInFlight()).toBe(1);
    expect(server.hits.map((h) => h.at)).toEqual([0, 100, 200, 300, 400]);
  });
});

describe("queue order", () => {
  it("finishes work on accounts already started before starting new ones", async () => {
    server = await startServer(async (hit, res) => {
      await delay(15);
      if (hit.method === "DELETE") res.writeHead(204).end();
      else json(res, 200, account(hit.pathname.split("/")[3]!));
    });
    client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-rate", maxConcurrency: 1 });
    const accounts = ["a1", "a2", "a3", "a4", "a5", "a6"];
    // As the provider does: invalidate each account, then unlink it once the invalidation is back.
    await Promise.all(
      accounts.map(async (id) => {
        await client!.invalidateToken(id, { actor: "test" });
        await client!.unlinkAgency("ag-1", id);
      }),
    );
    const order = server.hits.map((h) => `${h.method === "DELETE" ? "unlink" : "invalidate"} ${h.pathname.includes("/a") ? h.pathname.match(/a\d/)![0] : ""}`);
    expect(order).toHaveLength(12);
    // In arrival order the unlinks would all come after the six invalidations; here each
    // account's unlink goes before the invalidation of accounts started two or more after it.
    for (let i = 0; i + 2 < accounts.length; i++) {
      expect(order.indexOf(`unlink ${accounts[i]}`), order.join(", ")).toBeLessThan(order.indexOf(`invalidate ${accounts[i + 2]}`));
    }
  });
});
