/**
 * PublisherToken: one Marin Social publisher access token under Pulumi.
 * Type token `pulumi-nodejs:dynamic/marin-social:PublisherToken`.
 */
import * as pulumi from "@pulumi/pulumi";
import { pulumiActor, type Agency, type Publisher } from "../core";
import { auditOf, type TokenAudit } from "./audit";
import { programLookup } from "./lookup";
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

/**
 * A publisher access token. `pulumi up` reaches `valid: false` by invalidating
 * the token (with actor `pulumi:<project>/<stack>`) and unlinking every agency.
 * `pulumi preview` logs, against this resource, the agencies it will cut off.
 * Deleting the resource changes nothing in Marin Social: a revoked token
 * cannot be un-revoked, so it only stops being managed.
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
    const holder: { self?: PublisherToken } = {};
    const actor = pulumiActor(pulumi.getProject(), pulumi.getStack());
    const seen = pulumi
      .all([args.accountId, args.valid, args.publisher, args.reason, args.expectAgencies])
      .apply(async ([accountId, valid, publisher, reason, expectAgencies]) => {
        const observed = await programLookup().observe(accountId);
        const audit = auditOf({ accountId, valid, publisher, reason, expectAgencies }, observed, actor);
        const log = audit.severity === "warn" ? pulumi.log.warn : audit.severity === "error" ? pulumi.log.error : pulumi.log.info;
        void log(audit.audit.message, holder.self);
        return { observed, audit: audit.audit };
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
        observed: seen.apply((s) => s.observed),
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
      "marin-social",
      "PublisherToken",
    );
    holder.self = this;
    this.audit = seen.apply((s) => s.audit);
  }
}
