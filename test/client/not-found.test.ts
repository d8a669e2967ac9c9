/**
 * Only "this account does not exist" means gone: the contract's account-not-found problem, or an
 * id absent from a successful batch that matches the contract. Every other 404 (an unknown
 * route, a proxy's page, a 404 without a problem document, another problem type) and every
 * answer that does not match the contract is an error with its own code.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ErrorCode, isNotFound, MarinSocialClient, MarinSocialError } from "../../provider/client";
import { PROBLEM_TYPES } from "../../provider/core";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { account, accounts, clientFixture, type Handler, json, notFoundProblem, problem, rejection } from "./helpers";

const { setup } = clientFixture((baseUrl, opts) => ({ baseUrl, apiKey: "test-key-gone", retry: { baseDelayMs: 1, maxDelayMs: 2 }, ...opts }));

function send(res: ServerResponse, status: number, contentType: string | undefined, body: string): void {
  res.writeHead(status, { ...(contentType ? { "content-type": contentType } : {}), "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const ACCOUNT_NOT_FOUND = { type: PROBLEM_TYPES.accountNotFound, title: "Account not found", status: 404, detail: "account does not exist" };

/** 404 answers that must never read as "the account does not exist", with the code each gets. */
const NOT_GONE: Array<[string, Handler, ErrorCode]> = [
  ["the contract's route-not-found", (_h, res) => notFoundProblem(res, "route"), "route-not-found"],
  ["a proxy's HTML page", (_h, res) => send(res, 404, "text/html", "<html><body><h1>404 Not Found</h1>nginx</body></html>"), "route-not-found"],
  ["an empty 404", (_h, res) => send(res, 404, undefined, ""), "route-not-found"],
  ["a plain-text 404", (_h, res) => send(res, 404, "text/plain", "Cannot GET /v1/accounts"), "route-not-found"],
  ["account-not-found as application/json, not problem+json", (_h, res) => json(res, 404, ACCOUNT_NOT_FOUND), "route-not-found"],
  ["a problem type the contract does not define", (_h, res) => problem(res, 404, "not here"), "route-not-found"],
  ["account-not-found whose status member is not 404", (_h, res) => problem(res, 404, "x", {}, { ...ACCOUNT_NOT_FOUND, status: 500 }), "route-not-found"],
  ["account-not-found sent as 410 Gone", (_h, res) => problem(res, 410, "x", {}, { ...ACCOUNT_NOT_FOUND, status: 410 }), "route-not-found"],
  ["agency-not-found", (_h, res) => notFoundProblem(res, "agency"), "agency-not-found"],
  ["link-not-found", (_h, res) => notFoundProblem(res, "link"), "link-not-found"],
];

describe("a 404 is account-not-found only when the contract says so", () => {
  it.each(NOT_GONE)("batched read answered by %s: every id fails with %s, none is gone", async (_name, handler, code) => {
    const { s, c } = await setup(handler);
    const results = await Promise.allSettled(["fb-1", "fb-2", "tw-3"].map((id) => c.getAccount(id)));
    expect(s.hits).toHaveLength(1);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      const e = (r as PromiseRejectedResult).reason as MarinSocialError;
      expect(e).toMatchObject({ code, kind: "api" });
      expect(isNotFound(e)).toBe(false);
    }
    await expect(c.getAccounts(["fb-1", "fb-2"])).rejects.toMatchObject({ code });
  });

  it.each(NOT_GONE)("single read (batchReads off) answered by %s: %s, not gone", async (_name, handler, code) => {
    const { c } = await setup(handler, { batchReads: false });
    const e = await rejection(c.getAccount("fb-1"));
    expect(e).toMatchObject({ code });
    expect(isNotFound(e)).toBe(false);
  });

  it("the contract's account-not-found problem is a definite answer, batched or not", async () => {
    const { c } = await setup((_h, res) => notFoundProblem(res, "account"), { batchReads: false });
    const e = await rejection(c.getAccount("fb-1"));
    expect(e).toMatchObject({ code: "account-not-found", status: 404, kind: "api" });
    expect(isNotFound(e)).toBe(true);
    expect(MarinSocialError.isInstance(e, "account-not-found")).toBe(true);
  });

  it("a route 404 names the real cause and the fix, and says nothing was treated as gone", async () => {
    const { c } = await setup((_h, res) => send(res, 404, "text/html", "<h1>Not Found</h1>"));
    const e = (await rejection(c.getAccount("fb-1"))) as MarinSocialError;
    expect(e.message).toMatch(
      /^GET \/v1\/accounts\?ids=fb-1&limit=1 answered 404 for an unknown route: a text\/html \("<h1>Not Found<\/h1>"\), not a problem document of the Marin Social API\./,
    );
    expect(e.message).toContain("marin-social:apiUrl");
    expect(e.message).toContain("nothing was treated as gone");
  });
});

