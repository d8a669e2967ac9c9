/**
 * PublisherToken: one Marin Social publisher access token under Pulumi.
 * Type token `pulumi-nodejs:dynamic/marin-social:PublisherToken`.
 */
import * as pulumi from "@pulumi/pulumi";
import { displayText, type Publisher, pulumiActor } from "../core";
import type { PublisherTokenArgs, PublisherTokenProperties } from "../generated/token";
import { auditOf, type TokenAudit } from "../token/audit";
import { checkInputs, type InputFailure } from "../token/inputs";
import { type DecidedObservation, type Observation, packPlan, REFUSED_IN_PREVIEW } from "../token/observation";
import { SECRET_OUTPUTS } from "../token/outputs";
import { reportAfterTheFact } from "./after-the-fact";
import { assertProgramConnection, programLookup } from "./lookup";
import { type DeclaredToken, programTokens, type Verdict } from "./program-tokens";
import { publisherTokenProvider } from "./shim";
import { withoutStackTraces } from "./stack-traces";

/** What a user declares; generated from the token definition. */
export type { PublisherTokenArgs } from "../generated/token";
export type { TokenAudit } from "../token/audit";

const MODULE = "marin-social";
const TYPE_NAME = "PublisherToken";
/** The type token of a PublisherToken, as `pulumi.dynamic.Resource` builds it from module and type name. */
export const PUBLISHER_TOKEN_TYPE = `pulumi-nodejs:dynamic/${MODULE}:${TYPE_NAME}`;

/** The exit code of a program that reported its errors itself (the Node SDK's `32`): refused tokens set it. */
export const REPORTED_ERROR_EXIT_CODE = 32;

/**
 * The token's outputs as properties (generated from the token definition): merged into the class
 * below. `actor`, `version`, `authorizedBy` and `authorizedAt` are kept in state only (a refresh
 * shows who re-authorized a token, and when, as their change): every property of the class costs
 * the SDK an Output per token in the program (docs/performance.md).
 */
export interface PublisherToken extends Omit<PublisherTokenProperties, "actor" | "version" | "authorizedBy" | "authorizedAt"> {}

/**
 * A publisher access token. `pulumi up` reaches `valid: false` by invalidating
 * the token (with actor `pulumi:<project>/<stack>`) and unlinking every agency.
 * `pulumi preview` logs, against this resource, the agencies it will cut off.
 * Deleting the resource changes nothing in Marin Social: a revoked token
 * cannot be un-revoked, so it only stops being managed.
 *
 * A token that must be refused (`valid: true` on a revoked token, an unknown account, a failed
 * lookup, a publisher or `expectAgencies` mismatch, two resources for one account) never stops
 * the program's other tokens: it logs the refusal as an error against itself, sets the exit
 * code, and is registered only after every other token, then fails its check. So in one run every
 * token that can be cut off is, whatever is refused and in whatever order. See program-tokens.ts.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the outputs, which pulumi.dynamic.Resource assigns at registration
export class PublisherToken extends pulumi.dynamic.Resource {
  /** What the program saw and logged before acting (not stored in state). Made on first use. */
  get audit(): pulumi.Output<TokenAudit> {
    const audit = tokenAudit(this);
    this.auditOutput ??= pulumi.Output.isInstance(audit) ? audit : pulumi.output(audit);
    return this.auditOutput;
  }
  private auditOutput: pulumi.Output<TokenAudit> | undefined;

  constructor(name: string, args: PublisherTokenArgs, opts?: pulumi.CustomResourceOptions) {
    assertProgramConnection(); // a bad configuration fails the program once, registering nothing
    // The audit is logged against the URN the engine will give this resource, computed now: the
    // SDK delivers every log in order, each after its resource's URN is known, and a refused
    // token's registration never completes, which would hold back its error and every later log.
    // The SDK's log reads nothing of a resource but `urn`. Logged without stack traces (see
    // stack-traces.ts): the SDK captures one per promise of a log call.
    const about = { urn: urnOf(name, opts?.parent) } as unknown as pulumi.Resource;
    const actor = pulumiActor(pulumi.getProject(), pulumi.getStack());
    const declared = programTokens().declare(name, opts);
    const offboarding = opts?.parent ? offboardings.get(opts.parent) : undefined;
    const derived = deriveSeen(args, (unwrapped) => decideToken({ declared, actor, about }, unwrapped));
    super(
      publisherTokenProvider,
      name,
      {
        accountId: args.accountId,
        valid: args.valid,
        publisher: args.publisher,
        reason: args.reason,
        expectAgencies: args.expectAgencies,
        actor,
        ...(offboarding !== undefined ? { offboarding } : {}),
        observed: derived.observed,
        accountName: undefined,
        externalId: undefined,
        linkedAgencies: undefined,
        unlinkedAgencies: undefined,
        invalidatedAt: undefined,
        invalidatedBy: undefined,
        revokedOutsidePulumi: undefined,
        tokenFingerprint: undefined,
      },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS],
      },
      MODULE,
      TYPE_NAME,
    );
    declared.resource = this;
    decided.set(this, derived.seen);
    const seen = derived.seen;
    const acted = (s: Seen) => (s.verdict.refusal ? undefined : reportAfterTheFact(this, s.audit, actor, about));
    if (pulumi.Output.isInstance(seen)) seen.apply(acted);
    else void seen.then(acted);
  }
}

