/**
 * Maps a data path (or a source offset) back to the yaml node it came from,
 * with yaml's node ranges and its LineCounter.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";
import type { Segments } from "./problem";

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/**
 * Which node of a path to point at: the value itself, or the key that holds
 * it (for unknown keys).
 */
export type Target = "value" | "key";

/** Locates paths and offsets in one parsed document. */
export class Locator {
  /** Editors hide a byte-order mark: columns on line 1 do not count it. */
  private readonly bom: boolean;

  constructor(
    private readonly doc: Document.Parsed | undefined,
    private readonly lines: LineCounter,
    text: string,
  ) {
    this.bom = text.startsWith("\ufeff");
  }

  /** The 1-based line and column of a source offset. */
  position(offset: number): Position {
    const { line, col } = this.lines.linePos(Math.max(0, offset));
    return { line: Math.max(1, line), col: Math.max(1, col - (this.bom && line <= 1 ? 1 : 0)) };
  }

  /**
   * The position of the node at `segments`: the value (or, for `"key"`, its
   * key; for a value written as nothing, its key too). A path through an
   * alias points at the alias, where the value was used. Stops at the deepest
   * node that exists, so a path to a missing key points at the map that lacks it.
   */
  locate(segments: Segments, target: Target = "value"): Position {
    let node: unknown = this.doc?.contents;
    let at = start(node);
    for (let i = 0; i < segments.length && !isAlias(node); i++) {
      const seg = segments[i]!;
      let key: Node | undefined;
      if (isMap(node)) {
        // yaml's conversion keeps the last of duplicate keys.
        const pair = node.items.findLast((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        key = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
        const item = node.items[seg];
        // A single pair in a flow list (`[a: 1]`) is a one-key map: step into it.
        if (isPair(item) && isScalar(item.key) && i + 1 < segments.length && String(segments[i + 1]) === String(item.key.value)) {
          i++;
          key = item.key;
          node = item.value;
        } else {
          node = item;
        }
      } else {
        break;
      }
      const last = i === segments.length - 1;
      at = key && ((last && target === "key") || isEmpty(node)) ? start(key) : (start(node) ?? at);
    }
    return at === undefined ? { line: 1, col: 1 } : this.position(at);
  }

  /**
   * The token a source offset lies in: `tokens[3]`, `defaults`, or the empty
   * path outside both (used to say where a YAML syntax error is; after one,
   * yaml's recovered tree is a guess, so it names no more than the token).
   */
  pathAt(offset: number): Segments {
    const root = this.doc?.contents;
    if (!isMap(root)) return [];
    const pair = root.items.find((p) => contains(p, offset));
    if (!pair || !isScalar(pair.key)) return [];
    const out: (string | number)[] = [String(pair.key.value)];
    const list = pair.value;
    if (!isSeq(list) || offset < (start(list) ?? Infinity)) return out;
    // Binary search: the last item starting at or before the offset.
    let lo = 0;
    let hi = list.items.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((start(list.items[mid]) ?? Infinity) <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found >= 0 && contains(list.items[found], offset)) out.push(found);
    return out;
  }
}

/** The start offset of a node (or of a pair's key, else its value). */
function start(node: unknown): number | undefined {
  if (isPair(node)) return start(node.key) ?? start(node.value);
  return (node as Node | null | undefined)?.range?.[0];
}

/** The end offset of a node or pair, comments after it included. */
function end(node: unknown): number | undefined {
  if (isPair(node)) return end(node.value) ?? end(node.key);
  return (node as Node | null | undefined)?.range?.[2];
}

function contains(node: Pair | unknown, offset: number): boolean {
  const s = start(node);
  const e = end(node);
  return s !== undefined && e !== undefined && s <= offset && offset <= e;
}

/** True for a value written as nothing at all (`key:` with no value, a bare `-`). */
function isEmpty(node: unknown): boolean {
  return node === null || (isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1]);
}
