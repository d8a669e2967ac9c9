import { afterEach, describe, expect, it } from "vitest";
import { type ClientOptions, MarinSocialClient, MarinSocialError } from "../../provider/client";
import { ManualClock, turn } from "../support/manual-clock";
import { fail, type Handler, hang, rejection, startServer, type TestServer } from "./helpers";

let server: TestServer | undefined;
let client: MarinSocialClient | undefined;

afterEach(async () => {
  await server?.close(); // first: frees requests the server left hanging
  await client?.close();
  client = undefined;
  server = undefined;
});

async function setup(handler: Handler, opts: Partial<ClientOptions>): Promise<{ s: TestServer; c: MarinSocialClient }> {
  const clock = opts.clock;
  server = await startServer(handler, clock ? () => clock.now() : undefined);
  client = new MarinSocialClient({ baseUrl: server.url, apiKey: "test-key-timeouts", batchReads: false, ...opts });
  return { s: server, c: client };
}

describe("timeouts", () => {
  it("maps a headers timeout to 'timeout' and retries it like a reset", async () => {
    const { s, c } = await setup(hang, { timeouts: { headersMs: 150 }, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const e = (await rejection(c.getAccount("fb-1"))) as MarinSocialError;
    expect(e).toBeInstanceOf(MarinSocialError);
    expect(e.code).toBe("timeout");
    expect(e.attempts).toBe(2);
    expect(e.retryable).toBe(true);
    expect(e.message).toContain("no response headers within 150 ms");
    expect(e.message).toContain("headersMs");
    expect(s.hits).toHaveLength(2);
  });

  it("maps a stalled body to 'timeout' (body phase)", async () => {
    const { c } = await setup(
      (_hit, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"id":'); // then nothing more
      },
      { timeouts: { bodyMs: 150 }, retry: { maxAttempts: 1 } },
    );
    const e = (await rejection(c.getAccount("fb-1"))) as MarinSocialError;
    expect(e.code).toBe("timeout");
    expect(e.message).toContain("no response body data within 150 ms");
  });

  it("enforces the overall deadline even when per-phase timeouts are long", async () => {
    const clock = new ManualClock();
    const { s, c } = await setup(hang, { clock, timeouts: { headersMs: 30_000, deadlineMs: 300 } });
    let settled = false;
    const call = rejection(c.getAccount("fb-1")).finally(() => (settled = true));
    await s.waitForHits(1);
    await clock.advance(299);
    expect(settled).toBe(false);
    await clock.advance(1);
    const e = (await call) as MarinSocialError;
    expect(e.code).toBe("timeout");
    expect(e.message).toContain("deadline of 300 ms");
    expect(clock.now()).toBe(300);
  });

  it("does not start a retry whose wait would outlast the deadline", async () => {
    const clock = new ManualClock();
    const { s, c } = await setup(fail(503, { "retry-after": "5" }, "maintenance"), { clock, timeouts: { deadlineMs: 1000 } });
    // No time passes: the client gives up at once instead of waiting 5 s.
    const e = (await rejection(c.getAccount("fb-1"))) as MarinSocialError;
    expect(e.code).toBe("server");
    expect(e.problem?.detail).toBe("maintenance");
    expect(s.hits).toHaveLength(1);
    expect(clock.now()).toBe(0);
  });

  it("the deadline covers backoff between attempts", async () => {
    const clock = new ManualClock();
    const { s, c } = await setup(fail(503), { clock, timeouts: { deadlineMs: 400 }, retry: { maxAttempts: 100, baseDelayMs: 50, maxDelayMs: 50 } });
    let settled = false;
    const call = rejection(c.getAccount("fb-1")).finally(() => (settled = true));
    // Each attempt is answered at once; then the client waits out its backoff on the clock.
    for (let answered = 1; !settled; answered++) {
      await s.waitForHits(answered);
      while (!settled && clock.pending().length < 2) await turn(); // the deadline and a backoff
      if (!settled) await clock.next();
    }
    const e = (await call) as MarinSocialError;
    expect(["timeout", "server"]).toContain(e.code);
    expect(clock.now()).toBeLessThanOrEqual(400);
    expect(s.hits.length).toBeGreaterThan(1);
    expect(s.hits.length).toBeLessThan(100);
    expect(Math.max(...s.hits.map((h) => h.at))).toBeLessThanOrEqual(400);
  });
});
