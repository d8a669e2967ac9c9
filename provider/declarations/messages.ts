/**
 * ajv errors to readable, located problems.
 *
 * Each error names the node to point at (the value, the unknown key, or the
 * map that lacks a required key) and gets a message that says what was found
 * and how to fix it. Errors under a value already refused (a YAML tag) are
 * dropped, as are `if` errors (their `else` error says it better),
 * `uniqueItems` (the rules report every duplicate, not only the first),
 * other errors at a path that already has a type error, a pattern error at a
 * path that already has a length error, and a missing required key when the
 * same map has a misspelling of it.
 */
import type { ErrorObject } from "ajv";
import { closest } from "../core/suggest";
import { ACCOUNT_ID, AGENCY_ID } from "../generated/contract";
import type { Target } from "./locate";
import { quote, type Segments, toPointer } from "./problem";

/** A schema problem, before it is located in the file. */
export interface SchemaProblem {
  segments: Segments;
  target: Target;
  message: string;
}

const EXAMPLE = "tokens: [{ accountId: fb-1001, valid: false }]";

/** Turns ajv's errors for `data` into problems, dropping noise (see the module comment). */
export function schemaProblems(errors: readonly ErrorObject[], data: unknown, suppressed: ReadonlySet<string>): SchemaProblem[] {
  const typed = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  const sized = new Set(errors.filter((e) => e.keyword === "minLength" || e.keyword === "maxLength").map((e) => e.instancePath));
  // A misspelt key ("vaild") also makes the real one missing: say it once, as the typo.
  const misspelt = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== "additionalProperties") continue;
    const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const guess = closest(String((e.params as Record<string, unknown>).additionalProperty), Object.keys(props));
    if (guess !== undefined) misspelt.add(`${e.instancePath}\u0000${guess}`);
  }
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    if (e.keyword === "if" || e.keyword === "uniqueItems") continue;
    // `tokens` or `people` at the root: said once, as the missing `tokens` (whose message names both).
    if (e.instancePath === "" && (e.keyword === "anyOf" || (e.keyword === "required" && (e.params as Record<string, unknown>).missingProperty === "people")))
      continue;
    if (e.keyword !== "type" && typed.has(e.instancePath)) continue;
    if (e.keyword === "pattern" && sized.has(e.instancePath)) continue;
    if (e.keyword === "required" && misspelt.has(`${e.instancePath}\u0000${String((e.params as Record<string, unknown>).missingProperty)}`)) continue;
    const base = segmentsOf(e.instancePath, data);
    const p = describeError(e, base);
    if (isSuppressed(toPointer(p.segments), suppressed)) continue;
    out.push(p);
  }
  return out;
}

function isSuppressed(pointer: string, suppressed: ReadonlySet<string>): boolean {
  if (suppressed.size === 0) return false;
  for (let p = pointer; ; ) {
    if (suppressed.has(p)) return true;
    const cut = p.lastIndexOf("/");
    if (cut < 0) return false;
    p = p.slice(0, cut);
  }
}

/** A JSON Pointer to path segments, telling list indexes from map keys by walking `data`. */
export function segmentsOf(pointer: string, data: unknown): (string | number)[] {
  if (pointer === "") return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const i = Number(seg);
      out.push(i);
      node = node[i];
    } else {
      out.push(seg);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function describeError(e: ErrorObject, at: Segments): SchemaProblem {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "type":
      return { segments: at, target: "value", message: typeMessage(at, params.type as string | string[], e.data) };
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
      return { segments: [...at, key], target: "key", message: unknownKeyMessage(key, Object.keys(props)) };
    }
    case "required":
      return { segments: at, target: "value", message: requiredMessage(String(params.missingProperty)) };
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === "string" ? closest(e.data, allowed) : undefined;
      const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : "";
      return { segments: at, target: "value", message: `must be one of ${allowed.join(", ")}; got ${describe(e.data)}${hint}` };
    }
    case "pattern":
      return { segments: at, target: "value", message: patternMessage(at, String(params.pattern), e.data) };
    case "maxLength":
      return {
        segments: at,
        target: "value",
        message: `must be at most ${String(params.limit)} characters, got ${typeof e.data === "string" ? e.data.length : "?"}`,
      };
    case "minLength":
      return {
        segments: at,
        target: "value",
        message: at[at.length - 1] === "accountId" ? "must not be empty; write the Marin Social account id, e.g. fb-1001" : "must not be empty",
      };
    default:
      return { segments: at, target: "value", message: `${e.message ?? "is invalid"}, got ${describe(e.data)}` };
  }
}

