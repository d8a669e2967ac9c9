/**
 * What an action does to an account, as a pure function. It models the API's
 * documented semantics so the planner can be property-tested without a
 * server ("applying a plan, then planning again, yields nothing").
 */
import type { Action } from "./plan";
import type { Account } from "./types";

/** Returns the account after `action`; `at` is the timestamp to record. Never mutates its input. */
export function applyAction(account: Account, action: Action, at: string): Account {
  switch (action.kind) {
    case "invalidate":
      if (!account.token.valid) return account; // idempotent: first invalidation wins
      return {
        ...account,
        token: {
          ...account.token,
          valid: false,
          invalidatedAt: at,
          invalidatedBy: action.actor,
          reason: action.reason,
        },
        version: account.version + 1,
      };
    case "unlink": {
      const agencies = account.agencies.filter((a) => a.id !== action.agency.id);
      if (agencies.length === account.agencies.length) return account;
      return { ...account, agencies, version: account.version + 1 };
    }
  }
}

/** Applies every action in order. */
export function applyPlan(account: Account, actions: readonly Action[], at: string): Account {
  return actions.reduce((acc, action) => applyAction(acc, action, at), account);
}
