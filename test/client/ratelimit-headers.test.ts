/**
 * Reading the rate-limit headers (draft-ietf-httpapi-ratelimit-headers-11), and the pacer fed
 * with them: the parser and the pacer on their own, then the client against real scripted
 * servers that limit like the sandbox (a token bucket holding a second's worth, 429 with
 * `Retry-After: 1` when empty) and advertise the limit, advertise it wrongly, or say nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ClientOptions, MarinSocialClient, parseRateLimit, parseRateLimitPolicy, readAdvertisement } from "../../provider/client";
import { RatePacer } from "../../provider/client/pacer";
import { ManualClock, runUntil } from "../support/manual-clock";
import { type Advertise, rateLimited, startServer, type TestServer } from "./helpers";

/** A clock the test moves by hand. */
function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe("parsing RateLimit-Policy and RateLimit", () => {
  it("reads the draft's examples", () => {
    expect(parseRateLimitPolicy('"default";q=100;w=10')).toEqual([{ name: "default", quota: 100, unit: "requests", windowSeconds: 10 }]);
    expect(parseRateLimitPolicy('"permin";q=50;w=60,"perhr";q=1000;w=3600')).toEqual([
      { name: "permin", quota: 50, unit: "requests", windowSeconds: 60 },
      { name: "perhr", quota: 1000, unit: "requests", windowSeconds: 3600 },
    ]);
    expect(parseRateLimitPolicy('"peruser";q=65535;qu="content-bytes";w=10;pk=:sdfjLJUOUH==:')).toEqual([
      { name: "peruser", quota: 65535, unit: "content-bytes", windowSeconds: 10 },
    ]);
    expect(parseRateLimit('"default";r=50;t=30')).toEqual([{ name: "default", remaining: 50, resetSeconds: 30 }]);
    expect(parseRateLimit('"default";r=999;pk=:dHJpYWwxMjEzMjM=:')).toEqual([{ name: "default", remaining: 999 }]);
  });

  it("combines field lines, tolerates spaces and token names, and treats unknown parameters as comments", () => {
    expect(parseRateLimitPolicy(['"a";q=10;w=1', ' "b";q=5;w=1 '])?.map((p) => p.name)).toEqual(["a", "b"]);
    expect(parseRateLimitPolicy("default;q=7;w=1;acme-burst=3;x")).toEqual([{ name: "default", quota: 7, unit: "requests", windowSeconds: 1 }]);
    expect(parseRateLimit('"default";r=0;t=0')).toEqual([{ name: "default", remaining: 0, resetSeconds: 0 }]);
  });

  it("ignores a malformed field as a whole", () => {
    const badPolicies = [
      "",
      "   ",
      "q=100;w=1", // no policy name: the key is read as a token item, but it has no q
      '"default";q=abc;w=1',
      '"default";w=1',
      '"default";q=-1;w=1',
      '"default";q=1.5;w=1',
      '"default";q="100";w=1',
      '"default";q=100;w=0',
      '"default";q=100;qu=requests', // qu must be a String
      '"default;q=100;w=1', // unterminated string
      '"default";q=100;w=1,', // trailing comma
      '"default";q=100;w=1 "other";q=1;w=1', // missing comma
      '("a" "b");q=1;w=1', // an inner list is not a policy
      '"default";Q=100;w=1', // keys are lower case
      '"default";q=1000000000000000;w=1', // 16 digits: not an Integer
      "\u00e9;q=1;w=1",
    ];
    for (const v of badPolicies) expect(parseRateLimitPolicy(v), v).toBeUndefined();
    // structured-headers gives Integers and Decimals both as numbers, so a whole Decimal (1.0) reads as 1.
    expect(parseRateLimitPolicy('"default";q=100;w=1.0')).toEqual([{ name: "default", quota: 100, unit: "requests", windowSeconds: 1 }]);
    expect(parseRateLimitPolicy(['"a";q=10;w=1', "garbage("])).toBeUndefined();
    for (const v of ['"default";t=1', '"default";r=-3', '"default";r=5;t=-1', '"default";r=5;t=?1', "r=5"]) {
      expect(parseRateLimit(v), v).toBeUndefined();
    }
    expect(parseRateLimitPolicy(undefined)).toBeUndefined();
  });

  it("ignores fields that are not valid structured-field Lists (RFC 9651)", () => {
    for (const bad of ['"a";q=10;w=1.', '"a";q=?2;w=1', '"a";q=10;w=1,,', '"a";Q=10;w=1', '("a" "b");q=1;w=1']) {
      expect(parseRateLimitPolicy(bad), bad).toBeUndefined();
    }
    expect(parseRateLimitPolicy("tokenname;q=5;w=1")).toEqual([{ name: "tokenname", quota: 5, unit: "requests", windowSeconds: 1 }]);
  });

  it("reduces a response to the pace and remaining quota that matter", () => {
    expect(readAdvertisement({})).toBeUndefined();
    expect(readAdvertisement({ "ratelimit-policy": '"default";q=200;w=1', ratelimit: '"default";r=150;t=1' })).toEqual({ ratePerSecond: 200, remaining: 150 });
    // The most restrictive window wins; a day-long window is not paced evenly; other units are skipped.
    expect(
      readAdvertisement({
        "ratelimit-policy": '"burst";q=100;w=2,"daily";q=10;w=86400,"bytes";q=10;qu="content-bytes";w=1,"per-min";q=600;w=60',
        ratelimit: '"burst";r=40;t=1,"bytes";r=1;t=1,"daily";r=5;t=3000',
      }),
    ).toEqual({ ratePerSecond: 10, remaining: 5 });
    // A malformed policy with a good RateLimit: the RateLimit still counts, and the other way round.
    expect(readAdvertisement({ "ratelimit-policy": "q=1", ratelimit: '"default";r=3' })).toEqual({ remaining: 3 });
    expect(readAdvertisement({ "ratelimit-policy": '"default";q=50;w=1', ratelimit: "r=3" })).toEqual({ ratePerSecond: 50 });
    // A zero quota or no window: nothing to pace to.
    expect(readAdvertisement({ "ratelimit-policy": '"a";q=0;w=1,"b";q=5' })).toBeUndefined();
  });
});

