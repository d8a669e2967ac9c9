/**
 * Why a declared token is refused before anything is done to its account. One function decides,
 * used by the program (which logs the refusal against the resource and registers it last) and by
 * the provider's check (which fails the resource with the same words).
 */
import { planToken, type DesiredToken } from "../core";
import { notFoundMessage } from "./errors";
import { liveFromObservation, type Observation } from "./observation";

/** A refusal: the input property it is about, and what happened, why, and how to fix it. */
export interface TokenRefusal {
  property: string;
  message: string;
}

/** What decides a refusal: the declaration, what the program observed, and who acts. */
export interface RefusalFacts {
  desired: DesiredToken;
  observed: Observation;
  actor: string;
  /** Names of every PublisherToken resource of the program declaring this account, when more than one. */
  duplicates?: readonly string[];
}

/**
 * The refusal for one token, or undefined when it may proceed. Refused: two or more resources
 * for one account, an unknown account, a failed lookup, and whatever the planner refuses
 * (`valid: true` on a revoked token, a publisher mismatch, the `expectAgencies` guard).
 */
export function refusalOf(facts: RefusalFacts): TokenRefusal | undefined {
  const { desired, observed } = facts;
  if (facts.duplicates && facts.duplicates.length > 1) {
    return { property: "accountId", message: duplicateMessage(desired.accountId, facts.duplicates) };
  }
  if (observed.status === "missing") return { property: "accountId", message: notFoundMessage(desired.accountId) };
  if (observed.status === "error") {
    return { property: "accountId", message: `could not read account ${desired.accountId} from Marin Social: ${observed.message}` };
  }
  const plan = planToken(desired, liveFromObservation(desired.accountId, observed), { actor: facts.actor });
  return plan.refusal ? { property: plan.refusal.property, message: plan.refusal.message } : undefined;
}

/**
 * The refusal of two or more resources for one account, naming them all. `outcome`: what became
 * of them (the native plugin may have run one before it saw the other).
 */
export function duplicateMessage(accountId: string, names: readonly string[], outcome = "None of them changes anything"): string {
  const sorted = [...names].sort();
  return (
    `account ${accountId} is declared by ${sorted.length} PublisherToken resources: ${sorted.map((n) => JSON.stringify(n)).join(", ")}. ` +
    "One account needs exactly one resource: each would act on the account without knowing of the other (one invalidating " +
    `what another declares valid, or both unlinking the same agencies). ${outcome}; keep one and remove the others.`
  );
}
