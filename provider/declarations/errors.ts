/**
 * The error thrown for a rejected declaration file, a member of the package's one error family.
 */
import { MarinSocialError } from "../core/errors";
import { formatProblem, type Problem } from "./problem";
import type { LoadResult, LocatedToken } from "./types";

/**
 * A declaration file was rejected (code `declaration-invalid`). `message` lists every problem,
 * one per line (`file:line:col: path: message`), then a one-line hint.
 */
export class DeclarationError extends MarinSocialError {
  /** Every problem found, sorted by position. */
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const files = [...new Set(problems.map((p) => p.file))];
    const hint = `Fix the problems above, then run \`marin-social validate ${files.join(" ") || "FILE"}\`.`;
    super("declaration-invalid", [...problems.map(formatProblem), hint].join("\n"));
    this.name = "DeclarationError";
    this.problems = problems;
  }

  /** True when `e` is a DeclarationError, also one made by another copy of this package. */
  static override isInstance(e: unknown): e is DeclarationError {
    return MarinSocialError.isInstance(e, "declaration-invalid");
  }
}

/** Returns the tokens of a successful load, or throws DeclarationError with every problem. */
export function assertValid(result: LoadResult): LocatedToken[] {
  if (result.ok) return result.tokens;
  throw new DeclarationError(result.problems);
}
