#!/usr/bin/env node
// @ts-check
/**
 * Generates what the rest of the project takes from the API contract
 * (schemas/marin-social-api.yaml), so that nothing is copied by hand:
 *
 * - provider/generated/contract.ts: the id, length and enum rules as constants, the request
 *   body limits, the list limits of `GET /v1/accounts`, the 404 problem types, the required
 *   members of an Account, and TypeScript types of the API's schemas;
 * - the constraint keywords (type, enum, pattern, minLength, maxLength) of the `accountId`,
 *   `publisher`, `reason` and `expectAgencies` items definitions of schemas/tokens.schema.json
 *   (titles, descriptions and examples there stay hand-written).
 *
 * `npm run build` runs it before tsc. `node scripts/generate-contract.js --check` writes
 * nothing and exits 1 naming every file that differs from what the contract gives
 * (test/contract/generated.test.ts runs the same check).
 */
const { readFileSync, writeFileSync, mkdirSync } = require("node:fs");
const path = require("node:path");
const { parse } = require("yaml");

const ROOT = path.resolve(__dirname, "..");
const CONTRACT = "schemas/marin-social-api.yaml";
const GENERATED_TS = "provider/generated/contract.ts";
const TOKENS_SCHEMA = "schemas/tokens.schema.json";

/** String rules exported as constants: constant name -> components.schemas name. */
const STRING_RULES = { ACCOUNT_ID: "AccountId", AGENCY_ID: "AgencyId", ACTOR: "Actor", REASON: "Reason" };

/** Schemas exported as TypeScript types (with every schema they reference). */
const TYPES = ["Publisher", "Agency", "TokenState", "Account", "AccountPage", "AuditEntry", "Problem", "InvalidateRequest", "ReauthorizeRequest"];

/**
 * tokens.schema.json definitions (a path under `definitions`) -> the contract schema whose
 * constraints they carry. The agency rule sits inline in `items`, not behind a `$ref`: ajv
 * then knows the items are strings and checks `uniqueItems` without deep comparison.
 */
const TOKEN_DEFINITIONS = { accountId: "AccountId", publisher: "Publisher", reason: "Reason", "expectAgencies/items": "AgencyId" };
const CONSTRAINTS = ["type", "enum", "pattern", "minLength", "maxLength"];

/**
 * @param {unknown} cond
 * @param {string} message
 * @returns {asserts cond}
 */
function check(cond, message) {
  if (!cond) throw new Error(`${CONTRACT}: ${message}`);
}

/** @param {any} doc @param {string} name */
function schemaOf(doc, name) {
  const s = doc.components?.schemas?.[name];
  check(s && typeof s === "object", `components.schemas.${name} is missing`);
  return s;
}

/** @param {any} doc @param {string} name @param {string} key */
function stringRule(doc, name, key) {
  const s = schemaOf(doc, name);
  check(s.type === "string", `${name} must be a string schema`);
  check(typeof s.description === "string", `${name} needs a description (it completes "must be ..." in messages)`);
  for (const k of ["minLength", "maxLength"]) {
    if (s[k] !== undefined) check(s.description.includes(String(s[k])), `${name}.description must name its ${k} ${s[k]}`);
  }
  /** @type {Record<string, unknown>} */
  const rule = { schema: name };
  for (const k of ["pattern", "minLength", "maxLength"]) if (s[k] !== undefined) rule[k] = s[k];
  rule.description = s.description;
  return `/** \`${name}\` (components.schemas): ${s.description}. */\nexport const ${key} = ${JSON.stringify(rule, null, 2)} as const;\n`;
}

/** @param {any} doc @param {string} param */
function listAccountsParam(doc, param) {
  const params = doc.paths?.["/v1/accounts"]?.get?.parameters ?? [];
  const p = params.find((/** @type {any} */ x) => x.name === param);
  check(p?.schema, `GET /v1/accounts has no ${param} parameter`);
  return p.schema;
}