/** Keys that could tamper with object prototypes if a reader assigned them. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  if (PROTOTYPE_KEYS.has(key)) return `the key "${key}" is not allowed (it could tamper with object prototypes); remove it`;
  if (key === "<<") {
    return "merge keys (<<) are not supported: YAML 1.2 reads `<<` as an ordinary key, YAML 1.1 readers merge it, so readers would disagree on the token; write the keys out, or set shared values once under defaults:";
  }
  const guess = closest(key, allowed);
  const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : "";
  return `unknown key ${quote(key)}${hint}; allowed keys: ${allowed.join(", ")}`;
}

const TYPE_NAMES: Record<string, string> = {
  boolean: "a boolean (true or false)",
  string: "a string",
  array: "a list",
  object: "a map",
  number: "a number",
  integer: "an integer",
  null: "null",
};

function typeMessage(at: Segments, type: string | string[], value: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  const expected = types.map((t) => TYPE_NAMES[t] ?? t).join(" or ");
  const got = describe(value);
  if (at.length === 0) return `the top level must be a map with a \`tokens:\` list, got ${got}; e.g. ${EXAMPLE}`;
  if (at.length === 1 && at[0] === "tokens" && value === null) {
    return "must be a list of tokens, got nothing; write `tokens: []` to declare none";
  }
  if (types.includes("boolean")) {
    const hint = booleanHint(value);
    if (hint) return `must be ${expected}, got ${got}; ${hint}`;
  }
  if (types.includes("string") && (typeof value === "number" || typeof value === "boolean")) {
    return `must be ${expected}, got ${got}; put it in quotes to make it text`;
  }
  return `must be ${expected}, got ${got}`;
}

/**
 * Why a value that looks like a boolean is not one. Only YAML 1.2's
 * true/false (also True, TRUE, False, FALSE) are booleans; YAML 1.1's yes/no/
 * on/off, numbers and quoted text are refused, never read as truthy.
 */
function booleanHint(value: unknown): string | undefined {
  if (typeof value === "number") return "write true or false (YAML reads 0 and 1 as numbers, not booleans)";
  if (typeof value !== "string") return undefined;
  const v = value.trim().toLowerCase();
  if (value === "true" || value === "false") return "remove the quotes";
  if (v === "true" || v === "false") return `write ${v} (lower case, without quotes)`;
  if (["yes", "no", "y", "n", "on", "off"].includes(v)) return "YAML 1.2 reads yes, no, on and off as text: write true or false";
  return undefined;
}

function requiredMessage(key: string): string {
  switch (key) {
    case "valid":
      return 'missing required key "valid"; set valid: true or false here, or once under defaults:';
    case "accountId":
      return 'missing required key "accountId" (the Marin Social account id, e.g. accountId: fb-1001)';
    case "tokens":
      return `missing required key "tokens" (the list of declared tokens, e.g. ${EXAMPLE}) or "people" (people to offboard, e.g. people: [{ person: jane@agency.example }])`;
    default:
      return `missing required key "${key}"`;
  }
}

/** The contract's rule for an id pattern that failed: accountId, or an agency of expectAgencies. */
function patternMessage(at: Segments, pattern: string, value: unknown): string {
  const last = at[at.length - 1];
  const rule = last === "accountId" ? ACCOUNT_ID : typeof last === "number" && at[at.length - 2] === "expectAgencies" ? AGENCY_ID : undefined;
  return rule ? `must be ${rule.description}; got ${describe(value)}` : `must match ${pattern}, got ${describe(value)}`;
}

/** Describes a value for a message: `string "no"`, `number 12`, `a list`, `null`. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${quote(shown)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return typeof value;
}
