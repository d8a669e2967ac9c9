// Who authorized each token: `token.authorizedBy` / `authorizedAt` in every account, the
// `authorizedBy` filter of GET /v1/accounts (with the other filters, and paged), the demo seed's
// people, connecting accounts as a person (POST /_sandbox/accounts) and re-authorizing as one
// (POST /_sandbox/accounts/{id}/token/reauthorize, and the /v1 route). Every response is checked
// against the OpenAPI contract.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Account, AuditEntry } from "../../provider/core/types";
import { DEMO_PEOPLE, DEMO_SEED, loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { contractCaller } from "../support/sandbox-call";

const contract = loadContract();
let sb: Sandbox;
const call = contractCaller(() => sb, contract);

const { jane, raj, li } = DEMO_PEOPLE;
/** Jane Doe's accounts in the demo seed, in id order. */
const JANE = ["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"];

const list = async (query: string) => {
  const r = await call("GET /v1/accounts", { query });
  expect(r.status, r.text).toBe(200);
  return r.body as { items: Account[]; nextCursor: string | null };
};
const ids = async (query: string) => (await list(query)).items.map((a) => a.id);
/** Every page of `query`, `limit` at a time: the ids and how many requests it took. */
async function allPages(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const out: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await list(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    pages++;
    out.push(...page.items.map((a) => a.id));
    cursor = page.nextCursor;
  } while (cursor);
  return { ids: out, pages };
}
const audit = async (accountId: string) => (await call("GET /v1/audit", { query: `accountId=${accountId}` })).body as AuditEntry[];
const reauthorizeAtPublisher = (id: string, body: unknown, key?: string) =>
  call("POST /_sandbox/accounts/{id}/token/reauthorize", { params: { id }, body, key });

beforeEach(async () => {
  sb = await startSandbox({ port: 0 });
});
afterEach(async () => {
  await sb.close();
});

describe("who authorized each token", () => {
  it("every demo account names who authorized its token and when; Jane Doe holds tokens on both publishers across every agency, one revoked by hand", async () => {
    const all = (await list("limit=500")).items;
    expect(all).toHaveLength(DEMO_SEED.accounts.length);
    for (const a of all) {
      expect(a.token.authorizedBy, a.id).not.toBeNull();
      expect(Date.parse(a.token.authorizedAt ?? ""), a.id).not.toBeNaN();
    }
    const janes = all.filter((a) => a.token.authorizedBy?.id === jane.id);
    expect(janes.map((a) => a.id)).toEqual(JANE);
    expect(janes[0]?.token.authorizedBy).toEqual({ id: "u-7001", name: "Jane Doe", email: "jane@agency.example" });
    expect(new Set(janes.map((a) => a.publisher))).toEqual(new Set(["facebook", "twitter"]));
    expect(new Set(janes.flatMap((a) => a.agencies.map((g) => g.id)))).toEqual(new Set(["ag-north", "ag-south", "ag-east", "ag-west"]));
    expect(janes.filter((a) => !a.token.valid).map((a) => a.id)).toEqual(["fb-1007"]);
    // A person whose publisher gives no email has none (not null, not "").
    expect(all.find((a) => a.id === "fb-1005")?.token.authorizedBy).toEqual({ id: li.id, name: li.name });
  });

  it("filters by the person's id (exact) or email (any case), combined with publisher, agency and validity", async () => {
    expect(await ids(`authorizedBy=${jane.id}`)).toEqual(JANE);
    expect(await ids("authorizedBy=jane@agency.example")).toEqual(JANE);
    expect(await ids("authorizedBy=Jane%40Agency.EXAMPLE")).toEqual(JANE);
    expect(await ids("authorizedBy=U-7001"), "ids match exactly").toEqual([]);
    expect(await ids("authorizedBy=Jane%20Doe"), "a display name is not a key").toEqual([]);
    expect(await ids("authorizedBy=nobody%40agency.example")).toEqual([]);
    expect(await ids(`authorizedBy=${jane.id}&publisher=twitter`)).toEqual(["tw-2001", "tw-2004"]);
    expect(await ids(`authorizedBy=${jane.id}&agency=ag-west`)).toEqual(["tw-2004"]);
    expect(await ids(`authorizedBy=${jane.id}&valid=false`)).toEqual(["fb-1007"]);
    expect(await ids(`authorizedBy=${jane.id}&valid=true&agency=ag-north`)).toEqual(["fb-1001", "tw-2001", "tw-2004"]);
    expect(await ids(`authorizedBy=${raj.email}&ids=fb-1001,fb-1002,tw-2002`)).toEqual(["fb-1002", "tw-2002"]);
  });

  it("pages the filtered list with cursor and containing", async () => {
    expect(await allPages(`authorizedBy=${jane.email}`, 2)).toEqual({ ids: JANE, pages: 3 });
    const page = await list(`authorizedBy=${jane.id}&limit=2&containing=tw-2001`);
    expect(page.items.map((a) => a.id)).toEqual(["fb-1007", "tw-2001"]);
    expect((await list(`authorizedBy=${jane.id}&limit=2&cursor=${encodeURIComponent(page.nextCursor ?? "")}`)).items.map((a) => a.id)).toEqual(["tw-2004"]);
  });

  it("refuses a person that is empty, has control characters or is too long, naming the parameter", async () => {
    for (const bad of ["", "jane%0A", "x".repeat(255)]) {
      const r = await call("GET /v1/accounts", { query: `authorizedBy=${bad}` });
      expect(r.status, bad).toBe(400);
      expect(r.body.errors[0]).toMatchObject({ in: "query", path: "authorizedBy" });
    }
  });
});

describe("connecting an account as a person (POST /_sandbox/accounts)", () => {
  it("generated accounts connected as one person are found by the filter, in pages, with one account.connect audit entry each", async () => {
    const ana = { id: "u-9001", name: "Ana Lima", email: "Ana.Lima@Agency.example" };
    const before = Date.now();
    const made = await call("POST /_sandbox/accounts", { body: { count: 120, idPrefix: "ana-", authorizedBy: ana, agenciesPerAccount: { min: 1, max: 2 } } });
    expect(made.status, made.text).toBe(201);
    await call("POST /_sandbox/accounts", { body: { count: 30, idPrefix: "other-" } });
    const found = await allPages("authorizedBy=ana.lima%40agency.example", 50);
    expect(found).toEqual({ ids: made.body.ids, pages: 3 });
    const first = (await list("ids=ana-000001")).items[0] as Account;
    expect(first.token.authorizedBy).toEqual(ana);
    expect(Date.parse(first.token.authorizedAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(await audit("ana-000001")).toEqual([
      {
        at: first.token.authorizedAt,
        actor: "publisher",
        action: "account.connect",
        accountId: "ana-000001",
        agencyId: null,
        reason: null,
        authorizedBy: ana,
        authorizedAt: first.token.authorizedAt,
      },
    ]);
    // Accounts added without a person: the authorizer is not known, and nobody's filter finds them.
    const other = (await list("ids=other-000001")).items[0] as Account;
    expect(other.token).toMatchObject({ authorizedBy: null, authorizedAt: null });
    expect(await audit("other-000001")).toEqual([]);
  });

  it("an explicit account connected as Jane at a given time shows in her list; authorizedAt without authorizedBy is refused and adds nothing", async () => {
    const at = "2026-02-01T12:00:00.000Z";
    const r = await call("POST /_sandbox/accounts", {
      body: {
        accounts: [{ id: "fb-1100", publisher: "facebook", name: "New Brand Page", agencies: ["ag-north", "ag-south"], authorizedBy: jane, authorizedAt: at }],
      },
    });
    expect(r.status, r.text).toBe(201);
    expect(await ids(`authorizedBy=${jane.email}`)).toEqual([...JANE.slice(0, 3), "fb-1100", ...JANE.slice(3)]);
    expect((await list("ids=fb-1100")).items[0]?.token).toMatchObject({ valid: true, authorizedBy: jane, authorizedAt: at });
    expect((await audit("fb-1100")).map((e) => [e.action, e.at, e.authorizedBy?.id])).toEqual([["account.connect", at, jane.id]]);

    const bad = await call("POST /_sandbox/accounts", {
      body: { accounts: [{ id: "fb-1101", publisher: "facebook", name: "X", agencies: [], authorizedAt: at }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain("/accounts/0/authorizedAt");
    const noEmail = await call("POST /_sandbox/accounts", {
      body: { accounts: [{ id: "fb-1102", publisher: "facebook", name: "X", agencies: [], authorizedBy: { id: "u-1", name: "N", email: "not-an-email" } }] },
    });
    expect(noEmail.status).toBe(400);
    expect((await call("GET /v1/accounts/{id}", { params: { id: "fb-1101" } })).status).toBe(404);
    expect((await call("GET /v1/accounts/{id}", { params: { id: "fb-1102" } })).status).toBe(404);
  });
});

describe("re-authorizing as a person", () => {
  it("POST /_sandbox/accounts/{id}/token/reauthorize: a revoked token granted again by Raj is valid, his, re-linked and audited; Jane's list loses it", async () => {
    const before = (await list("ids=fb-1007")).items[0] as Account;
    const r = await reauthorizeAtPublisher("fb-1007", { authorizedBy: raj, agencies: ["ag-west"] });
    expect(r.status, r.text).toBe(200);
    const a = r.body as Account;
    expect(a.token).toMatchObject({ valid: true, invalidatedAt: null, invalidatedBy: null, reason: null, authorizedBy: raj });
    expect(a.token.fingerprint).not.toBe(before.token.fingerprint);
    expect(Date.parse(a.token.authorizedAt ?? "")).toBeGreaterThan(Date.parse(before.token.authorizedAt ?? ""));
    expect(a.agencies.map((g) => g.id)).toEqual(["ag-south", "ag-west"]);
    expect(a.version).toBe(before.version + 1);
    expect(r.headers.etag).toBe(`"${a.version}"`);
    const entries = (await audit("fb-1007")).slice(-2);
    expect(entries).toEqual([
      {
        at: a.token.authorizedAt,
        actor: "publisher",
        action: "token.reauthorize",
        accountId: "fb-1007",
        agencyId: null,
        reason: null,
        authorizedBy: raj,
        authorizedAt: a.token.authorizedAt,
      },
      { at: a.token.authorizedAt, actor: "publisher", action: "agency.link", accountId: "fb-1007", agencyId: "ag-west", reason: null },
    ]);
    expect(await ids(`authorizedBy=${jane.id}`)).toEqual(JANE.filter((id) => id !== "fb-1007"));
    expect(await ids(`authorizedBy=${raj.id}&valid=true&agency=ag-west`)).toContain("fb-1007");
    // The sandbox's own routes are not counted with the API's requests.
    expect((await call("GET /_sandbox/stats")).body.byRoute["POST /_sandbox/accounts/{id}/token/reauthorize"]).toBeUndefined();
  });

  it("refuses what it cannot do, changing nothing: no person, an unknown account or agency, a key that is not the admin's", async () => {
    const before = (await list("ids=fb-1001")).items[0];
    const noPerson = await reauthorizeAtPublisher("fb-1001", { agencies: [] });
    expect(noPerson.status).toBe(400);
    expect(noPerson.body.errors.map((e: { path: string }) => e.path)).toContain("/authorizedBy");
    const unknownAccount = await reauthorizeAtPublisher("fb-9999", { authorizedBy: raj });
    expect(unknownAccount.status).toBe(404);
    expect(unknownAccount.body.type).toBe("https://marin-social.example/problems/account-not-found");
    const unknownAgency = await reauthorizeAtPublisher("fb-1001", { authorizedBy: raj, agencies: ["ag-nowhere"] });
    expect(unknownAgency.status).toBe(404);
    expect(unknownAgency.body.type).toBe("https://marin-social.example/problems/agency-not-found");
    const notAdmin = await reauthorizeAtPublisher("fb-1001", { authorizedBy: raj }, sb.keys.readonly);
    expect(notAdmin.status).toBe(403);
    expect((await list("ids=fb-1001")).items[0]).toEqual(before);
  });

  it("POST /v1/accounts/{id}/token/reauthorize sets authorizedAt anew, keeps the authorizer when none is given, and takes a new one when given", async () => {
    const before = (await list("ids=tw-2004")).items[0] as Account;
    const same = await call("POST /v1/accounts/{id}/token/reauthorize", { params: { id: "tw-2004" }, body: { actor: "ops@agency.example" } });
    expect(same.status, same.text).toBe(200);
    expect(same.body.token.authorizedBy).toEqual(jane);
    expect(Date.parse(same.body.token.authorizedAt)).toBeGreaterThan(Date.parse(before.token.authorizedAt ?? ""));
    expect((await audit("tw-2004")).at(-1)).toMatchObject({ action: "token.reauthorize", actor: "ops@agency.example", authorizedBy: jane });

    const moved = await call("POST /v1/accounts/{id}/token/reauthorize", {
      params: { id: "tw-2004" },
      body: { actor: "ops@agency.example", authorizedBy: li },
    });
    expect(moved.body.token.authorizedBy).toEqual(li);
    expect(await ids(`authorizedBy=${jane.id}`)).not.toContain("tw-2004");
  });

  it("invalidating leaves who authorized the token; a reset restores the demo's people", async () => {
    const r = await call("POST /v1/accounts/{id}/token/invalidate", { params: { id: "fb-1004" }, body: { actor: "pulumi:p/s" } });
    expect(r.body.token).toMatchObject({ valid: false, authorizedBy: jane });
    await reauthorizeAtPublisher("fb-1001", { authorizedBy: raj });
    await call("POST /_sandbox/reset");
    expect(await ids(`authorizedBy=${jane.id}`)).toEqual(JANE);
    expect(await audit("fb-1001")).toEqual([]);
  });
});
