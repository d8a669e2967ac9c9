// Bad requests get 4xx problems (RFC 9457), never a 500: auth, validation, routing, limits, fuzzing.

import fc from "fast-check";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { type CallResult, checkedRequest } from "../support/sandbox-call";
import { fuzzSeeds } from "../support/seeds";

const contract = loadContract();
let sb: Sandbox;

/** A raw request; the response is checked against the contract (`op` null: a problem of no route). */
async function send(
  method: string,
  path: string,
  o: { op?: string | null; key?: string | null; body?: string; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const headers = { ...(o.key === null ? {} : { authorization: `Bearer ${o.key ?? sb.keys.admin}` }), ...o.headers };
  return checkedRequest(sb, contract, o.op ?? null, method, path, { headers, body: o.body });
}

const JSON_CT = { "content-type": "application/json" };
const INVALIDATE = "POST /v1/accounts/{id}/token/invalidate";
const invalidate = (body: string, headers: Record<string, string> = JSON_CT, id = "fb-1001") =>
  send("POST", `/v1/accounts/${id}/token/invalidate`, { op: INVALIDATE, body, headers });

beforeAll(async () => {
  sb = await startSandbox({ seed: "demo" });
});
afterAll(async () => {
  await sb.close();
});

describe("the response checker", () => {
  it("rejects undocumented statuses and bodies that break the schema", () => {
    expect(contract.responseErrors("GET /v1/agencies", 404, "application/problem+json", {})).not.toEqual([]);
    expect(contract.responseErrors("GET /v1/accounts/{id}", 200, "application/json", { id: "fb-1" })).not.toEqual([]);
    expect(contract.responseErrors("GET /v1/agencies", 200, "application/json", [{ id: "ag-x", name: "X" }])).toEqual([]);
  });
});

describe("401 and 403", () => {
  it("401s a missing, malformed or unknown key without echoing it", async () => {
    for (const headers of [{}, { authorization: "Basic abc" }, { authorization: "Bearer" }, { authorization: "Bearer wrong-key-7f3a9" }]) {
      for (const [method, path, op] of [
        ["GET", "/v1/accounts", "GET /v1/accounts"],
        ["GET", "/_sandbox/stats", "GET /_sandbox/stats"],
      ] as const) {
        const r = await send(method, path, { op, key: null, headers });
        expect(r.status).toBe(401);
        expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
        expect(r.text).not.toContain("wrong-key-7f3a9");
      }
    }
    const unknownAgency = await send("GET", "/v1/agencies", { op: "GET /v1/agencies", key: sb.keys.agency("ag-mars") });
    expect(unknownAgency.status).toBe(401);
  });

  it("403s the /_sandbox routes for keys other than admin", async () => {
    for (const key of [sb.keys.readonly, sb.keys.agency("ag-north")]) {
      const r = await send("GET", "/_sandbox/stats", { op: "GET /_sandbox/stats", key });
      expect(r.status).toBe(403);
      expect(r.text).not.toContain(key);
      expect((await send("POST", "/_sandbox/reset", { op: "POST /_sandbox/reset", key })).status).toBe(403);
    }
  });
});

describe("400: the contract validates parameters and bodies", () => {
  const listCases = [
    ["ids", `ids=${Array.from({ length: 101 }, (_, i) => `fb-${i}`).join(",")}`],
    ["limit", "limit=501"],
    ["limit", "limit=0"],
    ["limit", "limit=ten"],
    ["valid", "valid=maybe"],
    ["publisher", "publisher=myspace"],
    ["colour", "colour=blue"],
    ["limit", "limit=5&limit=6"],
    ["ids", "ids=fb-1001,,fb-1002"],
    ["cursor", "cursor=not-a-cursor"],
  ] as const;
  it.each(listCases)("GET /v1/accounts names the bad query parameter %s (%s)", async (name, query) => {
    const r = await send("GET", `/v1/accounts?${query}`, { op: "GET /v1/accounts" });
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain(name);
    expect(r.body.errors.some((e: { path: string }) => e.path.startsWith(name))).toBe(true);
  });

  it("rejects a bad audit `since` and bad path parameters", async () => {
    expect((await send("GET", "/v1/audit?since=yesterday", { op: "GET /v1/audit" })).status).toBe(400);
    const badId = await send("GET", "/v1/accounts/has%20space", { op: "GET /v1/accounts/{id}" });
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0]).toMatchObject({ in: "path", path: "id" });
    expect((await send("GET", "/v1/accounts/%E0%A4%A", { op: "GET /v1/accounts/{id}" })).status).toBe(400);
  });

  const bodyCases: Array<[string, string, string]> = [
    ["malformed JSON", '{"actor": ', "malformed JSON"],
    ["an unknown field", JSON.stringify({ actor: "a", force: true }), "/force"],
    ["a wrong type", JSON.stringify({ actor: 42 }), "/actor"],
    ["a missing actor", JSON.stringify({ reason: "r" }), "/actor"],
    ["an empty actor", JSON.stringify({ actor: "" }), "/actor"],
    ["a non-object", "[1,2]", "body"],
    ["an over-long reason", JSON.stringify({ actor: "a", reason: "x".repeat(1001) }), "/reason"],
    ["a __proto__ key", '{"actor":"a","__proto__":{"admin":true}}', "/__proto__"],
    ["no body", "", "body"],
  ];
  it.each(bodyCases)("invalidate rejects %s and changes nothing", async (_, body, where) => {
    const r = await invalidate(body);
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain(where);
    const acct = await send("GET", "/v1/accounts/fb-1001", { op: "GET /v1/accounts/{id}" });
    expect(acct.body.token.valid).toBe(true);
  });

  it("rejects a malformed If-Match or Idempotency-Key", async () => {
    const ok = JSON.stringify({ actor: "a" });
    expect((await invalidate(ok, { ...JSON_CT, "if-match": "yesterday" })).status).toBe(400);
    expect((await invalidate(ok, { ...JSON_CT, "idempotency-key": "x".repeat(256) })).status).toBe(400);
  });
});

