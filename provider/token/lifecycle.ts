/**
 * The PublisherToken lifecycle: check, diff, create, read, update, on the token domain's own types.
 * The dynamic provider (dynamic/host.ts) serves it to the SDK as is; the native plugin
 * (plugin/token.ts) calls {@link TokenLifecycle.reconcile} and {@link TokenLifecycle.read} with
 * what its Check decided.
 *
 * Each rule runs once per token per operation. The format of the inputs is checked at the path's
 * boundary: the program's registration (which sends its decision with its observation, see
 * {@link Carried}) or, without one, check. A plan is made once ({@link decide}) and followed by
 * diff, create and update; a new one is made only from fresh live state that differs from what the
 * plan was made from (a 409 on the invalidation, or a newer version read before unlinking).
 *
 * delete is deliberately absent: a revoked token cannot be un-revoked, so
 * deleting a PublisherToken (or `pulumi destroy`) only stops managing it and
 * changes nothing in Marin Social.
 */

import { type MarinSocialClient, ReadAhead } from "../client";
import { type Account, type Agency, type Drift, detectDrift, MarinSocialError, type Plan, sameValue } from "../core";
import { accountMissingError, PartialFailure, refusedError } from "./errors";
import { executePlan, invalidationRequest } from "./execute";
import { checkInputs, hasUnknown, type InputFailure, inputsOf, type TokenInputs } from "./inputs";
import {
  asObservation,
  type FoundObservation,
  isRefusedInPreview,
  liveFromObservation,
  type Observation,
  observe,
  recordedObservation,
  unpackPlan,
} from "./observation";
import { buildOutputs, storedAgencies, type TokenOutputs } from "./outputs";
import { decide, planFor } from "./refusal";

/** Properties whose change is an update; `accountId` replaces. (`offboarding`: a token declared before it was recorded gets it.) */
export const DIFF_KEYS = ["valid", "reason", "expectAgencies", "offboarding"] as const;

/** The answer of check: the inputs to record and the failures, each on its property. */
export interface CheckAnswer {
  inputs: Record<string, unknown>;
  failures: InputFailure[];
}

/** The answer of diff. */
export interface DiffAnswer {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** The answer of create: the account id and the outputs. */
export interface CreateAnswer {
  id: string;
  outs: TokenOutputs;
}

/** The answer of read: `id` "" when the account definitely does not exist. */
export interface ReadAnswer {
  id: string;
  props?: TokenOutputs;
  inputs?: TokenInputs;
  /** Drift since the recorded outputs, e.g. a token re-authorized after Pulumi invalidated it, naming who and when. */
  drift?: Drift;
}

/** The answer of update. */
export interface UpdateAnswer {
  outs: TokenOutputs;
}

/** A plan made earlier in the operation, and the version of the account it was made from. */
export interface Planned {
  plan: Plan;
  version: number | undefined;
}

/**
 * Whether a token changes, given its old and new inputs and the plan for the newest view of its
 * account (undefined when unknown): a declared property changed, the account was renamed at the publisher, or the plan has work.
 */
export function tokenChanges(olds: Record<string, unknown>, news: Record<string, unknown>, plan: Plan | undefined, renamed = false): DiffAnswer {
  const replaces = olds.accountId !== news.accountId ? ["accountId"] : [];
  const changed = DIFF_KEYS.some((k) => !sameValue(olds[k], news[k]));
  return { changes: replaces.length > 0 || changed || renamed || (plan?.actions.length ?? 0) > 0, replaces, deleteBeforeReplace: false };
}

/** The provider implementation, given a way to get the API client. */
export class TokenLifecycle {
  /** The read-ahead of the current client: a new client (each Configure, i.e. each engine operation) starts a new one. */
  private readAhead: { client: MarinSocialClient; reads: ReadAhead } | undefined;

  constructor(private readonly client: () => MarinSocialClient) {}

  /**
   * Acts on the program's decision when the inputs carry one (the program checked them and
   * decided, see dynamic/program-tokens.ts); otherwise validates the inputs and, from the observation (no
   * API call: the engine checks one resource at a time), refuses what {@link decide} refuses: two
   * resources for one account, an unknown account, a failed lookup, a publisher mismatch, the
   * expectAgencies guard, and `valid: true` on a revoked token. The program registers refused
   * tokens after all others, so this failure stops nothing that can proceed; in a preview it
   * sends them marked {@link REFUSED_IN_PREVIEW}, so the preview (which `pulumi up` runs first)
   * does not fail, not even on inputs check would reject.
   */
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckAnswer> {
    if (isRefusedInPreview(news.observed)) return { inputs: news, failures: [] };
    const carried = asObservation(news.observed)?.decided;
    if (carried) {
      if (carried.failures && carried.failures.length > 0) return { inputs: news, failures: carried.failures };
      const failures = carried.refusal ? [{ property: carried.refusal.property, reason: carried.refusal.message }] : [];
      return { inputs: { ...inputsOf(news) }, failures };
    }
    const { inputs, failures } = checkInputs(news);
    if (failures.length > 0) return { inputs: news, failures };
    const observed = inputs.observed;
    if (observed && !hasUnknown(inputs.accountId) && typeof inputs.valid === "boolean" && !hasUnknown(inputs.expectAgencies)) {
      const { refusal } = decide({ desired: inputs, observed, actor: inputs.actor });
      if (refusal) failures.push({ property: refusal.property, reason: refusal.message });
    }
    return { inputs: { ...inputs }, failures };
  }

