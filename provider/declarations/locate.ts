/**
 * Maps a data path (or a source offset) back to the YAML node it came from.
 *
 * Built only when a file has problems. Lookups walk down the document one
 * segment at a time; each map gets a key index the first time a path goes
 * through it, so a lookup costs O(depth), never a scan of the file.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";
import { isEmptyScalar, keyString, nodeStart, type AliasTargets } from "./nodes";
import type { Segments } from "./problem";

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/**
 * Which node of a path to point at: the value itself, or the key that holds
 * it (for unknown and duplicate keys).
 */
export type Target = "value" | "key";

/** Locates paths and offsets in one parsed document. */
export class Locator {
  private readonly index = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly text: string,
    private readonly aliases: AliasTargets,
  ) {}

  /** The 1-based line and column of a source offset. */
  position(offset: number): Position {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: Math.max(1, line), col: Math.max(1, col) };
  }

  /**
   * The position of the node at `segments`: the value (or, for `"key"`, its
   * key; for a value written as nothing, its key too). Past an alias it points
   * at the alias, where the value was used. Stops at the deepest node that
   * exists, so a path to a missing key points at the map that lacks it.
   */
  locate(segments: Segments, target: Target = "value"): Position {
    const root = this.doc.contents;
    if (!root) return { line: 1, col: 1 };
    let node: unknown = root;
    let at: Node = root;
    let viaAlias = false;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (isAlias(node)) {
        viaAlias = true;
        node = this.aliases.get(node);
      }
      const last = i === segments.length - 1;
      if (isMap(node)) {
        const pair = this.pairs(node).get(String(seg));
        if (!pair) break;
        const key = isScalar(pair.key) || isAlias(pair.key) ? (pair.key as Node) : undefined;
        node = pair.value;
        if (viaAlias) continue;
        const value = pair.value as Node | null;
        if (key && (value === null || isEmptyScalar(value) || (last && target === "key"))) at = key;
        else if (value) at = value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        node = item;
        if (!viaAlias) at = item;
      } else {
        break;
      }
    }
    return this.position(nodeStart(at));
  }

  /**
   * The deepest data path whose node contains `offset` (used to say where a
   * YAML syntax error is). Empty when it lies outside every collection.
   */
  pathAt(offset: number): Segments {
    const out: (string | number)[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const i = findItem(node.items, offset);
        const pair = i >= 0 ? node.items[i] : undefined;
        if (!pair || !isPair(pair)) break;
        const key = keyString(pair.key, this.text, this.aliases);
        if (key === undefined) break;
        out.push(key);
        const k = pair.key as Node | null;
        if (k?.range && offset <= k.range[1]) break;
        node = pair.value;
      } else if (isSeq(node)) {
        const i = findItem(node.items, offset);
        if (i < 0) break;
        out.push(i);
        node = node.items[i];
      } else {
        break;
      }
    }
    return out;
  }

  private pairs(map: YAMLMap): Map<string, Pair> {
    let idx = this.index.get(map);
    if (!idx) {
      idx = new Map();
      for (const pair of map.items) {
        const key = keyString(pair.key, this.text, this.aliases);
        if (key !== undefined && !idx.has(key)) idx.set(key, pair);
      }
      this.index.set(map, idx);
    }
    return idx;
  }
}

/** Start and end offsets of a collection item (a node or a pair). */
function span(item: unknown): [number, number] | undefined {
  if (isPair(item)) {
    const k = (item.key as Node | null)?.range;
    const v = (item.value as Node | null)?.range;
    const start = k?.[0] ?? v?.[0];
    const end = v?.[2] ?? k?.[2];
    return start === undefined || end === undefined ? undefined : [start, end];
  }
  const r = (item as Node | null)?.range;
  return r ? [r[0], r[2]] : undefined;
}

/** Binary search: the index of the item whose span contains `offset`, or -1. */
function findItem(items: readonly unknown[], offset: number): number {
  let lo = 0;
  let hi = items.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = span(items[mid]);
    if (s && s[0] <= offset) {
      best = mid;
      lo = mid + 1;
    } else if (!s) {
      // An item without a range: fall back to a linear scan.
      return items.findIndex((it) => {
        const r = span(it);
        return r !== undefined && r[0] <= offset && offset <= r[1];
      });
    } else {
      hi = mid - 1;
    }
  }
  if (best < 0) return -1;
  const s = span(items[best]);
  return s && offset <= s[1] ? best : -1;
}
