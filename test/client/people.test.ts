// MarinSocialClient.accountsAuthorizedBy: a person's accounts, read page by page (never one
// request per account) from the real sandbox; and what it refuses to believe from a server.

import { afterEach, describe, expect, it } from "vitest";
import type { MarinSocialError } from "../../provider/client";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { account, clientFixture, json, rejection } from "./helpers";

const { jane, raj } = DEMO_PEOPLE;
const KEY = "test-key-people";
const { setup } = clientFixture((baseUrl, opts) => ({ baseUrl, apiKey: KEY, retry: { baseDelayMs: 5 }, ...opts }));

let sb: TestSandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

/** Requests of `GET /v1/accounts` the sandbox counted since its stats were last reset. */
const listRequests = async (t: TestSandbox) => {
  const byStatus = (await t.admin.sandbox.stats()).byRoute["GET /v1/accounts"] ?? {};
  return Object.values(byStatus).reduce((a, b) => a + b, 0);
};

describe("accountsAuthorizedBy on the sandbox", () => {
  it("returns the demo person's accounts whole, by id or by email in any case, with the other filters", async () => {
    sb = await testSandbox();
    const byId = await sb.admin.accountsAuthorizedBy(jane.id);
    expect(byId.map((a) => a.id)).toEqual(["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"]);
    expect(await sb.admin.accountsAuthorizedBy("JANE@agency.example")).toEqual(byId);
    const revoked = byId.find((a) => a.id === "fb-1007");
    expect(revoked).toMatchObject({ name: "Granite Fitness", publisher: "facebook", agencies: [{ id: "ag-south", name: "South Agency" }] });
    expect(revoked?.token).toMatchObject({ valid: false, authorizedBy: jane, authorizedAt: "2025-02-10T13:00:00.000Z" });
    expect((await sb.admin.accountsAuthorizedBy(jane.email, { valid: true, publisher: "twitter", agency: "ag-south" })).map((a) => a.id)).toEqual(["tw-2004"]);
    expect((await sb.admin.listAccounts({ authorizedBy: raj.id, agency: "ag-west" })).map((a) => a.id)).toEqual(["fb-1003", "tw-2005"]);
    expect(await sb.admin.accountsAuthorizedBy("nobody@agency.example")).toEqual([]);
  });

  it("reads 1,200 of a person's accounts among 2,000 in ceil(1200 / page) requests", async () => {
    sb = await testSandbox({ seed: "none" });
    const ana = { id: "u-9001", name: "Ana Lima", email: "ana@agency.example" };
    await sb.admin.sandbox.addAccounts({ count: 400, idPrefix: "before-", agencies: 5 });
    const hers = await sb.admin.sandbox.addAccounts({ count: 1200, idPrefix: "ana-", agencies: 5, authorizedBy: ana });
    await sb.admin.sandbox.addAccounts({ count: 400, idPrefix: "zz-", agencies: 5, authorizedBy: { id: "u-9002", name: "Someone Else" } });

    await sb.admin.sandbox.resetStats();
    const all = await sb.admin.accountsAuthorizedBy(ana.email);
    expect(all.map((a) => a.id)).toEqual(hers.ids);
    expect(all.every((a) => a.agencies.length > 0 && a.token.authorizedBy?.id === ana.id)).toBe(true);
    expect(await listRequests(sb)).toBe(3); // 500 + 500 + 200

    await sb.admin.sandbox.resetStats();
    expect(await sb.admin.accountsAuthorizedBy(ana.id, { limit: 100 })).toHaveLength(1200);
    expect(await listRequests(sb)).toBe(12);
  });

  it("sees a re-authorization and a newly connected account at once (nothing cached)", async () => {
    sb = await testSandbox();
    await sb.admin.sandbox.reauthorizeAtPublisher("fb-1002", { authorizedBy: jane });
    await sb.admin.sandbox.addAccounts({ accounts: [{ id: "tw-2100", publisher: "twitter", name: "Brand New", agencies: ["ag-east"], authorizedBy: jane }] });
    const ids = (await sb.admin.accountsAuthorizedBy(jane.id)).map((a) => a.id);
    expect(ids).toEqual(["fb-1001", "fb-1002", "fb-1004", "fb-1007", "tw-2001", "tw-2004", "tw-2100"]);
  });

  it("refuses a person that is not an id or email of the contract, sending nothing", async () => {
    sb = await testSandbox();
    await sb.admin.sandbox.resetStats();
    for (const bad of ["", "   ", "jane\n@agency.example", "x".repeat(255), 42 as unknown as string]) {
      const e = (await rejection(sb.admin.accountsAuthorizedBy(bad))) as MarinSocialError;
      expect(e.code, JSON.stringify(bad)).toBe("bad-request");
      expect(e.message).toContain("person");
    }
    expect(await listRequests(sb)).toBe(0);
  });
});

describe("accountsAuthorizedBy against a server that misbehaves", () => {
  it("refuses a page listing an account the person did not authorize (a server that ignores the filter)", async () => {
    const theirs = account("fb-1", { token: { ...account("fb-1").token, authorizedBy: { id: "u-1", name: "Jane", email: "jane@agency.example" } } });
    const someoneElse = account("fb-2", { token: { ...account("fb-2").token, authorizedBy: { id: "u-2", name: "Raj" } } });
    const { s, c } = await setup((_hit, res) => json(res, 200, { items: [theirs, someoneElse], nextCursor: null }));
    const e = (await rejection(c.accountsAuthorizedBy("Jane@Agency.example"))) as MarinSocialError;
    expect(e.code).toBe("server");
    expect(e.message).toContain(`"fb-2"`);
    expect(e.message).toContain("may ignore the authorizedBy filter");
    expect(s.hits[0]?.query.get("authorizedBy")).toBe("Jane@Agency.example");
    expect(s.hits[0]?.query.get("limit")).toBe("500");
  });

  it("refuses a page whose item is not an account of the contract, and an account with no authorizer", async () => {
    const noPerson = account("fb-3");
    const { c } = await setup((_hit, res) => json(res, 200, { items: [noPerson], nextCursor: null }));
    expect(((await rejection(c.accountsAuthorizedBy("u-1"))) as MarinSocialError).code).toBe("server");
    const { c: c2 } = await setup((_hit, res) => json(res, 200, { items: [{ id: "fb-4" }], nextCursor: null }));
    const e = (await rejection(c2.accountsAuthorizedBy("u-1"))) as MarinSocialError;
    expect(e.code).toBe("server");
    expect(e.message).toContain("items[0]");
  });
});
