/**
 * Small helpers over yaml's document nodes, shared by the converter and the locator.
 */
import { isAlias, isScalar, type Alias, type Node } from "yaml";

/** Where aliases point: filled by the converter, read by the locator. */
export type AliasTargets = ReadonlyMap<Alias, Node>;

/** The start offset of a node in the source text. */
export function nodeStart(node: Node): number {
  return node.range?.[0] ?? 0;
}

/** True for a scalar written as nothing at all (`key:` with no value, a bare `-`). */
export function isEmptyScalar(node: unknown): boolean {
  if (!isScalar(node) || node.value !== null || !node.range) return false;
  return node.range[0] === node.range[1];
}

/**
 * The string a map key becomes: a string scalar's value, or the source text of
 * another scalar (`1`, `true`, `~`), following an alias to its scalar. Returns
 * undefined for keys that are lists or maps (or aliases of them).
 */
export function keyString(key: unknown, text: string, aliases: AliasTargets): string | undefined {
  if (key === null || key === undefined) return "";
  const node = isAlias(key) ? aliases.get(key) : key;
  if (!isScalar(node)) return undefined;
  if (typeof node.value === "string") return node.value;
  if (node.range) return text.slice(node.range[0], node.range[1]).trim();
  return String(node.value);
}

/** A tag as it would be written in YAML: `!!js/function`, `!custom`, `!<tag:...>`. */
export function displayTag(tag: string): string {
  const core = "tag:yaml.org,2002:";
  if (tag.startsWith(core)) return "!!" + tag.slice(core.length);
  if (tag.startsWith("!")) return tag;
  return `!<${tag}>`;
}
