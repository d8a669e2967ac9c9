/**
 * PublisherToken: one Marin Social publisher access token under Pulumi.
 * Type token `pulumi-nodejs:dynamic/marin-social:PublisherToken`.
 */
import * as pulumi from "@pulumi/pulumi";
import { pulumiActor, type Agency, type Publisher } from "../core";
import { auditOf, type TokenAudit } from "./audit";
import { checkInputs } from "./inputs";
import type { Observation } from "./observation";
import { assertProgramConnection, programLookup } from "./lookup";
import { programTokens } from "./program-tokens";
import { SECRET_OUTPUTS } from "./outputs";
import { publisherTokenProvider } from "./shim";

export type { TokenAudit } from "./audit";

/** What a user declares. */
export interface PublisherTokenArgs {
  /** The Marin Social account id, e.g. `fb-1001`. Changing it replaces the resource. */
  accountId: pulumi.Input<string>;
  /** Desired validity. `false` invalidates the token and unlinks every agency. `true` on a revoked token fails. */
  valid: pulumi.Input<boolean>;
  /** When set, must match the live account's publisher. */
  publisher?: pulumi.Input<Publisher>;
  /** Recorded on invalidation. */
  reason?: pulumi.Input<string>;
  /** A guard: when set and the live linked agencies differ, the resource fails and nothing changes. */
  expectAgencies?: pulumi.Input<pulumi.Input<string>[]>;
}

const MODULE = "marin-social";
const TYPE_NAME = "PublisherToken";
/** The type token of a PublisherToken, as `pulumi.dynamic.Resource` builds it from module and type name. */
export const PUBLISHER_TOKEN_TYPE = `pulumi-nodejs:dynamic/${MODULE}:${TYPE_NAME}`;

/** The exit code of a program that reported its errors itself (the Node SDK's `32`): refused tokens set it. */
export const REPORTED_ERROR_EXIT_CODE = 32;

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
export class PublisherToken extends pulumi.dynamic.Resource {
  declare readonly accountId: pulumi.Output<string>;
  /** Live validity. */
  declare readonly valid: pulumi.Output<boolean>;
  /** Live publisher. */
  declare readonly publisher: pulumi.Output<Publisher>;
  declare readonly reason: pulumi.Output<string | undefined>;
  declare readonly expectAgencies: pulumi.Output<string[] | undefined>;
  declare readonly accountName: pulumi.Output<string>;
  declare readonly externalId: pulumi.Output<string>;
  declare readonly linkedAgencies: pulumi.Output<Agency[]>;
  /** The agencies this resource cut off. */
  declare readonly unlinkedAgencies: pulumi.Output<Agency[]>;
  declare readonly invalidatedAt: pulumi.Output<string | null>;
  declare readonly invalidatedBy: pulumi.Output<string | null>;
  declare readonly revokedOutsidePulumi: pulumi.Output<boolean>;
  /** Secret. */
  declare readonly tokenFingerprint: pulumi.Output<string>;
  /** What the program saw and logged before acting (not stored in state). */
  readonly audit: pulumi.Output<TokenAudit>;

  constructor(name: string, args: PublisherTokenArgs, opts?: pulumi.CustomResourceOptions) {
    assertProgramConnection(); // a bad configuration fails the program once, registering nothing
    // The audit is logged against the URN the engine will give this resource, computed now: the
    // SDK delivers every log in order, each after its resource's URN is known, and a refused
    // token's registration never completes, which would hold back its error and every later log.
    // The SDK's log reads nothing of a resource but `urn`.
    const about = { urn: pulumi.createUrn(name, PUBLISHER_TOKEN_TYPE, opts?.parent) } as unknown as pulumi.Resource;
    const actor = pulumiActor(pulumi.getProject(), pulumi.getStack());
    const declared = programTokens().declare(name, opts);
    const seen = pulumi
      .all([args.accountId, args.valid, args.publisher, args.reason, args.expectAgencies])
      .apply(async ([accountId, valid, publisher, reason, expectAgencies]) => {
        const desired = clean({ accountId, valid, publisher, reason, expectAgencies });
        // The same contract rules as the provider's check: a value the API would refuse is
        // reported as such, not looked up (which would fail as "not found" or a 400).
        const invalid = checkInputs({ ...desired, actor }).failures;
        const lookup = (): Promise<Observation> =>
          invalid.length > 0
            ? Promise.resolve({ status: "error", message: invalid.map((f) => f.reason).join("; ") })
            : programLookup().observe(accountId);
        const verdict = await programTokens().decide(declared, desired, actor, lookup);
        const audit = auditOf(desired, verdict, actor);
        const log = audit.severity === "warn" ? pulumi.log.warn : audit.severity === "error" ? pulumi.log.error : pulumi.log.info;
        void log(audit.audit.message, about);
        // `pulumi up` previews first and stops there if the preview fails, so a refusal fails only
        // the update itself (see program-tokens.ts); a preview shows it as this error and goes on.
        if (verdict.refusal && !pulumi.runtime.isDryRun()) process.exitCode = REPORTED_ERROR_EXIT_CODE;
        return { verdict, audit: audit.audit };
      });
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
        // A refused token is sent to the engine only once every other token has been (the SDK
        // sends a resource when all its inputs are known); its audit is known before that.
        // In a preview a refused token goes without its observation, so that its check (which
        // refuses from the observation) lets the preview go on: the refusal is already reported.
        observed: seen.apply(async ({ verdict }) => {
          await verdict.othersRegistered;
          return verdict.refusal && pulumi.runtime.isDryRun() ? undefined : verdict.observed;
        }),
        duplicates: seen.apply(({ verdict }) => verdict.duplicates),
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
    this.audit = seen.apply((s) => s.audit);
  }
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
