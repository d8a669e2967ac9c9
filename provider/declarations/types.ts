/**
 * The loader's result types.
 */
import type { DesiredOffboarding } from "../core/offboarding";
import type { DesiredToken } from "../core/types";
import type { Problem } from "./problem";

/** Where a token was declared: the file as named by the caller, and its map's 1-based line and column. */
export interface TokenLocation {
  file: string;
  line: number;
  col: number;
}

/**
 * One declared token, with `defaults` applied. Optional keys are absent when
 * unset (never present with an undefined value).
 */
export type LocatedToken = DesiredToken & { location: TokenLocation };

/**
 * One `people:` entry: a person to offboard, expanded at each run to the accounts whose token they
 * authorized. `reason` comes from `defaults` when the entry does not set it.
 */
export type LocatedPerson = DesiredOffboarding & { location: TokenLocation };

/**
 * The outcome of loading one file: every token and person, or every problem. A rejected
 * file yields no tokens at all.
 */
export type LoadResult = { ok: true; file: string; tokens: LocatedToken[]; people: LocatedPerson[] } | { ok: false; file: string; problems: Problem[] };
