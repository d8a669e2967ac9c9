/**
 * The problem `type` URIs of the API's 404s, as defined in schemas/marin-social-api.yaml
 * (`components/schemas/*NotFoundProblem`; test/client/not-found.test.ts checks they agree).
 * The sandbox serves them and the client maps them to error codes: only
 * {@link PROBLEM_TYPES.accountNotFound} means "this account does not exist".
 */

/** The base of every problem `type` URI of the contract. */
export const PROBLEM_BASE = "https://marin-social.example/problems/";

/** The contract's not-found problem types. */
export const PROBLEM_TYPES = {
  /** The account does not exist: the only answer that means "gone". */
  accountNotFound: `${PROBLEM_BASE}account-not-found`,
  /** The agency does not exist. */
  agencyNotFound: `${PROBLEM_BASE}agency-not-found`,
  /** Account and agency exist but are not linked: an unlink is already done. */
  linkNotFound: `${PROBLEM_BASE}link-not-found`,
  /** No route of the API matches the path (a wrong base URL, a typo). */
  routeNotFound: `${PROBLEM_BASE}route-not-found`,
} as const;
