/**
 * Property tests of the loader: it never throws and always finishes, every
 * problem is located and says something, and valid generated declarations
 * come back exactly. Each property runs from the fixed seeds below (printed).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { type StringRule, satisfies } from "../../provider/core/rules";
import type { Publisher } from "../../provider/core/types";
import { type LoadResult, type LocatedToken, parseDeclarations } from "../../provider/declarations";
import { ACCOUNT_ID, AGENCY_ID } from "../../provider/generated/contract";
import { fuzzSeeds } from "../support/seeds";

const GOOD = readFileSync(path.join(__dirname, "..", "fixtures", "declarations", "good", "offboarding.yaml"), "utf8");

/** Seeds every property below runs from; add one deliberately (FUZZ_SEED=<n> tries another). */
const SEEDS = fuzzSeeds("declarations fuzz", [20261125]);
const runs = (numRuns: number) => SEEDS.map((seed) => ({ seed, numRuns }));

/** Parses `text` and checks what must hold for any input. */
function check(text: string): LoadResult {
  const result = parseDeclarations(text, "fuzz.yaml");
  const lineCount = text.split(/\r\n|\r|\n/).length;
  if (result.ok) {
    for (const t of result.tokens) {
      expect(typeof t.accountId).toBe("string");
      expect(typeof t.valid).toBe("boolean");
      expect(t.location.line).toBeGreaterThanOrEqual(1);
      expect(t.location.col).toBeGreaterThanOrEqual(1);
      for (const v of Object.values(t)) expect(v).not.toBeUndefined();
    }
  } else {
    expect(result.problems.length).toBeGreaterThan(0);
    expect(Object.keys(result)).not.toContain("tokens");
    for (const p of result.problems) {
      expect(p.file).toBe("fuzz.yaml");
      expect(Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount + 1).toBe(true);
      expect(Number.isInteger(p.col) && p.col >= 1).toBe(true);
      expect(p.path.length).toBeGreaterThan(0);
      expect(p.message.trim().length).toBeGreaterThan(0);
      expect(p.message).not.toContain("\n");
    }
  }
  return result;
}

const YAML_BITS = [
  " ",
  "  ",
  "\n",
  "\t",
  "-",
  "- ",
  ":",
  ": ",
  "?",
  ",",
  "[",
  "]",
  "{",
  "}",
  "&a",
  "*a",
  "&b ",
  "*b",
  "!",
  "!!str ",
  "!foo ",
  "#",
  " #",
  '"',
  "'",
  "|",
  ">",
  "%YAML 1.1\n",
  "---\n",
  "...\n",
  "@",
  "`",
  "\\",
  "tokens",
  "defaults",
  "accountId",
  "valid",
  "true",
  "false",
  "no",
  "null",
  "~",
  "1",
  "0x1F",
  ".inf",
  "fb-1001",
  "__proto__",
  "constructor",
  "<<",
  "\ufeff",
  "\r\n",
  "é",
];

describe("fuzz: parseDeclarations never throws and locates every problem", () => {
  test("arbitrary strings", () => {
    for (const params of runs(300))
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => void check(s)),
        params,
      );
  });

  test("arbitrary strings of YAML-significant pieces", () => {
    for (const params of runs(500)) {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...YAML_BITS), { maxLength: 60 }), (bits) => void check(bits.join(""))),
        params,
      );
    }
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bit: fc.constantFrom(...YAML_BITS) }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ kind: fc.constant("duplicate-line" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("swap-lines" as const), at: fc.nat(), with: fc.nat() }),
    fc.record({ kind: fc.constant("indent" as const), at: fc.nat(), by: fc.integer({ min: -3, max: 3 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(text: string, m: Mutation): string {
    const lines = text.split("\n");
    const line = m.at % lines.length;
    switch (m.kind) {
      case "insert": {
        const i = m.at % (text.length + 1);
        return text.slice(0, i) + m.bit + text.slice(i);
      }
      case "delete": {
        const i = m.at % (text.length + 1);
        return text.slice(0, i) + text.slice(i + m.length);
      }
      case "duplicate-line":
        lines.splice(line, 0, lines[line]!);
        return lines.join("\n");
      case "swap-lines": {
        const other = m.with % lines.length;
        [lines[line], lines[other]] = [lines[other]!, lines[line]!];
        return lines.join("\n");
      }
      case "indent":
        lines[line] = m.by >= 0 ? " ".repeat(m.by) + lines[line]! : lines[line]!.slice(-m.by);
        return lines.join("\n");
    }
  }

  test("YAML-ish mutations of a good file", () => {
    for (const params of runs(600)) {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => void check(ms.reduce(mutate, GOOD))),
        params,
      );
    }
  });

  const key = fc.constantFrom("tokens", "defaults", "accountId", "valid", "publisher", "reason", "expectAgencies", "vaild", "__proto__", "constructor", "x");
  const leaf = fc.oneof(
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constant(null),
    fc.string({ maxLength: 20 }),
    fc.constantFrom("facebook", "twitter", "fb-1001", "no", ""),
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("list"), tie("map")),
    list: fc.array(tie("tree"), { maxLength: 4 }),
    map: fc.array(fc.tuple(key, tie("tree")), { maxLength: 5 }).map((pairs) => new Map(pairs)),
  }));
  const options = fc.record({
    collectionStyle: fc.constantFrom("any" as const, "block" as const, "flow" as const),
    defaultStringType: fc.constantFrom("PLAIN" as const, "QUOTE_DOUBLE" as const, "QUOTE_SINGLE" as const),
    indent: fc.constantFrom(2, 4),
  });

  test("random JSON-like data serialized to YAML", () => {
    for (const params of runs(400)) {
      fc.assert(
        fc.property(tree, options, (data, opts) => {
          check(stringify(data, opts));
          check(stringify(new Map<string, unknown>([["tokens", data]]), opts));
          check(stringify(new Map<string, unknown>([["tokens", [data]]]), opts));
        }),
        params,
      );
    }
  });
});

