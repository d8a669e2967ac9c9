/**
 * The PublisherToken lifecycle: check, diff, create, read, update. This is the
 * real provider; the serialized `__provider` is only a shim that loads it (see shim.ts).
 *
 * delete is deliberately absent: a revoked token cannot be un-revoked, so
 * deleting a PublisherToken (or `pulumi destroy`) only stops managing it and
 * changes nothing in Marin Social.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { MarinSocialError, planToken, type Account, type Agency } from "../core";
import type { LiveToken } from "../core/plan";
import { ReadAhead, type MarinSocialClient } from "../client";
import { executePlan, invalidationRequest } from "./execute";
import { checkInputs, hasUnknown, type TokenInputs } from "./inputs";
import { isRefusedInPreview, liveFromObservation, observe, type Observation } from "./observation";
import { buildOutputs, storedAgencies, type TokenOutputs } from "./outputs";
import { accountMissingError, PartialFailure, refusedError } from "./errors";
import { refusalOf } from "./refusal";

/** Properties whose change is an update; `accountId` replaces. */
export const DIFF_KEYS = ["valid", "reason", "expectAgencies"] as const;

/** The provider implementation, given a way to get the API client. */
export class TokenLifecycle implements dynamic.ResourceProvider {
  /** The read-ahead of the current client: a new client (each Configure, i.e. each engine operation) starts a new one. */
  private readAhead: { client: MarinSocialClient; reads: ReadAhead } | undefined;

  constructor(private readonly client: () => MarinSocialClient) {}

  /**
   * Validates inputs and, from the program's observation (no API call: the engine checks one
   * resource at a time), refuses what refusal.ts refuses: two resources for one account, an
   * unknown account, a failed lookup, a publisher mismatch, the expectAgencies guard, and
   * `valid: true` on a revoked token. The program registers refused tokens after all others,
   * so this failure stops nothing that can proceed; in a preview it sends them marked
   * {@link REFUSED_IN_PREVIEW}, so the preview (which `pulumi up` runs first) does not fail,
   * not even on inputs check would reject (program-tokens.ts).
   */
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    if (isRefusedInPreview(news.observed)) return { inputs: news, failures: [] };
    const { inputs, failures } = checkInputs(news);
    if (failures.length > 0) return { inputs: news, failures };
    const observed = inputs.observed;
    if (observed && !hasUnknown(inputs.accountId) && typeof inputs.valid === "boolean" && !hasUnknown(inputs.expectAgencies)) {
      const refusal = refusalOf({ desired: inputs, observed, actor: inputs.actor, ...(inputs.duplicates ? { duplicates: inputs.duplicates } : {}) });
      if (refusal) failures.push({ property: refusal.property, reason: refusal.message });
    }
    return { inputs: { ...inputs }, failures };
  }

  /**
   * Changes on valid, reason and expectAgencies, or when the newest view of the account needs
   * work; accountId replaces. The newest view is the program's lookup (`observed`) in `pulumi up`,
   * and the outputs in `pulumi refresh`, where the engine diffs the refreshed outputs against the
   * stored inputs (whose lookup predates the last `up`): the account versions tell them apart.
   */
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    const replaces = olds.accountId !== news.accountId ? ["accountId"] : [];
    const changed = DIFF_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    let work = false;
    const { inputs, failures } = checkInputs(news);
    if (failures.length === 0 && !hasUnknown(inputs.valid)) {
      const live = newestView(inputs.accountId, olds, inputs.observed);
      if (live) work = planToken(inputs, live, { actor: inputs.actor }).actions.length > 0;
    }
    // Renamed at the publisher: the recorded name and the one looked up differ (in refresh the
    // outputs are the newer, in up the lookup), so refresh shows it and up records it.
    const seen = inputs.observed?.status === "found" ? inputs.observed : undefined;
    if (seen && typeof olds.accountName === "string" && olds.accountName !== seen.name) work = true;
    return { changes: replaces.length > 0 || changed.length > 0 || work, replaces, deleteBeforeReplace: false };
  }

  /** Adopts the existing account and reconciles it; there is nothing to create remotely. */
  async create(news: Record<string, unknown>): Promise<dynamic.CreateResult> {
    const inputs = validInputs(news);
    const outs = await this.reconcile(inputs, [], news);
    return { id: inputs.accountId, outs };
  }

  /** Reconciles again from fresh live state, keeping what earlier runs unlinked. */
  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult> {
    const inputs = validInputs(news);
    return { outs: await this.reconcile(inputs, storedAgencies(olds, "unlinkedAgencies"), news) };
  }

  /**
   * Returns the live state, and inputs that match it (so drift shows as a property change:
   * `valid: true => false`). Only a definite "this account does not exist" (`account-not-found`:
   * the contract's problem type, or an id absent from a successful batch) returns "gone"; every
   * other failure throws, so refresh fails and state keeps the resource (and its history).
   * `current`: the account as just read by the caller (the native plugin reads ahead in pages).
   * The account comes from the pages read ahead when they hold it (read-ahead.ts: at most a few
   * seconds old, and never from an earlier operation), else from a read of its own.
   */
  async read(id: string, props: Record<string, unknown>, current?: Account): Promise<dynamic.ReadResult> {
    let live: Account;
    try {
      live = current ?? (await this.reads().get(id));
    } catch (err) {
      if (MarinSocialError.isInstance(err, "account-not-found")) return { id: "" };
      throw err;
    }
    const inputs: TokenInputs = { accountId: id, valid: live.token.valid, actor: String(props.actor ?? "") };
    if (typeof props.publisher === "string") inputs.publisher = live.publisher;
    if (typeof props.reason === "string") inputs.reason = props.reason;
    if (Array.isArray(props.expectAgencies)) inputs.expectAgencies = props.expectAgencies as string[];
    inputs.observed = observe(live);
    const outs = buildOutputs(inputs, live, storedAgencies(props, "unlinkedAgencies"));
    return { id, props: outs, inputs };
  }

  private reads(): ReadAhead {
    const client = this.client();
    if (this.readAhead?.client !== client) this.readAhead = { client, reads: new ReadAhead(client) };
    return this.readAhead.reads;
  }

  /**
   * When the program observed a valid token that is to be invalidated, invalidates it straight
   * away with `If-Match: <observed version>` instead of reading it first: the server refuses
   * with 409 if anything changed since the observation (then the caller reads and plans anew),
   * and answers with the account, from which the unlinks are planned. Saves one read per token.
   * Returns undefined when it does not apply or on a conflict.
   */
  private async invalidateAsObserved(client: MarinSocialClient, inputs: TokenInputs): Promise<Account | undefined> {
    const obs = inputs.observed;
    if (obs?.status !== "found" || obs.version === undefined) return undefined;
    const plan = planToken(inputs, liveFromObservation(inputs.accountId, obs), { actor: inputs.actor });
    const first = plan.actions[0];
    if (plan.refusal || first?.kind !== "invalidate") return undefined;
    const request = invalidationRequest(first, obs.version, true);
    try {
      return await client.invalidateToken(inputs.accountId, request.body, request.opts);
    } catch (err) {
      if (MarinSocialError.isInstance(err, "conflict")) return undefined;
      throw err;
    }
  }

  /** `news` are the raw inputs: a partial failure's recorded outputs keep their `__provider` (see PartialFailure). */
  private async reconcile(inputs: TokenInputs, alreadyUnlinked: Agency[], news: Record<string, unknown>): Promise<TokenOutputs> {
    const client = this.client();
    // This changes the account: what was read ahead of it is stale from here on.
    if (this.readAhead?.client === client) this.readAhead.reads.forget(inputs.accountId);
    const justInvalidated = await this.invalidateAsObserved(client, inputs);
    const live = justInvalidated ?? (await readLive(client, inputs.accountId));
    const plan = planToken(inputs, live, { actor: inputs.actor });
    if (plan.refusal) throw refusedError(plan.refusal);
    if (!justInvalidated && alreadyUnlinked.length === 0 && !live.token.valid && live.token.invalidatedBy === inputs.actor) {
      alreadyUnlinked = await unlinkedEarlier(client, live);
    }
    const run = await executePlan(client, live, plan);
    const outs = buildOutputs(inputs, run.account, [...alreadyUnlinked, ...run.unlinked]);
    if (run.failures.length > 0) throw new PartialFailure(inputs.accountId, { ...outs, __provider: news.__provider }, run.failures);
    return outs;
  }
}