  /**
   * Changes on valid, reason and expectAgencies, or when the newest view of the account needs
   * work; accountId replaces. The newest view is the program's lookup (`observed`) in `pulumi up`,
   * and the outputs in `pulumi refresh`, where the engine diffs the refreshed outputs against the
   * stored inputs (whose lookup predates the last `up`): the account versions tell them apart.
   * The inputs are check's, already checked.
   */
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffAnswer> {
    const inputs = inputsOf(news);
    let plan: Plan | undefined;
    if (typeof inputs.valid === "boolean" && !hasUnknown(inputs.accountId) && !hasUnknown(inputs.expectAgencies)) {
      const view = newestView(inputs, olds);
      if (view) plan = view.carried ?? planFor(inputs, liveFromObservation(inputs.accountId, view.observed), inputs.actor);
    }
    // Renamed at the publisher: the recorded name and the one looked up differ (in refresh the
    // outputs are the newer, in up the lookup), so refresh shows it and up records it.
    const seen = inputs.observed?.status === "found" ? inputs.observed : undefined;
    const renamed = seen !== undefined && typeof olds.accountName === "string" && olds.accountName !== seen.name;
    return tokenChanges(olds, news, plan, renamed);
  }

  /** Adopts the existing account and reconciles it; there is nothing to create remotely. The inputs are check's. */
  async create(news: Record<string, unknown>): Promise<CreateAnswer> {
    const inputs = inputsOf(news);
    const outs = await this.reconcile(inputs, carriedPlan(inputs), [], news.__provider);
    return { id: inputs.accountId, outs };
  }

  /** Reconciles again from fresh live state, keeping what earlier runs unlinked. The inputs are check's. */
  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<UpdateAnswer> {
    const inputs = inputsOf(news);
    return { outs: await this.reconcile(inputs, carriedPlan(inputs), storedAgencies(olds, "unlinkedAgencies"), news.__provider) };
  }

  /**
   * Returns the live state, and inputs that match it (so drift shows as a property change:
   * `valid: true => false`). Only a definite "this account does not exist" (`account-not-found`:
   * the contract's problem type, or an id absent from a successful batch) returns "gone"; every
   * other failure throws, so refresh fails and state keeps the resource (and its history).
   * The account comes from the pages read ahead when they hold it (read-ahead.ts: at most a few
   * seconds old, and never from an earlier operation), else from a read of its own.
   */
  async read(id: string, props: Record<string, unknown>): Promise<ReadAnswer> {
    let live: Account;
    try {
      live = await this.reads().get(id);
    } catch (err) {
      if (MarinSocialError.isInstance(err, "account-not-found")) return { id: "" };
      throw err;
    }
    const inputs: TokenInputs = { accountId: id, valid: live.token.valid, actor: String(props.actor ?? "") };
    if (typeof props.publisher === "string") inputs.publisher = live.publisher;
    if (typeof props.reason === "string") inputs.reason = props.reason;
    if (Array.isArray(props.expectAgencies)) inputs.expectAgencies = props.expectAgencies as string[];
    if (typeof props.offboarding === "string") inputs.offboarding = props.offboarding;
    inputs.observed = observe(live);
    const outs = buildOutputs(inputs, live, storedAgencies(props, "unlinkedAgencies"));
    const drift = typeof props.valid === "boolean" ? detectDrift({ valid: props.valid }, live) : undefined;
    return { id, props: outs, inputs, ...(drift ? { drift } : {}) };
  }

  /**
   * The live account looked up, and what was seen of it: from the pages read ahead or a read of
   * its own. A definite 404 is `missing`, any other failure `error` with the client's (redacted)
   * message. Rejects only with a `configuration` error (the client cannot be made, e.g. no API
   * key), which no lookup can get past.
   */
  async observe(id: string): Promise<{ observed: Observation; account?: Account }> {
    try {
      const account = await this.reads().get(id);
      return { observed: observe(account), account };
    } catch (err) {
      if (MarinSocialError.isInstance(err) && err.kind === "configuration") throw err;
      if (MarinSocialError.isInstance(err, "account-not-found")) return { observed: { status: "missing" } };
      return { observed: { status: "error", message: (err as Error).message } };
    }
  }

