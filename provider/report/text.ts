/**
 * Text that goes into a report: escaping for HTML/SVG and Mermaid, control characters made
 * visible, and labels shortened to fit a box. Account and agency names are user data. Pure.
 */

import { displayText } from "../core/display";
import { clusterWidth } from "../core/width";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Noncharacters: parse errors in HTML. */
const NONCHARACTER = /\p{Noncharacter_Code_Point}/gu;

/**
 * Server text as every report shows it: made safe by {@link displayText} (controls, bidi
 * controls, line breaks and lone surrogates written as `\uXXXX`), and noncharacters replaced with
 * U+FFFD, so nothing vanishes, acts, reorders the label, breaks the page or makes it invalid.
 */
export function printable(s: string): string {
  return displayText(s).replace(NONCHARACTER, "\ufffd");
}

/** Escapes text for HTML and SVG element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return printable(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Characters that mean something in a quoted Mermaid label or in Markdown around it. */
const MERMAID_SPECIAL = /["#&<>`]/g;

/**
 * Escapes text for a quoted Mermaid label (`id["..."]`) with Mermaid's entity codes (`#quot;`,
 * `#35;`...), so quotes, `#`, HTML and backticks (which could end a Markdown fence) are shown as
 * text. Bidi controls and line breaks are written as `\uXXXX` by {@link printable} first: Mermaid
 * decodes its entity codes back into the characters, so an entity would not neutralise them.
 */
export function escapeMermaid(s: string): string {
  return printable(s).replace(MERMAID_SPECIAL, (c) => `#${c.codePointAt(0)};`);
}

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** The approximate width of one grapheme in em, in a bold sans-serif font (DejaVu Sans is the widest common one). */
function graphemeEm(g: string): number {
  const columns = clusterWidth(g);
  if (columns === 2) return 1.05; // East Asian wide or fullwidth, or an emoji
  if (columns === 0) return 0;
  if (/^[ .,:;'!|()[\]{}ijlItf]/.test(g)) return 0.4;
  if (/^[mwMW@%]/.test(g)) return 1;
  if (/^[A-Z0-9<>=+~#&?_"*$^\\/-]/.test(g)) return 0.75;
  return 0.66;
}

/** The approximate width of `s` in em (an estimate on the wide side: labels are cut to it). */
export function emWidth(s: string): number {
  let w = 0;
  for (const { segment } of segmenter.segment(s)) w += graphemeEm(segment);
  return w;
}

/**
 * `s` shortened to about `maxEm` em, cut between graphemes (never inside an emoji or a
 * combining sequence) and ended with `…`; `s` itself when it fits.
 */
export function fit(s: string, maxEm: number): string {
  if (emWidth(s) <= maxEm) return s;
  let out = "";
  let w = 1;
  for (const { segment } of segmenter.segment(s)) {
    w += graphemeEm(segment);
    if (w > maxEm) break;
    out += segment;
  }
  return `${out.trimEnd()}…`;
}

/** `1,234` */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1 account`, `2 accounts` */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
