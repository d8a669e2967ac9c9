/** Plain-text tables for the CLI: columns padded to their widest cell, in terminal columns. */
import { displayText } from "../core/display";
import { displayWidth } from "../core/width";

/** Cells hold server data (names): each is shown with the one server-text sanitizer, core/display.ts. */
export const visible = displayText;

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
