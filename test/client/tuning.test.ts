/**
 * The tuning knobs (config and environment) and the trickle batching that
 * keeps one request per 100 resources when the engine sends them one by one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MarinSocialClient, MarinSocialError, resolveConnection, resolveOptions } from "../../provider/client";
import { ManualClock, turn } from "../support/manual-clock";
import { accounts, startServer, type TestServer } from "./helpers";

function thrown(fn: () => unknown): MarinSocialError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MarinSocialError);
    return e as MarinSocialError;
  }
  throw new Error("expected a throw");
}

describe("tuning knobs in resolveConnection", () => {
  const base = { MARIN_SOCIAL_API_KEY: "k" };

  it("are absent unless set, so the client's defaults apply", () => {
    const c = resolveConnection({ env: base });
    expect(Object.keys(c).sort()).toEqual(["allowInsecureHttp", "apiKey", "baseUrl"]);
  });

  it("read the environment, and config wins over it", () => {
    const env = {
      ...base,
      MARIN_SOCIAL_BATCH_READS: "false",
      MARIN_SOCIAL_ADAPTIVE_CONCURRENCY: "off",
      MARIN_SOCIAL_MAX_CONCURRENCY: "4",
      MARIN_SOCIAL_RATE_LIMIT: "12.5",
    };
    expect(resolveConnection({ env })).toMatchObject({ batchReads: false, adaptiveConcurrency: false, maxConcurrency: 4, rateLimitPerSecond: 12.5 });
    const config = (k: string): string | undefined =>
      ({ "marin-social:batchReads": "true", "marin-social:maxConcurrency": "32", "marin-social:rateLimit": "" })[k];
    expect(resolveConnection({ config, env })).toMatchObject({ batchReads: true, adaptiveConcurrency: false, maxConcurrency: 32, rateLimitPerSecond: 12.5 });
  });

  it("reject malformed values, naming the setting, where it came from and how to fix it", () => {
    const e1 = thrown(() => resolveConnection({ env: { ...base, MARIN_SOCIAL_MAX_CONCURRENCY: "0" } }));
    expect(e1.code).toBe("config");
    expect(e1.message).toContain('environment MARIN_SOCIAL_MAX_CONCURRENCY must be a whole number from 1 to 4096, got "0"');
    expect(e1.message).toContain("MARIN_SOCIAL_MAX_CONCURRENCY=16");
    const e2 = thrown(() => resolveConnection({ env: { ...base, MARIN_SOCIAL_MAX_CONCURRENCY: "2.5" } }));
    expect(e2.message).toContain("whole number");
    const e3 = thrown(() => resolveConnection({ config: (k) => (k === "marin-social:batchReads" ? "sometimes" : undefined), env: base }));
    expect(e3.message).toContain('config marin-social:batchReads must be true or false, got "sometimes"');
    expect(e3.message).toContain("pulumi config set marin-social:batchReads true");
    const e4 = thrown(() => resolveConnection({ env: { ...base, MARIN_SOCIAL_RATE_LIMIT: "-5" } }));
    expect(e4.message).toContain("environment MARIN_SOCIAL_RATE_LIMIT must be a number");
  });

  it("never echo the key in a knob's error", () => {
    const key = "sk-live-DO-NOT-LEAK-0123";
    const e = thrown(() => resolveConnection({ env: { MARIN_SOCIAL_API_KEY: key, MARIN_SOCIAL_RATE_LIMIT: key } }));
    expect(e.message).not.toContain(key);
  });

  it("resolveOptions checks rateLimitPerSecond and keeps batchMaxWaitMs at least batchWindowMs", () => {
    expect(thrown(() => resolveOptions({ baseUrl: "http://127.0.0.1:1", apiKey: "k", rateLimitPerSecond: 0 })).message).toContain("rateLimitPerSecond");
    const o = resolveOptions({ baseUrl: "http://127.0.0.1:1", apiKey: "k", batchWindowMs: 500, batchMaxWaitMs: 100 });
    expect(o.batchMaxWaitMs).toBe(500);
    expect(resolveOptions({ baseUrl: "http://127.0.0.1:1", apiKey: "k" })).toMatchObject({ adaptiveConcurrency: true, rateLimitPerSecond: undefined });
  });
});

describe("trickle batching", () => {
  let server: TestServer | undefined;
  let client: MarinSocialClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it("gathers lookups arriving one at a time into full requests, as the engine sends them", async () => {
    const clock = new ManualClock();
    server = await startServer(accounts());
    client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-trickle", clock });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 250; i++) {
      calls.push(client.getAccount(`fb-${i}`));
      await turn(); // a new turn of the event loop each time, as gRPC calls arrive
    }
    // The last lookups wait for the quiet gap (50 ms) to end before going out.
    await server.waitForHits(3);
    await clock.advance(50);
    await Promise.all(calls);
    const sizes = server.hits.map((h) => (h.query.get("ids") ?? "").split(",").length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
    // The first goes alone (nothing to wait for), then full requests, then the rest after a quiet gap.
    expect(server.hits.length).toBeLessThanOrEqual(4);
    expect(Math.max(...sizes)).toBe(100);
  });

  it("still answers a lone lookup at once, without waiting for a window", async () => {
    const clock = new ManualClock();
    server = await startServer(accounts());
    client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-trickle", batchWindowMs: 5_000, clock });
    // The clock never moves: the lookup is answered without waiting for any timer.
    await client.getAccount("fb-1");
    expect(clock.now()).toBe(0);
    expect(server.hits).toHaveLength(1);
  });
});
