/**
 * Carries out a plan through the API client. The only place the provider
 * changes anything remotely.
 */
import { createHash } from "node:crypto";
import type { MarinSocialClient } from "../client";
import { type Account, type Agency, applyAction, type InvalidateAction, MarinSocialError, type Plan } from "../core";

/** The outcome of one plan: the account as it now is, what was cut, and what failed. */
export interface Execution {
  account: Account;
  unlinked: Agency[];
  failures: Array<{ description: string; error: Error }>;
}

/** One invalidation request: the body and the options the client sends it with. */
export interface InvalidationRequest {
  body: { actor: string; reason?: string };
  opts: { idempotencyKey: string; ifMatch?: number };
}

/**
 * The invalidation request for `action`, planned from the account at `version`; with `ifMatch`
 * that version is sent as If-Match. The Idempotency-Key is a digest of everything that makes the
 * request: the account, the body (actor and reason), If-Match, and the version it was planned
 * from. So the identical request always carries the same key (a retry, or a re-run after a crash,
 * is recognised by the server and recorded once), and any other request (another reason, another
 * actor, another version) carries another key: a key is never reused for a different body.
 */
export function invalidationRequest(action: InvalidateAction, version: number, ifMatch: boolean): InvalidationRequest {
  const body = { actor: action.actor, ...(action.reason !== null ? { reason: action.reason } : {}) };
  const made = JSON.stringify({ account: action.accountId, body, version, ifMatch });
  const idempotencyKey = `pulumi-invalidate-${createHash("sha256").update(made).digest("hex").slice(0, 32)}`;
  return { body, opts: ifMatch ? { idempotencyKey, ifMatch: version } : { idempotencyKey } };
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
    const request = invalidationRequest(invalidate, live.version, false);
    account = await client.invalidateToken(live.id, request.body, request.opts);
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
