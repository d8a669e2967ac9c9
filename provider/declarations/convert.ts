/**
 * A yaml document to plain data, refusing what must never reach an object.
 *
 * The converter walks the nodes itself instead of calling `toJS`, so that it
 * can say where each problem is and keep going:
 * - YAML tags (`!!js/function`, `!custom`, even `!!str`) are refused;
 * - the keys `__proto__`, `constructor` and `prototype` are refused and never
 *   assigned (objects are also created without a prototype);
 * - duplicate keys are reported with the line of the first;
 * - keys that are lists or maps are refused;
 * - aliases are expanded up to MAX_ALIAS_COUNT times in all (alias bombs),
 *   unknown aliases and aliases to an enclosing node (cycles) are refused.
 *
 * A refused value becomes `null` and its path is "suppressed": schema errors
 * at or under it are dropped, since the real problem is already reported.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node, type Pair } from "yaml";
import { MAX_ALIAS_COUNT } from "./limits";
import { displayTag, keyString, nodeStart } from "./nodes";
import { toPointer, type Segments } from "./problem";

/** Keys refused anywhere: they could tamper with object prototypes. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** A problem found by the converter, located by offset. */
export interface ConvertProblem {
  offset: number;
  path: Segments;
  message: string;
}

/** What the converter produced. */
export interface Converted {
  value: unknown;
  problems: ConvertProblem[];
  /** JSON Pointers of refused values; schema errors at or under them are noise. */
  suppressed: Set<string>;
  /** Where each alias met points, for the locator. */
  aliases: Map<Alias, Node>;
  /** True when the alias cap was hit: the data is incomplete. */
  bombed: boolean;
}

/** Converts the document's contents to plain data. Never throws on any document yaml produces. */
export function convertDocument(doc: Document.Parsed, text: string, lines: LineCounter): Converted {
  const c = new Converter(text, lines);
  const value = c.node(doc.contents, []);
  return { value, problems: c.problems, suppressed: c.suppressed, aliases: c.aliases, bombed: c.bombed };
}

class Converter {
  readonly problems: ConvertProblem[] = [];
  readonly suppressed = new Set<string>();
  readonly aliases = new Map<Alias, Node>();
  private readonly anchors = new Map<string, Node>();
  /** Nodes being converted right now (an alias to one of them is a cycle). */
  private readonly open = new Set<Node>();
  private expansions = 0;
  bombed = false;
  /** > 0 while expanding an alias: problems inside were reported at the anchor already. */
  private expanding = 0;
  /** The alias in the document (not inside an expansion) being expanded now. */
  private outer: { node: Alias; path: Segments } | undefined;
  /** Aliases already reported as cycles (each is reported once). */
  private readonly cycles = new Set<Alias>();

  constructor(
    private readonly text: string,
    private readonly lines: LineCounter,
  ) {}

