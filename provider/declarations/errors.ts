/**
 * The error thrown for a rejected declaration file.
 */
import { formatProblem, type Problem } from "./problem";
import type { LoadResult, LocatedToken } from "./types";

/**
 * A declaration file was rejected. `message` lists every problem, one per
 * line (`file:line:col: path: message`), then a one-line hint.
 */
export class DeclarationError extends Error {
  /** Stable code for callers that branch on errors. */
  readonly code = "declaration-invalid" as const;
  /** Every problem found, sorted by position. */
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const files = [...new Set(problems.map((p) => p.file))];
    const hint = `Fix the problems above, then run \`marin-social validate ${files.join(" ") || "FILE"}\`.`;
    super([...problems.map(formatProblem), hint].join("\n"));
    this.name = "DeclarationError";
    this.problems = problems;
  }
}

/** Returns the tokens of a successful load, or throws DeclarationError with every problem. */
export function assertValid(result: LoadResult): LocatedToken[] {
  if (result.ok) return result.tokens;
  throw new DeclarationError(result.problems);
}
