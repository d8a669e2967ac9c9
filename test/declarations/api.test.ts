/**
 * The loader's API around parsing: reading files, the error type, the schema
 * file, and safety against prototype pollution.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { afterAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { PUBLISHERS } from "../../provider/core/types";
import {
  assertValid,
  DeclarationError,
  formatProblem,
  loadDeclarations,
  MAX_ALIAS_COUNT,
  parseDeclarations,
  SCHEMA_PATH,
  YAML_OPTIONS,
} from "../../provider/declarations";
import { ACCOUNT_ID, REASON } from "../../provider/generated/contract";

const dir = mkdtempSync(path.join(tmpdir(), "decl-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURES = path.join(__dirname, "..", "fixtures", "declarations");

describe("loadDeclarations", () => {
  test("a missing file is a problem, not a throw", async () => {
    const file = path.join(dir, "nope.yaml");
    expect(await loadDeclarations(file)).toEqual({
      ok: false,
      file,
      problems: [{ file, line: 1, col: 1, path: "(root)", message: "cannot read the file: it does not exist (ENOENT); check the path" }],
    });
  });

  test("a directory is a problem", async () => {
    const sub = path.join(dir, "a-dir.yaml");
    mkdirSync(sub);
    const r = await loadDeclarations(sub);
    expect(!r.ok && r.problems.map(formatProblem)).toEqual([`${sub}:1:1: (root): cannot read the file: it is a directory; name a YAML file`]);
  });

  test("bytes that are not UTF-8 are a problem", async () => {
    const file = path.join(dir, "latin1.yaml");
    writeFileSync(file, Buffer.concat([Buffer.from("tokens:\n  - accountId: fb-1\n    valid: false\n    reason: caf"), Buffer.from([0xe9, 0x0a])]));
    const r = await loadDeclarations(file);
    expect(!r.ok && r.problems.map(formatProblem)).toEqual([`${file}:1:1: (root): the file is not UTF-8 text; save it as UTF-8`]);
  });

  test("a byte-order mark does not shift columns on line 1", () => {
    const r = parseDeclarations("\ufefftoken: []\n", "bom.yaml");
    expect(!r.ok && r.problems.map(formatProblem)).toEqual([
      `bom.yaml:1:1: token: unknown key "token" (did you mean "tokens"?); allowed keys: defaults, tokens, people`,
    ]);
  });
});

describe("DeclarationError and assertValid", () => {
  test("assertValid returns the tokens of a valid file", () => {
    const r = parseDeclarations("tokens: [{accountId: a, valid: false}]", "t.yaml");
    expect(assertValid(r)).toEqual([{ accountId: "a", valid: false, location: { file: "t.yaml", line: 1, col: 10 } }]);
  });

  test("assertValid throws every problem, one per line, then how to fix", () => {
    const r = parseDeclarations("tokens:\n  - accountId: a\n    vaild: false\n  - accountId: a\n    valid: no\n", "t.yaml");
    let thrown: unknown;
    try {
      assertValid(r);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DeclarationError);
    const err = thrown as DeclarationError;
    expect(err.code).toBe("declaration-invalid");
    expect(err.problems).toEqual(!r.ok && r.problems);
    expect(err.message.split("\n")).toEqual([
      't.yaml:3:5: tokens[0].vaild: unknown key "vaild" (did you mean "valid"?); allowed keys: accountId, valid, publisher, reason, expectAgencies',
      't.yaml:4:16: tokens[1].accountId: duplicate accountId "a": already declared at line 2 (tokens[0]); declare each account once',
      't.yaml:5:12: tokens[1].valid: must be a boolean (true or false), got string "no"; YAML 1.2 reads yes, no, on and off as text: write true or false',
      "Fix the problems above, then run `marin-social validate t.yaml`.",
    ]);
  });
});

describe("safety", () => {
  test("__proto__, constructor and prototype keys never reach an object", () => {
    const text = readFileSync(path.join(FIXTURES, "bad", "25-proto-key.yaml"), "utf8");
    expect(parseDeclarations(text, "p.yaml").ok).toBe(false);
    // yaml defines such a key as an own property; it never assigns through the prototype.
    const data = parse(text, YAML_OPTIONS) as { tokens: Record<string, unknown>[] };
    const token = data.tokens[0]!;
    expect(Object.keys(token)).toEqual(["accountId", "valid", "__proto__"]);
    expect(Object.getPrototypeOf(token)).toBe(Object.prototype);
    expect(token.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  test("files are read as YAML 1.2 core schema, no merge keys, string keys, unique keys, yaml's alias limit", () => {
    expect(YAML_OPTIONS).toMatchObject({
      version: "1.2",
      schema: "core",
      merge: false,
      stringKeys: true,
      uniqueKeys: true,
      maxAliasCount: MAX_ALIAS_COUNT,
    });
  });

  test("a rejected file yields no tokens at all", () => {
    const r = parseDeclarations("tokens:\n  - {accountId: a, valid: false}\n  - {accountId: b, valid: maybe}\n", "r.yaml");
    expect(r).toEqual({ ok: false, file: "r.yaml", problems: expect.any(Array) });
    expect(Object.keys(r)).not.toContain("tokens");
  });
});

describe("schemas/tokens.schema.json", () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as {
    $schema: string;
    definitions: Record<string, { pattern?: string; enum?: string[]; maxLength?: number }>;
  };

  test("is a draft-07 schema that compiles in ajv's strict mode (strictTypes aside)", () => {
    expect(SCHEMA_PATH).toBe(path.resolve(__dirname, "..", "..", "schemas", "tokens.schema.json"));
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(() => new Ajv({ strict: true, strictTypes: false, strictRequired: false }).compile(schema)).not.toThrow();
  });

  test("carries the API contract's id, length and enum rules", () => {
    expect(schema.definitions.publisher!.enum).toEqual([...PUBLISHERS]);
    const { schema: _s, description: _d, ...accountId } = ACCOUNT_ID;
    expect(schema.definitions.accountId).toMatchObject(accountId);
    expect(schema.definitions.reason!.maxLength).toBe(REASON.maxLength);
  });

  test("accepts every good fixture as an editor would (plain ajv on the YAML data)", () => {
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    const validate = ajv.compile(schema);
    for (const name of ["offboarding.yaml", "flow-style.yaml", "anchors.yaml", "no-tokens.yaml"]) {
      const data: unknown = parse(readFileSync(path.join(FIXTURES, "good", name), "utf8"));
      expect(validate(data), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe("people: entries", () => {
  test("a file of people alone is read, reason falling back to defaults", () => {
    const r = parseDeclarations(
      "defaults: { reason: left the company }\npeople:\n  - person: jane@agency.example\n    keep: [fb-1004]\n  - { person: u-7002, reason: moved, expectAccounts: [fb-1002] }\n",
      "p.yaml",
    );
    expect(r).toEqual({
      ok: true,
      file: "p.yaml",
      tokens: [],
      people: [
        { person: "jane@agency.example", reason: "left the company", keep: ["fb-1004"], location: { file: "p.yaml", line: 3, col: 5 } },
        { person: "u-7002", reason: "moved", expectAccounts: ["fb-1002"], location: { file: "p.yaml", line: 5, col: 5 } },
      ],
    });
  });

  test("bad entries are reported at file:line:col, with the same rules as tokens", () => {
    const r = parseDeclarations(
      'people:\n  - person: ""\n  - person: jane@agency.example\n    keeep: [fb-1004]\n  - person: u-7002\n    expectAccounts: [fb-1001, fb-1001]\n  - person: u-7003\n    keep: [not an id]\n',
      "p.yaml",
    );
    expect(!r.ok && r.problems.map(formatProblem)).toEqual([
      "p.yaml:2:13: people[0].person: must not be empty",
      'p.yaml:4:5: people[1].keeep: unknown key "keeep" (did you mean "keep"?); allowed keys: person, reason, keep, expectAccounts',
      'p.yaml:6:31: people[2].expectAccounts[1]: duplicate account "fb-1001" (already at index 0); list each account once',
      expect.stringMatching(/^p\.yaml:8:12: people\[3\]\.keep\[0\]: /),
    ]);
  });
});
