/**
 * What the schema cannot say: one declaration per account, each agency (and each account of a
 * person's keep and expectAccounts) once per list, and the token limit.
 */
import { AccountClaims } from "../token/claims";
import { MAX_TOKENS, SPLIT_ADVICE } from "./limits";
import type { Position } from "./locate";
import { displayPath, quote, type Segments } from "./problem";

/** A rule problem, before it is located in the file. */
export interface RuleProblem {
  segments: Segments;
  message: string;
}

/** Finds a node's position (used to name the line of a first occurrence). */
export type Locate = (segments: Segments) => Position;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks converted declaration data. Runs in O(n); `locate` is called only
 * for problems found.
 */
export function checkRules(data: unknown, locate: Locate): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (!isRecord(data)) return out;
  if (isRecord(data.defaults)) uniqueAgencies(data.defaults.expectAgencies, ["defaults", "expectAgencies"], out);
  if (Array.isArray(data.people)) {
    data.people.forEach((p: unknown, i) => {
      if (!isRecord(p)) return;
      for (const key of ["keep", "expectAccounts"]) uniqueAgencies(p[key], ["people", i, key], out, "account");
    });
  }
  const tokens = data.tokens;
  if (!Array.isArray(tokens)) return out;
  if (tokens.length > MAX_TOKENS) {
    out.push({
      segments: ["tokens"],
      message: `declares ${tokens.length.toLocaleString("en-US")} tokens; the limit is ${MAX_TOKENS.toLocaleString("en-US")} per file; ${SPLIT_ADVICE}`,
    });
  }
  // One account, one resource: the rule every path applies (token/claims.ts), here by entry.
  const claims = new AccountClaims<number>();
  for (let i = 0; i < tokens.length; i++) {
    const t: unknown = tokens[i];
    if (!isRecord(t)) continue;
    uniqueAgencies(t.expectAgencies, ["tokens", i, "expectAgencies"], out);
    const id = t.accountId;
    if (typeof id !== "string") continue;
    if (claims.claim(id, i) === 1) continue;
    const first = claims.first(id)!;
    const firstAt = ["tokens", first, "accountId"];
    out.push({
      segments: ["tokens", i, "accountId"],
      message: `duplicate accountId ${quote(id)}: already declared at line ${locate(firstAt).line} (${displayPath(firstAt.slice(0, 2))}); declare each account once`,
    });
  }
  return out;
}

function uniqueAgencies(list: unknown, at: (string | number)[], out: RuleProblem[], noun = "agency"): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((item: unknown, j) => {
    if (typeof item !== "string") return;
    const first = seen.get(item);
    if (first === undefined) seen.set(item, j);
    else out.push({ segments: [...at, j], message: `duplicate ${noun} ${quote(item)} (already at index ${first}); list each ${noun} once` });
  });
}
