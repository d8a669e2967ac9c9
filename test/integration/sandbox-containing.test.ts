// `GET /v1/accounts?containing=<id>`: the page of the list (cut every `limit` accounts from its
// first) that lists an id, or would list it. What the read-ahead relies on: the page holds the
// id's position, pages never overlap, and filters and `cursor` combine as the contract says.
// Every response is checked against the OpenAPI contract.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../provider/core/types";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { contractCaller } from "../support/sandbox-call";

const contract = loadContract();
let sb: Sandbox;
const call = contractCaller(() => sb, contract);
const ids = async (query: string): Promise<{ ids: string[]; next: string | null }> => {
  const r = await call("GET /v1/accounts", { query });
  expect(r.status, r.text).toBe(200);
  return { ids: (r.body.items as Account[]).map((a) => a.id), next: r.body.nextCursor };
};

beforeAll(async () => {
  sb = await startSandbox({ port: 0 }); // the demo seed: 14 accounts, fb-1001..fb-1008, tw-2001..
});
afterAll(async () => sb?.close());

describe("GET /v1/accounts?containing=", () => {
  it("answers, for every account and limit, the page of the list that holds it", async () => {
    const all = (await ids("limit=500")).ids;
    expect(all.length).toBeGreaterThan(10);
    for (const limit of [1, 3, 5, 500]) {
      const pages = Array.from({ length: Math.ceil(all.length / limit) }, (_, k) => all.slice(k * limit, (k + 1) * limit));
      for (const [i, id] of all.entries()) {
        const page = await ids(`containing=${id}&limit=${limit}`);
        const k = Math.floor(i / limit);
        expect(page.ids, `${id}, limit ${limit}`).toEqual(pages[k]);
        expect(page.next === null, `${id}, limit ${limit}`).toBe(k === pages.length - 1);
      }
    }
  });

  it("an id that does not exist: the page where it would be listed", async () => {
    const all = (await ids("limit=500")).ids;
    expect((await ids("containing=fb-1001a&limit=2")).ids).toEqual(all.slice(0, 2)); // fb-1001 < fb-1001a < fb-1002
    expect((await ids("containing=zz-9&limit=4")).ids).toEqual(all.slice(Math.floor(all.length / 4) * 4)); // past the end: the last page
    expect((await ids("containing=a-1&limit=4")).ids).toEqual(all.slice(0, 4)); // before the first
  });

  it("continues with the page's nextCursor, and combines with the filters", async () => {
    const all = (await ids("limit=500")).ids;
    const first = await ids(`containing=${all[4]}&limit=4`);
    expect(first.ids).toEqual(all.slice(4, 8));
    expect((await ids(`cursor=${encodeURIComponent(first.next!)}&limit=4`)).ids).toEqual(all.slice(8, 12));
    const twitter = (await ids("publisher=twitter&limit=500")).ids;
    expect((await ids(`publisher=twitter&containing=${twitter[2]}&limit=2`)).ids).toEqual(twitter.slice(2, 4));
  });

  it("refuses containing with cursor, and an id the contract does not allow, as 400", async () => {
    const first = await ids("limit=2");
    const both = await call("GET /v1/accounts", { query: `containing=fb-1001&cursor=${encodeURIComponent(first.next!)}` });
    expect(both.status).toBe(400);
    expect(both.body.detail).toContain('"cursor" and "containing"');
    expect((await call("GET /v1/accounts", { query: "containing=-bad" })).status).toBe(400);
  });
});
