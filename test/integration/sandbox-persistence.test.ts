// Durable state on a SQLite file (restart loses nothing), seeds (demo, none, file), extra keys,
// and clear start-up errors.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { openSqlite } from "../../provider/sandbox/db";
import { type CallOpts, callSandbox } from "../support/sandbox-call";

const contract = loadContract();
const dir = mkdtempSync(path.join(tmpdir(), "marin-sandbox-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Calls `op` on `sb` with `key` (default admin) and checks the response against the contract. */
const call = (sb: Sandbox, op: string, o?: CallOpts) => callSandbox(sb, contract, op, o);

/** Everything observable through the API. */
async function snapshot(sb: Sandbox) {
  const items: unknown[] = [];
  let cursor: string | null = null;
  do {
    const r = await call(sb, "GET /v1/accounts", { query: `limit=500${cursor ? `&cursor=${cursor}` : ""}` });
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return { items, agencies: (await call(sb, "GET /v1/agencies")).body, audit: (await call(sb, "GET /v1/audit")).body };
}

const INVALIDATE = "POST /v1/accounts/{id}/token/invalidate";

describe("persistence", () => {
  it("keeps every write across a restart on the same file, and does not seed again", async () => {
    const db = path.join(dir, "restart.db");
    let sb = await startSandbox({ db });
    const first = await call(sb, INVALIDATE, {
      path: "/v1/accounts/fb-1001/token/invalidate",
      body: { actor: "ops", reason: "leaver" },
      headers: { "idempotency-key": "k-1" },
    });
    expect(first.status).toBe(200);
    expect((await call(sb, "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", { path: "/v1/agencies/ag-east/accounts/fb-1001" })).status).toBe(204);
    expect((await call(sb, "POST /_sandbox/accounts", { body: { count: 120, agencies: 5 } })).status).toBe(201);
    const before = await snapshot(sb);
    await sb.close();

    const raw = openSqlite(db);
    expect(raw.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    raw.close();

    sb = await startSandbox({ db, seed: "demo" });
    try {
      expect(await snapshot(sb)).toEqual(before);
      expect(before.items).toHaveLength(134);
      const replay = await call(sb, INVALIDATE, {
        path: "/v1/accounts/fb-1001/token/invalidate",
        body: { actor: "ops", reason: "leaver" },
        headers: { "idempotency-key": "k-1" },
      });
      expect(replay.headers["idempotent-replayed"]).toBe("true");
      expect(replay.body).toEqual(first.body);
      expect((await call(sb, "POST /_sandbox/reset")).body).toEqual({ agencies: 4, accounts: 14 });
    } finally {
      await sb.close();
    }
    sb = await startSandbox({ db, seed: "none" });
    try {
      const after = await snapshot(sb);
      expect(after.items).toHaveLength(14);
      expect(after.audit).toHaveLength(1);
    } finally {
      await sb.close();
    }
  });
});

describe("seeds", () => {
  it("starts empty with seed none", async () => {
    const sb = await startSandbox({ seed: "none" });
    try {
      expect((await call(sb, "GET /v1/accounts")).body).toEqual({ items: [], nextCursor: null });
      expect((await call(sb, "GET /v1/agencies")).body).toEqual([]);
    } finally {
      await sb.close();
    }
  });

  it("loads a JSON seed file and restores it on reset", async () => {
    const file = path.join(dir, "seed.json");
    writeFileSync(
      file,
      JSON.stringify({
        agencies: [
          { id: "ag-a", name: "A Agency" },
          { id: "ag-b", name: "B Agency" },
        ],
        accounts: [
          { id: "fb-1", publisher: "facebook", name: "One", agencies: ["ag-a", "ag-b"], externalId: "9001" },
          {
            id: "tw-1",
            publisher: "twitter",
            name: "Two",
            agencies: ["ag-b"],
            valid: false,
            invalidatedBy: "amy@agency.example",
            invalidatedAt: "2026-02-01T10:00:00Z",
          },
        ],
      }),
    );
    const sb = await startSandbox({ seed: file });
    try {
      const one = await call(sb, "GET /v1/accounts/{id}", { path: "/v1/accounts/fb-1" });
      expect(one.body).toMatchObject({
        externalId: "9001",
        agencies: [
          { id: "ag-a", name: "A Agency" },
          { id: "ag-b", name: "B Agency" },
        ],
      });
      const two = await call(sb, "GET /v1/accounts/{id}", { path: "/v1/accounts/tw-1" });
      expect(two.body.token).toMatchObject({ valid: false, invalidatedBy: "amy@agency.example", invalidatedAt: "2026-02-01T10:00:00.000Z" });
      await call(sb, INVALIDATE, { path: "/v1/accounts/fb-1/token/invalidate", body: { actor: "x" }, key: sb.keys.agency("ag-a") }).then((r) =>
        expect(r.status).toBe(403),
      );
      await call(sb, INVALIDATE, { path: "/v1/accounts/fb-1/token/invalidate", body: { actor: "x" } });
      await call(sb, "POST /_sandbox/reset");
      expect((await call(sb, "GET /v1/accounts/{id}", { path: "/v1/accounts/fb-1" })).body).toEqual(one.body);
    } finally {
      await sb.close();
    }
  });

  it.each([
    ["not JSON", "{", /seed file .*bad-1\.json/],
    ["a wrong type", JSON.stringify({ agencies: [], accounts: [{ id: "fb-1", publisher: "myspace", name: "x", agencies: [] }] }), /\/accounts\/0\/publisher/],
    [
      "an unknown agency",
      JSON.stringify({ agencies: [], accounts: [{ id: "fb-1", publisher: "facebook", name: "x", agencies: ["ag-z"] }] }),
      /\/accounts\/0\/agencies\/0: unknown agency "ag-z"/,
    ],
    [
      "a duplicate id",
      JSON.stringify({
        agencies: [],
        accounts: [
          { id: "fb-1", publisher: "facebook", name: "x", agencies: [] },
          { id: "fb-1", publisher: "facebook", name: "y", agencies: [] },
        ],
      }),
      /\/accounts\/1\/id/,
    ],
  ])("rejects a seed file with %s, naming the file and where", async (_, text, message) => {
    const file = path.join(dir, `bad-${text.length % 7}.json`);
    writeFileSync(file, text);
    await expect(startSandbox({ seed: file })).rejects.toThrow(message);
  });
});

describe("keys and start-up errors", () => {
  it("accepts extra keys with their scopes and never shows them", async () => {
    const secret = "extra-admin-4c1d77e2";
    const sb = await startSandbox({
      extraKeys: [
        { key: secret, scope: "admin" },
        { key: "extra-ro-91", scope: "readonly" },
        { key: "extra-north-55", scope: { agency: "ag-north" } },
      ],
    });
    try {
      expect((await call(sb, "GET /_sandbox/stats", { key: secret })).status).toBe(200);
      expect((await call(sb, INVALIDATE, { path: "/v1/accounts/fb-1002/token/invalidate", body: { actor: "x" }, key: "extra-ro-91" })).status).toBe(403);
      expect((await call(sb, INVALIDATE, { path: "/v1/accounts/fb-1002/token/invalidate", body: { actor: "x" }, key: "extra-north-55" })).status).toBe(200);
      const del = await call(sb, "DELETE /v1/agencies/{agencyId}/accounts/{accountId}", { path: "/v1/agencies/ag-west/accounts/fb-1003", key: secret });
      expect(del.status).toBe(204);
      const log = await call(sb, "GET /v1/audit", { query: "accountId=fb-1003", key: secret });
      expect(log.body[0].actor).toBe("apikey:extra-1");
      expect(log.text).not.toContain(secret);
    } finally {
      await sb.close();
    }
  });

  it("fails clearly on a port in use and an unusable database", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startSandbox({ port })).rejects.toThrow(/in use/);
    } finally {
      blocker.close();
    }
    await expect(startSandbox({ db: path.join(dir, "no", "such", "dir", "x.db") })).rejects.toThrow(/sandbox database/);
    const notDb = path.join(dir, "not-a-db.db");
    writeFileSync(notDb, "hello, this is not sqlite".repeat(100));
    await expect(startSandbox({ db: notDb })).rejects.toThrow(/sandbox database/);
  });
});
