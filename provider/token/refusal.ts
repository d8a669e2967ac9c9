/**
 * What is decided about a declared token before anything is done to its account: the plan, made
 * once, and the refusal, if any. One function decides, used by the program (which logs the refusal
 * against the resource and registers it last), by the native plugin's Check, and by the dynamic
 * provider's check when no program decided.
 */
import { type DesiredToken, type LiveToken, type Plan, planToken } from "../core";
import { duplicateRefusal } from "./claims";
import { notFoundMessage } from "./errors";
import { liveFromObservation, type Observation } from "./observation";
import { tally } from "./tally";

/** A refusal: the input property it is about, and what happened, why, and how to fix it. */
export interface TokenRefusal {
  property: string;
  message: string;
}

/** What decides a refusal: the declaration, what was observed, and who acts. */
export interface RefusalFacts {
  desired: DesiredToken;
  observed: Observation;
  actor: string;
  /** Names of every PublisherToken resource of the program declaring this account, when more than one. */
  duplicates?: readonly string[];
}

/** What was decided about one token. `plan` is set when the account was found and no duplicate refused it. */
export interface Decision {
  observed: Observation;
  plan?: Plan;
  refusal?: TokenRefusal;
  duplicates?: readonly string[];
}

/** The plan for `desired` against `live`: every plan of the token domain is made here (and counted, see tally.ts). */
export function planFor(desired: DesiredToken, live: LiveToken, actor: string): Plan {
  tally("plan", desired.accountId);
  return planToken(desired, live, { actor });
}

/**
 * The decision for one token. Refused: two or more resources for one account, an unknown account,
 * a failed lookup, and whatever the planner refuses (`valid: true` on a revoked token, a publisher
 * mismatch, the `expectAgencies` guard).
 */
export function decide(facts: RefusalFacts): Decision {
  const { desired, observed } = facts;
  const duplicate = facts.duplicates ? duplicateRefusal(desired.accountId, facts.duplicates) : undefined;
  const base: Decision = { observed, ...(facts.duplicates && facts.duplicates.length > 1 ? { duplicates: facts.duplicates } : {}) };
  if (duplicate) return { ...base, refusal: duplicate };
  if (observed.status === "missing") return { ...base, refusal: { property: "accountId", message: notFoundMessage(desired.accountId) } };
  if (observed.status === "error") {
    return { ...base, refusal: { property: "accountId", message: `could not read account ${desired.accountId} from Marin Social: ${observed.message}` } };
  }
  const plan = planFor(desired, liveFromObservation(desired.accountId, observed), facts.actor);
  return { ...base, plan, ...(plan.refusal ? { refusal: { property: plan.refusal.property, message: plan.refusal.message } } : {}) };
}