describe("RatePacer with an advertised policy", () => {
  it("paces at 95% of q/w from the first advertisement, before any 429, and keeps it while it stays the same", () => {
    const c = clock();
    const p = new RatePacer({}, c.now);
    expect(p.take()).toBe(0);
    p.advertise({ ratePerSecond: 200 }, 0);
    expect(p.rate).toBeCloseTo(190, 5);
    expect(p.advertised).toBe(200);
    expect(p.adjustments).toBe(0);
    // A 429 (the quota is shared) lowers it; the same policy again does not undo that...
    for (let i = 0; i < 100; i++) p.admitted();
    p.rateLimited();
    expect(p.rate).toBeCloseTo(190 * 0.95, 5);
    p.advertise({ ratePerSecond: 200 }, 0);
    expect(p.rate).toBeCloseTo(190 * 0.95, 5);
    // ...and probing brings it back, but not above 95% of the policy.
    for (let round = 0; round < 5; round++) {
      while (p.take() === 0);
      c.advance(5000);
      p.take();
    }
    expect(p.rate).toBeCloseTo(190, 5);
    // A different policy moves the pace, down or up.
    p.advertise({ ratePerSecond: 50 }, 0);
    expect(p.rate).toBeCloseTo(47.5, 5);
    p.advertise({ ratePerSecond: 400 }, 0);
    expect(p.rate).toBeCloseTo(380, 5);
  });

  it("a configured rate wins over the policy", () => {
    const c = clock();
    const p = new RatePacer({ initialRate: 30 }, c.now);
    p.advertise({ ratePerSecond: 200 }, 0);
    expect(p.rate).toBe(30);
    expect(p.advertised).toBe(200);
  });

  it("never holds more than the remaining quota minus the requests in flight", () => {
    const c = clock();
    const p = new RatePacer({}, c.now);
    p.advertise({ ratePerSecond: 100 }, 0);
    c.advance(1000); // a full bucket: 9.5 tokens
    const burst = (): number => {
      let n = 0;
      while (p.take() === 0) n++;
      return n;
    };
    // With plenty remaining, the bucket bursts as usual.
    p.advertise({ remaining: 80 }, 3);
    expect(burst()).toBe(9);
    c.advance(1000);
    // Four left and two of ours on the way: two may go now.
    p.advertise({ remaining: 4 }, 2);
    expect(burst()).toBe(2);
    c.advance(1000);
    // Exhausted, with three in flight: wait for four tokens' worth at the pace (95/s).
    p.advertise({ remaining: 0 }, 3);
    const wait = p.take();
    expect(wait).toBeGreaterThanOrEqual(Math.floor((4 / 95) * 1000));
    expect(wait).toBeLessThanOrEqual(Math.ceil((4 / 95) * 1000));
    // Unpaced (nothing advertised but r), r says nothing about a rate: nothing is held back.
    const q = new RatePacer({}, c.now);
    q.advertise({ remaining: 0 }, 5);
    expect(q.take()).toBe(0);
    expect(q.rate).toBeUndefined();
  });
});

