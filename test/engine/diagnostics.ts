/**
 * Renders diagnostics the way the Pulumi CLI prints them at the end of an update:
 *
 *     Diagnostics:
 *       pulumi-nodejs:dynamic:Resource (counter):
 *         warning: counter starts at 1
 */
import type { LogEntry, Registration } from "./types";

function label(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return `${type} (${parts.slice(3).join("::")})`;
}

/**
 * The "Diagnostics:" block for `result.logs` (debug messages omitted), grouped by resource in order
 * of first appearance; messages without a URN go under the stack. "" when there is nothing to show.
 */
export function formatDiagnostics(result: { logs: LogEntry[]; registered?: Registration[] }): string {
  const stack = result.registered?.find((r) => r.type === "pulumi:pulumi:Stack" && !r.parent)?.urn ?? "";
  const groups = new Map<string, string[]>();
  for (const log of result.logs) {
    if (log.severity === "debug") continue;
    const key = log.urn || stack;
    const lines = groups.get(key) ?? [];
    const [first, ...rest] = log.message.split("\n");
    lines.push(`    ${log.severity}: ${first}`, ...rest.map((l) => `    ${l}`));
    groups.set(key, lines);
  }
  if (!groups.size) return "";
  const out = ["Diagnostics:"];
  for (const [urn, lines] of groups) out.push(`  ${urn ? label(urn) : "pulumi:pulumi:Stack"}:`, ...lines, "");
  return out.join("\n");
}