/** The Offboarding components, by resource, with their names: a token they declare records it (see TokenInputs.offboarding). */
const offboardings = new WeakMap<pulumi.Resource, string>();

/** Marks `component` as the Offboarding named `name`, for the tokens declared with it as parent. Internal: offboarding.ts. */
export function markOffboarding(component: pulumi.Resource, name: string): void {
  offboardings.set(component, name);
}

/** What was decided about each token: a plain promise when its inputs were plain values (see the constructor). */
const decided = new WeakMap<PublisherToken, pulumi.Output<Seen> | Promise<Seen>>();

/**
 * The token's audit as decided: a plain promise when its inputs were plain values, else an Output
 * (the {@link PublisherToken.audit} Output is made from it). Internal: declaredStack builds its
 * stack output from these, without an Output per token.
 */
export function tokenAudit(token: PublisherToken): pulumi.Output<TokenAudit> | Promise<TokenAudit> {
  const seen = decided.get(token)!;
  return pulumi.Output.isInstance(seen) ? seen.apply((x) => x.audit) : seen.then((x) => x.audit);
}

/**
 * Known once the engine has acted on every token of `tokens` it was to act on: in a preview at
 * once; in `pulumi up` once the id of each token that was not refused is known (a refused token's
 * step fails, and its audit says so). An up cancelled or failed before then never makes it known.
 * Internal: declaredStack records its audit summary with it, so the stack records no action that
 * never ran.
 */
export function actedOn(tokens: readonly PublisherToken[]): pulumi.Output<true> {
  if (pulumi.runtime.isDryRun()) return pulumi.output(true as const);
  return pulumi
    .all(tokens.map((t) => decided.get(t)!))
    .apply((seen) => pulumi.all(tokens.filter((_, i) => !seen[i]!.verdict.refusal).map((t) => t.id)).apply(() => true as const));
}

/** The user inputs, resolved. */
type Unwrapped = [string, boolean, Publisher | undefined, string | undefined, string[] | undefined];

/** What the program decided about one token, and the audit it logged. */
interface Seen {
  verdict: Verdict;
  audit: TokenAudit;
  /** The format check's failures. */
  invalid: InputFailure[];
}

/** What deciding a token needs from its constructor: its declaration, the actor, and what its logs are against. */
interface Deciding {
  declared: DeclaredToken;
  actor: string;
  /** Stands for the token in the SDK's log calls, which read only its `urn`. */
  about: pulumi.Resource;
}

