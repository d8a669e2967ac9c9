/**
 * The read-ahead (provider/client/read-ahead.ts) against the real sandbox: how many requests a
 * refresh-like stream of reads costs in each layout (the stack is the organization, part of it,
 * or a sliver; reads in list order, reversed or shuffled) at each parallelism the engine may use;
 * how stale an answer may be; and that only a definite answer of the API means "gone", with the
 * pages failing in every way a scripted server can make them fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ASKS_PER_PAGE, isNotFound, MarinSocialClient, PROBE_PAGES, READ_AHEAD_FRESH_MS, ReadAhead } from "../../provider/client";
import type { Account } from "../../provider/core/types";
import { TokenLifecycle } from "../../provider/token/lifecycle";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { fuzzSeeds } from "../support/seeds";
import { account, accounts, clientFixture, fail, type Handler, json, notFoundProblem, rejection } from "./helpers";

/** A seeded shuffle (the seed is printed by fuzzSeeds). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Reads `ids` in order with `parallel` reads in flight at a time, as the engine's workers do; returns what each read gave. */
async function readAll(reads: ReadAhead, ids: readonly string[], parallel: number): Promise<Map<string, Account>> {
  const got = new Map<string, Account>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, ids.length) }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        got.set(id, await reads.get(id));
      }
    }),
  );
  return got;
}

describe("requests of a refresh, by layout and parallelism (real sandbox)", () => {
  const ORG = 1500;
  let sb: TestSandbox;
  let all: string[];
  const [seed] = fuzzSeeds("read-ahead layouts", [20261130]);

  beforeAll(async () => {
    sb = await testSandbox({ seed: "none" });
    ({ ids: all } = await sb.admin.sandbox.addAccounts({ count: ORG, idPrefix: "ra-", agenciesPerAccount: { min: 1, max: 3 }, agencies: 6 }));
  });
  afterAll(async () => sb?.close());

  /** Reads `ids` through a fresh ReadAhead (one engine operation) and returns the requests it cost; every read must be right. */
  async function cost(ids: string[], parallel: number): Promise<{ requests: number; reads: ReadAhead }> {
    const client = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin });
    try {
      const reads = new ReadAhead(client);
      await sb.admin.sandbox.resetStats();
      const got = await readAll(reads, ids, parallel);
      expect([...got].filter(([id, a]) => a.id !== id)).toEqual([]);
      expect(got.size).toBe(new Set(ids).size);
      return { requests: ((await sb.admin.sandbox.stats()) as { total: number }).total, reads };
    } finally {
      await client.close();
    }
  }

  const layouts: Array<[string, () => string[]]> = [
    ["the whole organization, in list order", () => [...all]],
    ["the whole organization, reversed", () => [...all].reverse()],
    ["the whole organization, shuffled", () => shuffled(all, seed!)],
    ["two thirds of it, shuffled", () => shuffled(all, seed! + 1).slice(0, 1000)],
  ];
  for (const [layout, ids] of layouts) {
    for (const parallel of [1, 8, 64, Infinity]) {
      it(`${layout}, ${parallel} at a time: ≤ ⌈N/100⌉+5 requests`, async () => {
        const stack = ids();
        const { requests } = await cost(stack, parallel);
        expect(requests).toBeLessThanOrEqual(Math.ceil(stack.length / 100) + 5);
      });
    }
  }

  it("5,000 tokens in the order the last up finished them (a quarter straggling), read at the engine's pace: ≤ ⌈N/100⌉+5 requests", async () => {
    // The engine refreshes in state order, which is up's completion order: mostly the list's, with
    // stragglers far behind. A refresh comes back to a page long after it read it, so the
    // freshness window matters: the clock advances as the engine reads, at 150 reads/s (the real
    // engine's pace here, at --parallel 8 and 1 alike) and at 50/s (a machine three times slower).
    const big = await testSandbox({ seed: "none" });
    try {
      const { ids } = await big.admin.sandbox.addAccounts({ count: 5000, idPrefix: "st-", agenciesPerAccount: { min: 1, max: 2 }, agencies: 4 });
      let s = seed! >>> 0;
      const next = (): number => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        return s / 2 ** 32;
      };
      const order = ids
        .map((id, i) => [next() < 0.25 ? i + next() * ids.length * 0.5 : i, id] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, id]) => id);
      for (const [parallel, perSecond] of [
        [8, 150],
        [1, 50],
      ] as const) {
        let now = 0;
        const client = new MarinSocialClient({ baseUrl: big.url, apiKey: big.sandbox.keys.admin });
        try {
          const reads = new ReadAhead(client, { now: () => now });
          await big.admin.sandbox.resetStats();
          let i = 0;
          await Promise.all(
            Array.from({ length: parallel }, async () => {
              while (i < order.length) {
                const id = order[i++]!;
                now += 1000 / perSecond;
                expect((await reads.get(id)).id).toBe(id);
              }
            }),
          );
          const { total } = (await big.admin.sandbox.stats()) as { total: number };
          expect(total, `--parallel ${parallel}`).toBeLessThanOrEqual(Math.ceil(order.length / 100) + 5);
        } finally {
          await client.close();
        }
      }
    } finally {
      await big.close();
    }
  });

  it("a sliver of the organization (2%): what coalescing alone costs, plus at most the read-ahead's budget", async () => {
    const stack = shuffled(all, seed! + 2).slice(0, 30);
    for (const parallel of [8, 64]) {
      const { requests } = await cost(stack, parallel);
      expect(requests).toBeLessThanOrEqual(Math.ceil(stack.length / parallel) + PROBE_PAGES + Math.floor(stack.length / ASKS_PER_PAGE) + 1);
    }
    // One at a time, a page costs the one request a read of its own would.
    expect((await cost(stack, 1)).requests).toBeLessThanOrEqual(stack.length);
  });

  it("the naive baseline's knob (batchReads off) turns it off: one GET per read", async () => {
    const client = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin, batchReads: false });
    try {
      await sb.admin.sandbox.resetStats();
      await readAll(new ReadAhead(client), all.slice(0, 20), 8);
      const stats = (await sb.admin.sandbox.stats()) as { byRoute: Record<string, Record<string, number>> };
      expect(stats.byRoute).toEqual({ "GET /v1/accounts/{id}": { "200": 20 } });
    } finally {
      await client.close();
    }
  });
});

