/**
 * Which resources declare which account, as Check sees them in one engine operation: one account,
 * one resource. The dynamic path's program sees every declaration at once and refuses both of a
 * pair before anything runs; the plugin sees one Check at a time, while the engine already runs
 * the steps of resources checked earlier. So a second resource for an account is known only from
 * its own Check on: from then on every resource for that account is refused (Diff, Create,
 * Update), and one whose step already ran in this operation stays as it ran (see token.ts).
 */

/** The resource name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The resources declaring each account in the current operation (a new one at each Configure). */
export class Claims {
  private readonly byAccount = new Map<string, Set<string>>();
  private readonly started = new Set<string>();

  /** Records that the real (not preview) Create or Update of `urn` has begun. */
  start(urn: string): void {
    this.started.add(urn);
  }

  /** Whether the real Create or Update of `urn` has begun in this operation. */
  hasStarted(urn: string): boolean {
    return this.started.has(urn);
  }

  /** Records that `urn` declares `accountId`; returns every URN declaring it, in Check order. */
  claim(accountId: string, urn: string): string[] {
    let urns = this.byAccount.get(accountId);
    if (!urns) this.byAccount.set(accountId, (urns = new Set()));
    urns.add(urn);
    return [...urns];
  }

  /** The URNs declaring `accountId`, in Check order. */
  declarers(accountId: string): string[] {
    return [...(this.byAccount.get(accountId) ?? [])];
  }
}
