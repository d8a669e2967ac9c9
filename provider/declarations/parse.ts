/**
 * YAML text to a yaml Document, read by the `yaml` library alone.
 */
import { Composer, type CST, type Document, Lexer, LineCounter, Parser } from "yaml";
import { MAX_ALIAS_COUNT, MAX_MAP_KEYS, MAX_NESTING } from "./limits";

/**
 * How every declaration file is read: YAML 1.2 with the core schema (so only
 * `true`/`false`/`True`/`False`/`TRUE`/`FALSE` are booleans; `yes`, `no`,
 * `on`, `off` are text), no merge keys (`<<` is an ordinary key), keys must be
 * strings, a duplicate key is an error, and yaml's alias-bomb limit.
 * `YAML.parse(text, YAML_OPTIONS)` reads exactly what the loader accepts.
 */
export const YAML_OPTIONS = Object.freeze({
  version: "1.2",
  schema: "core",
  merge: false,
  stringKeys: true,
  uniqueKeys: true,
  strict: true,
  intAsBigInt: false,
  maxAliasCount: MAX_ALIAS_COUNT,
  prettyErrors: false,
  logLevel: "error",
} as const);

/** The parsed document and its line index, or why parsing stopped early. */
export type ParsedYaml =
  | { doc: Document.Parsed; lines: LineCounter; secondDoc?: number }
  | { stopped: { offset: number; message: string }; lines: LineCounter };

/**
 * Parses `text` as yaml's `parseDocument(text, YAML_OPTIONS)` does, watching
 * yaml's own CST parser stack as it goes: input nested deeper than
 * MAX_NESTING, or a map with more than MAX_MAP_KEYS keys, stops the parse
 * there (both would make yaml take seconds to minutes). `secondDoc` is the
 * offset of a second document, if any.
 */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  let stopped: { offset: number; message: string } | undefined;
  function* tokens(): Generator<CST.Token> {
    lines.addNewLine(0);
    for (const lexeme of new Lexer().lex(text)) {
      const offset = parser.offset;
      yield* parser.next(lexeme);
      const message = overLimit(parser.stack);
      if (message) {
        stopped = { offset, message };
        return;
      }
    }
    yield* parser.end();
  }
  let doc: Document.Parsed | undefined;
  let secondDoc: number | undefined;
  for (const d of new Composer(YAML_OPTIONS).compose(tokens(), true, text.length)) {
    if (doc) {
      secondDoc = d.range[0];
      break;
    }
    doc = d;
  }
  if (stopped) return { stopped, lines };
  if (!doc) throw new Error("yaml's composer yielded no document"); // compose(..., true) always yields one
  return secondDoc === undefined ? { doc, lines } : { doc, lines, secondDoc };
}

function overLimit(stack: readonly CST.Token[]): string | undefined {
  if (stack.length > MAX_NESTING) {
    return `lists and maps are nested more than ${MAX_NESTING} levels deep; a declaration file needs 4 (root, tokens, a token, expectAgencies)`;
  }
  for (const t of stack) {
    const isMap = t.type === "block-map" || (t.type === "flow-collection" && t.start.source === "{");
    if (isMap && t.items.length > MAX_MAP_KEYS) {
      return `a map with more than ${MAX_MAP_KEYS} keys; a declaration map has at most 5 (accountId, valid, publisher, reason, expectAgencies): write tokens as a list, one \`- \` per token`;
    }
  }
  return undefined;
}
