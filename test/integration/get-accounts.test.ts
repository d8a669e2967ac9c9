// The dynamic path's program helper `getAccounts` (from the package's public entry), in process,
// on the program's connection from the environment, against the real sandbox: the filters, pages
// not one request per account, and bad arguments refused before anything is sent. Through the
// real CLI: test/e2e/get-accounts.test.ts.

import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getAccounts, getAccountsOutput } from "../../provider";
import { closeProgramLookup } from "../../provider/dynamic/lookup";
import { type TestSandbox, testSandbox } from "../support/sandbox";

let sb: TestSandbox;
const saved = { url: process.env.MARIN_SOCIAL_API_URL, key: process.env.MARIN_SOCIAL_API_KEY };

beforeEach(async () => {
  sb = await testSandbox();
  process.env.MARIN_SOCIAL_API_URL = sb.url;
  process.env.MARIN_SOCIAL_API_KEY = sb.sandbox.keys.readonly;
});
afterEach(async () => {
  await closeProgramLookup();
  for (const [name, value] of [
    ["MARIN_SOCIAL_API_URL", saved.url],
    ["MARIN_SOCIAL_API_KEY", saved.key],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await sb.close();
});

const listRequests = async () => Object.values((await sb.admin.sandbox.stats()).byRoute["GET /v1/accounts"] ?? {}).reduce((a, b) => a + b, 0);

describe("getAccounts (dynamic path)", () => {
  it("lists a person's accounts with the other filters, as the native invoke does", async () => {
    const { accounts } = await getAccounts({ authorizedBy: "jane@AGENCY.example" });
    expect(accounts.map((a) => a.accountId)).toEqual(["fb-1001", "fb-1004", "fb-1007", "tw-2001", "tw-2004"]);
    expect(accounts[0]).toEqual({
      accountId: "fb-1001",
      publisher: "facebook",
      name: "Acme Coffee",
      externalId: expect.any(String),
      valid: true,
      linkedAgencies: [
        { id: "ag-north", name: "North Agency" },
        { id: "ag-south", name: "South Agency" },
        { id: "ag-east", name: "East Agency" },
      ],
      invalidatedAt: null,
      invalidatedBy: null,
      reason: null,
      revokedOutsidePulumi: false,
      authorizedBy: { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" },
      authorizedAt: "2025-03-02T10:00:00.000Z",
    });
    expect((await getAccounts({ authorizedBy: "u-7001", valid: false })).accounts.map((a) => a.accountId)).toEqual(["fb-1007"]);
    expect((await getAccounts({ publisher: "twitter", agency: "ag-west" })).accounts.map((a) => a.accountId)).toEqual(["tw-2003", "tw-2004", "tw-2005"]);
    const out = await new Promise((resolve) => getAccountsOutput({ authorizedBy: Promise.resolve("u-7002") }).apply(resolve));
    expect((out as { accounts: Array<{ accountId: string }> }).accounts.map((a) => a.accountId)).toEqual([
      "fb-1002",
      "fb-1003",
      "tw-2002",
      "tw-2005",
      "tw-2007",
    ]);
  });

  it("reads 700 accounts of one person in two pages", async () => {
    await sb.admin.sandbox.addAccounts({ count: 700, idPrefix: "ana-", agencies: 3, authorizedBy: { id: "u-9001", name: "Ana Lima" } });
    await sb.admin.sandbox.resetStats();
    expect((await getAccounts({ authorizedBy: "u-9001" })).accounts).toHaveLength(700);
    expect(await listRequests()).toBe(2);
  });

  it("refuses bad or unknown filters, naming each, before anything is sent", async () => {
    await sb.admin.sandbox.resetStats();
    const bad = getAccounts({ authorizedBy: "jane\u0007@agency.example", publisher: "myspace", valid: "no", who: 1 } as never);
    await expect(bad).rejects.toThrow(
      /^getAccounts: who: unknown argument "who"; getAccounts takes authorizedBy, publisher, agency, valid; authorizedBy: authorizedBy must be a person's publisher-side user id or email, .*; publisher: publisher must be one of facebook, twitter, got "myspace"; valid: valid must be true or false, got "no"$/,
    );
    await expect(bad).rejects.toSatisfy((e: unknown) => pulumi.RunError.isInstance(e));
    expect(await listRequests()).toBe(0);
  });
});
