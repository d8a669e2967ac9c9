import { describe, expect, it } from "vitest";
import { accounts, clientFixture, delay, fail, type Handler, json } from "./helpers";

const { setup } = clientFixture((baseUrl, opts) => ({ baseUrl, apiKey: "test-key-conc", batchReads: false, ...opts }));

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `fb-${i}`);

describe("concurrency", () => {
  it("never has more than maxConcurrency requests in flight", async () => {
    // The first 4 are answered once all 4 are in flight (an event, not a delay); the rest at once.
    const held: (() => void)[] = [];
    const { s: server, c: client } = await setup(
      async (hit, res) => {
        if (hit.index < 4) {
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length === 4) for (const release of held) release();
          });
        }
        accounts()(hit, res, undefined as never);
      },
      { maxConcurrency: 4, connections: 8 },
    );
    await Promise.all(ids(40).map((id) => client.getAccount(id)));
    expect(server.hits).toHaveLength(40);
    expect(server.maxInFlight()).toBe(4);
  });

  it("reuses keep-alive connections, also after error responses", async () => {
    const { s: server, c: client } = await setup((hit, res) => (hit.index % 2 ? fail(404)(hit, res, undefined as never) : json(res, 200, [])));
    for (let i = 0; i < 10; i++) {
      if (i % 2) await client.getAccount("x").catch(() => undefined);
      else await client.listAgencies();
    }
    expect(server.hits).toHaveLength(10);
    // Sequential calls on a pool of 8: undici alternates between at most two sockets once a
    // response is fully read; an unread body would pin its socket and force a new one each time.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("halves the in-flight cap after a burst of 429s and grows it back slowly", async () => {
    const BURST = 16;
    let released = false;
    const waiting: (() => void)[] = [];
    const handler: Handler = async (hit, res) => {
      if (hit.index < BURST) {
        // Hold the first 16 until all are in flight (no fallback timer), then rate-limit all of them.
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === BURST) {
            released = true;
            for (const w of waiting) w();
          }
        });
        json(res, 429, { status: 429, detail: "slow down" }, { "retry-after": "0" });
        return;
      }
      await delay(10);
      accounts()(hit, res, undefined as never);
    };
    const { s: server, c: client } = await setup(handler, { maxConcurrency: 16, connections: 16, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    const done = Promise.all(ids(80).map((id) => client.getAccount(id)));
    // While the burst is answered, the cap drops.
    await done;
    expect(released).toBe(true);
    const before = server.hits.slice(0, BURST);
    const after = server.hits.slice(BURST);
    expect(Math.max(...before.map((h) => h.inFlight))).toBe(16);
    // One burst halves once (16 -> 8), then +1 per streak: the server never again sees 16 at once.
    expect(Math.max(...after.slice(0, 8).map((h) => h.inFlight))).toBeLessThanOrEqual(8);
    expect(Math.max(...after.map((h) => h.inFlight))).toBeLessThan(16);
    const m = client.metrics();
    expect(m.rateLimited).toBe(BURST);
    expect(m.concurrency).toBeGreaterThan(8); // grew back during the 80 successes
    expect(m.concurrency).toBeLessThan(16);
  });

  it("keeps halving under sustained 429s down to 1", async () => {
    const { c: client } = await setup(
      (hit, res) => (hit.index < 6 ? json(res, 429, { status: 429 }, { "retry-after": "0" }) : accounts()(hit, res, undefined as never)),
      { maxConcurrency: 16, retry: { maxAttempts: 10, baseDelayMs: 1 } },
    );
    // Sequential calls: every 429 comes from a request admitted after the previous cut.
    await client.getAccount("a");
    expect(client.metrics().rateLimited).toBe(6);
    // 16 -> 8 -> 4 -> 2 -> 1 -> 1 -> 1, then the one success grows it by one.
    expect(client.metrics().concurrency).toBe(2);
  });
});
