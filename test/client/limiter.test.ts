import { describe, expect, it } from "vitest";
import { AdaptiveLimiter } from "../../provider/client/limiter";
import { ManualClock, turn } from "../support/manual-clock";

describe("AdaptiveLimiter", () => {
  it("admits up to the cap and queues the rest in order", async () => {
    const l = new AdaptiveLimiter(2);
    const order: number[] = [];
    const permits = [0, 1, 2, 3].map((i) =>
      l.acquire().then((p) => {
        order.push(i);
        return p;
      }),
    );
    await turn();
    expect(order).toEqual([0, 1]);
    expect(l.inFlight).toBe(2);
    expect(l.waiting).toBe(2);
    l.release(await permits[0]!, { kind: "ok" });
    await turn();
    expect(order).toEqual([0, 1, 2]);
  });

  it("halves once per burst: only 429s admitted after the last cut count", async () => {
    const l = new AdaptiveLimiter(16);
    const burst = await Promise.all(Array.from({ length: 16 }, () => l.acquire()));
    for (const p of burst) l.release(p, { kind: "rate-limited", pauseMs: 0 });
    expect(l.limit).toBe(8);
    const next = await l.acquire();
    l.release(next, { kind: "rate-limited", pauseMs: 0 });
    expect(l.limit).toBe(4);
  });

  it("never goes below 1 and grows by one per streak as long as the cap", async () => {
    const l = new AdaptiveLimiter(4);
    for (let i = 0; i < 5; i++) l.release(await l.acquire(), { kind: "rate-limited", pauseMs: 0 });
    expect(l.limit).toBe(1);
    const grow = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) l.release(await l.acquire(), { kind: "ok" });
    };
    await grow(1);
    expect(l.limit).toBe(2);
    await grow(1);
    expect(l.limit).toBe(2);
    await grow(1);
    expect(l.limit).toBe(3);
    await grow(100);
    expect(l.limit).toBe(4);
  });

  it("neutral outcomes (5xx, network) leave the cap alone", async () => {
    const l = new AdaptiveLimiter(4);
    for (let i = 0; i < 10; i++) l.release(await l.acquire(), { kind: "neutral" });
    expect(l.limit).toBe(4);
  });

  it("pauses admissions until the 429's pause is over", async () => {
    const clock = new ManualClock();
    const l = new AdaptiveLimiter(4, clock);
    l.release(await l.acquire(), { kind: "rate-limited", pauseMs: 80 });
    expect(l.pauseRemainingMs).toBe(80);
    let admittedAt: number | undefined;
    const p = l.acquire().then(() => (admittedAt = clock.now()));
    await clock.advance(79);
    expect(admittedAt).toBeUndefined();
    expect(l.waiting).toBe(1);
    await clock.advance(10);
    await p;
    expect(admittedAt).toBeGreaterThanOrEqual(80);
    expect(l.pauseRemainingMs).toBe(0);
  });

  it("removes an aborted waiter and rejects with the signal's reason", async () => {
    const l = new AdaptiveLimiter(1);
    const held = await l.acquire();
    const ac = new AbortController();
    const waiting = l.acquire(ac.signal);
    const reason = new Error("deadline");
    ac.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(l.waiting).toBe(0);
    l.release(held, { kind: "ok" });
    expect(l.inFlight).toBe(0);
  });

  it("close rejects waiters and later acquisitions", async () => {
    const l = new AdaptiveLimiter(1);
    await l.acquire();
    const waiting = l.acquire();
    const err = new Error("closed");
    l.close(err);
    await expect(waiting).rejects.toBe(err);
    await expect(l.acquire()).rejects.toBe(err);
  });
});