  /** The read-ahead of the current client. */
  reads(): ReadAhead {
    const client = this.client();
    if (this.readAhead?.client !== client) this.readAhead = { client, reads: new ReadAhead(client) };
    return this.readAhead.reads;
  }

  /**
   * Reconciles the account with `inputs` and returns the outputs. `planned`: the plan made in this
   * operation, and the account version it was made from. When it invalidates first, the
   * invalidation is sent with `If-Match: <that version>` instead of reading the account first: the
   * server refuses with 409 if anything changed since (then the account is read and planned anew),
   * and answers with the account, on which the rest of the plan runs. Otherwise the account is
   * read afresh, and planned anew only when its version differs. `provider`: the raw `__provider`
   * input, which a partial failure's recorded outputs keep (see PartialFailure).
   */
  async reconcile(inputs: TokenInputs, planned: Planned | undefined, alreadyUnlinked: Agency[], provider?: unknown): Promise<TokenOutputs> {
    const client = this.client();
    // This changes the account: what was read ahead of it is stale from here on.
    if (this.readAhead?.client === client) this.readAhead.reads.forget(inputs.accountId);
    const first = planned?.plan.actions[0];
    let live: Account | undefined;
    let plan: Plan | undefined;
    if (planned && planned.version !== undefined && !planned.plan.refusal && first?.kind === "invalidate") {
      const request = invalidationRequest(first, planned.version, true);
      try {
        live = await client.invalidateToken(inputs.accountId, request.body, request.opts);
        plan = { ...planned.plan, actions: planned.plan.actions.slice(1) };
      } catch (err) {
        if (!MarinSocialError.isInstance(err, "conflict")) throw err;
      }
    }
    const justInvalidated = live !== undefined;
    if (!live || !plan) {
      live = await readLive(client, inputs.accountId);
      plan = planned && planned.version === live.version && !justInvalidated ? planned.plan : planFor(inputs, live, inputs.actor);
    }
    if (plan.refusal) throw refusedError(plan.refusal);
    if (!justInvalidated && alreadyUnlinked.length === 0 && !live.token.valid && live.token.invalidatedBy === inputs.actor) {
      alreadyUnlinked = await unlinkedEarlier(client, live);
    }
    const run = await executePlan(client, live, plan);
    const outs = buildOutputs(inputs, run.account, [...alreadyUnlinked, ...run.unlinked]);
    if (run.failures.length > 0) throw new PartialFailure(inputs.accountId, { ...outs, __provider: provider }, run.failures);
    return outs;
  }
}

/**
 * The plan the inputs bring: the program's (carried with its observation), else one made from the
 * observation, with the observed version. Undefined without a found observation.
 */
function carriedPlan(inputs: TokenInputs): Planned | undefined {
  const observed = inputs.observed;
  if (observed?.status !== "found") return undefined;
  const carried = observed.decided?.plan;
  const plan = carried ? unpackPlan(carried, inputs, observed) : planFor(inputs, liveFromObservation(inputs.accountId, observed), inputs.actor);
  return { plan, version: observed.version };
}

/**
 * What this actor already unlinked from the account, from the audit log. Used only when state
 * has no record but the token was invalidated by this very stack: a run that crashed after
 * invalidating (or a resource re-declared after `pulumi state delete`). Costs two reads, rarely.
 */
async function unlinkedEarlier(client: MarinSocialClient, live: Account): Promise<Agency[]> {
  const since = live.token.invalidatedAt ?? undefined;
  const entries = await client.audit({ accountId: live.id, ...(since ? { since } : {}) });
  const ids = new Set(entries.filter((e) => e.action === "agency.unlink" && e.actor === live.token.invalidatedBy && e.agencyId).map((e) => e.agencyId!));
  if (ids.size === 0) return [];
  const names = new Map((await client.listAgencies()).map((a) => [a.id, a.name]));
  return [...ids].map((id) => ({ id, name: names.get(id) ?? id }));
}

/**
 * The newest view of the account for diff: the outputs when they were read at a version at least
 * as new as the program's lookup (or there is no usable lookup), else the lookup. Outputs of an
 * older version of this package carry no version and lose to any lookup. `carried`: the program's
 * plan, when it was made from that same view.
 */
function newestView(inputs: TokenInputs, olds: Record<string, unknown>): { observed: FoundObservation; carried?: Plan } | undefined {
  const { accountId, observed } = inputs;
  const lookup = observed?.status === "found" ? observed : undefined;
  const recorded = typeof olds.version === "number" ? recordedObservation(accountId, olds) : undefined;
  const packed = lookup?.decided?.plan;
  const carried = packed && lookup ? unpackPlan(packed, inputs, lookup) : undefined;
  if (recorded && (!lookup || (lookup.version !== undefined && recorded.version! >= lookup.version))) {
    return { observed: recorded, ...(carried && recorded.version === lookup?.version ? { carried } : {}) };
  }
  return lookup ? { observed: lookup, ...(carried ? { carried } : {}) } : undefined;
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