/** A TypeScript type for a schema node (the subset the contract uses; anything else is an error). */
/** @param {any} s @param {string} at @param {Set<string>} refs @returns {string} */
function tsType(s, at, refs) {
  if (s.$ref) {
    const m = /^#\/components\/schemas\/(\w+)$/.exec(s.$ref);
    check(m, `${at}: unsupported $ref ${s.$ref}`);
    refs.add(m[1]);
    return m[1];
  }
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf).map((/** @type {any} */ x, /** @type {number} */ i) => tsType(x, `${at}/${i}`, refs)).join(" | ");
  if (s.enum) return s.enum.map((/** @type {unknown} */ v) => JSON.stringify(v)).join(" | ");
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return types
    .map((/** @type {string} */ t) => {
      switch (t) {
        case "string":
          return "string";
        case "integer":
        case "number":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array":
          check(s.items, `${at}: an array needs items`);
          return `${wrap(tsType(s.items, `${at}/items`, refs))}[]`;
        case "object":
          return objectType(s, at, refs);
        default:
          throw new Error(`${CONTRACT}: ${at}: unsupported type ${String(t)}`);
      }
    })
    .join(" | ");
}

/** @param {string} t */
function wrap(t) {
  return t.includes(" ") ? `(${t})` : t;
}

/**
 * An object type; an open object (no `additionalProperties: false`) gets an index signature
 * (`unknown` beside named members, which it must admit).
 * @param {any} s @param {string} at @param {Set<string>} refs
 */
function objectType(s, at, refs) {
  const required = new Set(s.required ?? []);
  const lines = Object.entries(s.properties ?? {}).map(([k, v]) => {
    const doc = /** @type {any} */ (v).description ? `/** ${oneLine(/** @type {any} */ (v).description)} */\n` : "";
    return `${doc}${k}${required.has(k) ? "" : "?"}: ${tsType(v, `${at}/properties/${k}`, refs)};`;
  });
  if (s.additionalProperties !== false) {
    const extra = s.additionalProperties && typeof s.additionalProperties === "object" ? tsType(s.additionalProperties, `${at}/additionalProperties`, refs) : "unknown";
    lines.push(`[member: string]: ${lines.length === 0 ? extra : "unknown"};`);
  }
  return `{\n${lines.join("\n").replace(/^/gm, "  ")}\n}`;
}

/** @param {string} text */
function oneLine(text) {
  return text.trim().replace(/\s*\n\s*/g, " ").replace(/\*\//g, "*\\/");
}

/** @param {any} doc */
function types(doc) {
  const done = new Set();
  const queue = [...TYPES];
  const out = [];
  while (queue.length > 0) {
    const name = /** @type {string} */ (queue.shift());
    if (done.has(name)) continue;
    done.add(name);
    const s = schemaOf(doc, name);
    const refs = new Set();
    const body = tsType(s, `#/components/schemas/${name}`, refs);
    const doc_ = s.description ? `/** ${oneLine(s.description)} */\n` : `/** \`${name}\` (components.schemas). */\n`;
    out.push(body.startsWith("{") ? `${doc_}export interface ${name} ${body}\n` : `${doc_}export type ${name} = ${body};\n`);
    for (const r of refs) if (!done.has(r)) queue.push(r);
  }
  return out.join("\n");
}

/**
 * The not-found problem types: every `type` URI the `*NotFoundProblem` schemas allow (a `const`
 * or an `enum` in their second `allOf` member), keyed by slug in camelCase
 * (`.../problems/account-not-found` -> `accountNotFound`).
 * @param {any} doc
 */
function notFoundProblemTypes(doc) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
    if (!name.endsWith("NotFoundProblem")) continue;
    const type = /** @type {any} */ (s).allOf?.[1]?.properties?.type;
    const uris = type?.const !== undefined ? [type.const] : type?.enum;
    check(Array.isArray(uris) && uris.length > 0, `${name} must pin its type with allOf[1].properties.type.const or .enum`);
    for (const uri of uris) {
      const slug = /\/problems\/([a-z-]+-not-found)$/.exec(uri)?.[1];
      check(slug, `${name}: type ${uri} is not .../problems/<what>-not-found`);
      out[slug.replace(/-([a-z])/g, (_m, c) => c.toUpperCase())] = uri;
    }
  }
  check(out.accountNotFound, "no *NotFoundProblem schema defines .../problems/account-not-found");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** @param {any} doc */
