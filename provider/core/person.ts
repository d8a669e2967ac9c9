/**
 * Who authorized a token (the contract's `Person`, `token.authorizedBy`), and how a person is
 * named when a token's authorizer is asked for: by their publisher-side id, or by their email.
 */
import type { Account, Person } from "./types";

/**
 * The key an email is compared by: lower-cased with JavaScript's full Unicode case mapping. The
 * sandbox stores it beside the email and the client checks answers with it, so both agree.
 */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

/**
 * True when `ref` names `person`: their id, exactly, or their email, ignoring case. A token whose
 * authorizer is not known (null) is nobody's.
 */
export function isPerson(person: Person | null | undefined, ref: string): boolean {
  if (!person) return false;
  return person.id === ref || (person.email !== undefined && emailKey(person.email) === emailKey(ref));
}

/** True when `ref` names the person who authorized the account's token. */
export function isAuthorizedBy(account: Pick<Account, "token">, ref: string): boolean {
  return isPerson(account.token.authorizedBy, ref);
}
