/** Account builders and fast-check arbitraries for the pure core's tests. */
import fc from "fast-check";
import type { Account, Agency, DesiredToken } from "../../provider/core";

export const AGENCIES: Agency[] = [
  { id: "ag-east", name: "East Agency" },
  { id: "ag-north", name: "North Agency" },
  { id: "ag-south", name: "South Agency" },
  { id: "ag-west", name: "West Agency" },
];

export function account(overrides: Partial<Account> & { token?: Partial<Account["token"]> } = {}): Account {
  const { token, ...rest } = overrides;
  return {
    id: "fb-1001",
    publisher: "facebook",
    externalId: "1234567890",
    name: "Acme Coffee",
    agencies: AGENCIES.slice(0, 3),
    version: 1,
    ...rest,
    token: {
      valid: true,
      fingerprint: "sha256:abc",
      invalidatedAt: null,
      invalidatedBy: null,
      reason: null,
      authorizedBy: null,
      authorizedAt: null,
      ...token,
    },
  };
}

export const arbAccount: fc.Arbitrary<Account> = fc
  .record({
    publisher: fc.constantFrom("facebook" as const, "twitter" as const),
    agencies: fc.subarray(AGENCIES),
    valid: fc.boolean(),
    by: fc.constantFrom("jane@agency.example", "pulumi:proj/dev", "pulumi:other/prod"),
  })
  .map(({ publisher, agencies, valid, by }) =>
    account({
      publisher,
      agencies,
      token: valid ? {} : { valid: false, invalidatedAt: "2026-01-01T00:00:00.000Z", invalidatedBy: by, reason: "left" },
    }),
  );

export const arbDesired: fc.Arbitrary<DesiredToken> = fc.record(
  {
    accountId: fc.constant("fb-1001"),
    valid: fc.boolean(),
    publisher: fc.constantFrom("facebook" as const, "twitter" as const),
    reason: fc.string({ maxLength: 20 }),
    expectAgencies: fc.subarray(AGENCIES.map((a) => a.id)),
  },
  { requiredKeys: ["accountId", "valid"] },
);