function generatedTs(doc) {
  const publisher = schemaOf(doc, "Publisher");
  check(Array.isArray(publisher.enum), "Publisher needs an enum");
  const ids = listAccountsParam(doc, "ids");
  const limit = listAccountsParam(doc, "limit");
  const bodies = doc["x-request-body-limits"];
  check(bodies && Number.isInteger(bodies["/v1"]) && Number.isInteger(bodies["/_sandbox"]), "x-request-body-limits needs /v1 and /_sandbox byte counts");
  return [
    `// Generated by scripts/generate-contract.js from ${CONTRACT}: do not edit.`,
    "// Change the contract and run `npm run build`; test/contract/generated.test.ts fails while this is stale.",
    "/* eslint-disable */",
    "",
    ...Object.entries(STRING_RULES).map(([key, name]) => stringRule(doc, name, key)),
    `/** \`Publisher\` (components.schemas): every publisher, in the contract's order. */`,
    `export const PUBLISHERS = ${JSON.stringify(publisher.enum)} as const;`,
    "",
    "/** `GET /v1/accounts`: at most `maxIds` ids per request; page size `limit` up to `maxLimit`, default `defaultLimit`. */",
    `export const LIST_ACCOUNTS = ${JSON.stringify({ maxIds: ids.maxItems, maxLimit: limit.maximum, defaultLimit: limit.default }, null, 2)} as const;`,
    "",
    "/** The 404 problem types (`*NotFoundProblem` schemas); only `accountNotFound` means an account does not exist. */",
    `export const NOT_FOUND_PROBLEM_TYPES = ${JSON.stringify(notFoundProblemTypes(doc), null, 2)} as const;`,
    "",
    "/** `Account` (components.schemas): its required members. */",
    `export const ACCOUNT_REQUIRED = ${JSON.stringify(schemaOf(doc, "Account").required)} as const;`,
    "",
    "/** The largest request body in bytes, by path prefix (`x-request-body-limits`); above it the API answers 413. */",
    `export const REQUEST_BODY_LIMITS = ${JSON.stringify({ v1: bodies["/v1"], sandbox: bodies["/_sandbox"] }, null, 2)} as const;`,
    "",
    types(doc),
  ].join("\n");
}

/** @param {any} doc @param {string} current */
function tokensSchema(doc, current) {
  const schema = JSON.parse(current);
  for (const [def, name] of Object.entries(TOKEN_DEFINITIONS)) {
    const source = schemaOf(doc, name);
    const keys = def.split("/");
    const last = /** @type {string} */ (keys.pop());
    const parent = keys.reduce((node, k) => node?.[k], schema.definitions);
    const target = parent?.[last];
    if (!target) throw new Error(`${TOKENS_SCHEMA}: definitions/${def} is missing`);
    const kept = Object.fromEntries(Object.entries(target).filter(([k]) => !CONSTRAINTS.includes(k) && k !== "$comment"));
    const constraints = Object.fromEntries(CONSTRAINTS.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
    parent[last] = { ...kept, $comment: `${CONSTRAINTS.join(", ")}: generated from ${name} in ${CONTRACT}`, ...constraints };
  }
  return JSON.stringify(schema, null, 2) + "\n";
}

/**
 * Every generated file and its content, from the contract on disk.
 * @param {string} [root]
 * @returns {Record<string, string>} path relative to `root` -> content
 */
function generate(root = ROOT) {
  const doc = parse(readFileSync(path.join(root, CONTRACT), "utf8"));
  return {
    [GENERATED_TS]: generatedTs(doc),
    [TOKENS_SCHEMA]: tokensSchema(doc, readFileSync(path.join(root, TOKENS_SCHEMA), "utf8")),
  };
}

/**
 * The generated files whose content on disk differs from {@link generate}.
 * @param {string} [root]
 */
function stale(root = ROOT) {
  return Object.entries(generate(root))
    .filter(([file, text]) => {
      try {
        return readFileSync(path.join(root, file), "utf8") !== text;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

module.exports = { generate, stale };

if (require.main === module) {
  try {
    if (process.argv.includes("--check")) {
      const files = stale();
      if (files.length > 0) {
        process.stderr.write(`out of date with ${CONTRACT}: ${files.join(", ")}; run \`npm run build\` (or node scripts/generate-contract.js)\n`);
        process.exitCode = 1;
      }
    } else {
      for (const [file, text] of Object.entries(generate())) {
        mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
        writeFileSync(path.join(ROOT, file), text);
      }
    }
  } catch (err) {
    process.stderr.write(`generate-contract: ${/** @type {Error} */ (err).message}\n`);
    process.exitCode = 1;
  }
}
