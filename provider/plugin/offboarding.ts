/**
 * `marin-social:index:Offboarding`, the component the plugin builds in Construct: one
 * `marin-social:index:PublisherToken` child, `valid: false`, per account the person authorized
 * (asked again on every run), none for a keep-listed one (the preview says so). Each child's Check
 * logs the account and every agency it cuts, as any token's does.
 *
 * A plan `expectAccounts` refuses has no children: nothing of the person's is touched, and the
 * refusal is logged as an error against the component. `pulumi up` must still fail, yet only after
 * every other resource was dealt with, as on the dynamic path (exit code 32 at the program's end).
 * The engine exits 0 for an error diagnostic alone; a failed Construct aborts the deployment, and a
 * failed step stops the engine starting any other (both measured in
 * test/e2e/offboarding-native.test.ts). An after-create/after-update resource hook that fails is
 * what the engine records as a deployment failure while the step itself, and every other one,
 * goes on (pkg/resource/deploy: RecordPostStepError). So a refused component carries such a hook,
 * and an input set anew on every refused run (`refusedAt`), so that each one is an update that
 * runs the hook, never an unchanged "same" step that would not. Hooks do not run in preview, which
 * goes on and names the difference, as the dynamic path's does.
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

/**
 * What fails `pulumi up` for a refused offboarding once the component is registered (see the
 * module's description): the hook, named for the component (unique in the stack), and the input
 * that makes this run an update of it.
 */
function refusedRun(name: string, desired: DesiredOffboarding, refusal: NonNullable<OffboardingPlan["refusal"]>) {
  const differs = [
    ...(refusal.unexpected.length > 0 ? [`found but not expected: ${refusal.unexpected.join(", ")}`] : []),
    ...(refusal.missing.length > 0 ? [`expected but not found: ${refusal.missing.join(", ")}`] : []),
  ].join("; ");
  const message = displayText(
    `Offboarding "${name}" of ${desired.person} was refused by ${refusal.property} (${differs}): nothing of theirs was cut. ` +
      `The run's other resources are dealt with all the same; the run fails so that this offboarding is not taken for done.`,
  );
  const hook = new pulumi.ResourceHook(`marin-social-offboarding-refused-${name}`, () => {
    throw new Error(message);
  });
  return { inputs: { refusedAt: new Date().toISOString() }, hooks: { afterCreate: [hook], afterUpdate: [hook] } };
}

/** The component; its outputs: `person`, `accounts` (the ids it manages, invalidated) and `kept`. */
export class Offboarding extends pulumi.ComponentResource {
  readonly accounts: string[];
  readonly kept: string[];

  constructor(name: string, desired: DesiredOffboarding, plan: OffboardingPlan, opts: pulumi.ComponentResourceOptions) {
    const failing = plan.refusal ? refusedRun(name, desired, plan.refusal) : undefined;
    super(OFFBOARDING_TYPE, name, failing?.inputs ?? {}, { ...opts, ...(failing ? { hooks: failing.hooks } : {}) });
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
