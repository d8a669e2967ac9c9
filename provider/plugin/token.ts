/**
 * The PublisherToken handlers of the native provider: Check, Diff, Create, Read, Update and
 * Delete on decoded properties. The reconciliation itself is TokenLifecycle's, the same as the
 * dynamic provider's; this adds what a plugin can do and a dynamic provider cannot: the live
 * lookup and the audit line in Check, a detailed diff, predicted outputs in preview, import.
 * A policy refusal or a malformed input fails that token's own Create or Update, never Check (see {@link check}).
 *
 * Unlike the dynamic provider there are no hidden inputs: the actor comes from the URN
 * (`pulumi:<project>/<stack>`), and what Check looked up and decided stays in memory for the
 * operation (see claims.ts).
 */
import { type Agency, accountLabel, alreadyInvalidLine, applyPlan, driftNotice, MarinSocialError, type Plan, pulumiActor, sameValue } from "../core";
import { satisfies } from "../core/rules";
import { SUPPORTED_STACK_TOKENS, stackSizeWarning } from "../core/scale";
import type { EngineLog } from "../engine/engine-log";
import { ACCOUNT_ID, ACTOR } from "../generated/contract";
import { auditOf } from "../token/audit";
import { duplicateRefusal } from "../token/claims";
import { checkInputs, hasUnknown, type InputFailure, malformed, malformedMessage, type TokenInputs, USER_INPUTS } from "../token/inputs";
import type { Planned, TokenLifecycle } from "../token/lifecycle";
import { tokenChanges } from "../token/lifecycle";
import { type FoundObservation, liveFromObservation, type Observation, recordedObservation } from "../token/observation";
import { buildOutputs, SECRET_OUTPUTS, storedAgencies } from "../token/outputs";
import { decide, planFor } from "../token/refusal";
import { type Checked, type Claims, nameOf } from "./claims";
import { detailedDiff, Kind, type PropertyDiff, STABLE_OUTPUTS } from "./diff";
import { continuesOnError } from "./run-options";
import { OFFBOARDING_TYPE } from "./schema";
import { type Props, pick, UNKNOWN } from "./wire";

/** What the handlers work with. */
export interface TokenContext {
  lifecycle: TokenLifecycle;
  /** Which resources declare which account in this operation (one account, one resource). */
  claims: Claims;
  log: EngineLog;
}

/** A check failure on one property. */
export type Failure = InputFailure;

/** The Diff answer. */
export interface DiffAnswer {
  changes: boolean;
  replaces: string[];
  stables: string[];
  detailed: Record<string, PropertyDiff>;
}

/** `pulumi:<project>/<stack>` from `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function actorOf(urn: string): string {
  const m = /^urn:pulumi:(.+?)::(.+?)::/.exec(urn);
  if (!m) throw new Error(`"${urn}" is not a resource URN (urn:pulumi:<stack>::<project>::<type>::<name>); the engine always sends one`);
  return pulumiActor(m[2]!, m[1]!);
}

/** The secrets of recorded outputs: the secret outputs, and every property that was a secret input. */
function outputSecrets(inputSecrets: ReadonlySet<string>): Set<string> {
  return new Set([...SECRET_OUTPUTS, ...inputSecrets]);
}

function declared(values: Record<string, unknown>): Record<string, unknown> {
  return pick(values, USER_INPUTS);
}

/**
 * Why `accountId` is refused when more than one resource declares it in this operation, naming
 * them all; undefined when only one does. Says which one already ran, if any did before the
 * second was checked (see claims.ts).
 */
function duplicateOf(ctx: TokenContext, accountId: unknown): string | undefined {
  const urns = typeof accountId === "string" ? ctx.claims.declarers(accountId) : [];
  const ran = urns.filter((u) => ctx.claims.hasStarted(u)).map(nameOf);
  return duplicateRefusal(String(accountId), urns.map(nameOf), ran)?.message;
}

/** What the Check of `urn` decided, when it checked these same declared values. */
function checkedAs(ctx: TokenContext, urn: string, values: Record<string, unknown>): Checked | undefined {
  const checked = ctx.claims.of(urn);
  return checked && sameValue(checked.values, values) ? checked : undefined;
}