describe("staleness: bounded by the freshness window and by the operation", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox();
  });
  afterAll(async () => sb?.close());

  it("a page answers for READ_AHEAD_FRESH_MS on the injected clock, then the account is read again; a new operation never sees an old page", async () => {
    await sb.admin.sandbox.reset();
    let now = 1_000;
    const client = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin });
    try {
      const reads = new ReadAhead(client, { now: () => now });
      expect((await reads.get("fb-1001")).token.valid).toBe(true); // reads the page: the demo's 14 accounts
      for (const id of ["fb-1002", "fb-1003", "fb-1004"]) await sb.admin.invalidateToken(id, { actor: "mallory@agency.example" });

      now += READ_AHEAD_FRESH_MS; // the last moment the page answers: what was live when it was read
      expect((await reads.get("fb-1002")).token.valid).toBe(true);
      now += 1; // past the window: read again
      expect((await reads.get("fb-1003")).token).toMatchObject({ valid: false, invalidatedBy: "mallory@agency.example" });
      expect(reads.stats.pages).toBe(2);
      // An account is handed out once: asked again, it is read again.
      expect((await reads.get("fb-1002")).token.valid).toBe(false);

      // The next operation (a new ReadAhead, as a new client at Configure makes) starts empty.
      expect((await new ReadAhead(client, { now: () => 1_000 }).get("fb-1004")).token.valid).toBe(false);
    } finally {
      await client.close();
    }
  });

  it("the provider makes a new read-ahead for each client: a revocation between two refreshes is seen", async () => {
    await sb.admin.sandbox.reset();
    let client = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin });
    const lifecycle = new TokenLifecycle(() => client);
    try {
      const props = { actor: "pulumi:marin-social/dev" };
      expect((await lifecycle.read("fb-1001", props)).props?.valid).toBe(true);
      await sb.admin.invalidateToken("fb-1002", { actor: "mallory@agency.example" });
      await client.close();
      client = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin }); // Configure of the next operation
      expect((await lifecycle.read("fb-1002", props)).props).toMatchObject({ valid: false, revokedOutsidePulumi: true });
    } finally {
      await client.close();
    }
  });

  it("an id the page does not list is read on its own: only that read's definite answer is gone", async () => {
    await sb.admin.sandbox.reset();
    const client = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin });
    try {
      await sb.admin.sandbox.resetStats();
      const reads = new ReadAhead(client);
      const e = await rejection(reads.get("fb-1001x"));
      expect(isNotFound(e)).toBe(true);
      const stats = (await sb.admin.sandbox.stats()) as { total: number };
      expect(stats.total).toBe(2); // the page around it, then GET /v1/accounts?ids=fb-1001x
      expect(await new TokenLifecycle(() => client).read("fb-1001x", {})).toEqual({ id: "" });
    } finally {
      await client.close();
    }
  });
});

