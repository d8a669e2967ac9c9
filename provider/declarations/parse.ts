/**
 * YAML text to a yaml Document, with its syntax problems located.
 */
import { Composer, Lexer, LineCounter, Parser, type Document } from "yaml";
import { NestingGuard, TooDeep, tooDeepMessage } from "./nesting";

/** A problem before it is given a file and path. */
export interface RawSyntaxProblem {
  offset: number;
  message: string;
  /** True when the problem concerns the whole file, not the node at `offset`. */
  whole?: boolean;
}

/** The parsed document, its line index, and every YAML-level problem. */
export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  problems: RawSyntaxProblem[];
}

/** yaml's warnings that are problems for us; tag warnings are reported by the converter. */
const FATAL_WARNINGS = new Set(["BAD_DIRECTIVE", "BAD_ALIAS"]);

/**
 * Parses `text` as one YAML 1.2 document (core schema, no merge keys), never
 * throwing: syntax errors, a second document and a `%YAML` directive other
 * than 1.2 come back as problems.
 */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer({
    prettyErrors: false,
    uniqueKeys: false, // the converter reports duplicate keys, with both lines
    version: "1.2",
    schema: "core",
    merge: false,
    intAsBigInt: false,
    keepSourceTokens: false,
  });
  // parseDocument(), with the nesting guard between the lexer and the parser.
  const guard = new NestingGuard();
  function* tokens() {
    lines.addNewLine(0);
    for (const lexeme of new Lexer().lex(text)) {
      guard.feed(lexeme);
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  let doc: Document.Parsed | undefined;
  let secondDoc: number | undefined;
  try {
    for (const d of composer.compose(tokens(), true, text.length)) {
      if (!doc) {
        doc = d;
      } else {
        secondDoc = d.range[0];
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof TooDeep)) throw e;
    const empty = new Composer({}).compose([], true, 0).next().value as Document.Parsed;
    return {
      doc: empty,
      lines,
      problems: [
        {
          offset: e.offset,
          whole: true,
          message: tooDeepMessage(e.limit),
        },
      ],
    };
  }
  if (!doc) throw new Error("yaml's composer yielded no document"); // compose(..., true) always yields one
  const problems: RawSyntaxProblem[] = [];
  if (doc.errors.some((e) => /call stack/i.test(e.message))) {
    problems.push({ offset: 0, whole: true, message: tooDeepMessage() });
    return { doc, lines, problems };
  }
  for (const e of doc.errors) problems.push({ offset: e.pos[0], message: syntaxMessage(e.message) });
  if (secondDoc !== undefined) {
    problems.push({
      offset: secondDoc,
      whole: true,
      message: "the file holds more than one YAML document (a `---` or `...` line starts another); keep every token in one document",
    });
  }
  for (const w of doc.warnings) {
    if (FATAL_WARNINGS.has(w.code)) problems.push({ offset: w.pos[0], message: syntaxMessage(w.message) });
  }
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== "1.2") {
    const m = /^%YAML[ \t]/m.exec(text);
    problems.push({
      offset: m ? m.index : 0,
      whole: true,
      message: `%YAML ${version.version} is not supported: declaration files are YAML 1.2 (where yes and no are strings, not booleans); remove the %YAML line`,
    });
  }
  return { doc, lines, problems };
}

function syntaxMessage(message: string): string {
  return `YAML syntax error: ${message.replace(/\s+/g, " ").trim()}`;
}
