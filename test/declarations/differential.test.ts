/**
 * The loader against an oracle made of the `yaml` library and the schema, on
 * generated small declaration files full of what hand-written readers get
 * wrong: flow maps, quoted strings with backslashes and escapes, comments
 * holding quotes and braces, a BOM and U+FEFF inside values, anchors and
 * aliases, multi-line and block scalars, tabs, CRLF, duplicate keys, `<<`
 * merge keys, tags, directives and several documents.
 *
 * For every file: the loader accepts it exactly when the oracle does, and
 * then its tokens are YAML's value with `defaults` applied. The oracle is
 * `YAML.parse` with the options below, then ajv with tokens.schema.json,
 * then the loader's documented extra refusals (tags, a %YAML other than 1.2,
 * yaml warnings, more than 100 aliases, a duplicate accountId).
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import Ajv from "ajv";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as YAML from "yaml";
import { parseDeclarations, SCHEMA_PATH } from "../../provider/declarations";
import { fuzzSeeds } from "../support/seeds";

/** How YAML reads a declaration file (the loader's YAML_OPTIONS must say the same). */
const ORACLE_OPTIONS = {
  version: "1.2",
  schema: "core",
  merge: false,
  stringKeys: true,
  uniqueKeys: true,
  maxAliasCount: 100,
  logLevel: "error",
} as const;
const KEYS = ["publisher", "reason", "expectAgencies"] as const;

const validate = new Ajv({ allErrors: true, strictTypes: false }).compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);

type Token = Record<string, unknown>;
type Verdict = { ok: true; tokens: Token[] } | { ok: false; why: string };

/** What YAML and the schema say about `text`. */
function oracle(text: string): Verdict {
  let value: unknown;
  try {
    value = YAML.parse(text, ORACLE_OPTIONS);
  } catch (e) {
    return { ok: false, why: `YAML: ${(e as Error).message}` };
  }
  const doc = YAML.parseDocument(text, ORACLE_OPTIONS);
  const warning = doc.warnings.find((w) => w.code !== "BAD_INDENT");
  if (warning) return { ok: false, why: `YAML warns: ${warning.message}` };
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version !== "1.2") return { ok: false, why: "%YAML other than 1.2" };
  let tags = 0;
  let aliases = 0;
  YAML.visit(doc, {
    Node: (_key, node) => {
      if (YAML.isAlias(node)) aliases++;
      else if (node.tag) tags++;
    },
  });
  if (tags > 0) return { ok: false, why: "a tag" };
  if (aliases > 100) return { ok: false, why: "more than 100 aliases" };
  if (!validate(value)) return { ok: false, why: `schema: ${JSON.stringify(validate.errors?.[0])}` };
  const data = value as { defaults?: Token; tokens: Token[] };
  const ids = data.tokens.map((t) => t.accountId);
  if (new Set(ids).size !== ids.length) return { ok: false, why: "a duplicate accountId" };
  const d = data.defaults ?? {};
  const tokens = data.tokens.map((t) => {
    const out: Token = { accountId: t.accountId, valid: t.valid ?? d.valid };
    for (const k of KEYS) if ((t[k] ?? d[k]) !== undefined) out[k] = t[k] ?? d[k];
    return out;
  });
  return { ok: true, tokens };
}

/** What the loader says about `text`, in the oracle's terms. */
function loader(text: string): Verdict {
  const r = parseDeclarations(text, "gen.yaml");
  if (!r.ok) return { ok: false, why: r.problems.map((p) => `${p.line}:${p.col}: ${p.path}: ${p.message}`).join(" | ") };
  return { ok: true, tokens: r.tokens.map(({ location: _location, ...t }) => t as Token) };
}

interface Disagreement {
  text: string;
  loader: Verdict;
  oracle: Verdict;
}