describe("a page that fails is a normal read error, never gone", () => {
  const { setup } = clientFixture((baseUrl, opts) => ({ baseUrl, apiKey: "test-key-ra", retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 }, ...opts }));

  /** Pages (`?containing=`) answered by `page`; everything else by `rest` (default: the accounts asked for). */
  const serve =
    (page: Handler, rest: Handler = accounts()): Handler =>
    (hit, res, req) =>
      hit.query.has("containing") ? page(hit, res, req) : rest(hit, res, req);

  const items = (ids: string[]) => ({ items: ids.map((id) => account(id)), nextCursor: null });

  const BAD_PAGES: Array<[string, Handler]> = [
    ["a 503", fail(503)],
    ["a 401", fail(401)],
    ["a 403", fail(403)],
    ["the contract's account-not-found", (_h, res) => notFoundProblem(res, "account")],
    ["a route 404 (a server without ?containing=)", (_h, res) => notFoundProblem(res, "route")],
    [
      "a proxy's HTML page",
      (_h, res) => {
        res.writeHead(404, { "content-type": "text/html" });
        res.end("<h1>404</h1>");
      },
    ],
    ["a 400 for the unknown parameter", fail(400)],
    ["a 200 that is not a page", (_h, res) => json(res, 200, { accounts: [] })],
    ["a page with a malformed account", (_h, res) => json(res, 200, { items: [{ id: "fb-1" }], nextCursor: null })],
    ["a page out of id order", (_h, res) => json(res, 200, items(["fb-2", "fb-1", "fb-3"]))],
    ["the first page, ignoring ?containing= (it ends before the id)", (_h, res) => json(res, 200, { ...items(["fb-0", "fb-00"]), nextCursor: "more" })],
  ];

  it.each(BAD_PAGES)("answered by %s: every read gets its account from its own read, and the read-ahead stops", async (_name, page) => {
    const { s, c } = await setup(serve(page));
    const reads = new ReadAhead(c);
    const got = await Promise.all(["fb-1", "fb-2", "fb-3"].map((id) => reads.get(id)));
    expect(got.map((a) => a.id)).toEqual(["fb-1", "fb-2", "fb-3"]);
    expect(reads.stats.stopped).toBeDefined();
    const pagesBefore = s.hits.filter((h) => h.query.has("containing")).length;
    expect((await reads.get("fb-4")).id).toBe("fb-4");
    expect(s.hits.filter((h) => h.query.has("containing")).length).toBe(pagesBefore); // no page after it stopped
  });

  it.each(BAD_PAGES)("answered by %s while the reads fail too (503): the reads fail with the read's error, none is gone", async (_name, page) => {
    const { c } = await setup(serve(page, fail(503)));
    const reads = new ReadAhead(c);
    for (const r of await Promise.allSettled(["fb-1", "fb-2"].map((id) => reads.get(id)))) {
      expect(r.status).toBe("rejected");
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toMatchObject({ code: "server" });
      expect(isNotFound(e)).toBe(false);
    }
  });

  it("a string that is no account id is refused by the read (bad-request) and does not stop the read-ahead", async () => {
    const { s, c } = await setup(serve((_h, res) => json(res, 200, items(["fb-1", "fb-2"]))));
    const reads = new ReadAhead(c);
    expect(await rejection(reads.get("not an id"))).toMatchObject({ code: "bad-request" });
    expect((await reads.get("fb-1")).id).toBe("fb-1");
    expect((await reads.get("fb-2")).id).toBe("fb-2");
    expect(reads.stats).toMatchObject({ pages: 1, served: 2 });
    expect(reads.stats.stopped).toBeUndefined();
    expect(s.hits).toHaveLength(1);
  });

  it("a page that succeeds but does not list the id: the read's own 503 is the answer, not gone", async () => {
    const { c } = await setup(serve((_h, res) => json(res, 200, items(["fb-1", "fb-3"])), fail(503)));
    const e = await rejection(new ReadAhead(c).get("fb-2"));
    expect(e).toMatchObject({ code: "server" });
    expect(isNotFound(e)).toBe(false);
  });
});