/** The malformed inputs of a token: as its Check found them in this operation, else checked now (once). */
function badOf(ctx: TokenContext, urn: string, values: Record<string, unknown>, actor: string): Failure[] {
  return checkedAs(ctx, urn, values)?.bad ?? malformed(values, actor);
}

/** The plan Check made for the token and the version of the account it was made from, when it made one for these values. */
function plannedOf(ctx: TokenContext, urn: string, values: Record<string, unknown>): Planned | undefined {
  const checked = checkedAs(ctx, urn, values);
  return checked?.plan && checked.account ? { plan: checked.plan, version: checked.account.version } : undefined;
}

/**
 * Check: the live account looked up (read ahead in pages) and the audit line logged against the
 * resource.
 *
 * Check fails only for what stops every token alike: a configuration that lets no lookup succeed
 * (no API key, say), or an actor the stack's name cannot make. The engine stops the whole
 * deployment at a failed Check, even with `--continue-on-error`, so every token after it would
 * never be cut off. So one token's own faults are errors logged here against that token, and fail
 * its own Create or Update in `pulumi up` (see {@link create}, {@link diff}):
 * - a malformed input ({@link malformed}: an unknown property, an `accountId` or `reason` the API
 *   cannot take, `valid: "no"`); Pulumi YAML's type checker rejects some of these (a wrong type,
 *   an unknown property) before any resource is registered, so what reaches Check is mostly a
 *   value of the right type the contract refuses, or whatever a program in another language sends;
 * - a *policy* refusal (refusal.ts: an unknown account, a failed lookup, a publisher or
 *   `expectAgencies` mismatch, `valid: true` on a revoked token).
 * In a preview the error is all, so the preview shows every fault, and the preview `pulumi up`
 * runs first is not stopped by one. The inputs go on as declared (unknown properties too), so that
 * Diff, Create and Update see the same fault.
 */
export async function check(ctx: TokenContext, urn: string, _olds: Props, news: Props): Promise<{ inputs: Props; failures: Failure[] }> {
  const actor = actorOf(urn);
  const user = declared(news.values);
  // The stack's actor, not this token's (malformed() leaves it out): it would fail every token alike.
  const failures: Failure[] = satisfies(ACTOR, actor) ? [] : checkInputs({ actor }).failures.filter((f) => f.property === "actor");
  const bad = malformed(news.values, actor);
  const checked: Checked = { values: news.values, bad };
  ctx.claims.record(urn, checked);
  // An SDK program's size is known only as it registers: warn at the first token above the size.
  if (ctx.claims.size === SUPPORTED_STACK_TOKENS.resources + 1) await ctx.log.log(urn, "warn", stackSizeWarning(ctx.claims.size, "resources") ?? "");
  const inputs = { values: news.values, secrets: news.secrets };
  const { accountId } = user;
  const id = typeof accountId === "string" && satisfies(ACCOUNT_ID, accountId) ? accountId : undefined;
  const declarers = id ? ctx.claims.claim(id, urn) : [urn];
  if (declarers.length > 1) {
    // Each of them hears of it: the earlier ones were checked before this one was known.
    const message = duplicateOf(ctx, id)!;
    for (const declarer of declarers) await ctx.log.log(declarer, "error", message);
  }
  if (bad.length > 0) {
    await ctx.log.log(urn, "error", malformedMessage(bad));
    return { inputs, failures };
  }
  try {
    const seen = id ? await ctx.lifecycle.observe(id) : undefined;
    if (seen) Object.assign(checked, seen);
  } catch (err) {
    // The stack's configuration, not this token: nothing can proceed, so it fails Check.
    failures.push({ property: "accountId", reason: `could not read account ${String(accountId)} from Marin Social: ${(err as Error).message}` });
  }
  const { observed } = checked;
  if (observed && failures.length === 0 && declarers.length === 1 && typeof user.valid === "boolean" && !hasUnknown(user)) {
    const desired = { ...(user as unknown as TokenInputs), actor };
    const decision = decide({ desired, observed, actor });
    if (decision.plan) checked.plan = decision.plan;
    const { severity, audit } = auditOf(desired, decision);
    await ctx.log.log(urn, severity, audit.message);
  }
  return { inputs, failures };
}

