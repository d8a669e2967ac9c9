/**
 * The shape check of an `Account` as the contract defines it (`components/schemas/Account` in
 * schemas/marin-social-api.yaml). A 200 whose body is not an account is an error, never read as
 * an account, and never as "this account does not exist".
 */
import { PUBLISHERS } from "../core/types";
import { ACCOUNT_REQUIRED } from "../generated/contract";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringOrNull = (v: unknown): boolean => v === null || typeof v === "string";
const isPerson = (v: unknown): boolean =>
  isObject(v) && typeof v.id === "string" && typeof v.name === "string" && (v.email === undefined || typeof v.email === "string");

/** Why `v` is not an Account of the contract (the first member that is wrong), or undefined when it is one. */
export function accountProblem(v: unknown): string | undefined {
  if (!isObject(v)) return "not an object";
  const missing = ACCOUNT_REQUIRED.filter((k) => !(k in v));
  if (missing.length > 0) return `missing ${missing.join(", ")}`;
  if (typeof v.id !== "string" || v.id === "") return "id is not a non-empty string";
  if (!PUBLISHERS.includes(v.publisher as never)) return `publisher ${JSON.stringify(v.publisher)} is not one of ${PUBLISHERS.join(", ")}`;
  if (typeof v.externalId !== "string" || typeof v.name !== "string") return "externalId or name is not a string";
  const t = v.token;
  if (!isObject(t) || typeof t.valid !== "boolean" || typeof t.fingerprint !== "string") return "token is not { valid, fingerprint, ... }";
  if (!isStringOrNull(t.invalidatedAt) || !isStringOrNull(t.invalidatedBy) || !isStringOrNull(t.reason)) {
    return "token.invalidatedAt, invalidatedBy or reason is neither a string nor null";
  }
  if (!(t.authorizedBy === null || isPerson(t.authorizedBy)) || !isStringOrNull(t.authorizedAt)) {
    return "token.authorizedBy is neither a person { id, name, email? } nor null, or authorizedAt neither a string nor null";
  }
  if (!Array.isArray(v.agencies) || !v.agencies.every((a) => isObject(a) && typeof a.id === "string" && typeof a.name === "string")) {
    return "agencies is not a list of { id, name }";
  }
  if (typeof v.version !== "number" || !Number.isInteger(v.version) || v.version < 1) return "version is not a positive integer";
  return undefined;
}
