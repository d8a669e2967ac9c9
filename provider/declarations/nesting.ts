/**
 * A guard against deeply nested YAML, fed the lexer's tokens before the
 * parser sees them.
 *
 * yaml's composer recurses once per nesting level. Past a few hundred levels
 * (a 1 MiB file of `[` or `- ` has a million) it overflows the stack, and V8
 * can abort the whole process when that happens inside a RegExp compile; it
 * also takes seconds and hundreds of MB first. A declaration file needs 4
 * levels, so anything over MAX_NESTING stops the parse early.
 *
 * The depth counted is an upper bound of the real one: open indentation
 * levels, plus block indicators (`-`, `?`, a leading `:`) on the line, plus
 * open flow collections (`[`, `{`).
 */
import { CST } from "yaml";
import { MAX_NESTING } from "./limits";

/** The problem message for a file nested too deeply. */
export function tooDeepMessage(limit: number = MAX_NESTING): string {
  return `lists and maps are nested more than ${limit} levels deep; a declaration file needs 4 (root, tokens, a token, expectAgencies)`;
}

/** Thrown by the guard when the nesting goes over the limit. */
export class TooDeep extends Error {
  constructor(
    /** Offset of the token that went over. */
    readonly offset: number,
    readonly limit: number,
  ) {
    super(`nested more than ${limit} levels deep`);
  }
}

/** Tracks nesting over a stream of lexer tokens; `feed` throws TooDeep. */
export class NestingGuard {
  private offset = 0;
  private flow = 0;
  private readonly indents: number[] = [];
  private lineIndent = 0;
  private lineStarted = false;
  private lineContent = false;
  private indicators = 0;
  private scalarNext = false;

  constructor(private readonly limit: number = MAX_NESTING) {}

  /** Feeds the next lexeme (as yaml's Lexer yields it). */
  feed(lexeme: string): void {
    const start = this.offset;
    const type = CST.tokenType(lexeme);
    if (type === "doc-mode" || type === "flow-error-end") return; // markers, not source
    if (type === "scalar") {
      this.scalarNext = true;
      return;
    }
    this.offset += lexeme.length;
    if (this.scalarNext) {
      // The source of a plain or block scalar: content, possibly several lines.
      this.scalarNext = false;
      this.content(start);
      if (lexeme.endsWith("\n")) this.newLine();
      return;
    }
    switch (type) {
      case "newline":
        this.newLine();
        return;
      case "space":
        if (!this.lineStarted) this.lineIndent += lexeme.length;
        return;
      case "comment":
      case "byte-order-mark":
      case "directive-line":
        return;
      case "doc-start":
      case "doc-end":
        this.indents.length = 0;
        this.flow = 0;
        return;
      case "seq-item-ind":
      case "explicit-key-ind":
        this.begin(start);
        this.indicators++;
        this.check(start);
        return;
      case "map-value-ind":
        this.begin(start);
        if (!this.lineContent) {
          this.indicators++;
          this.check(start);
        }
        return;
      case "flow-map-start":
      case "flow-seq-start":
        this.content(start);
        this.flow++;
        this.check(start);
        return;
      case "flow-map-end":
      case "flow-seq-end":
        if (this.flow > 0) this.flow--;
        return;
      default:
        this.content(start);
    }
  }

  private newLine(): void {
    this.lineIndent = 0;
    this.lineStarted = false;
    this.lineContent = false;
    this.indicators = 0;
  }

  /** The first token of a line sets its indentation level. */
  private begin(offset: number): void {
    if (this.lineStarted) return;
    this.lineStarted = true;
    if (this.flow > 0) return;
    while (this.indents.length > 0 && this.indents[this.indents.length - 1]! >= this.lineIndent) this.indents.pop();
    this.indents.push(this.lineIndent);
    this.check(offset);
  }

  private content(offset: number): void {
    this.begin(offset);
    this.lineContent = true;
  }

  private check(offset: number): void {
    if (this.indents.length + this.indicators + this.flow > this.limit) throw new TooDeep(offset, this.limit);
  }
}
