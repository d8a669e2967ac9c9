import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MarinSocialClient, type MarinSocialError, type RequestEvent, USER_AGENT } from "../../provider/client";
import { account, clientFixture, json, rejection } from "./helpers";

const KEY = "test-key-api";
const { setup, serve, connect } = clientFixture((baseUrl, opts) => ({ baseUrl, apiKey: KEY, retry: { baseDelayMs: 5 }, ...opts }));

describe("requests on the wire", () => {
  it("sends Bearer auth, Accept, User-Agent, and Content-Type only with a body", async () => {
    const { s, c } = await setup((_hit, res) => json(res, 200, account("fb-1")), { batchReads: false });
    await c.getAccount("fb-1");
    await c.invalidateToken("fb-1", { actor: "pulumi:proj/dev" });
    const version = (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
    for (const h of s.hits) {
      expect(h.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(h.headers.accept).toBe("application/json");
      expect(h.headers["user-agent"]).toBe(`pulumi-marin-social/${version}`);
    }
    expect(USER_AGENT).toBe(`pulumi-marin-social/${version}`);
    expect(s.hits[0]!.headers["content-type"]).toBeUndefined();
    expect(s.hits[1]!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(s.hits[1]!.body)).toEqual({ actor: "pulumi:proj/dev" });
  });

  it("keeps a base URL path prefix and encodes ids in paths", async () => {
    const server = await serve((hit, res) => {
      if (hit.method === "DELETE") res.writeHead(204).end();
      else json(res, 200, account("fb-1"));
    });
    const client = connect({ baseUrl: `${server.url}/api/`, apiKey: KEY, batchReads: false, userAgent: "custom/1" });
    await client.getAccount("fb-1");
    await client.unlinkAgency("ag/1", "a b", { actor: "jane@agency.example" });
    expect(server.hits.map((h) => `${h.method} ${h.url}`)).toEqual(["GET /api/v1/accounts/fb-1", "DELETE /api/v1/agencies/ag%2F1/accounts/a%20b"]);
    expect(server.hits[1]!.headers["x-actor"]).toBe("jane@agency.example");
    expect(server.hits[1]!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.hits[0]!.headers["user-agent"]).toBe("custom/1");
  });

  it("listAccounts passes filters and follows nextCursor to the end", async () => {
    const { s, c } = await setup((hit, res) => {
      const cursor = hit.query.get("cursor");
      if (!cursor) json(res, 200, { items: [account("fb-1"), account("fb-2")], nextCursor: "c1" });
      else if (cursor === "c1") json(res, 200, { items: [account("fb-3")], nextCursor: "c2" });
      else json(res, 200, { items: [], nextCursor: null });
    });
    const list = await c.listAccounts({ publisher: "facebook", agency: "ag-north", valid: true, limit: 2 });
    expect(list.map((a) => a.id)).toEqual(["fb-1", "fb-2", "fb-3"]);
    expect(s.hits).toHaveLength(3);
    const q = s.hits[0]!.query;
    expect([q.get("publisher"), q.get("agency"), q.get("valid"), q.get("limit")]).toEqual(["facebook", "ag-north", "true", "2"]);
    expect(s.hits[1]!.query.get("cursor")).toBe("c1");
    expect(s.hits[2]!.query.get("publisher")).toBe("facebook");
  });

  it("stops with a server error when a cursor repeats", async () => {
    const { s, c } = await setup((_hit, res) => json(res, 200, { items: [account("x")], nextCursor: "same" }));
    const e = (await rejection(c.listAccounts())) as MarinSocialError;
    expect(e.code).toBe("server");
    expect(e.message).toContain("repeated the cursor");
    expect(s.hits).toHaveLength(2);
  });

  it("reads agencies and the audit log (bare arrays), with the audit filters", async () => {
    const { s, c } = await setup((hit, res) =>
      hit.pathname === "/v1/agencies"
        ? json(res, 200, [{ id: "ag-1", name: "One" }])
        : json(res, 200, [{ at: "2026-01-01T00:00:00Z", actor: "a", action: "token.invalidate", accountId: "fb-1" }]),
    );
    expect(await c.listAgencies()).toEqual([{ id: "ag-1", name: "One" }]);
    const audit = await c.audit({ accountId: "fb-1", since: "2026-01-01T00:00:00Z" });
    expect(audit[0]?.action).toBe("token.invalidate");
    expect(s.hits[1]!.query.get("accountId")).toBe("fb-1");
    expect(s.hits[1]!.query.get("since")).toBe("2026-01-01T00:00:00Z");
  });

  it("reauthorize posts actor and agencies with an Idempotency-Key", async () => {
    const { s, c } = await setup((_hit, res) => json(res, 200, account("fb-1")));
    await c.reauthorize("fb-1", { actor: "ui", agencies: ["ag-1"] }, { idempotencyKey: "re-1" });
    expect(s.hits[0]!.url).toBe("/v1/accounts/fb-1/token/reauthorize");
    expect(JSON.parse(s.hits[0]!.body)).toEqual({ actor: "ui", agencies: ["ag-1"] });
    expect(s.hits[0]!.headers["idempotency-key"]).toBe("re-1");
  });

  it("drives the /_sandbox routes", async () => {
    const { s, c } = await setup((hit, res) => {
      if (hit.pathname === "/_sandbox/stats" && hit.method === "GET") json(res, 200, { total: 3, byRoute: {}, byStatus: { "200": 3 } });
      else if (hit.pathname === "/_sandbox/accounts") json(res, 201, { created: 2, ids: ["b-1", "b-2"] });
      else if (hit.method === "DELETE") res.writeHead(204).end();
      else json(res, 200, {});
    });
    await c.sandbox.setFaults({ latencyMs: 10 });
    expect((await c.sandbox.stats()).total).toBe(3);
    await c.sandbox.resetStats();
    await c.sandbox.reset();
    expect(await c.sandbox.addAccounts({ count: 2 })).toEqual({ created: 2, ids: ["b-1", "b-2"] });
    expect(s.hits.map((h) => `${h.method} ${h.pathname}`)).toEqual([
      "PUT /_sandbox/faults",
      "GET /_sandbox/stats",
      "DELETE /_sandbox/stats",
      "POST /_sandbox/reset",
      "POST /_sandbox/accounts",
    ]);
    expect(JSON.parse(s.hits[0]!.body)).toEqual({ latencyMs: 10 });
  });
});

describe("responses", () => {
  it("keeps a non-JSON error body as truncated text in problem.detail", async () => {
    const { c } = await setup((_hit, res) => {
      res.writeHead(400, { "content-type": "text/html" });
      res.end(`<html><body>Bad   request\n${"y".repeat(5000)}</body></html>`);
    });
    const e = (await rejection(c.listAgencies())) as MarinSocialError;
    expect(e.code).toBe("bad-request");
    expect(e.status).toBe(400);
    expect(e.problem?.detail?.startsWith("<html><body>Bad request y")).toBe(true);
    expect(e.problem!.detail!.length).toBe(500);
  });

  it("reports a 2xx that is not JSON as a server error", async () => {
    const { c } = await setup((_hit, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("<oops>");
    });
    const e = (await rejection(c.listAgencies())) as MarinSocialError;
    expect(e.code).toBe("server");
    expect(e.message).toContain("the response is not JSON: <oops>");
    expect(e.retryable).toBe(false);
  });

  it("rejects bad arguments without sending anything", async () => {
    const { s, c } = await setup((_hit, res) => json(res, 200, {}));
    expect(((await rejection(c.getAccount(""))) as MarinSocialError).code).toBe("bad-request");
    const malformed = (await rejection(c.getAccount("a,b"))) as MarinSocialError;
    expect(malformed.code).toBe("bad-request");
    expect(malformed.message).toContain('"a,b" is not an account id');
    expect(((await rejection(c.invalidateToken("fb-1", { actor: "" }))) as MarinSocialError).message).toContain("actor");
    expect(((await rejection(c.getAccounts(["ok", 7 as never]))) as MarinSocialError).message).toContain("ids[1]");
    expect(s.hits).toHaveLength(0);
  });
});

describe("observability", () => {
  it("reports every attempt to onRequest and counts requests, retries and 429s", async () => {
    const events: RequestEvent[] = [];
    const { c } = await setup((hit, res) => (hit.index === 0 ? json(res, 429, { status: 429 }, { "retry-after": "0" }) : json(res, 200, [])), {
      onRequest: (e) => {
        events.push(e);
        throw new Error("a broken observer must not break the call");
      },
    });
    await c.listAgencies();
    expect(events).toEqual([
      { method: "GET", path: "/v1/agencies", status: 429, attempt: 1 },
      { method: "GET", path: "/v1/agencies", status: 200, attempt: 2 },
    ]);
    expect(c.metrics()).toEqual({ requests: 2, retries: 1, rateLimited: 1, batches: 0, concurrency: 8 });
  });

  it("shares one pool between clients of the same origin and keeps it until the last closes", async () => {
    const server = await serve((_hit, res) => json(res, 200, []));
    // One connection per pool: two pools would need two connections, a shared one needs one.
    const a = new MarinSocialClient({ baseUrl: server.url, apiKey: KEY, connections: 1 });
    const b = new MarinSocialClient({ baseUrl: server.url, apiKey: KEY, connections: 1 });
    await a.listAgencies();
    await a.close();
    await b.listAgencies(); // still works: b holds the pool
    await b.listAgencies();
    await b.close();
    expect(server.hits).toHaveLength(3);
    expect(server.connections()).toBe(1);
  });
});
