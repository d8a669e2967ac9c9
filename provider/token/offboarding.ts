/**
 * One person's offboarding, asked of the API on every run: the accounts whose token they
 * authorized (read in pages, never one request per account), planned by core/offboarding.ts. Both
 * paths' components (the native plugin's Construct and the dynamic path's class) call this.
 */
import type { MarinSocialClient } from "../client";
import { type DesiredOffboarding, type OffboardingPlan, planOffboarding } from "../core";
import type { InputFailure } from "./inputs";

export type { DesiredOffboarding, OffboardingPlan } from "../core";

/** The component's inputs, in the order they are documented. */
export const OFFBOARDING_INPUTS = ["person", "reason", "keep", "expectAccounts"] as const;

/** Checks an Offboarding's inputs as a program gave them; nulls count as left out. */
export function checkOffboardingInputs(raw: Record<string, unknown>): { desired?: DesiredOffboarding; failures: InputFailure[] } {
  const failures: InputFailure[] = [];
  for (const k of Object.keys(raw)) {
    if (!(OFFBOARDING_INPUTS as readonly string[]).includes(k)) {
      failures.push({ property: k, reason: `unknown property "${k}"; an Offboarding takes ${OFFBOARDING_INPUTS.join(", ")}` });
    }
  }
  const given = (k: string) => raw[k] !== undefined && raw[k] !== null;
  const ids = (k: string): string[] | undefined => {
    if (!given(k)) return undefined;
    const v = raw[k];
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    failures.push({ property: k, reason: `${k} must be a list of account ids, e.g. [fb-1001, tw-2001]` });
    return undefined;
  };
  if (typeof raw.person !== "string" || raw.person === "") {
    failures.push({ property: "person", reason: "person is required: the person's publisher-side user id or email, e.g. jane@agency.example" });
  }
  if (given("reason") && typeof raw.reason !== "string") failures.push({ property: "reason", reason: "reason must be a string" });
  const keep = ids("keep");
  const expectAccounts = ids("expectAccounts");
  if (failures.length > 0) return { failures };
  return {
    desired: {
      person: raw.person as string,
      ...(given("reason") ? { reason: raw.reason as string } : {}),
      ...(keep ? { keep } : {}),
      ...(expectAccounts ? { expectAccounts } : {}),
    },
    failures,
  };
}

/** The person's accounts now, and the plan for them. Rejects with the client's error when they cannot be listed. */
export async function offboardingPlan(client: MarinSocialClient, desired: DesiredOffboarding): Promise<OffboardingPlan> {
  return planOffboarding(desired, await client.accountsAuthorizedBy(desired.person));
}
