/**
 * The functions of the package, for programs (`fn::invoke` in Pulumi YAML, and every SDK):
 * `marin-social:index:getAccount`, the live state of one account, and
 * `marin-social:index:getAccounts`, every account matching filters (e.g. every token a person
 * authorized). A fresh read every time; read-only, so they also run during preview.
 */
import { isNotFound, type MarinSocialClient } from "../client";
import { satisfies } from "../core/rules";
import { ACCOUNT_ID } from "../generated/contract";
import { accountState, checkGetAccountsArgs, getAccounts as readAccounts } from "../token/accounts";
import { notFoundMessage } from "../token/errors";
import type { Failure } from "./token";

/** A function's result, or the failures that explain why there is none. */
export interface InvokeOutcome {
  result?: Record<string, unknown>;
  failures: Failure[];
}

/** `getAccount`: one account's live state; a failure when it does not exist. */
export async function getAccount(client: () => MarinSocialClient, args: Record<string, unknown>): Promise<InvokeOutcome> {
  const { accountId } = args;
  const unknownArgs = Object.keys(args).filter((k) => k !== "accountId");
  if (unknownArgs.length > 0) {
    return { failures: unknownArgs.map((k) => ({ property: k, reason: `unknown argument "${k}"; getAccount takes accountId` })) };
  }
  if (typeof accountId !== "string" || !satisfies(ACCOUNT_ID, accountId)) {
    return {
      failures: [
        { property: "accountId", reason: `accountId must be a Marin Social account id such as "fb-1001", got ${JSON.stringify(accountId) ?? "nothing"}` },
      ],
    };
  }
  try {
    return { result: { ...accountState(await client().getAccount(accountId)) }, failures: [] };
  } catch (err) {
    if (isNotFound(err)) return { failures: [{ property: "accountId", reason: notFoundMessage(accountId) }] };
    throw err;
  }
}

/** `getAccounts`: every account matching the filters (`authorizedBy`, `publisher`, `agency`, `valid`), read in pages. */
export async function getAccounts(client: () => MarinSocialClient, raw: Record<string, unknown>): Promise<InvokeOutcome> {
  const { args, failures } = checkGetAccountsArgs(raw);
  if (failures.length > 0) return { failures };
  return { result: { ...(await readAccounts(client(), args)) }, failures: [] };
}
