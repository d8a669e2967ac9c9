/**
 * One problem found in a declaration file, and how it is printed.
 */

/** A problem in a declaration file, located at a YAML node (1-based line and column). */
export interface Problem {
  /** The file as the caller named it (printed as given, not resolved). */
  file: string;
  /** 1-based line of the offending node. */
  line: number;
  /** 1-based column of the offending node. */
  col: number;
  /** Where in the data, e.g. `tokens[3].valid`, or `(root)` for the whole file. */
  path: string;
  /** What is wrong and, where possible, how to fix it. One line. */
  message: string;
}

/** A path into the declaration data: map keys are strings, list indexes numbers. */
export type Segments = readonly (string | number)[];

/**
 * Formats a problem as `file:line:col: path: message` (one line; newlines in
 * the message are folded into spaces).
 */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path}: ${p.message.replace(/\s*\n\s*/g, " ")}`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Characters an editor does not show: written as escapes in messages, so a reader can see them. */
const INVISIBLE = /[\u00a0\u00ad\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/g;

/** A string in double quotes for a message, with invisible characters escaped (`"fb-10\ufeff01"`). */
export function quote(s: string): string {
  return JSON.stringify(s).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Renders a path for people: `tokens[3].valid`, `defaults.reason`,
 * `tokens[0]["odd key"]`, or `(root)` for the empty path.
 */
export function displayPath(segments: Segments): string {
  if (segments.length === 0) return "(root)";
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${quote(s)}]`;
  }
  return out;
}

/** Renders a path as a JSON Pointer (RFC 6901), the form ajv uses for `instancePath`. */
export function toPointer(segments: Segments): string {
  let out = "";
  for (const s of segments) out += `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return out;
}

/**
 * Sorts problems by line, then column, keeping the original order otherwise,
 * and drops exact duplicates.
 */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique: Problem[] = [];
  for (const p of problems) {
    const key = formatProblem(p);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(p);
  }
  return unique
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    .map(({ p }) => p);
}
