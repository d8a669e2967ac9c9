/** Plain-text tables for the CLI: columns padded to their widest cell, in terminal columns. */
import { displayWidth } from "../core/width";

/**
 * Control characters (C0, DEL, C1), bidi controls and lone surrogates: they would move the
 * cursor, recolour the terminal, reorder the line or break it. Cells hold user data (names).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with every unsafe character shown as its `\uXXXX` escape, so it is seen and cannot act. */
export function visible(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Renders rows under a header; every cell is a string, shown with {@link visible}. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const body = [header, ...rows].map((r) => header.map((_, i) => visible(r[i] ?? "")));
  const widths = header.map((_, i) => Math.max(...body.map((r) => displayWidth(r[i]!))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - displayWidth(c))))
      .join("  ")
      .trimEnd();
  return body.map(line).join("\n");
}
