/**
 * `marin-social:index:Offboarding`, the component the plugin builds in Construct: one
 * `marin-social:index:PublisherToken` child, `valid: false`, per account the person authorized
 * (asked again on every run), none for a keep-listed one (the preview says so). A plan
 * `expectAccounts` refuses has no children: its refusal is logged as an error against the
 * component, and nothing of the person's is touched; the rest of the program goes on. (The engine
 * shows it as errored but, for a diagnostic alone, still exits 0.) Each child's Check logs the account and every agency it cuts, as any token's does.
 */
import * as pulumi from "@pulumi/pulumi";
import { displayText } from "../core";
import type { DesiredOffboarding, OffboardingPlan } from "../token/offboarding";
import { OFFBOARDING_TYPE, TOKEN_TYPE } from "./schema";

export { OFFBOARDING_TYPE };

/** The name of the child for `accountId` in the component `name`: unique in the stack, stable across runs. */
export function childName(name: string, accountId: string): string {
  return `${name}-${accountId}`;
}

/** A PublisherToken child, registered by its type token as every generated SDK does. */
class Token extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super(TOKEN_TYPE, name, props, opts);
  }
}

/** The component; its outputs: `person`, `accounts` (the ids it manages, invalidated) and `kept`. */
export class Offboarding extends pulumi.ComponentResource {
  readonly accounts: string[];
  readonly kept: string[];

  constructor(name: string, desired: DesiredOffboarding, plan: OffboardingPlan, opts: pulumi.ComponentResourceOptions) {
    super(OFFBOARDING_TYPE, name, {}, opts);
    for (const note of plan.notes) pulumi.log.info(displayText(note), this);
    if (plan.refusal) pulumi.log.error(displayText(`Offboarding "${name}" of ${desired.person}: ${plan.refusal.message}`), this);
    this.accounts = plan.cut.map((a) => a.id);
    this.kept = plan.kept.map((a) => a.id);
    for (const id of this.accounts) {
      new Token(childName(name, id), { accountId: id, valid: false, ...(desired.reason ? { reason: desired.reason } : {}) }, { parent: this });
    }
    this.registerOutputs({ person: desired.person, accounts: this.accounts, kept: this.kept });
  }
}