  node(node: unknown, path: (string | number)[]): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.alias(node, path);
    const n = node as Node;
    if (this.expanding === 0 && n.anchor) this.anchors.set(n.anchor, n);
    if (n.tag !== undefined && n.tag !== null) {
      this.refuse(n, path, `YAML tags are not allowed (found ${displayTag(n.tag)}); remove the tag and write a plain value`);
      this.skip(n);
      return null;
    }
    if (isScalar(n)) return n.value;
    this.open.add(n);
    try {
      if (isMap(n)) return this.map(n.items, path);
      if (isSeq(n)) {
        const out: unknown[] = [];
        for (let i = 0; i < n.items.length; i++) {
          path.push(i);
          const item = n.items[i];
          // A single-pair map inside a flow list (`[a: 1]`) may come as a bare pair.
          out.push(isPair(item) ? this.map([item], path) : this.node(item, path));
          path.pop();
        }
        return out;
      }
      return null;
    } finally {
      this.open.delete(n);
    }
  }

  private map(items: readonly Pair[], path: (string | number)[]): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    const first = new Map<string, Node>();
    for (const pair of items) {
      const keyNode = pair.key as Node | null;
      if (keyNode && !isAlias(keyNode) && keyNode.anchor && this.expanding === 0) this.anchors.set(keyNode.anchor, keyNode);
      const at = keyNode ?? (pair.value as Node | null);
      if (keyNode && isAlias(keyNode) && !this.resolve(keyNode, path)) {
        this.skip(pair.value);
        continue;
      }
      const key = keyString(keyNode, this.text, this.aliases);
      if (key === undefined) {
        this.report(at, path, "map keys must be plain text, not a list or a map");
        this.skip(keyNode);
        this.skip(pair.value);
        continue;
      }
      const tag = keyNode && !isAlias(keyNode) ? keyNode.tag : undefined;
      path.push(key);
      if (FORBIDDEN_KEYS.has(key)) {
        this.refuse(at, path, `the key "${key}" is not allowed (it could tamper with object prototypes); remove it`);
        this.skip(pair.value);
      } else if (first.has(key)) {
        const line = this.lines.linePos(nodeStart(first.get(key)!)).line;
        this.report(at, path, `duplicate key "${key}" (first at line ${line}); keep only one`);
        this.skip(pair.value);
      } else if (tag) {
        if (at) first.set(key, at);
        this.refuse(at, path, `YAML tags are not allowed (found ${displayTag(tag)}); remove the tag`);
        out[key] = null;
        this.skip(pair.value);
      } else {
        if (at) first.set(key, at);
        out[key] = this.node(pair.value, path);
      }
      path.pop();
    }
    return out;
  }

  private alias(node: Alias, path: (string | number)[]): unknown {
    const target = this.resolve(node, path);
    if (!target) return null;
    if (this.bombed) {
      this.suppressed.add(toPointer(path));
      return null;
    }
    if (this.open.has(target)) {
      const first = !this.cycles.has(node);
      this.cycles.add(node);
      this.suppressed.add(toPointer(path));
      if (first) this.report(node, path, `alias *${node.source} refers to a node that contains it (a cycle); write the value out instead`, true);
      return null;
    }
    this.expansions++;
    if (this.expansions > MAX_ALIAS_COUNT) {
      // Point at the alias written in the document whose expansion went over the cap.
      const outer = this.outer ?? { node, path: [...path] };
      this.bombed = true;
      this.suppressed.add(toPointer(path));
      this.refuse(
        outer.node,
        outer.path,
        `too many alias expansions: expanding *${outer.node.source} goes over ${MAX_ALIAS_COUNT} (counting the aliases inside it each time); this looks like an alias bomb: write the values out, or set shared values once under defaults:`,
        true,
      );
      return null;
    }
    const top = this.expanding === 0;
    if (top) this.outer = { node, path: [...path] };
    this.expanding++;
    try {
      return this.node(target, path);
    } finally {
      this.expanding--;
      if (top) this.outer = undefined;
    }
  }

  /** Finds an alias's anchor (the latest one defined before it), reporting an unknown one. */
  private resolve(node: Alias, path: (string | number)[]): Node | undefined {
    const known = this.aliases.get(node);
    if (known) return known;
    const target = this.anchors.get(node.source);
    if (!target) {
      this.refuse(node, path, `unknown alias *${node.source}: no anchor &${node.source} is defined before it`);
      return undefined;
    }
    this.aliases.set(node, target);
    return target;
  }

  /**
   * Walks a subtree that is not converted (refused or duplicate), only to
   * register its anchors, so that later aliases to them still resolve.
   */
  private skip(node: unknown): void {
    if (this.expanding > 0 || node === null || node === undefined || isAlias(node)) return;
    const n = node as Node;
    if (n.anchor) this.anchors.set(n.anchor, n);
    if (!isCollection(n)) return;
    for (const item of n.items) {
      if (isPair(item)) {
        this.skip(item.key);
        this.skip(item.value);
      } else {
        this.skip(item);
      }
    }
  }

  private refuse(node: Node | null, path: Segments, message: string, always = false): void {
    this.suppressed.add(toPointer(path));
    this.report(node, path, message, always);
  }

  private report(node: Node | null, path: Segments, message: string, always = false): void {
    if (this.expanding > 0 && !always) return;
    this.problems.push({ offset: node ? nodeStart(node) : 0, path: [...path], message });
  }
}