/**
 * Added to a refusal that fails `pulumi up`: without `--continue-on-error` the engine starts no
 * further step after a failed one, so tokens it had not reached are not cut off in this run.
 */
export const CONTINUE_HINT = "To cut off every other token in the same run despite a refusal, run `pulumi up --continue-on-error`.";

/** When the run's options cannot be told (see run-options.ts): what holds either way. */
export const CONTINUE_HINT_UNKNOWN =
  "Unless this run was started with `pulumi up --continue-on-error`, the engine starts no further step after this failure, so tokens it had not reached are not cut off; run it with that flag to cut them off despite a refusal.";

/** The hint this run needs: none when it already continues on error. */
function continueHint(): string {
  const continues = continuesOnError();
  return continues === true ? "" : ` ${continues === false ? CONTINUE_HINT : CONTINUE_HINT_UNKNOWN}`;
}

/** Runs a real create or update; a refusal (or an account that does not exist) gets {@link CONTINUE_HINT}. */
async function refusing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (MarinSocialError.isInstance(err) && (err.kind === "refusal" || err.code === "account-not-found")) {
      throw new MarinSocialError(err.code, `${err.message}${continueHint()}`);
    }
    throw err;
  }
}

/**
 * Diff, without any request: against the account as its Check looked it up in this operation,
 * else as recorded in the old outputs, with the plan Check made (made here only when Check did
 * not plan for these values, e.g. in refresh).
 */
export async function diff(
  ctx: TokenContext,
  urn: string,
  _id: string,
  oldInputs: Props,
  oldOutputs: Props,
  news: Props,
  ignoreChanges: readonly string[],
): Promise<DiffAnswer> {
  const actor = actorOf(urn);
  const olds = declared(oldInputs.values);
  const user = declared(news.values);
  for (const key of ignoreChanges) {
    if (key in olds) user[key] = olds[key];
    else delete user[key];
  }
  const values = { ...news.values, ...user };
  const bad = badOf(ctx, urn, values, actor).filter((f) => !ignoreChanges.includes(f.property));
  const checked = ctx.claims.of(urn);
  const lookup = checked && checked.values.accountId === user.accountId ? checked.observed : undefined;
  const observed: FoundObservation | undefined =
    lookup?.status === "found"
      ? lookup
      : typeof user.accountId === "string" && user.accountId === olds.accountId
        ? recordedObservation(user.accountId, oldOutputs.values)
        : undefined;
  const known = bad.length === 0 && !hasUnknown(user) && typeof user.valid === "boolean";
  const desired: TokenInputs = { ...(user as unknown as TokenInputs), actor };
  let plan: Plan | undefined;
  if (known && observed)
    plan = (observed === lookup ? plannedOf(ctx, urn, values)?.plan : undefined) ?? planFor(desired, liveFromObservation(desired.accountId, observed), actor);
  // Renamed at the publisher: the recorded name and the one looked up differ, so up records it.
  const recordedName = oldOutputs.values.accountName;
  const renamed = observed !== undefined && typeof recordedName === "string" && recordedName !== observed.name;
  const { changes: changed, replaces } = tokenChanges(olds, user, plan, renamed);
  // A refused or malformed token is a change even when nothing declared changed (e.g. `valid: true`
  // on a token since revoked outside Pulumi, an account this operation found missing, or a
  // property it does not take): its Update is where it fails, that token alone.
  const duplicate = duplicateOf(ctx, user.accountId);
  const shown = replaces.length === 0 ? plan : undefined;
  const refusal = duplicate
    ? { property: "accountId", message: duplicate }
    : (shown?.refusal ??
      (known && replaces.length === 0 && lookup && lookup.status !== "found" ? decide({ desired, observed: lookup, actor }).refusal : undefined));
  const changes = changed || !!refusal || bad.length > 0;
  const detailed = changes ? detailedDiff(olds, oldOutputs.values, user, refusal ? undefined : shown) : {};
  for (const { property } of [...(refusal ? [refusal] : []), ...bad]) {
    if (!(property in detailed)) detailed[property] = { kind: property in olds ? Kind.UPDATE : Kind.ADD, inputDiff: true };
  }
  return {
    changes,
    replaces,
    stables: replaces.length > 0 ? [] : [...STABLE_OUTPUTS],
    detailed,
  };
}

