import { describe, expect, it } from "vitest";
import { AdaptiveLimiter } from "../../provider/client/limiter";
import { RatePacer } from "../../provider/client/pacer";
import { ManualClock, turn } from "../support/manual-clock";

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

describe("RatePacer", () => {
  it("is unpaced until the first 429, then paces at 95% of what the server admitted in the last second", () => {
    const c = clock();
    const p = new RatePacer({}, c.now);
    for (let i = 0; i < 300; i++) expect(p.take()).toBe(0);
    expect(p.rate).toBeUndefined();
    // 400 admitted over 2 s, of which 200 in the last second.
    for (let i = 0; i < 400; i++) {
      p.admitted();
      c.advance(5);
    }
    p.rateLimited();
    expect(p.rate).toBeCloseTo(200 * 0.95, 5);
    expect(p.adjustments).toBe(1);
  });

  it("measures the rate between two 429 bursts and never raises it on a 429", () => {
    const c = clock();
    const p = new RatePacer({}, c.now);
    for (let i = 0; i < 100; i++) p.admitted();
    p.rateLimited(); // first estimate: 100/s in the last second -> 95
    expect(p.rate).toBeCloseTo(95, 5);
    // Over the next 4 s the server admitted 320: 80/s.
    for (let i = 0; i < 320; i++) {
      c.advance(12.5);
      p.admitted();
    }
    p.rateLimited();
    expect(p.rate).toBeCloseTo(80 * 0.95, 5);
    // A later measurement above the pace does not raise it.
    for (let i = 0; i < 1000; i++) {
      c.advance(2);
      p.admitted();
    }
    p.rateLimited();
    expect(p.rate).toBeCloseTo(80 * 0.95, 5);
  });

  it("counts a burst of 429s once, and lowers by the margin when two bursts are too close to measure", () => {
    const c = clock();
    const p = new RatePacer({ burstMs: 250 }, c.now);
    for (let i = 0; i < 50; i++) p.admitted();
    p.rateLimited();
    c.advance(100);
    p.rateLimited();
    p.rateLimited();
    expect(p.adjustments).toBe(1);
    expect(p.rate).toBeCloseTo(47.5, 5);
    c.advance(400); // a new burst, 0.5 s after the last: too close to measure
    p.rateLimited();
    expect(p.adjustments).toBe(2);
    expect(p.rate).toBeCloseTo(47.5 * 0.95, 5);
  });

  it("hands out tokens at the pace, with a burst of a tenth of a second", () => {
    const c = clock();
    const p = new RatePacer({ initialRate: 100 }, c.now);
    c.advance(1000); // a full bucket: 10 tokens
    let sent = 0;
    while (p.take() === 0) sent++;
    expect(sent).toBe(10);
    const wait = p.take();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(10);
    c.advance(wait);
    expect(p.take()).toBe(0);
    // Over the next second: 100 more, not 101.
    let more = 0;
    for (let ms = 0; ms < 1000; ms++) {
      c.advance(1);
      while (p.take() === 0) more++;
    }
    expect(more).toBeGreaterThanOrEqual(99);
    expect(more).toBeLessThanOrEqual(100);
  });

  it("probes 5% higher after 5 s of holding requests back with no 429, and not while idle", () => {
    const c = clock();
    const p = new RatePacer({ initialRate: 100, probeAfterMs: 5000 }, c.now);
    for (let i = 0; i < 100; i++) p.admitted();
    p.rateLimited(); // now learning from 429s; pace 95
    expect(p.rate).toBeCloseTo(95, 5);
    c.advance(6000);
    p.take(); // idle for 6 s: the bucket is full, nothing was held back
    expect(p.rate).toBeCloseTo(95, 5);
    while (p.take() === 0); // saturate: held back
    c.advance(5000);
    p.take();
    expect(p.rate).toBeCloseTo(95 * 1.05, 5);
  });

  it("with learning off, keeps a configured pace and ignores 429s", () => {
    const c = clock();
    const p = new RatePacer({ initialRate: 20, learn: false }, c.now);
    for (let i = 0; i < 100; i++) p.admitted();
    p.rateLimited();
    c.advance(2000);
    p.rateLimited();
    expect(p.rate).toBe(20);
    expect(new RatePacer({ learn: false }, c.now).rate).toBeUndefined();
  });
});

describe("AdaptiveLimiter with a pacer and priorities", () => {
  it("admits no faster than the pacer allows, waking up when the next token is due", async () => {
    const c = new ManualClock();
    const p = new RatePacer({ initialRate: 50 }, c.now);
    const l = new AdaptiveLimiter(16, c, true, p);
    const at: number[] = [];
    const all = Promise.all(
      Array.from({ length: 15 }, async () => {
        const permit = await l.acquire();
        at.push(c.now());
        l.release(permit, { kind: "ok" });
      }),
    );
    while (at.length < 15) if (!(await c.next())) await turn();
    await all;
    // The bucket starts empty and gains a token every 20 ms at 50/s: one admission each, when it is due.
    expect(at).toEqual(Array.from({ length: 15 }, (_, i) => 20 * (i + 1)));
  });

  it("serves priority waiters (retries) before ordinary ones, in order among themselves", async () => {
    const l = new AdaptiveLimiter(1);
    const held = await l.acquire();
    const order: string[] = [];
    const wait = (name: string, priority: boolean) =>
      l.acquire(undefined, { priority }).then((permit) => {
        order.push(name);
        l.release(permit, { kind: "ok" });
      });
    const all = [wait("a", false), wait("b", false), wait("retry-1", true), wait("c", false), wait("retry-2", true)];
    l.release(held, { kind: "ok" });
    await Promise.all(all);
    expect(order).toEqual(["retry-1", "retry-2", "a", "b", "c"]);
  });

  it("serves waiters by key, lower first, arrival order among equal keys", async () => {
    const l = new AdaptiveLimiter(1);
    const held = await l.acquire();
    const order: string[] = [];
    const wait = (name: string, key?: number) =>
      l.acquire(undefined, key === undefined ? {} : { key }).then((permit) => {
        order.push(name);
        l.release(permit, { kind: "ok" });
      });
    const t = l.clock();
    const all = [wait("late", t + 1000), wait("now-1"), wait("old", t - 1000), wait("now-2"), wait("old-2", t - 1000)];
    l.release(held, { kind: "ok" });
    await Promise.all(all);
    expect(order).toEqual(["old", "old-2", "now-1", "now-2", "late"]);
  });

  it("feeds the pacer: admitted responses (5xx included) and 429s, and keeps the cap when not adaptive", async () => {
    const c = new ManualClock(1_000);
    const p = new RatePacer({}, c.now);
    const l = new AdaptiveLimiter(8, c, false, p);
    for (let i = 0; i < 30; i++) l.release(await l.acquire(), { kind: "ok" });
    for (let i = 0; i < 10; i++) l.release(await l.acquire(), { kind: "neutral", responded: true });
    for (let i = 0; i < 10; i++) l.release(await l.acquire(), { kind: "neutral" }); // no response: not counted
    const limited = await l.acquire();
    l.release(limited, { kind: "rate-limited", pauseMs: 0 });
    expect(p.rate).toBeCloseTo(40 * 0.95, 5);
    expect(l.limit).toBe(8);
  });
});