/** The files on which the loader and the oracle disagree. */
function disagreements(texts: readonly string[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (const text of texts) {
    const l = loader(text);
    const o = oracle(text);
    const same = l.ok && o.ok ? isDeepStrictEqual(l.tokens, o.tokens) : l.ok === o.ok;
    if (!same) out.push({ text, loader: l, oracle: o });
  }
  return out;
}

// ---- the generator -------------------------------------------------------

/** Values as written after `key:`, drawn four times in five: what a schema accepts, in many styles, and near misses. */
const GOOD: Record<string, string[]> = {
  accountId: ["fb-1001", "tw-2002", '"fb-1003"', "'fb-1004'", "acct.9:x_y", '"fb-1005"'],
  valid: ["true", "false", "false", "True", "FALSE"],
  publisher: ["facebook", "twitter", '"twitter"', "facebook # the brand"],
  reason: [
    "Jane Doe left the company (HR-1234)",
    '"HR-1234 C:\\\\"',
    '"tab\\there, quote \\" and \\\\ backslash, \\u00e9, \\x41"',
    "'it''s done'",
    "'C:\\temp\\'",
    "HR-1 # a comment, valid: true }",
    '"quoted # not a comment"',
    "a#b",
    "x\ufeffy",
    '"\ufeff"',
    '"line one\nline two"',
    "first line\ncontinued plain",
    "|\nliteral line\nsecond line",
    ">-\nfolded\ntext",
    "|+\nkept\n",
    '"tab\tinside"',
    "text\t# tab before a comment",
    "&r shared reason",
    "*r",
  ],
  expectAgencies: ["[ag-north, ag-south]", "[\"ag-north\", 'ag-south']", "[]", "\n- ag-north\n- ag-south", "&ags [ag-east]", "*ags", "[ag-north,\nag-south]"],
};

/** Values drawn one time in five: what a hand-written reader may take for good ones, most of which YAML or the schema refuse. */
const TRICKY: Record<string, string[]> = {
  accountId: ["fb-10\ufeff05", '"fb-1006\\ufeff"', "1007", '"fb 1008"', "", "fb-1001"],
  valid: ["no", "off", "yes", '"false"', "'true'", "0", "1", "~", "", "fAlse", "!!str true", "!!bool false"],
  publisher: ["Facebook", "linkedin"],
  reason: ['"HR-1234 C:\\"', "a: b", "[not, text]", "{not: text}", "'unterminated", "!!str tagged", "!env REASON", '"C:\\", valid: true'],
  expectAgencies: ["[ag-north, ag-north]", "ag-north", "[ag-north, 42]"],
  "<<": ["*base", "{valid: true}", "[*base]"],
  vaild: ["false"],
};

/**
 * The values of a plain file: the simple shape a line reader handles, with
 * the backslashes, quotes and commas that trip one up.
 */
const PLAIN: Record<string, string[]> = {
  accountId: ["fb-1001", "tw-2002", '"fb-1003"', "'fb-1004'"],
  valid: ["true", "false", "false"],
  publisher: ["facebook", "twitter", '"twitter"'],
  reason: [
    "Jane Doe left (HR-1234)",
    '"HR-1234 C:\\\\"',
    '"HR-1234 C:\\"',
    "'C:\\temp\\'",
    '"say \\"hi\\""',
    '"a, b"',
    "a#b",
    "x\ufeffy",
    "HR-1 # valid: true }",
    '"C:\\", valid: true',
  ],
  expectAgencies: ["[ag-north, ag-south]", "[]", "\n- ag-north", '["ag-north"]'],
  "<<": ["{valid: true}"],
  vaild: ["false"],
};

/** A value for `key`: good four times in five (plain files: plain nine times in ten). `\n` in a value is followed by the indentation it needs. */
const valueFor = (key: string, plain: boolean): fc.Arbitrary<string> =>
  plain
    ? fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...PLAIN[key]!) }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY[key]!) })
    : fc.oneof(...(GOOD[key] ? [{ weight: 4, arbitrary: fc.constantFrom(...GOOD[key]) }] : []), { weight: 1, arbitrary: fc.constantFrom(...TRICKY[key]!) });

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** `arb` once in `n` draws, else undefined. */
const sometimes = <T>(arb: fc.Arbitrary<T>, n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

interface Entry {
  key: string;
  value: string;
}

/** The entries of a map: each key once (and now and then one twice), the required ones mostly set. */
const entries = (keys: readonly string[], required: readonly string[], plain: boolean) =>
  fc
    .record({
      keys: fc.subarray([...keys]),
      extra: sometimes(pick("valid", "reason", "<<", "vaild"), 12),
      drop: required.length > 0 ? sometimes(pick(...required), 15) : fc.constant(undefined),
    })
    .chain(({ keys: chosen, extra, drop }) => {
      const names = [...required.filter((k) => k !== drop), ...chosen.filter((k) => !required.includes(k))];
      if (extra) names.push(extra);
      return fc.tuple(...names.map((key) => valueFor(key, plain).map((value): Entry => ({ key, value }))));
    });

/** Comment lines that a line reader could mistake for content. */
const commentLine = pick("# plain comment", '# ", valid: false }', "#, valid: true}", "#   'quoted'", "# \ufeff");

/** One token in one of several layouts. */
const token = (plain: boolean) =>
  fc.record({
    entries: entries(["publisher", "reason", "expectAgencies"], ["accountId", "valid"], plain),
    style: plain ? pick("block", "flow") : pick("block", "block", "flow", "flow", "flow-lines", "anchored"),
    comment: sometimes(commentLine, 3),
    trailing: sometimes(pick(" # note", "  #, valid: false", "\t# tab", '  # ", x }'), 4),
  });
type TokenSpec = typeof token extends (plain: boolean) => fc.Arbitrary<infer T> ? T : never;

/** `key: value`, continuation lines indented by `indent`. */
const pair = (e: Entry, indent: string) => `${e.key}: ${e.value.replace(/\n/g, `\n${indent}`)}`;

function renderToken(t: TokenSpec, indent: number): string {
  const dash = `${" ".repeat(indent)}- `;
  const pad = " ".repeat(dash.length);
  const deeper = `${pad}  `;
  const tail = t.trailing ?? "";
  const lines: string[] = [];
  if (t.style === "flow" || t.style === "flow-lines") {
    const sep = t.style === "flow" ? ", " : `,\n${deeper}`;
    lines.push(`${dash}{ ${t.entries.map((e) => pair(e, deeper)).join(sep)} }${tail}`);
  } else if (t.entries.length === 0) {
    lines.push(`${dash}{}`);
  } else {
    const anchor = t.style === "anchored" ? `&base\n${pad}` : "";
    t.entries.forEach((e, i) => {
      lines.push(`${i === 0 ? dash + anchor : pad}${pair(e, deeper)}${i === 0 ? tail : ""}`);
    });
  }
  if (t.comment) lines.push(`${pad}${t.comment}`);
  return lines.join("\n");
}

/**
 * A whole file: half of them plain (one simple layout, a tricky value now
 * and then), half rich (anything above, then a BOM, CRLF, a tab, a second
 * document...).
 */
const file = fc.boolean().chain((plain) =>
  fc
    .record({
      head: plain ? fc.constant(undefined) : sometimes(pick("%YAML 1.2\n---", "%YAML 1.1\n---", "---", "# yaml-language-server: $schema=x", "\ufeff# bom"), 3),
      defaults: sometimes(entries(["valid", "publisher", "reason", "expectAgencies"], [], plain), 2),
      defaultsFlow: fc.boolean(),
      tokens: fc.array(token(plain), { maxLength: 4 }),
      indent: pick(0, 2, 4),
      tail: plain ? fc.constant(undefined) : sometimes(pick("...", "---\ntokens: []", "# end", "...\n# after"), 5),
      bom: fc.nat(plain ? 20 : 6),
      crlf: plain ? fc.constant(false) : fc.boolean(),
      tab: plain ? fc.constant(undefined) : sometimes(fc.nat(), 6),
    })
    .map((f) => {
      const out: string[] = [];
      if (f.head) out.push(f.head);
      if (f.defaults && f.defaults.length > 0) {
        out.push(
          f.defaultsFlow
            ? `defaults: { ${f.defaults.map((e) => pair(e, "    ")).join(", ")} }`
            : `defaults:\n${f.defaults.map((e) => `  ${pair(e, "    ")}`).join("\n")}`,
        );
      }
      if (f.tokens.length === 0) out.push("tokens: []");
      else out.push("tokens:", ...f.tokens.map((t) => renderToken(t, f.indent)));
      if (f.tail) out.push(f.tail);
      let text = `${out.join("\n")}\n`;
      if (f.tab !== undefined) {
        // A tab where a space was: as indentation (an error) or as a separator (fine).
        const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
        const at = spaces[f.tab % Math.max(1, spaces.length)];
        if (at !== undefined) text = `${text.slice(0, at)}\t${text.slice(at + 1)}`;
      }
      if (f.crlf) text = text.replace(/\n/g, "\r\n");
      if (f.bom === 0) text = `\ufeff${text}`;
      return text;
    }),
);

// ---- the tests -------------------------------------------------------------

/** The issue's example: a backslash before the closing quote escapes it, so the comment line is part of the string. */
const ISSUE_EXAMPLE = 'tokens:\n  - { accountId: fb-1001, reason: "HR-1234 C:\\", valid: true }\n    # ", valid: false }\n';

const SEEDS = fuzzSeeds("declarations differential", [20261125, 8]);
const RUNS = 1500;

describe("the loader reads exactly what YAML reads", () => {
  test("the issue's example: YAML reads valid: false, and so does the loader", () => {
    expect(oracle(ISSUE_EXAMPLE)).toEqual({
      ok: true,
      tokens: [{ accountId: "fb-1001", valid: false, reason: 'HR-1234 C:", valid: true } # ' }],
    });
    expect(disagreements([ISSUE_EXAMPLE])).toEqual([]);
  });

  test.each(SEEDS)(`seed %i: ${RUNS} generated files, no disagreement`, (seed) => {
    const texts = fc.sample(file, { seed, numRuns: RUNS });
    const found = disagreements(texts);
    const accepted = texts.filter((t) => oracle(t).ok).length;
    console.log(`seed ${seed}: ${texts.length} files, ${accepted} accepted by YAML + schema, ${found.length} disagreements`);
    // Both outcomes are exercised in fair numbers, so the comparison means something.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(RUNS - accepted).toBeGreaterThan(RUNS / 10);
    expect(found.slice(0, 5)).toEqual([]);
  });
});