/**
 * What this actor already unlinked from the account, from the audit log. Used only when state
 * has no record but the token was invalidated by this very stack: a run that crashed after
 * invalidating (or a resource re-declared after `pulumi state delete`). Costs two reads, rarely.
 */
async function unlinkedEarlier(client: MarinSocialClient, live: Account): Promise<Agency[]> {
  const since = live.token.invalidatedAt ?? undefined;
  const entries = await client.audit({ accountId: live.id, ...(since ? { since } : {}) });
  const ids = new Set(
    entries.filter((e) => e.action === "agency.unlink" && e.actor === live.token.invalidatedBy && e.agencyId).map((e) => e.agencyId!),
  );
  if (ids.size === 0) return [];
  const names = new Map((await client.listAgencies()).map((a) => [a.id, a.name]));
  return [...ids].map((id) => ({ id, name: names.get(id) ?? id }));
}

/**
 * The newest view of the account for diff: the outputs when they were read at a version at least
 * as new as the program's lookup (or there is no usable lookup), else the lookup. Outputs of an
 * older version of this package carry no version and lose to any lookup.
 */
function newestView(accountId: string, olds: Record<string, unknown>, observed: Observation | undefined): LiveToken | undefined {
  const lookup = observed?.status === "found" ? observed : undefined;
  const recorded = typeof olds.version === "number" && typeof olds.valid === "boolean" ? olds.version : undefined;
  if (recorded !== undefined && (!lookup || (lookup.version !== undefined && recorded >= lookup.version))) {
    return {
      id: accountId,
      publisher: olds.publisher as LiveToken["publisher"],
      name: String(olds.accountName ?? accountId),
      agencies: storedAgencies(olds, "linkedAgencies"),
      token: {
        valid: olds.valid as boolean,
        invalidatedAt: (olds.invalidatedAt as string | null) ?? null,
        invalidatedBy: (olds.invalidatedBy as string | null) ?? null,
        reason: null,
      },
    };
  }
  return lookup ? liveFromObservation(accountId, lookup) : undefined;
}

/** The live account; a definite `account-not-found` becomes the clear not-found error, anything else is thrown as is. */
async function readLive(client: MarinSocialClient, accountId: string): Promise<Account> {
  try {
    return await client.getAccount(accountId);
  } catch (err) {
    if (MarinSocialError.isInstance(err, "account-not-found")) throw accountMissingError(accountId, err);
    throw err;
  }
}

function validInputs(news: Record<string, unknown>): TokenInputs {
  const { inputs, failures } = checkInputs(news);
  if (failures.length > 0) throw new MarinSocialError("invalid-input", failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  return inputs;
}
