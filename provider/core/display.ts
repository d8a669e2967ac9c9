/**
 * Server text made safe to display. Account and agency names, reasons, actors and the API's own
 * error details come from the server: raw, an ESC sequence recolours or rewrites a terminal, a
 * newline forges whole lines in a CI log, and a bidi override (U+202E) makes a name read as
 * another. Every output that shows such text (engine logs and diagnostics, errors, the CLI's
 * tables, HTML, Mermaid) passes it through {@link displayText}; JSON output keeps it exact. Pure.
 */

/**
 * Characters that act instead of showing: controls (C0 with tab, newline and ESC, NUL, DEL, C1
 * with NEL), bidi controls (embeddings, overrides, isolates, marks: `\p{Bidi_Control}`), the
 * line and paragraph separators, and surrogate halves without their other half.
 */
const ACTING = /[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;

/**
 * `s` with every acting character written as its `\uXXXX` escape (`\u001b`, `\u000a`,
 * `\u202e`), so a reader sees it and it cannot act. Idempotent (its output holds none of them),
 * so text made safe once may pass through another output that makes it safe again.
 */
export function displayText(s: string): string {
  return s.replace(ACTING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
