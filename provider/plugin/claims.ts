/**
 * What the plugin's Checks found in one engine operation (a new record at each Configure), for the
 * Diff, Create and Update of the same resources, which the engine sends to the same process:
 * - which resources declare which account (one account, one resource, token/claims.ts). The
 *   dynamic path's program sees every declaration at once and refuses both of a pair before
 *   anything runs; the plugin sees one Check at a time, while the engine already runs the steps of
 *   resources checked earlier. So a second resource for an account is known only from its own
 *   Check on: from then on every resource for that account is refused (Diff, Create, Update), and
 *   one whose step already ran in this operation stays as it ran (see token.ts);
 * - per resource, what its Check decided: the format check's failures, the account looked up, and
 *   the plan, so that each is made once per operation.
 */
import type { Account, Plan } from "../core";
import { AccountClaims } from "../token/claims";
import type { InputFailure } from "../token/inputs";
import type { Observation } from "../token/observation";

/** The resource name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** What Check decided about one resource. */
export interface Checked {
  /** The declared values it checked. */
  values: Record<string, unknown>;
  /** The format check's failures. */
  bad: InputFailure[];
  observed?: Observation;
  /** The account as looked up, when found. */
  account?: Account;
  plan?: Plan;
}

/** The Checks of the current operation. */
export class Claims {
  private readonly accounts = new AccountClaims<string>();
  private readonly started = new Set<string>();
  private readonly checked = new Map<string, Checked>();

  /** Records that the real (not preview) Create or Update of `urn` has begun. */
  start(urn: string): void {
    this.started.add(urn);
  }

  /** Whether the real Create or Update of `urn` has begun in this operation. */
  hasStarted(urn: string): boolean {
    return this.started.has(urn);
  }

  /** Records that `urn` declares `accountId`; returns every URN declaring it, in Check order. */
  claim(accountId: string, urn: string): readonly string[] {
    this.accounts.claim(accountId, urn);
    return this.accounts.declarers(accountId);
  }

  /** The URNs declaring `accountId`, in Check order. */
  declarers(accountId: string): string[] {
    return this.accounts.declarers(accountId);
  }

  /** Records what the Check of `urn` decided. */
  record(urn: string, checked: Checked): void {
    this.checked.set(urn, checked);
  }

  /** How many resources have been checked in this operation. */
  get size(): number {
    return this.checked.size;
  }

  /** What the Check of `urn` decided in this operation, if it ran. */
  of(urn: string): Checked | undefined {
    return this.checked.get(urn);
  }
}