describe("round trip: valid generated declarations parse to exactly the generated tokens", () => {
  interface Decl {
    accountId: string;
    valid?: boolean;
    publisher?: Publisher;
    reason?: string;
    expectAgencies?: string[];
  }
  // Half the declarations use plain words only, half any printable text.
  const words = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._()-]{0,40}$/);
  const ids = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
  const anyText = fc.string({ unit: "grapheme", maxLength: 60 });
  // Ids by the API contract's rules (any id it accepts, up to its length limit).
  const contractId = (rule: StringRule) => fc.stringMatching(new RegExp(rule.pattern, "u"), { size: "small" }).filter((s) => satisfies(rule, s));
  const anyId = fc.oneof(ids, contractId(AGENCY_ID));
  const accountId = contractId(ACCOUNT_ID);
  const declaration = fc.boolean().chain((plain) => {
    const fields = {
      valid: fc.boolean(),
      publisher: fc.constantFrom<Publisher>("facebook", "twitter"),
      reason: plain ? words : anyText,
      expectAgencies: fc.uniqueArray(plain ? ids : anyId, { maxLength: 4 }),
    };
    return fc
      .record({
        defaults: fc.option(fc.record(fields, { requiredKeys: [] }), { nil: undefined }),
        tokens: fc.uniqueArray(fc.record({ accountId, ...fields }, { requiredKeys: ["accountId"] }), {
          selector: (t) => t.accountId,
          maxLength: 15,
        }),
      })
      .map(({ defaults, tokens }) => ({
        defaults,
        // Without valid in defaults, each token must set it.
        tokens: tokens.map((t): Decl => (defaults?.valid === undefined && t.valid === undefined ? { ...t, valid: false } : t)),
      }));
  });
  const style = fc.constantFrom("block", "flow", "block-lines", "flow-lines");

  /** The tokens the declaration means, computed here independently of the loader. */
  function expected(given: Partial<Decl> | undefined, tokens: Decl[]): Omit<LocatedToken, "location">[] {
    const defaults = given && Object.keys(given).length > 0 ? given : undefined;
    return tokens.map((t) => {
      const out: Record<string, unknown> = { accountId: t.accountId, valid: t.valid ?? defaults?.valid };
      for (const k of ["publisher", "reason", "expectAgencies"] as const) {
        const v = t[k] ?? defaults?.[k];
        if (v !== undefined) out[k] = v;
      }
      return out as unknown as Omit<LocatedToken, "location">;
    });
  }

  /** Serializes; returns the text and, for the hand-written styles, each token's line and column. */
  function serialize(defaults: Partial<Decl> | undefined, tokens: Decl[], how: string): { text: string; at?: [number, number][] } {
    const doc = defaults === undefined ? { tokens } : { defaults, tokens };
    if (how === "block") return { text: stringify(doc) };
    if (how === "flow") return { text: stringify(doc, { collectionStyle: "flow" }) };
    // JSON strings and lists are valid YAML flow scalars and sequences.
    const j = (v: unknown): string => (Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(", ")}]` : JSON.stringify(v));
    let text =
      defaults === undefined
        ? ""
        : `defaults:\n${Object.entries(defaults)
            .map(([k, v]) => `  ${k}: ${j(v)}\n`)
            .join("")}`;
    if (text === "defaults:\n") text = "";
    text += tokens.length === 0 ? "tokens: []\n" : "tokens:\n";
    const first = text.split("\n").length;
    const at: [number, number][] = [];
    tokens.forEach((t, i) => {
      if (how === "flow-lines") {
        at.push([first + i, 3]);
        text += `- { ${Object.entries(t)
          .map(([k, v]) => `${k}: ${j(v)}`)
          .join(", ")} }\n`;
      } else {
        at.push([text.split("\n").length, 5]);
        text += Object.entries(t)
          .map(([k, v], n) => `${n === 0 ? "  - " : "    "}${k}: ${j(v)}\n`)
          .join("");
      }
    });
    return { text, at };
  }

  test("in block, flow and hand-written styles", () => {
    for (const params of runs(400)) {
      fc.assert(
        fc.property(declaration, style, ({ defaults, tokens }, how) => {
          const { text, at } = serialize(defaults, tokens, how);
          const result = check(text);
          if (!result.ok) throw new Error(`rejected:\n${text}\n${JSON.stringify(result.problems, null, 2)}`);
          expect(result.tokens.map(({ location: _l, ...t }) => t)).toStrictEqual(expected(defaults, tokens));
          const lines = text.split("\n");
          result.tokens.forEach((t, i) => {
            if (at) expect([t.location.line, t.location.col]).toEqual(at[i]);
            const rest = lines[t.location.line - 1]!.slice(t.location.col - 1);
            expect(rest.startsWith("{") || rest.startsWith("accountId")).toBe(true);
          });
        }),
        params,
      );
    }
  });
});
