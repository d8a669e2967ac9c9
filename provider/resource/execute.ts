/**
 * Carries out a plan through the API client. The only place the provider
 * changes anything remotely.
 */
import { createHash } from "node:crypto";
import { applyAction, type Account, type Agency, type Plan } from "../core";
import { MarinSocialError } from "../core";
import type { MarinSocialClient } from "../client";

/** The outcome of one plan: the account as it now is, what was cut, and what failed. */
export interface Execution {
  account: Account;
  unlinked: Agency[];
  failures: Array<{ description: string; error: Error }>;
}

/**
 * The Idempotency-Key for invalidating one account at one version: the same
 * actor, account and version always give the same key, so a retried or re-run
 * invalidation is recognised by the server and recorded once.
 */
export function invalidationKey(actor: string, accountId: string, version: number): string {
  const digest = createHash("sha256").update(`${actor}\n${accountId}\n${version}`).digest("hex");
  return `pulumi-invalidate-${digest.slice(0, 32)}`;
}

/**
 * Executes `plan` against `live`. The invalidation goes first; if it fails the
 * error is thrown and nothing else is attempted. Unlinks then run concurrently;
 * each failure is collected (not thrown) so the caller can record partial
 * progress. An unlink answered `link-not-found` (the contract's answer that the account and
 * the agency exist but are not linked) means someone else already removed the link: it is not
 * counted as ours. Any other 404 (unknown account or agency, an unknown route) is a failure.
 */
export async function executePlan(client: MarinSocialClient, live: Account, plan: Plan): Promise<Execution> {
  let account = live;
  const invalidate = plan.actions.find((a) => a.kind === "invalidate");
  if (invalidate) {
    account = await client.invalidateToken(
      live.id,
      { actor: invalidate.actor, ...(invalidate.reason !== null ? { reason: invalidate.reason } : {}) },
      { idempotencyKey: invalidationKey(invalidate.actor, live.id, live.version) },
    );
  }
  const unlinks = plan.actions.filter((a) => a.kind === "unlink");
  const results = await Promise.allSettled(unlinks.map((a) => client.unlinkAgency(a.agency.id, a.accountId, { actor: a.actor })));
  const unlinked: Agency[] = [];
  const failures: Execution["failures"] = [];
  const at = new Date().toISOString();
  results.forEach((r, i) => {
    const action = unlinks[i]!;
    if (r.status === "fulfilled" || MarinSocialError.isInstance(r.reason, "link-not-found")) {
      if (r.status === "fulfilled") unlinked.push(action.agency);
      account = applyAction(account, action, at);
    } else {
      failures.push({ description: `unlink ${action.agency.name} (${action.agency.id})`, error: r.reason as Error });
    }
  });
  return { account, unlinked, failures };
}