describe("404, 405, 413, 415", () => {
  it("404s unknown routes and 405s wrong methods with Allow", async () => {
    expect((await send("GET", "/v1/nothing")).status).toBe(404);
    expect((await send("GET", "/v1/accounts/")).status).toBe(404);
    expect((await send("GET", "/elsewhere", { key: null })).status).toBe(404);
    const r = await send("PATCH", "/v1/accounts/fb-1001");
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET");
    const d = await send("POST", "/v1/agencies/ag-north/accounts/fb-1001");
    expect(d.status).toBe(405);
    expect(d.headers.allow).toBe("DELETE");
  });

  it("413s a body over 64 KiB and 415s a non-JSON body", async () => {
    const big = JSON.stringify({ actor: "a", reason: "x".repeat(70 * 1024) });
    const r = await invalidate(big);
    expect(r.status).toBe(413);
    expect(r.body.detail).toContain("65536");
    const t = await invalidate("actor=a", { "content-type": "text/plain" });
    expect(t.status).toBe(415);
    const acct = await send("GET", "/v1/accounts/fb-1001", { op: "GET /v1/accounts/{id}" });
    expect(acct.body.token.valid).toBe(true);
  });
});

describe("fuzz", () => {
  it.each(fuzzSeeds("sandbox request fuzz", [20261125]))(
    "never answers a random request with a 5xx, and every answer fits the contract (seed %i)",
    async (seed) => {
      const ops = contract.operations.filter((o) => o.template.startsWith("/v1/")).map((o) => o.key);
      const segment = fc.oneof(fc.constantFrom("fb-1001", "tw-2003", "ag-north", "x", "%", "%00", "%2F"), fc.string({ maxLength: 12 }).map(encodeURIComponent));
      const body = fc.oneof(
        fc.json({ maxDepth: 3 }),
        fc.string({ maxLength: 40 }),
        fc
          .record(
            {
              actor: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
              reason: fc.option(fc.string({ maxLength: 10 })),
              agencies: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
            },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      );
      const query = fc.array(
        fc.tuple(fc.constantFrom("ids", "limit", "valid", "publisher", "agency", "cursor", "since", "accountId", "zz"), fc.string({ maxLength: 8 })),
        { maxLength: 3 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ops),
          segment,
          segment,
          body,
          query,
          fc.constantFrom(sb.keys.admin, sb.keys.readonly, sb.keys.agency("ag-east")),
          async (opKey, s1, s2, b, q, key) => {
            const op = contract.operation(opKey)!;
            let n = 0;
            const path = op.template.replace(/\{\w+\}/g, () => (n++ === 0 ? s1 : s2));
            const qs = q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
            const res = await request(`${sb.url}${path}${qs ? `?${qs}` : ""}`, {
              method: op.method as "GET",
              headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
              body: op.body === "none" ? undefined : b,
            });
            const text = await res.body.text();
            expect(res.statusCode, `${op.method} ${path}?${qs} ${b} -> ${text}`).toBeLessThan(500);
            const parsed = text ? JSON.parse(text) : undefined;
            // "." and ".." segments are resolved by the URL parser, so a request may reach another route (404/405).
            const known = res.statusCode === 405 || (res.statusCode === 404 && parsed?.detail?.startsWith("no route")) ? null : op.key;
            expect(contract.responseErrors(known, res.statusCode, res.headers["content-type"] as string, parsed, res.headers)).toEqual([]);
          },
        ),
        { numRuns: 300, seed },
      );
    },
  );
});
