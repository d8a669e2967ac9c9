// The /v1 routes of the sandbox: reads, invalidation, unlinking, re-authorization, scoping,
// versions, idempotency and concurrency. Every response is checked against the OpenAPI contract.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Account, AuditEntry } from "../../provider/core/types";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { turn } from "../support/manual-clock";
import { type CallOpts, contractCaller } from "../support/sandbox-call";

const contract = loadContract();
let sb: Sandbox;

const call = contractCaller(() => sb, contract);

const get = async (id: string): Promise<Account> => (await call("GET /v1/accounts/{id}", { params: { id } })).body;
const invalidate = (id: string, o: Omit<CallOpts, "params"> = {}) =>
  call("POST /v1/accounts/{id}/token/invalidate", { params: { id }, body: { actor: "ops@example.test", reason: "leaver" }, ...o });
const unlink = (agencyId: string, accountId: string, o: CallOpts = {}) =>
  call("DELETE /v1/agencies/{agencyId}/accounts/{accountId}", { params: { agencyId, accountId }, ...o });
const audit = async (query = ""): Promise<AuditEntry[]> => (await call("GET /v1/audit", { query })).body;

/** The wall clock's first ISO timestamp later than `t`, waiting turn by turn of the event loop for it to move. */
async function nextTimestampAfter(t: string): Promise<string> {
  for (;;) {
    const now = new Date().toISOString();
    if (now > t) return now;
    await turn();
  }
}
const listAll = async (query = ""): Promise<Account[]> => {
  const out: Account[] = [];
  let cursor: string | null = null;
  do {
    const q = [query, "limit=4", cursor ? `cursor=${encodeURIComponent(cursor)}` : ""].filter(Boolean).join("&");
    const r = await call("GET /v1/accounts", { query: q });
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
};

beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

describe("demo seed and reads", () => {
  it("holds the documented demo data", async () => {
    const agencies = (await call("GET /v1/agencies")).body as Array<{ id: string; name: string }>;
    expect(agencies.length).toBeGreaterThanOrEqual(3);
    expect(agencies).toContainEqual({ id: "ag-north", name: "North Agency" });
    const all = await listAll();
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(new Set(all.map((a) => a.publisher))).toEqual(new Set(["facebook", "twitter"]));
    const invalid = all.filter((a) => !a.token.valid);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.token.invalidatedBy).toMatch(/@/);
    expect(invalid[0]?.token.reason).toBeTruthy();
    expect(all.filter((a) => a.agencies.length === 0)).toHaveLength(1);
    expect(all.filter((a) => a.agencies.length >= 2).length).toBeGreaterThanOrEqual(3);
    const acme = all.find((a) => a.id === "fb-1001");
    expect(acme?.name).toBe("Acme Coffee");
    expect(acme?.agencies).toHaveLength(3);
    for (const a of all.filter((x) => x.token.valid)) {
      expect([a.token.invalidatedAt, a.token.invalidatedBy, a.token.reason]).toEqual([null, null, null]);
    }
  });

  it("pages in a stable id order and filters", async () => {
    const all = await listAll();
    const ids = all.map((a) => a.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    const oneShot = (await call("GET /v1/accounts", { query: "limit=500" })).body;
    expect(oneShot.items.map((a: Account) => a.id)).toEqual(ids);
    expect(oneShot.nextCursor).toBeNull();

    const twitter = await listAll("publisher=twitter");
    expect(twitter.length).toBeGreaterThan(0);
    expect(twitter.map((a) => a.id)).toEqual(all.filter((a) => a.publisher === "twitter").map((a) => a.id));
    const north = await listAll("agency=ag-north");
    expect(north.map((a) => a.id)).toEqual(all.filter((a) => a.agencies.some((g) => g.id === "ag-north")).map((a) => a.id));
    const invalid = await listAll("valid=false");
    expect(invalid.map((a) => a.id)).toEqual(all.filter((a) => !a.token.valid).map((a) => a.id));
    const both = await listAll("valid=true&publisher=facebook&agency=ag-south");
    expect(both.every((a) => a.token.valid && a.publisher === "facebook" && a.agencies.some((g) => g.id === "ag-south"))).toBe(true);

    const byIds = await call("GET /v1/accounts", { query: "ids=tw-2002,fb-1001,nope-1,fb-1003" });
    expect(byIds.body.items.map((a: Account) => a.id)).toEqual(["fb-1001", "fb-1003", "tw-2002"]);
  });

  it("reads one account with its version as ETag, and 404s an unknown one", async () => {
    const r = await call("GET /v1/accounts/{id}", { params: { id: "fb-1001" } });
    expect(r.headers.etag).toBe(`"${r.body.version}"`);
    const missing = await call("GET /v1/accounts/{id}", { params: { id: "fb-9999" } });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain("fb-9999");
  });
});

describe("invalidate", () => {
  it("invalidates once, idempotently, and keeps the agencies linked", async () => {
    const before = await get("fb-1001");
    const first = await invalidate("fb-1001");
    expect(first.status).toBe(200);
    expect(first.body.token).toMatchObject({ valid: false, invalidatedBy: "ops@example.test", reason: "leaver" });
    expect(first.body.version).toBe(before.version + 1);
    expect(first.body.agencies).toEqual(before.agencies);
    const again = await invalidate("fb-1001", { body: { actor: "someone-else", reason: "other" } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const entries = await audit("accountId=fb-1001");
    expect(entries).toEqual([
      { at: first.body.token.invalidatedAt, actor: "ops@example.test", action: "token.invalidate", accountId: "fb-1001", agencyId: null, reason: "leaver" },
    ]);
  });

  it("needs write scope on every linked agency", async () => {
    const denied = await invalidate("fb-1001", { key: sb.keys.agency("ag-north") });
    expect(denied.status).toBe(403);
    expect(denied.body.missingAgencies).toEqual(["ag-south", "ag-east"]);
    expect(denied.body.detail).toContain("ag-south");
    expect(denied.body.detail).toContain("ag-east");
    expect((await get("fb-1001")).token.valid).toBe(true);

    const readonly = await invalidate("fb-1002", { key: sb.keys.readonly });
    expect(readonly.status).toBe(403);
    expect(readonly.body.missingAgencies).toEqual(["ag-north"]);

    const own = await invalidate("fb-1002", { key: sb.keys.agency("ag-north") });
    expect(own.status).toBe(200);
    expect(own.body.token.valid).toBe(false);

    const orphanScoped = await invalidate("fb-1006", { key: sb.keys.agency("ag-north") });
    expect(orphanScoped.status).toBe(403);
    expect((await get("fb-1006")).agencies).toEqual([]);
    expect((await invalidate("fb-1006")).status).toBe(200);
    expect(await audit("accountId=fb-1001")).toEqual([]);
  });

  it("honours If-Match: a stale version is a 409 and changes nothing", async () => {
    const a = await get("tw-2001");
    const stale = await invalidate("tw-2001", { headers: { "if-match": `"${a.version + 1}"` } });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(a.version);
    expect(await get("tw-2001")).toEqual(a);
    const ok = await invalidate("tw-2001", { headers: { "if-match": `"${a.version}"` } });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(a.version + 1);
  });

  it("leaves exactly one audit entry under concurrent invalidations", async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => invalidate("tw-2004", { body: { actor: `actor-${i}`, reason: `r${i}` } })));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(200));
    const entries = (await audit("accountId=tw-2004")).filter((e) => e.action === "token.invalidate");
    expect(entries).toHaveLength(1);
    const final = await get("tw-2004");
    expect(final.token.invalidatedBy).toBe(entries[0]?.actor);
    for (const r of results) expect(r.body.token.invalidatedAt).toBe(final.token.invalidatedAt);
  });
});