/**
 * The outputs `pulumi preview` shows for a create or update: the live account after the plan
 * (Check's), with the time of an invalidation unknown. Without a known account or known inputs,
 * every output but the declared ones is unknown.
 */
function predicted(
  inputs: Record<string, unknown>,
  actor: string,
  checked: Checked | undefined,
  unlinkedBefore: Agency[],
  refused: boolean,
): Record<string, unknown> {
  const live = checked?.account;
  if (!live || hasUnknown(inputs) || typeof inputs.valid !== "boolean") {
    const out: Record<string, unknown> = { ...inputs, actor };
    for (const k of [
      "accountName",
      "externalId",
      "linkedAgencies",
      "unlinkedAgencies",
      "invalidatedAt",
      "invalidatedBy",
      "revokedOutsidePulumi",
      "tokenFingerprint",
    ])
      out[k] = UNKNOWN;
    if (out.publisher === undefined) out.publisher = UNKNOWN;
    return out;
  }
  const desired = { ...(inputs as unknown as TokenInputs), actor };
  const plan = checked.plan ?? planFor(desired, live, actor);
  if (plan.refusal || refused) return { ...buildOutputs(desired, live, unlinkedBefore) };
  const cut = plan.actions.flatMap((a) => (a.kind === "unlink" ? [a.agency] : []));
  return { ...buildOutputs(desired, applyPlan(live, plan.actions, UNKNOWN), [...unlinkedBefore, ...cut]) };
}

/**
 * Throws, changing nothing, for a malformed token or one of several for its account; else records
 * that this token's real step has begun (so a duplicate checked later says it ran).
 */
function refuseUnfit(ctx: TokenContext, urn: string, bad: Failure[], duplicate: string | undefined): void {
  if (bad.length > 0) throw new MarinSocialError("invalid-input", `${malformedMessage(bad)}${continueHint()}`);
  if (duplicate) throw new MarinSocialError("invalid-input", `${duplicate}${continueHint()}`);
  ctx.claims.start(urn);
}

/**
 * Create: in preview, the predicted outputs (for a refused token, the account as it is; for a
 * malformed one, nothing known: Check has logged why as an error); otherwise fails a malformed
 * token ({@link malformed}) changing nothing, or adopts and reconciles the account
 * (TokenLifecycle.reconcile) with the plan Check made, refusing from fresh live state when that
 * differs, failing this token alone (a lookup that failed in Check is tried again, not held
 * against the token).
 */
export async function create(ctx: TokenContext, urn: string, news: Props, preview: boolean): Promise<{ id: string; outputs: Props }> {
  const actor = actorOf(urn);
  const user = declared(news.values);
  const secrets = outputSecrets(news.secrets);
  const bad = badOf(ctx, urn, news.values, actor);
  const duplicate = duplicateOf(ctx, user.accountId);
  if (preview) {
    return { id: "", outputs: { values: predicted(user, actor, bad.length > 0 ? undefined : checkedAs(ctx, urn, news.values), [], !!duplicate), secrets } };
  }
  refuseUnfit(ctx, urn, bad, duplicate);
  const inputs = { ...(user as unknown as TokenInputs), actor };
  const outs = await refusing(() => ctx.lifecycle.reconcile(inputs, plannedOf(ctx, urn, news.values), []));
  await reportAfterTheFact(ctx, urn, actor, user, checkedAs(ctx, urn, news.values)?.observed, outs as unknown as Record<string, unknown>);
  return { id: inputs.accountId, outputs: { values: outs as unknown as Record<string, unknown>, secrets } };
}

