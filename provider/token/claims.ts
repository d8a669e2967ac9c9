/**
 * One account, one resource: who declares each account, and the refusal when more than one does.
 * The one mechanism every path feeds: the declaration file's rules (by entry), the program's
 * tokens (by resource name, all at once) and the native plugin (by resource, one Check at a time).
 */
import type { TokenRefusal } from "./refusal";

/** The declarers of each account, in the order they were claimed (each once). */
export class AccountClaims<T> {
  private readonly byAccount = new Map<string, Set<T>>();

  /** Records that `who` declares `accountId`; returns how many declare it so far. */
  claim(accountId: string, who: T): number {
    let all = this.byAccount.get(accountId);
    if (!all) {
      all = new Set();
      this.byAccount.set(accountId, all);
    }
    all.add(who);
    return all.size;
  }

  /** The first declarer of `accountId`. */
  first(accountId: string): T | undefined {
    return this.byAccount.get(accountId)?.values().next().value;
  }

  /** The declarers of `accountId` so far. */
  declarers(accountId: string): T[] {
    return [...(this.byAccount.get(accountId) ?? [])];
  }
}

/**
 * The refusal of two or more resources for one account, naming them all; undefined for one.
 * `ran`: those of them already reconciled in this operation (the native plugin may have run one
 * before it saw the other).
 */
export function duplicateRefusal(accountId: string, names: readonly string[], ran: readonly string[] = []): TokenRefusal | undefined {
  if (names.length < 2) return undefined;
  const outcome =
    ran.length === 0
      ? "None of them changes anything"
      : `${ran.map((n) => JSON.stringify(n)).join(", ")} had already been reconciled in this run when the engine checked the others (it checks one resource at a time and runs the steps of those checked); the others change nothing`;
  return { property: "accountId", message: duplicateMessage(accountId, names, outcome) };
}

/** The message of {@link duplicateRefusal}. */
function duplicateMessage(accountId: string, names: readonly string[], outcome: string): string {
  const sorted = [...names].sort();
  return (
    `account ${accountId} is declared by ${sorted.length} PublisherToken resources: ${sorted.map((n) => JSON.stringify(n)).join(", ")}. ` +
    "One account needs exactly one resource: each would act on the account without knowing of the other (one invalidating " +
    `what another declares valid, or both unlinking the same agencies). ${outcome}; keep one and remove the others.`
  );
}
