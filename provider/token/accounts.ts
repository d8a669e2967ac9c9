/**
 * Accounts as the functions give them to programs, the same on both paths: `getAccount` (one
 * account) and `getAccounts` (every account matching filters, e.g. every token a person
 * authorized), served by the native plugin's invokes and by the dynamic path's program helpers.
 */
import type { MarinSocialClient } from "../client";
import { type Account, type Agency, type Person, PUBLISHERS, type Publisher, revokedOutsidePulumi, satisfies } from "../core";
import { AGENCY_ID, PERSON_REF } from "../generated/contract";
import type { InputFailure } from "./inputs";

/** One account's live state, as `getAccount` returns it and `getAccounts` lists it. */
export interface AccountState {
  accountId: string;
  publisher: Publisher;
  name: string;
  externalId: string;
  /** Whether the token is valid now. */
  valid: boolean;
  /** The agencies it is linked to, in the API's order. */
  linkedAgencies: Agency[];
  invalidatedAt: string | null;
  invalidatedBy: string | null;
  reason: string | null;
  /** True when the token is invalid and was not invalidated by Pulumi. */
  revokedOutsidePulumi: boolean;
  /** Who granted the token at the publisher, or null when not known. */
  authorizedBy: Person | null;
  /** When they last granted it, or null when not known. */
  authorizedAt: string | null;
}

/** The state of `a` as the functions return it. */
export function accountState(a: Account): AccountState {
  return {
    accountId: a.id,
    publisher: a.publisher,
    name: a.name,
    externalId: a.externalId,
    valid: a.token.valid,
    linkedAgencies: a.agencies.map((x) => ({ id: x.id, name: x.name })),
    invalidatedAt: a.token.invalidatedAt,
    invalidatedBy: a.token.invalidatedBy,
    reason: a.token.reason,
    revokedOutsidePulumi: revokedOutsidePulumi(a),
    authorizedBy: a.token.authorizedBy ? { ...a.token.authorizedBy } : null,
    authorizedAt: a.token.authorizedAt,
  };
}

/** The filters of `getAccounts`; they combine (AND), and none lists every account. */
export interface GetAccountsArgs {
  /** The person who authorized the tokens: their publisher-side user id (exact) or email (any case). */
  authorizedBy?: string;
  /** Only this publisher's accounts. */
  publisher?: Publisher;
  /** Only accounts linked to this agency id. */
  agency?: string;
  /** Only accounts whose token is (true) or is not (false) valid. */
  valid?: boolean;
}

/** What `getAccounts` returns: the accounts, in id order. */
export interface GetAccountsResult {
  accounts: AccountState[];
}

/** The argument names of `getAccounts`, in the order they are documented. */
export const GET_ACCOUNTS_ARGS = ["authorizedBy", "publisher", "agency", "valid"] as const;

/**
 * Checks `getAccounts` arguments as a program gave them (nulls count as left out). Returns the
 * arguments, or a failure for each bad or unknown one, saying what it must be.
 */
export function checkGetAccountsArgs(raw: Record<string, unknown>): { args: GetAccountsArgs; failures: InputFailure[] } {
  const failures: InputFailure[] = [];
  const args: GetAccountsArgs = {};
  const given = (k: string) => raw[k] !== undefined && raw[k] !== null;
  for (const k of Object.keys(raw)) {
    if (!(GET_ACCOUNTS_ARGS as readonly string[]).includes(k)) {
      failures.push({ property: k, reason: `unknown argument "${k}"; getAccounts takes ${GET_ACCOUNTS_ARGS.join(", ")}` });
    }
  }
  const bad = (property: string, must: string) =>
    failures.push({ property, reason: `${property} must be ${must}, got ${JSON.stringify(raw[property]) ?? String(raw[property])}` });
  if (given("authorizedBy")) {
    if (satisfies(PERSON_REF, raw.authorizedBy)) args.authorizedBy = raw.authorizedBy;
    else bad("authorizedBy", PERSON_REF.description);
  }
  if (given("publisher")) {
    if (PUBLISHERS.includes(raw.publisher as Publisher)) args.publisher = raw.publisher as Publisher;
    else bad("publisher", `one of ${PUBLISHERS.join(", ")}`);
  }
  if (given("agency")) {
    if (satisfies(AGENCY_ID, raw.agency)) args.agency = raw.agency;
    else bad("agency", AGENCY_ID.description);
  }
  if (given("valid")) {
    if (typeof raw.valid === "boolean") args.valid = raw.valid;
    else bad("valid", "true or false");
  }
  return { args, failures };
}

/**
 * Every account matching `args`, read page by page (a person's accounts through
 * {@link MarinSocialClient.accountsAuthorizedBy}, which checks that each one is theirs).
 */
export async function getAccounts(client: MarinSocialClient, args: GetAccountsArgs): Promise<GetAccountsResult> {
  const { authorizedBy, ...rest } = args;
  const accounts = authorizedBy === undefined ? await client.listAccounts(rest) : await client.accountsAuthorizedBy(authorizedBy, rest);
  return { accounts: accounts.map(accountState) };
}
