/**
 * `marin-social:index:getAccount`: the live state of one account, for programs (`fn::invoke` in
 * Pulumi YAML). A fresh read every time; read-only, so it also runs during preview.
 */
import { isNotFound, type MarinSocialClient } from "../client";
import { revokedOutsidePulumi } from "../core";
import { satisfies } from "../core/rules";
import { ACCOUNT_ID } from "../generated/contract";
import { notFoundMessage } from "../token/errors";
import type { Failure } from "./token";

/** The function's result, or the failures that explain why there is none. */
export async function getAccount(
  client: () => MarinSocialClient,
  args: Record<string, unknown>,
): Promise<{ result?: Record<string, unknown>; failures: Failure[] }> {
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
    const a = await client().getAccount(accountId);
    const result = {
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
    };
    return { result, failures: [] };
  } catch (err) {
    if (isNotFound(err)) return { failures: [{ property: "accountId", reason: notFoundMessage(accountId) }] };
    throw err;
  }
}
