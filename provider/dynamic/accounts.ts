/**
 * `getAccounts` for programs on the dynamic path: the twin of the native plugin's
 * `marin-social:index:getAccounts` invoke, on the program's own connection (stack config
 * `marin-social:apiUrl` and `marin-social:apiKey`, or the environment) and the same token domain.
 *
 * ```ts
 * import { getAccounts } from "pulumi-marin-social";
 * const { accounts } = await getAccounts({ authorizedBy: "jane@agency.example" });
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { checkGetAccountsArgs, type GetAccountsArgs, type GetAccountsResult, getAccounts as readAccounts } from "../token/accounts";
import { assertProgramConnection, programLookup } from "./lookup";

export type { AccountState, GetAccountsArgs, GetAccountsResult } from "../token/accounts";

/**
 * Every account matching the filters (they combine; none lists every account), in id order,
 * read in pages (never one request per account); e.g. every token a person authorized:
 * `authorizedBy` is their publisher-side user id (exact) or email (any case). A read, so it runs
 * in preview too. Rejects with a `pulumi.RunError` naming each bad argument, or a bad
 * configuration, before anything is sent; a failed read rejects with the client's error.
 */
export async function getAccounts(args: GetAccountsArgs = {}): Promise<GetAccountsResult> {
  const { args: checked, failures } = checkGetAccountsArgs({ ...args });
  if (failures.length > 0) throw new pulumi.RunError(`getAccounts: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  assertProgramConnection();
  const api = programLookup().api;
  if (api instanceof Error) throw new pulumi.RunError(api.message);
  return readAccounts(api, checked);
}

/** {@link getAccounts} as an Output, for filters that are Outputs (a secret filter makes a secret result). */
export function getAccountsOutput(args: { [K in keyof GetAccountsArgs]?: pulumi.Input<GetAccountsArgs[K]> } = {}): pulumi.Output<GetAccountsResult> {
  return pulumi.output(args).apply((a) => getAccounts(a as GetAccountsArgs));
}