describe("unlink", () => {
  it("unlinks one agency, keeps the token valid and records the actor", async () => {
    const before = await get("fb-1001");
    const r = await unlink("ag-south", "fb-1001", { key: sb.keys.agency("ag-south"), headers: { "x-actor": "pulumi:demo/dev" } });
    expect(r.status).toBe(204);
    const after = await get("fb-1001");
    expect(after.agencies.map((a) => a.id)).toEqual(["ag-north", "ag-east"]);
    expect(after.token).toEqual(before.token);
    expect(after.version).toBe(before.version + 1);
    expect(await audit("accountId=fb-1001")).toMatchObject([{ actor: "pulumi:demo/dev", action: "agency.unlink", accountId: "fb-1001", agencyId: "ag-south" }]);
    expect((await unlink("ag-south", "fb-1001")).status).toBe(404);
  });

  it("needs write scope on that agency, and 404s unknown links", async () => {
    const denied = await unlink("ag-south", "fb-1001", { key: sb.keys.agency("ag-north") });
    expect(denied.status).toBe(403);
    expect(denied.body.missingAgencies).toEqual(["ag-south"]);
    expect((await unlink("ag-north", "fb-1001", { key: sb.keys.readonly })).status).toBe(403);
    expect((await get("fb-1001")).agencies).toHaveLength(3);
    for (const [agency, account] of [
      ["ag-west", "fb-1001"],
      ["ag-north", "fb-9999"],
      ["ag-nowhere", "fb-1001"],
    ] as const) {
      const r = await unlink(agency, account);
      expect(r.status).toBe(404);
    }
    expect(await audit("accountId=fb-1001")).toEqual([]);
  });
});

