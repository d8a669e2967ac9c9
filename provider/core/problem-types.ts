/**
 * The problem `type` URIs of the API's 404s, generated from schemas/marin-social-api.yaml
 * (`components/schemas/*NotFoundProblem`). The sandbox serves them and the client maps them to
 * error codes: only {@link PROBLEM_TYPES.accountNotFound} means "this account does not exist".
 */
import { NOT_FOUND_PROBLEM_TYPES } from "../generated/contract";

/** The contract's not-found problem types: `accountNotFound` (the only "gone"), `agencyNotFound`, `linkNotFound`, `routeNotFound`. */
export const PROBLEM_TYPES = NOT_FOUND_PROBLEM_TYPES;

/** The base of every problem `type` URI of the contract. */
export const PROBLEM_BASE = PROBLEM_TYPES.accountNotFound.replace(/account-not-found$/, "");
