/**
 * Scrubbing of the API key out of anything the client hands back: error
 * messages, problem details sent by the server, paths and hook events.
 */

/** The text that replaces every occurrence of the API key. */
export const REDACTED = "[REDACTED]";

/** A function that removes every occurrence of one secret from text or from JSON-like values. */
export interface Redactor {
  /** Returns `text` with the secret (raw, URL-encoded, JSON-escaped or base64) replaced by `[REDACTED]`. */
  text(text: string): string;
  /** Scrubs, then cuts to `max` characters (in that order, so no part of the secret survives a cut). */
  clip(text: string, max: number): string;
  /** Deep copy of a JSON-like value with every string (keys included) scrubbed. */
  deep<T>(value: T): T;
}

/**
 * Builds a redactor for `secret`. An empty secret yields a redactor that
 * changes nothing. Besides the raw secret it also removes its
 * `encodeURIComponent`, JSON-escaped and base64 forms, in case a server echoes it back encoded.
 */
export function makeRedactor(secret: string): Redactor {
  const needles = [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64")])]
    .filter((n) => n.length > 0)
    // Longest first so a short form never splits a longer one.
    .sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    let out = s;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join(REDACTED);
    return out;
  };
  const deep = <T>(value: T): T => scrubValue(value, text, 0) as T;
  const clip = (s: string, max: number): string => truncate(text(s), max);
  return { text, clip, deep };
}

function scrubValue(value: unknown, text: (s: string) => string, depth: number): unknown {
  if (typeof value === "string") return text(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 20) return "[truncated]";
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, text, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = text(k);
    if (key === "__proto__") continue;
    out[key] = scrubValue(v, text, depth + 1);
  }
  return out;
}

/** Cuts `s` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}
