/**
 * The provider-side inputs of a PublisherToken and their validation (Pulumi `check`).
 */
import { type DesiredToken, PUBLISHERS, type Publisher, satisfies } from "../core";
import { ACCOUNT_ID, ACTOR, AGENCY_ID, REASON } from "../generated/contract";
import { type PublisherTokenOutputs, TOKEN_INPUTS } from "../generated/token";
import { asObservation, type DecidedObservation } from "./observation";
import { tally } from "./tally";

/** The engine's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Inputs as the provider receives them (plain values, `__provider` aside). */
export interface TokenInputs extends DesiredToken, Pick<PublisherTokenOutputs, "actor"> {
  /** The program-side lookup. Absent when the program could not look (unknown accountId). */
  observed?: DecidedObservation;
  /**
   * On the dynamic path, the name of the Offboarding that declared the token (set by the class
   * for its children; not a user input). Kept in state because the SDK gives a dynamic provider's
   * read no URN: a refresh tells from it that the person who re-authorized the token is offboarded
   * in this stack. The native plugin reads the same from the resource's URN.
   */
  offboarding?: string;
}

/** A failure of one input property: which, and what is wrong and how to fix it. */
export interface InputFailure {
  property: string;
  reason: string;
}

/** Input property names the user sets (the token definition's inputs). */
export const USER_INPUTS = TOKEN_INPUTS;

/** True when the value, or anything inside it, is the preview's unknown marker. */
export function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

/**
 * Validates raw inputs with the rules of the API contract (provider/generated/contract.ts),
 * so that whatever check (preview) accepts, the API accepts during `pulumi up`. Returns the
 * typed inputs and the failures, each naming its property and how to fix it. Unknown values
 * (preview) are not failures.
 */
export function checkInputs(news: Record<string, unknown>): { inputs: TokenInputs; failures: InputFailure[] } {
  tally("format", news.accountId);
  const failures: InputFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  const { accountId, valid, publisher, reason, expectAgencies, actor } = news;
  if (accountId !== UNKNOWN && !satisfies(ACCOUNT_ID, accountId)) {
    fail("accountId", `accountId must be ${ACCOUNT_ID.description}; got ${show(accountId)}`);
  }
  if (typeof valid !== "boolean" && valid !== UNKNOWN) {
    fail("valid", `valid must be true or false, got ${show(valid)}`);
  }
  if (publisher !== undefined && publisher !== UNKNOWN && !PUBLISHERS.includes(publisher as Publisher)) {
    fail("publisher", `publisher must be one of ${PUBLISHERS.join(", ")}, got ${show(publisher)}`);
  }
  if (reason !== undefined && reason !== UNKNOWN && !satisfies(REASON, reason)) {
    fail("reason", `reason must be ${REASON.description}; got ${show(reason)}`);
  }
  if (expectAgencies !== undefined && expectAgencies !== UNKNOWN) {
    if (!Array.isArray(expectAgencies)) {
      fail("expectAgencies", `expectAgencies must be a list of agency ids such as ["ag-north"], got ${show(expectAgencies)}`);
    } else {
      const bad = expectAgencies.filter((a) => a !== UNKNOWN && !satisfies(AGENCY_ID, a));
      if (bad.length > 0) fail("expectAgencies", `each of expectAgencies must be ${AGENCY_ID.description}; got ${bad.map(show).join(", ")}`);
      else if (new Set(expectAgencies).size !== expectAgencies.length)
        fail("expectAgencies", `expectAgencies lists an agency twice: ${expectAgencies.join(", ")}`);
    }
  }
  if (news.offboarding !== undefined && typeof news.offboarding !== "string") {
    fail("offboarding", `offboarding is set by the Offboarding component for its children and must be its name; got ${show(news.offboarding)}`);
  }
  if (!satisfies(ACTOR, actor)) {
    fail(
      "actor",
      `actor must be ${ACTOR.description}; got ${show(actor)}. It is set by the PublisherToken class (\`pulumi:<project>/<stack>\`, shortened to fit): construct tokens with \`new PublisherToken(...)\``,
    );
  }

  return { inputs: inputsOf(news), failures };
}

/**
 * The typed inputs of raw ones, without checking them: for inputs that were checked at the path's
 * boundary ({@link checkInputs} in the program's registration or the provider's check).
 */
export function inputsOf(news: Record<string, unknown>): TokenInputs {
  const { accountId, valid, publisher, reason, expectAgencies, actor } = news;
  const inputs: TokenInputs = { accountId: accountId as string, valid: valid as boolean, actor: actor as string };
  if (publisher !== undefined) inputs.publisher = publisher as Publisher;
  if (reason !== undefined) inputs.reason = reason as string;
  if (expectAgencies !== undefined) inputs.expectAgencies = expectAgencies as string[];
  if (typeof news.offboarding === "string") inputs.offboarding = news.offboarding;
  const observed = asObservation(news.observed);
  if (observed) inputs.observed = observed;
  return inputs;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/**
 * What is wrong with one token's declared values themselves: a property a PublisherToken does not
 * take, or a value the API contract does not ({@link checkInputs}). The actor is not among them: it
 * comes from the stack, not the token.
 */
export function malformed(values: Record<string, unknown>, actor: string): InputFailure[] {
  const unknown = Object.keys(values)
    .filter((k) => !(USER_INPUTS as readonly string[]).includes(k))
    .map((k) => ({ property: k, reason: `unknown property "${k}"; a PublisherToken takes ${USER_INPUTS.join(", ")}` }));
  const declared = Object.fromEntries(USER_INPUTS.filter((k) => values[k] !== undefined).map((k) => [k, values[k]]));
  const invalid = checkInputs({ ...declared, actor }).failures.filter((f) => f.property !== "actor");
  return [...unknown, ...invalid];
}

/** What a malformed token's error says: what is wrong, that it changes nothing, and the fix. */
export function malformedMessage(bad: readonly InputFailure[]): string {
  return `malformed input, nothing is changed for this token: ${bad.map((f) => f.reason).join("; ")}. Fix it in the program and run \`pulumi up\` again.`;
}