const RATE = 100;
let server: TestServer | undefined;
let client: MarinSocialClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const ids = (n: number, prefix = "fb"): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** `calls` lookups at once against a server limited to RATE/s, client and server on one ManualClock. */
async function burst(opts: Partial<ClientOptions>, advertise: Advertise, calls: number): Promise<MarinSocialClient> {
  const clock = new ManualClock();
  server = await startServer(rateLimited(RATE, advertise, clock.now).handler, clock.now);
  client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-rl", batchReads: false, clock, ...opts });
  const got = await settle(clock, Promise.all(ids(calls).map((id) => client!.getAccount(id))));
  expect(got.map((a) => a.id)).toEqual(ids(calls));
  expect(client.metrics().requests).toBe(server.hits.length);
  return client;
}

/** Runs the clock until `p` settles (see runUntil). */
async function settle<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  await runUntil(clock, () => done);
  return watched;
}

describe("the client against a server that advertises its limit", () => {
  it("paces from the first response: a burst of 300 at 100/s gets at most one 429", async () => {
    const c = await burst({}, "draft", 300);
    expect(c.metrics().rateLimited).toBeLessThanOrEqual(1);
    expect(c.pacing()).toMatchObject({ advertised: RATE, adjustments: 0 });
    expect(c.pacing().rate).toBeCloseTo(0.95 * RATE, 5);
  });

  it("does not burst into a window another client exhausted", async () => {
    const clock = new ManualClock();
    const limiter = rateLimited(RATE, "draft", clock.now);
    server = await startServer(limiter.handler, clock.now);
    client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-rl", batchReads: false, clock });
    await client.getAccount("fb-first"); // learns the policy
    await clock.advance(150); // idle: the client's own bucket fills up (9.5 at 95/s)
    limiter.drain(1); // someone else used the quota
    await settle(clock, client.getAccount("fb-second")); // says r=0
    await settle(clock, Promise.all(ids(30).map((id) => client!.getAccount(id))));
    expect(client.metrics().rateLimited).toBeLessThanOrEqual(1);
  });

  it("keeps a configured rate over the advertised one", async () => {
    const c = await burst({ rateLimitPerSecond: 50 }, "draft", 20);
    expect(c.pacing()).toMatchObject({ rate: 50, advertised: RATE });
    expect(c.metrics().rateLimited).toBe(0);
  });

  it("ignores the headers when adaptive concurrency is off (the naive mode)", async () => {
    const c = await burst({ adaptiveConcurrency: false, maxConcurrency: 4 }, "draft", 10);
    expect(c.pacing()).toEqual({ rate: null, adjustments: 0, advertised: null });
  });
});

describe("the client against a server without usable headers learns from 429s, as before", () => {
  it.each([
    ["no headers", "none" as Advertise],
    ["malformed headers", ((r: number) => ({ "ratelimit-policy": `default;q=${RATE}.5;w=1`, ratelimit: `r=${r}` })) as Advertise],
  ])("%s", async (_name, advertise) => {
    const c = await burst({}, advertise, 150);
    const m = c.metrics();
    expect(c.pacing().advertised).toBeNull();
    // The first burst drains the server's bucket before the client knows anything.
    expect(m.rateLimited).toBeGreaterThan(0);
    expect(c.pacing().adjustments).toBeGreaterThanOrEqual(1);
    expect(c.pacing().rate).not.toBeNull();
  });
});
