/**
 * Turns ajv errors into readable validation issues that say where (parameter name or JSON
 * pointer into the body) and what to fix.
 */
import type { ErrorObject } from "ajv";

/** Where in the request an issue was found. */
export type IssueLocation = "path" | "query" | "header" | "body";

/** One validation problem: `in` and `path` locate it (parameter name, or JSON pointer for the body). */
export interface Issue {
  in: IssueLocation;
  path: string;
  message: string;
}

/**
 * Converts ajv errors (from a validator of an object of parameters, or of a body) into issues.
 * For parameters the first pointer segment is the parameter name.
 */
export function formatIssues(location: IssueLocation, errors: readonly ErrorObject[]): Issue[] {
  const kept = pruneOneOf(errors);
  const issues = kept.map((e) => toIssue(location, e));
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.in}|${i.path}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Renders issues as one sentence-like string for a problem's `detail`. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues.map(describeIssue).join("; ");
}

function describeIssue(i: Issue): string {
  if (i.in === "body") return `body ${i.path || "/"}: ${i.message}`;
  return `${i.in} parameter "${i.path}": ${i.message}`;
}

function toIssue(location: IssueLocation, e: ErrorObject): Issue {
  const p = e.params as Record<string, unknown>;
  let pointer = e.instancePath;
  let message = e.message ?? "is invalid";
  switch (e.keyword) {
    case "additionalProperties":
      pointer = `${pointer}/${escapePointerToken(String(p.additionalProperty))}`;
      message = location === "body" ? "unknown property; remove it" : `unknown ${location} parameter`;
      break;
    case "required":
      pointer = `${pointer}/${escapePointerToken(String(p.missingProperty))}`;
      message = "is required";
      break;
    case "enum":
      message = `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
      break;
    case "oneOf":
    case "not": {
      const desc = (e.parentSchema as { description?: unknown } | undefined)?.description;
      const own = (e.schema as { description?: unknown } | undefined)?.description;
      const text = typeof own === "string" ? own : typeof desc === "string" ? desc : undefined;
      if (text) message = text.replace(/`/g, "");
      break;
    }
    case "format":
      message = `must be a valid ${String(p.format)}${p.format === "date-time" ? " (ISO 8601, e.g. 2026-01-15T09:30:00Z)" : ""}`;
      break;
  }
  if (location === "body") return { in: location, path: pointer, message };
  const [, first = "", ...rest] = pointer.split("/");
  const name = unescapePointerToken(first);
  return { in: location, path: rest.length ? `${name}/${rest.join("/")}` : name, message };
}

/** Drops the `required` errors of `oneOf` branches when the `oneOf` error itself explains the shape. */
function pruneOneOf(errors: readonly ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === "oneOf");
  if (oneOfs.length === 0) return [...errors];
  return errors.filter((e) => !(e.keyword === "required" && oneOfs.some((o) => e.schemaPath.startsWith(`${o.schemaPath}/`))));
}

function escapePointerToken(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

function unescapePointerToken(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}