/** Decides the token from its resolved inputs and logs its audit against `about`. */
async function decideToken({ declared, actor, about }: Deciding, [accountId, valid, publisher, reason, expectAgencies]: Unwrapped): Promise<Seen> {
  const desired = clean({ accountId, valid, publisher, reason, expectAgencies });
  // The same contract rules as the provider's check: a value the API would refuse is
  // reported as such, not looked up (which would fail as "not found" or a 400).
  const invalid = checkInputs({ ...desired, actor }).failures;
  const lookup = (): Promise<Observation> =>
    invalid.length > 0 ? Promise.resolve({ status: "error", message: invalid.map((f) => f.reason).join("; ") }) : programLookup().observe(accountId);
  const verdict = await programTokens().decide(declared, desired, actor, lookup);
  const audit = auditOf(desired, verdict);
  const log = audit.severity === "warn" ? pulumi.log.warn : audit.severity === "error" ? pulumi.log.error : pulumi.log.info;
  withoutStackTraces(() => void log(displayText(audit.audit.message), about));
  // `pulumi up` previews first and stops there if the preview fails, so a refusal fails only
  // the update itself (see program-tokens.ts); a preview shows it as this error and goes on.
  if (verdict.refusal && !pulumi.runtime.isDryRun()) process.exitCode = REPORTED_ERROR_EXIT_CODE;
  return { verdict, audit: audit.audit, invalid };
}

/**
 * The observation the token is registered with. A refused token is sent to the engine only once
 * every other token has been (the SDK sends a resource when all its inputs are known); its audit
 * is known before that. In a preview a refused token goes marked as such instead of with its
 * observation, so that its check lets the preview go on: the refusal is already reported.
 * The observation goes with the decision made here (the format check's failures, the plan and
 * the refusal), which the provider acts on without deciding again (see lifecycle.ts).
 */
async function observedOf({ verdict, invalid }: Seen): Promise<DecidedObservation | typeof REFUSED_IN_PREVIEW> {
  await verdict.othersRegistered;
  if (verdict.refusal && pulumi.runtime.isDryRun()) return REFUSED_IN_PREVIEW;
  const { plan, refusal } = verdict;
  return {
    ...verdict.observed,
    decided: { ...(plan ? { plan: packPlan(plan) } : {}), ...(refusal ? { refusal } : {}), ...(invalid.length > 0 ? { failures: invalid } : {}) },
  };
}

/** The decision about a token and the inputs derived from it. */
interface Derived {
  seen: pulumi.Output<Seen> | Promise<Seen>;
  observed: pulumi.Input<DecidedObservation | typeof REFUSED_IN_PREVIEW>;
}

/** Starts deciding the token once its inputs are known: through plain promises when they are plain values, else through Outputs. */
function deriveSeen(args: PublisherTokenArgs, decide: (unwrapped: Unwrapped) => Promise<Seen>): Derived {
  const inputs: unknown[] = [args.accountId, args.valid, args.publisher, args.reason, args.expectAgencies];
  if (inputs.every(isPlain)) {
    // Plain values (a declaration file's): decided through plain promises, which the SDK takes as
    // inputs like Outputs. An Output costs several promises, closures and captured stack traces
    // of the SDK's; for thousands of tokens they were most of the program's memory above the
    // SDK's own per-resource cost. Nothing can be unknown, secret or depended on here.
    const seen = decide(inputs as unknown as Unwrapped);
    return { seen, observed: handled(seen.then(observedOf)) };
  }
  // Outputs or promises: their unknowns (preview), secrets and dependencies carry through.
  const seen = pulumi.all([args.accountId, args.valid, args.publisher, args.reason, args.expectAgencies]).apply(decide);
  return { seen, observed: seen.apply(observedOf) };
}

/**
 * Marks a promise the SDK will await as handled now: it awaits a resource's inputs only after
 * some steps of its own, and a rejection seen unhandled before then would end the program
 * (the SDK still gets the rejection when it awaits). `decide` does not reject; this is for bugs.
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** True for a value with nothing to resolve: no Output and no promise, in it or (for a list) in its elements. */
function isPlain(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || (typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function")) return false;
  return Array.isArray(v) ? v.every(isPlain) : true;
}

/**
 * The URN the engine will give the token (what `pulumi.createUrn` computes), as an Output: for a
 * token without a parent, made from the string directly (createUrn builds it through an
 * interpolation of Outputs, several promises per token); with one, through createUrn.
 */
function urnOf(name: string, parent: pulumi.Resource | undefined): pulumi.Output<string> {
  if (parent !== undefined) return pulumi.createUrn(name, PUBLISHER_TOKEN_TYPE, parent);
  return pulumi.output(`urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${PUBLISHER_TOKEN_TYPE}::${name}`);
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
