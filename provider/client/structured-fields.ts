/**
 * A parser for HTTP structured-field Lists (RFC 9651, sections 4.2.1 to 4.2.9), enough for the
 * rate-limit headers: Lists of Items (and Inner Lists) with Parameters, and every bare item type
 * but Display Strings. Parsing is strict, as the RFC requires: any syntax error fails the whole
 * field, and the caller ignores it.
 */

/** A bare item: Integer or Decimal (number), String, Token, Byte Sequence, Boolean or Date. */
export type BareItem =
  | { type: "integer"; value: number }
  | { type: "decimal"; value: number }
  | { type: "string"; value: string }
  | { type: "token"; value: string }
  | { type: "bytes"; value: string }
  | { type: "boolean"; value: boolean }
  | { type: "date"; value: number };

/** A member of a List: an Item, or an Inner List of Items, each with its Parameters (in order; later duplicates win). */
export type ListMember =
  | { kind: "item"; item: BareItem; params: Map<string, BareItem> }
  | { kind: "inner"; items: { item: BareItem; params: Map<string, BareItem> }[]; params: Map<string, BareItem> };

/** Thrown for input that is not a structured-field List. */
export class StructuredFieldError extends Error {}

const DIGIT = /[0-9]/;
const ALPHA = /[A-Za-z]/;
const LCALPHA = /[a-z]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const BASE64 = /[A-Za-z0-9+/=]/;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw new StructuredFieldError(`${what} at offset ${this.i}`);
  }

  private peek(): string {
    return this.s[this.i] ?? "";
  }

  private skipSP(): void {
    while (this.peek() === " ") this.i++;
  }

  private skipOWS(): void {
    while (this.peek() === " " || this.peek() === "\t") this.i++;
  }

  /** RFC 9651 4.2.1 (with the field's leading spaces discarded, 4.2 step 2) and 4.2.1 list parsing. */
  list(): ListMember[] {
    this.skipSP();
    const members: ListMember[] = [];
    while (this.i < this.s.length) {
      members.push(this.peek() === "(" ? this.innerList() : this.item());
      this.skipOWS();
      if (this.i >= this.s.length) break;
      if (this.peek() !== ",") this.fail("expected a comma");
      this.i++;
      this.skipOWS();
      if (this.i >= this.s.length) this.fail("trailing comma");
    }
    this.skipSP();
    if (this.i < this.s.length) this.fail("unexpected character");
    return members;
  }

  private innerList(): ListMember {
    this.i++; // "("
    const items: { item: BareItem; params: Map<string, BareItem> }[] = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ")") {
        this.i++;
        return { kind: "inner", items, params: this.params() };
      }
      const m = this.item();
      if (m.kind !== "item") this.fail("nested inner list");
      items.push({ item: m.item, params: m.params });
      const c = this.peek();
      if (c !== " " && c !== ")") this.fail("expected a space or ) in an inner list");
    }
  }

  private item(): ListMember & { kind: "item" } {
    const item = this.bareItem();
    return { kind: "item", item, params: this.params() };
  }

  private params(): Map<string, BareItem> {
    const params = new Map<string, BareItem>();
    while (this.peek() === ";") {
      this.i++;
      this.skipSP();
      const key = this.key();
      let value: BareItem = { type: "boolean", value: true };
      if (this.peek() === "=") {
        this.i++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  private key(): string {
    const c = this.peek();
    if (!LCALPHA.test(c) && c !== "*") this.fail("expected a key");
    const start = this.i;
    while (this.i < this.s.length && KEY_CHAR.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  private bareItem(): BareItem {
    const c = this.peek();
    if (c === "-" || DIGIT.test(c)) return this.number();
    if (c === '"') return { type: "string", value: this.string() };
    if (c === "*" || ALPHA.test(c)) return { type: "token", value: this.token() };
    if (c === ":") return { type: "bytes", value: this.bytes() };
    if (c === "?") return { type: "boolean", value: this.boolean() };
    if (c === "@") {
      this.i++;
      const n = this.number();
      if (n.type !== "integer") this.fail("a date must be an integer");
      return { type: "date", value: n.value };
    }
    return this.fail("expected a bare item");
  }

  /** RFC 9651 4.2.4: at most 15 digits for an Integer, 12.3 for a Decimal. */
  private number(): BareItem & { type: "integer" | "decimal" } {
    const start = this.i;
    if (this.peek() === "-") this.i++;
    if (!DIGIT.test(this.peek())) this.fail("expected a digit");
    let dot = -1;
    while (this.i < this.s.length) {
      const c = this.peek();
      if (DIGIT.test(c)) this.i++;
      else if (c === "." && dot < 0) {
        if (this.i - start > 12 + (this.s[start] === "-" ? 1 : 0)) this.fail("decimal too long");
        dot = this.i++;
      } else break;
      const digits = this.i - start - (this.s[start] === "-" ? 1 : 0);
      if (dot < 0 && digits > 15) this.fail("integer too long");
      if (dot >= 0 && digits > 16) this.fail("decimal too long");
    }
    const text = this.s.slice(start, this.i);
    if (dot < 0) return { type: "integer", value: Number(text) };
    const frac = this.i - dot - 1;
    if (frac < 1 || frac > 3) this.fail("a decimal needs 1 to 3 fractional digits");
    return { type: "decimal", value: Number(text) };
  }

  private string(): string {
    this.i++; // opening quote
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) this.fail("unterminated string");
      const c = this.s[this.i++]!;
      if (c === "\\") {
        const next = this.s[this.i++];
        if (next !== '"' && next !== "\\") this.fail("bad escape in a string");
        out += next;
      } else if (c === '"') {
        return out;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail("bad character in a string");
        out += c;
      }
    }
  }

  private token(): string {
    const start = this.i++;
    while (this.i < this.s.length && TCHAR.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  private bytes(): string {
    const start = ++this.i;
    while (this.i < this.s.length && BASE64.test(this.peek())) this.i++;
    if (this.peek() !== ":") this.fail("unterminated byte sequence");
    return this.s.slice(start, this.i++);
  }

  private boolean(): boolean {
    this.i++;
    const c = this.s[this.i++];
    if (c === "1") return true;
    if (c === "0") return false;
    return this.fail("a boolean is ?0 or ?1");
  }
}

/**
 * Parses a structured-field List. Several field lines of one name are combined with commas first
 * (RFC 9651 section 4.2 step 1). Throws {@link StructuredFieldError} for anything malformed.
 */
export function parseList(value: string | readonly string[]): ListMember[] {
  const text = typeof value === "string" ? value : value.join(",");
  return new Parser(text).list();
}
