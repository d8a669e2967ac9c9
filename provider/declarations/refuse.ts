/**
 * What the loader refuses in a parsed document on top of yaml's own errors,
 * found in one walk over yaml's nodes:
 * - YAML tags (`!!js/function`, `!env`, even `!!str`): a declaration is
 *   plain data, and a tag means its author expected something else;
 * - an alias (`*name`) without an anchor before it, or to a node that
 *   contains it (a cycle);
 * - more than MAX_ALIAS_COUNT aliases in the file.
 * It also says what yaml's key errors are about: a duplicate key (yaml's
 * `uniqueKeys`: with `stringKeys` keys are equal when their text is), named
 * with the line of the first, and a key that is not text (`stringKeys`);
 * and it works out where yaml's `maxAliasCount` stops, should yaml's
 * conversion throw.
 */
import { type Alias, type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";
import { MAX_ALIAS_COUNT } from "./limits";
import { quote, type Segments, toPointer } from "./problem";

/** A problem found on a node, before it is given a file. */
export interface NodeProblem {
  offset: number;
  path: Segments;
  message: string;
}

/** What the walk found. */
export interface Refusals {
  problems: NodeProblem[];
  /** True when the document must not be converted (an unknown alias, a cycle, too many aliases, a key that is not text). */
  fatal: boolean;
  /** JSON Pointers of refused values: schema errors at or under them are noise. */
  suppressed: Set<string>;
  /** Offsets of the keys named in `problems` (where yaml puts its DUPLICATE_KEY and NON_STRING_KEY errors). */
  keyErrors: Set<number>;
  /** The alias at which yaml's `maxAliasCount` accounting goes over, if it does. */
  aliasBomb?: { offset: number; path: Segments; source: string };
}

/** Walks the document in document order (the order yaml resolves anchors and converts in). */
export function findRefusals(doc: Document.Parsed, lines: LineCounter): Refusals {
  const w = new Walk(lines);
  w.node(doc.contents, []);
  const { problems, fatal, suppressed, keyErrors, bomb } = w;
  return { problems, fatal, suppressed, keyErrors, ...(bomb ? { aliasBomb: bomb } : {}) };
}

/** yaml's count for an anchor (see `Alias.resolve` in yaml 2): uses so far, and the weight set at its first alias. */
interface Uses {
  count: number;
  weight: number;
}

class Walk {
  readonly problems: NodeProblem[] = [];
  readonly suppressed = new Set<string>();
  fatal = false;
  readonly keyErrors = new Set<number>();
  bomb: Refusals["aliasBomb"];
  private readonly anchors = new Map<string, Node>();
  private readonly targets = new Map<Alias, Node>();
  private readonly uses = new Map<Node, Uses>();
  private readonly open = new Set<Node>();
  private aliasCount = 0;

  constructor(private readonly lines: LineCounter) {}

  node(node: unknown, path: (string | number)[]): void {
    if (!node) return;
    if (isAlias(node)) {
      this.alias(node, path);
      return;
    }
    const n = node as Node;
    if (n.tag) this.refuse(n, path, `YAML tags are not allowed (found ${displayTag(n.tag)}); remove the tag and write a plain value`);
    this.anchor(n);
    if (!isMap(n) && !isSeq(n)) return;
    this.open.add(n);
    if (isMap(n)) this.pairs(n.items, path);
    else {
      n.items.forEach((item, i) => {
        path.push(i);
        // A single pair in a flow list (`[a: 1]`) is a one-key map.
        if (isPair(item)) this.pairs([item], path);
        else this.node(item, path);
        path.pop();
      });
    }
    this.open.delete(n);
  }

  private pairs(items: readonly Pair[], path: (string | number)[]): void {
    const first = new Map<string, Node>();
    for (const pair of items) {
      const key = pair.key as Node | null;
      const start = key?.range?.[0] ?? 0;
      if (key && !isScalar(key)) {
        this.fatal = true;
        this.keyErrors.add(start);
        const what = isAlias(key) ? `an alias (*${key.source})` : "a list or a map";
        this.problems.push({ offset: start, path: [...path], message: `map keys must be plain text, not ${what}` });
        continue;
      }
      const name = key ? String(key.value) : "";
      path.push(name);
      if (key) {
        if (key.tag) this.refuse(key, path, `YAML tags are not allowed (found ${displayTag(key.tag)}); remove the tag`);
        this.anchor(key);
        const earlier = first.get(name);
        if (earlier) {
          this.keyErrors.add(start);
          const line = this.lines.linePos(earlier.range?.[0] ?? 0).line;
          this.problems.push({ offset: start, path: [...path], message: `duplicate key ${quote(name)} (first at line ${line}); keep only one` });
        } else {
          first.set(name, key);
        }
      }
      this.node(pair.value, path);
      path.pop();
    }
  }

  private anchor(n: Node): void {
    if (!n.anchor) return;
    this.anchors.set(n.anchor, n);
    this.uses.set(n, { count: 1, weight: 0 });
  }

  private alias(alias: Alias, path: Segments): void {
    const offset = alias.range?.[0] ?? 0;
    if (++this.aliasCount === MAX_ALIAS_COUNT + 1) {
      this.fatal = true;
      this.problems.push({
        offset,
        path: [...path],
        message: `more than ${MAX_ALIAS_COUNT} aliases (*name) in one file; write the values out, or set shared values once under defaults:`,
      });
    }
    const target = this.anchors.get(alias.source);
    if (!target) {
      this.fatal = true;
      this.refuse(alias, path, `unknown alias *${alias.source}: no anchor &${alias.source} is defined before it`);
      return;
    }
    this.targets.set(alias, target);
    if (this.open.has(target)) {
      this.fatal = true;
      this.refuse(alias, path, `alias *${alias.source} refers to a node that contains it (a cycle); write the value out instead`);
      return;
    }
    const uses = this.uses.get(target)!;
    uses.count += 1;
    if (uses.weight === 0) uses.weight = this.weight(target);
    if (!this.bomb && uses.count * uses.weight > MAX_ALIAS_COUNT) this.bomb = { offset, path: [...path], source: alias.source };
  }

  /** yaml's `getAliasCount`: the heaviest alias inside a node (1 for a scalar). */
  private weight(node: unknown): number {
    if (isAlias(node)) {
      const target = this.targets.get(node);
      const uses = target && this.uses.get(target);
      return uses ? uses.count * uses.weight : 0;
    }
    if (isPair(node)) return Math.max(this.weight(node.key), this.weight(node.value));
    if (!isMap(node) && !isSeq(node)) return 1;
    let max = 0;
    for (const item of node.items as unknown[]) max = Math.max(max, this.weight(item));
    return max;
  }

  private refuse(node: Node, path: Segments, message: string): void {
    this.suppressed.add(toPointer(path));
    this.problems.push({ offset: node.range?.[0] ?? 0, path: [...path], message });
  }
}

/** A tag as it would be written in YAML: `!!js/function`, `!custom`, `!<tag:...>`. */
function displayTag(tag: string): string {
  const core = "tag:yaml.org,2002:";
  if (tag.startsWith(core)) return `!!${tag.slice(core.length)}`;
  if (tag.startsWith("!")) return tag;
  return `!<${tag}>`;
}