/** Update: as {@link create}, reconciling again. */
export async function update(ctx: TokenContext, urn: string, _id: string, oldOutputs: Props, news: Props, preview: boolean): Promise<Props> {
  const actor = actorOf(urn);
  const user = declared(news.values);
  const secrets = outputSecrets(news.secrets);
  const bad = badOf(ctx, urn, news.values, actor);
  const duplicate = duplicateOf(ctx, user.accountId);
  const unlinkedBefore = storedAgencies(oldOutputs.values, "unlinkedAgencies");
  if (preview) {
    return { values: predicted(user, actor, bad.length > 0 ? undefined : checkedAs(ctx, urn, news.values), unlinkedBefore, !!duplicate), secrets };
  }
  refuseUnfit(ctx, urn, bad, duplicate);
  const inputs = { ...(user as unknown as TokenInputs), actor };
  const outs = await refusing(() => ctx.lifecycle.reconcile(inputs, plannedOf(ctx, urn, news.values), unlinkedBefore));
  await reportAfterTheFact(ctx, urn, actor, user, checkedAs(ctx, urn, news.values)?.observed, outs as unknown as Record<string, unknown>);
  return { values: outs as unknown as Record<string, unknown>, secrets };
}

/**
 * Read (refresh and import): the live state, and inputs that match it, so drift shows as a
 * change of `valid`. Optional inputs are kept only where they were declared (none on import).
 * `id` "" means the account definitely does not exist (a 404 for that account). The account comes
 * from the client's read-ahead (client/read-ahead.ts) when it holds it, else from a read of its own.
 */
export async function read(ctx: TokenContext, urn: string, id: string, state: Props, inputs: Props): Promise<{ id: string; inputs: Props; outputs: Props }> {
  const actor = actorOf(urn);
  const props = {
    ...pick(inputs.values, ["publisher", "reason", "expectAgencies"]),
    unlinkedAgencies: state.values.unlinkedAgencies,
    valid: state.values.valid,
    actor,
  };
  const res = await ctx.lifecycle.read(id, props);
  if (res.drift?.kind === "reauthorized" && res.props) {
    // The URN tells whether an Offboarding declared it (an error, then: see driftNotice).
    const notice = driftNotice(accountLabel({ id, publisher: res.props.publisher, name: res.props.accountName }), res.drift, offboardingOf(urn, id));
    await ctx.log.log(urn, notice.severity, notice.message);
  }
  const secrets = new Set([...inputs.secrets, ...state.secrets].filter((k) => !(SECRET_OUTPUTS as readonly string[]).includes(k)));
  if (!res.id) return { id: "", inputs: { values: {}, secrets: new Set() }, outputs: { values: {}, secrets: new Set() } };
  return {
    id: res.id,
    inputs: { values: declared((res.inputs ?? {}) as unknown as Record<string, unknown>), secrets },
    outputs: { values: (res.props ?? {}) as unknown as Record<string, unknown>, secrets: outputSecrets(secrets) },
  };
}

/**
 * The audit line Check logged said this run would invalidate the token; when the outputs show
 * someone else did (another stack won a race, or a person revoked it in between), says so
 * against the resource, with what this run did do.
 */
async function reportAfterTheFact(
  ctx: TokenContext,
  urn: string,
  actor: string,
  user: Record<string, unknown>,
  observed: Observation | undefined,
  outs: Record<string, unknown>,
): Promise<void> {
  if (observed?.status !== "found" || !observed.valid || user.valid !== false || outs.invalidatedBy === actor) return;
  const line = alreadyInvalidLine(
    { id: String(user.accountId), publisher: observed.publisher, name: observed.name },
    typeof outs.invalidatedBy === "string" ? outs.invalidatedBy : null,
    typeof outs.invalidatedAt === "string" ? outs.invalidatedAt : null,
    storedAgencies(outs, "unlinkedAgencies"),
  );
  await ctx.log.log(urn, "warn", line);
}

/** The name of the Offboarding component a token's URN places it under, if any (its children are `<component>-<accountId>`, see offboarding.ts). */
function offboardingOf(urn: string, accountId: string): string | undefined {
  const [, , type = "", name = ""] = urn.split("::");
  if (!type.split("$").slice(0, -1).includes(OFFBOARDING_TYPE)) return undefined;
  return name.endsWith(`-${accountId}`) ? name.slice(0, -accountId.length - 1) : name;
}
