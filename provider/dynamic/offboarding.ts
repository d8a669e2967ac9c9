/**
 * Offboarding on the dynamic path: the TypeScript twin of the native plugin's
 * `marin-social:index:Offboarding` component. On every run it asks the API for the accounts whose
 * token the person authorized (paged, token/offboarding.ts) and declares one PublisherToken child
 * per account, `valid: false`, except the keep-listed ones (the preview says so).
 *
 * ```ts
 * import { Offboarding } from "pulumi-marin-social";
 * new Offboarding("jane", { person: "jane@agency.example", reason: "left the company", keep: ["fb-1004"] });
 * ```
 *
 * `expectAccounts` is a guard (core/guard.ts): when the run would cut an account it does not list,
 * no child is declared, nothing of the person's is touched, and the refusal is logged as an error
 * against the component; `pulumi up` then fails (exit code 32) after every other resource of the
 * program was dealt with, while a preview goes on, as with a refused token.
 */
import * as pulumi from "@pulumi/pulumi";
import { displayText } from "../core";
import { checkOffboardingInputs, type OffboardingPlan, offboardingPlan } from "../token/offboarding";
import { assertProgramConnection, programLookup } from "./lookup";
import { programTokens } from "./program-tokens";
import { markOffboarding, PublisherToken, REPORTED_ERROR_EXIT_CODE } from "./publisher-token";

/** The component's type token, the same on both paths. */
export const OFFBOARDING_TYPE = "marin-social:index:Offboarding";

/** What a user declares to offboard one person. */
export interface OffboardingArgs {
  /** Their publisher-side user id (exact) or email (any case), as the tokens' `authorizedBy` carries them. */
  person: string;
  /** Recorded with each invalidation. */
  reason?: string;
  /** Account ids never touched, even when the person authorized them. */
  keep?: readonly string[];
  /** A guard: the account ids this offboarding may cut. */
  expectAccounts?: readonly string[];
}

/** Offboards one person; see the module's description. */
export class Offboarding extends pulumi.ComponentResource {
  /** The accounts this offboarding manages, each a PublisherToken child declared `valid: false`. */
  readonly accounts: pulumi.Output<string[]>;
  /** Keep-listed accounts the person authorized, left untouched. */
  readonly kept: pulumi.Output<string[]>;
  /** The children, once declared. */
  readonly tokens: Promise<PublisherToken[]>;

  constructor(name: string, args: OffboardingArgs, opts?: pulumi.ComponentResourceOptions) {
    const { desired, failures } = checkOffboardingInputs({ ...args });
    if (!desired) throw new pulumi.RunError(`Offboarding "${name}": ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    assertProgramConnection();
    super(OFFBOARDING_TYPE, name, {}, opts);
    markOffboarding(this, name);
    // Tokens the program declared already are decided only once these are declared too: one
    // account, one resource, whichever comes first.
    const release = programTokens().hold();
    const planned = this.plan(name, desired);
    this.tokens = planned
      .then((plan) =>
        plan.cut.map(
          (a) =>
            new PublisherToken(`${name}-${a.id}`, { accountId: a.id, valid: false, ...(desired.reason ? { reason: desired.reason } : {}) }, { parent: this }),
        ),
      )
      .finally(release);
    // A failed lookup fails the program through `accounts`; not a second time here.
    this.tokens.catch(() => undefined);
    this.accounts = pulumi.output(planned.then((p) => p.cut.map((a) => a.id)));
    this.kept = pulumi.output(planned.then((p) => p.kept.map((a) => a.id)));
    this.registerOutputs({ person: desired.person, accounts: this.accounts, kept: this.kept });
  }

  private async plan(name: string, desired: Parameters<typeof offboardingPlan>[1]): Promise<OffboardingPlan> {
    const api = programLookup().api;
    if (api instanceof Error) throw new pulumi.RunError(api.message);
    const plan = await offboardingPlan(api, desired);
    for (const note of plan.notes) pulumi.log.info(displayText(note), this);
    if (plan.refusal) {
      pulumi.log.error(displayText(`Offboarding "${name}" of ${desired.person}: ${plan.refusal.message}`), this);
      if (!pulumi.runtime.isDryRun()) process.exitCode = REPORTED_ERROR_EXIT_CODE;
    }
    return plan;
  }
}