describe("reauthorize", () => {
  it("issues a new fingerprint, validates the token and re-links agencies", async () => {
    const seeded = await get("fb-1007");
    expect(seeded.token.valid).toBe(false);
    expect((await unlink("ag-south", "fb-1007")).status).toBe(204);
    const r = await call("POST /v1/accounts/{id}/token/reauthorize", {
      params: { id: "fb-1007" },
      body: { actor: "jane@agency.example", agencies: ["ag-south", "ag-west"] },
    });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatchObject({ valid: true, invalidatedAt: null, invalidatedBy: null, reason: null });
    expect(r.body.token.fingerprint).not.toBe(seeded.token.fingerprint);
    expect(r.body.agencies.map((a: { id: string }) => a.id)).toEqual(["ag-south", "ag-west"]);
    expect(r.body.version).toBeGreaterThan(seeded.version);
    const actions = (await audit("accountId=fb-1007")).map((e) => `${e.action}:${e.agencyId ?? ""}`);
    expect(actions).toEqual(["token.invalidate:", "agency.unlink:ag-south", "token.reauthorize:", "agency.link:ag-south", "agency.link:ag-west"]);
  });

  it("is admin only, and an unknown agency is a 404 that changes nothing", async () => {
    const body = { actor: "x" };
    const scoped = await call("POST /v1/accounts/{id}/token/reauthorize", { params: { id: "fb-1007" }, body, key: sb.keys.agency("ag-south") });
    expect(scoped.status).toBe(403);
    const before = await get("fb-1007");
    const unknown = await call("POST /v1/accounts/{id}/token/reauthorize", { params: { id: "fb-1007" }, body: { actor: "x", agencies: ["ag-mars"] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain("ag-mars");
    expect(await get("fb-1007")).toEqual(before);
    expect((await call("POST /v1/accounts/{id}/token/reauthorize", { params: { id: "nope" }, body })).status).toBe(404);
  });
});

describe("idempotency keys and audit", () => {
  it("replays the first response for a repeated key and changes nothing", async () => {
    const headers = { "idempotency-key": "inv-tw-2002-1" };
    const body = { actor: "ops", reason: "leaver" };
    const first = await invalidate("tw-2002", { headers, body });
    expect(first.status).toBe(200);
    await call("POST /v1/accounts/{id}/token/reauthorize", { params: { id: "tw-2002" }, body: { actor: "ui" } });
    const replay = await invalidate("tw-2002", { headers, body });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect((await get("tw-2002")).token.valid).toBe(true);
    const reused = await invalidate("tw-2002", { headers, body: { actor: "ops", reason: "different" } });
    expect(reused.status).toBe(422);

    const k = { "idempotency-key": "unlink-1" };
    expect((await unlink("ag-south", "tw-2002", { headers: k })).status).toBe(204);
    const again = await unlink("ag-south", "tw-2002", { headers: k });
    expect(again.status).toBe(204);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect((await audit("accountId=tw-2002")).filter((e) => e.action === "agency.unlink")).toHaveLength(1);
  });

  it("filters the audit log by account and time, ordered by time", async () => {
    await invalidate("fb-1002");
    // Entries carry millisecond timestamps: take a `since` strictly between the two invalidations,
    // waiting for the clock to move past each one (a condition, not a sleep of a guessed length).
    const before = (await audit()).at(-1)!.at;
    const mid = await nextTimestampAfter(before);
    await nextTimestampAfter(mid);
    await invalidate("fb-1003");
    await unlink("ag-west", "fb-1003");
    const all = await audit();
    expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort());
    expect(all.map((e) => e.accountId)).toEqual(["fb-1007", "fb-1002", "fb-1003", "fb-1003"]);
    const since = await audit(`since=${encodeURIComponent(mid)}`);
    expect(since.map((e) => `${e.action}:${e.accountId}`)).toEqual(["token.invalidate:fb-1003", "agency.unlink:fb-1003"]);
    expect((await audit("accountId=fb-1002")).map((e) => e.action)).toEqual(["token.invalidate"]);
  });
});