describe("a successful batch counts as an answer only when it matches the contract", () => {
  const BAD_200: Array<[string, Handler, RegExp]> = [
    ["an empty object", (_h, res) => json(res, 200, {}), /not a page of \{ items, nextCursor \}/],
    ["a bare list (not an AccountPage)", (_h, res) => json(res, 200, []), /not a page of \{ items, nextCursor \}/],
    [
      "items that are not accounts",
      (h, res) => json(res, 200, { items: [{ id: h.query.get("ids")!.split(",")[0] }], nextCursor: null }),
      /items\[0\]: missing publisher/,
    ],
    [
      "an account with a wrong member",
      (_h, res) => json(res, 200, { items: [{ ...account("fb-1"), token: { valid: "no" } }], nextCursor: null }),
      /items\[0\]: token is not/,
    ],
    ["a numeric cursor", (_h, res) => json(res, 200, { items: [], nextCursor: 7 }), /not a page/],
    [
      "accounts it was not asked for (a server that ignores ids)",
      (_h, res) => json(res, 200, { items: [account("fb-other")], nextCursor: null }),
      /"fb-other", which was not asked for/,
    ],
    ["an HTML page with 200", (_h, res) => send(res, 200, "text/html", "<html>login</html>"), /not JSON/],
  ];

  it.each(BAD_200)("%s: the whole batch fails, no id is gone", async (_name, handler, why) => {
    const { c } = await setup(handler);
    const results = await Promise.allSettled(["fb-1", "fb-2"].map((id) => c.getAccount(id)));
    for (const r of results) {
      const e = (r as PromiseRejectedResult).reason as MarinSocialError;
      expect(r.status).toBe("rejected");
      expect(e.code).toBe("server");
      expect(e.message).toMatch(why);
      expect(isNotFound(e)).toBe(false);
    }
  });

  it("a single read answered with another account, or not an account, is an error", async () => {
    const { c } = await setup((_h, res) => json(res, 200, account("fb-2")), { batchReads: false });
    await expect(c.getAccount("fb-1")).rejects.toMatchObject({ code: "server", message: expect.stringMatching(/account "fb-2", not the one asked for/) });
    const { c: c2 } = await setup((_h, res) => json(res, 200, { ok: true }), { batchReads: false });
    await expect(c2.getAccount("fb-1")).rejects.toMatchObject({ code: "server" });
  });

  it("an id absent from a page that matches the contract is account-not-found (status 200), the others resolve", async () => {
    const { c } = await setup(accounts(["fb-gone"]));
    const [a, gone] = await Promise.allSettled([c.getAccount("fb-1"), c.getAccount("fb-gone")]);
    expect(a).toMatchObject({ status: "fulfilled", value: { id: "fb-1" } });
    expect((gone as PromiseRejectedResult).reason).toMatchObject({ code: "account-not-found", status: 200 });
  });
});

describe("against the sandbox", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  it("serves each not-found problem type, and the client maps each to its code", async () => {
    await expect(sb.admin.getAccount("fb-9999")).rejects.toMatchObject({ code: "account-not-found", status: 200 });
    const single = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.sandbox.keys.admin, batchReads: false });
    try {
      await expect(single.getAccount("fb-9999")).rejects.toMatchObject({
        code: "account-not-found",
        status: 404,
        problem: { type: PROBLEM_TYPES.accountNotFound },
      });
      await expect(single.invalidateToken("fb-9999", { actor: "t" })).rejects.toMatchObject({ code: "account-not-found" });
    } finally {
      await single.close();
    }
    await expect(sb.admin.unlinkAgency("ag-west", "fb-1001")).rejects.toMatchObject({ code: "link-not-found", problem: { type: PROBLEM_TYPES.linkNotFound } });
    await expect(sb.admin.unlinkAgency("ag-nope", "fb-1001")).rejects.toMatchObject({ code: "agency-not-found" });
    await expect(sb.admin.unlinkAgency("ag-north", "fb-9999")).rejects.toMatchObject({ code: "account-not-found" });
    await expect(sb.admin.reauthorize("fb-1001", { actor: "t", agencies: ["ag-nope"] })).rejects.toMatchObject({ code: "agency-not-found" });
  });

  it.each([
    ["/v1", "ends in /v1"],
    ["/v1/", "ends in /v1"],
    ["/api", "looks wrong, or something other than the Marin Social API"],
  ])("a base URL with the path %s: every read is route-not-found naming the real cause", async (suffix, hint) => {
    for (const batchReads of [true, false]) {
      const wrong = new MarinSocialClient({ baseUrl: sb.url + suffix, apiKey: sb.sandbox.keys.admin, batchReads });
      try {
        const e = (await rejection(wrong.getAccount("fb-1001"))) as MarinSocialError;
        expect(e).toMatchObject({ code: "route-not-found", status: 404 });
        const sent = suffix.replace(/\/$/, "") + (batchReads ? "/v1/accounts?ids=fb-1001" : "/v1/accounts/fb-1001");
        expect(e.message).toContain(`GET ${sent}`);
        expect(e.message).toContain("answered 404 for an unknown route");
        expect(e.message).toContain(hint);
        if (suffix.startsWith("/v1")) expect(e.message).toContain(`pulumi config set marin-social:apiUrl ${sb.url}\``);
        await expect(wrong.getAccounts(["fb-1001", "fb-9999"])).rejects.toMatchObject({ code: "route-not-found" });
      } finally {
        await wrong.close();
      }
    }
  });
});
