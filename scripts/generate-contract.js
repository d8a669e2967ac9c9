#!/usr/bin/env node
// @ts-check
/**
 * Generates what the rest of the project takes from the API contract
 * (schemas/marin-social-api.yaml), so that nothing is copied by hand:
 *
 * - provider/generated/contract.ts: the id, length and enum rules as constants, the request
 *   body limits, the list limits of `GET /v1/accounts`, the 404 problem types, the required
 *   members of an Account, and TypeScript types of the API's schemas;
 *   the publishers' account id prefixes and the sandbox's SQL constraint on publishers;
 * - provider/generated/token.ts, from the token definition (schemas/publisher-token.yaml) and
 *   the contract: the declared token, the PublisherToken args of both paths, its outputs and
 *   output properties, and the package schema's PublisherToken resource;
 * - the token's definitions in schemas/tokens.schema.json (its other keywords stay hand-written).
 *
 * `npm run build` runs it before tsc. `node scripts/generate-contract.js --check` writes
 * nothing and exits 1 naming every file that differs from what the sources give, and every
 * file in provider/generated that is not generated (`npm test` runs it before the build).
 */
const { readFileSync, writeFileSync, mkdirSync, readdirSync } = require("node:fs");
const path = require("node:path");
const { parse } = require("yaml");

const ROOT = path.resolve(__dirname, "..");
const CONTRACT = "schemas/marin-social-api.yaml";
const TOKEN = "schemas/publisher-token.yaml";
const GENERATED_DIR = "provider/generated";
const GENERATED_TS = `${GENERATED_DIR}/contract.ts`;
const GENERATED_TOKEN = `${GENERATED_DIR}/token.ts`;
const TOKENS_SCHEMA = "schemas/tokens.schema.json";

/** String rules exported as constants: constant name -> components.schemas name. */
const STRING_RULES = { ACCOUNT_ID: "AccountId", AGENCY_ID: "AgencyId", ACTOR: "Actor", REASON: "Reason", PERSON_REF: "PersonRef" };

/** Schemas exported as TypeScript types (with every schema they reference). */
const TYPES = ["Publisher", "Agency", "TokenState", "Account", "Person", "AccountPage", "AuditEntry", "Problem", "InvalidateRequest", "ReauthorizeRequest"];

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
    const extra =
      s.additionalProperties && typeof s.additionalProperties === "object" ? tsType(s.additionalProperties, `${at}/additionalProperties`, refs) : "unknown";
    lines.push(`[member: string]: ${lines.length === 0 ? extra : "unknown"};`);
  }
  return `{\n${lines.join("\n").replace(/^/gm, "  ")}\n}`;
}

/** @param {string} text */
function oneLine(text) {
  return text
    .trim()
    .replace(/\s*\n\s*/g, " ")
    .replace(/\*\//g, "*\\/");
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

/**
 * The publishers, each with the account id prefix the sandbox's demo seed gives its accounts
 * (`x-publisher-id-prefixes`, beside the schemas: ajv's strict mode refuses unknown keywords in them). Names are checked to be plain words: they go into SQL and code.
 * @param {any} doc
 */
function publishers(doc) {
  const publisher = schemaOf(doc, "Publisher");
  check(Array.isArray(publisher.enum) && publisher.enum.length > 0, "Publisher needs an enum");
  const prefixes = doc["x-publisher-id-prefixes"] ?? {};
  const id = new RegExp(schemaOf(doc, "AccountId").pattern);
  for (const p of publisher.enum) {
    check(typeof p === "string" && /^[a-z][a-z0-9_-]*$/.test(p), `Publisher ${JSON.stringify(p)} must be lower-case letters, digits, "_" or "-"`);
    check(String(publisher.description).includes(p), `Publisher.description must name ${p}`);
    check(typeof prefixes[p] === "string" && id.test(`${prefixes[p]}1`), `x-publisher-id-prefixes needs an account id prefix for ${p}, e.g. ${p.slice(0, 2)}-`);
  }
  check(
    Object.keys(prefixes).every((k) => publisher.enum.includes(k)),
    "x-publisher-id-prefixes names a publisher that is not in its enum",
  );
  const values = Object.values(prefixes);
  check(
    values.every((a, i) => values.every((b, j) => i === j || !b.startsWith(a))),
    "x-publisher-id-prefixes: no prefix may start another",
  );
  return { names: /** @type {string[]} */ (publisher.enum), prefixes: /** @type {Record<string, string>} */ (prefixes) };
}

/** @param {any} doc */
function generatedTs(doc) {
  const publisher = publishers(doc);
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
    `export const PUBLISHERS = ${JSON.stringify(publisher.names)} as const;`,
    "",
    "/** The account id prefix of each publisher (`x-publisher-id-prefixes`): the sandbox's demo seed ids. */",
    `export const PUBLISHER_ID_PREFIXES = ${JSON.stringify(publisher.prefixes, null, 2)} as const;`,
    "",
    "/** The sandbox database's constraint on `accounts.publisher`. */",
    `export const PUBLISHER_SQL_CHECK = ${JSON.stringify(`publisher IN (${publisher.names.map((p) => `'${p}'`).join(", ")})`)};`,
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

/**
 * The token definition (schemas/publisher-token.yaml): its inputs and outputs, each property
 * checked and resolved against the contract.
 * @param {string} root @param {any} doc
 */
function tokenDefinition(root, doc) {
  const def = parse(readFileSync(path.join(root, TOKEN), "utf8"));
  const fail = (/** @type {string} */ m) => new Error(`${TOKEN}: ${m}`);
  if (!def?.inputs || !def?.outputs || typeof def.package !== "string") throw fail("needs package, inputs and outputs");
  for (const [group, props] of Object.entries({ inputs: def.inputs, outputs: def.outputs })) {
    for (const [name, p] of Object.entries(props)) {
      if (typeof p.description !== "string") throw fail(`${group}.${name} needs a description`);
      if (!p.schema === !p.type) throw fail(`${group}.${name} needs either schema (a contract schema) or type`);
      if (p.type && !["string", "boolean", "integer", "array"].includes(p.type))
        throw fail(`${group}.${name}: type ${p.type} is not string, boolean, integer or array`);
      if (p.schema) schemaOf(doc, p.schema);
      if (p.type === "array") schemaOf(doc, p.items);
    }
  }
  return /** @type {{package: string, description: string, inputs: Record<string, any>, outputs: Record<string, any>}} */ (def);
}

/** A property's TypeScript type; `refs` collects the contract types it names. @param {any} p @param {Set<string>} refs */
function propTs(p, refs) {
  const named = (/** @type {string} */ n) => {
    refs.add(n);
    return n;
  };
  const base = p.schema ? named(p.schema) : p.type === "array" ? `${named(p.items)}[]` : p.type === "integer" ? "number" : p.type;
  return p.nullable ? `${base} | null` : base;
}

/** `/** text *\/` above a member. @param {string} text */
const tsDoc = (text) => `  /** ${oneLine(text)} */\n`;

/** The package schema entry of a property. @param {any} doc @param {string} pkg @param {any} p @param {string} description */
function pulumiProperty(doc, pkg, p, description) {
  /** @param {string} name */
  const ref = (name) => {
    const s = schemaOf(doc, name);
    return s.enum || s.type === "object" ? { $ref: `#/types/${pkg}:index:${name}` } : { type: s.type };
  };
  const rule = p.schema ?? (p.type === "array" ? p.items : undefined);
  const s = rule ? schemaOf(doc, rule) : {};
  const limits = [
    s.pattern && `${p.type === "array" ? "each matches" : "pattern"} \`${s.pattern}\``,
    s.maxLength && !s.pattern && `at most ${s.maxLength} characters`,
  ].filter(Boolean);
  const text = limits.length ? `${description.replace(/\.$/, "")}; ${limits.join(", ")}.` : description;
  const type = p.schema ? ref(p.schema) : p.type === "array" ? { type: "array", items: ref(p.items) } : { type: p.type };
  return { ...type, description: text, ...(p.secret ? { secret: true } : {}) };
}

/** provider/generated/token.ts. @param {any} doc @param {ReturnType<typeof tokenDefinition>} def */
function generatedToken(doc, def) {
  const refs = new Set();
  const inputs = Object.entries(def.inputs);
  const outputs = Object.entries(def.outputs);
  const desired = inputs.map(([k, p]) => `${tsDoc(p.description)}  ${k}${p.required ? "" : "?"}: ${propTs(p, refs)};`);
  const args = inputs.map(([k, p]) => {
    const t = p.type === "array" ? `pulumi.Input<pulumi.Input<${propTs({ schema: p.items }, refs)}>[]>` : `pulumi.Input<${propTs(p, refs)}>`;
    return `${tsDoc(p.description)}  ${k}${p.required ? "" : "?"}: ${t};`;
  });
  // An output is always set; an optional input stays optional (`publisher` is the live value).
  const all = [
    ...inputs.map(([k, p]) => [k, { ...p, description: p.output ?? p.description, required: p.required || p.output, optional: !p.required && !p.output }]),
    ...outputs,
  ];
  const outs = all.map(([k, p]) => `${tsDoc(p.description)}  ${k}${p.optional ? "?" : ""}: ${propTs(p, refs)};`);
  const props = all.map(([k, p]) => `${tsDoc(p.description)}  readonly ${k}: pulumi.Output<${propTs(p, refs)}${p.optional ? " | undefined" : ""}>;`);
  const pulumiInputs = Object.fromEntries(
    inputs.map(([k, p]) => [k, { ...pulumiProperty(doc, def.package, p, p.description), ...(p.replaceOnChanges ? { willReplaceOnChanges: true } : {}) }]),
  );
  const resource = {
    description: oneLine(def.description),
    inputProperties: pulumiInputs,
    requiredInputs: inputs.filter(([, p]) => p.required).map(([k]) => k),
    properties: Object.fromEntries(all.map(([k, p]) => [k, pulumiProperty(doc, def.package, p, p.description)])),
    required: all.filter(([, p]) => p.required).map(([k]) => k),
  };
  const list = (/** @type {string[]} */ names) => `[${names.map((n) => JSON.stringify(n)).join(", ")}] as const`;
  return [
    `// Generated by scripts/generate-contract.js from ${TOKEN} and ${CONTRACT}: do not edit.`,
    "// Change the definition and run `npm run build`; `node scripts/generate-contract.js --check` fails while this is stale.",
    "/* eslint-disable */",
    'import type * as pulumi from "@pulumi/pulumi";',
    `import type { ${[...refs].sort().join(", ")} } from "./contract";`,
    "",
    "/** What a user declares for one token: an entry of a declaration file, or a PublisherToken's inputs. */",
    `export interface DesiredToken {\n${desired.join("\n")}\n}`,
    "",
    "/** The arguments of a PublisherToken, on either path (dynamic provider or native plugin). */",
    `export interface PublisherTokenArgs {\n${args.join("\n")}\n}`,
    "",
    "/** What a PublisherToken records in state: its inputs (`valid` and `publisher` as the live values) and its outputs. */",
    `export interface PublisherTokenOutputs {\n${outs.join("\n")}\n}`,
    "",
    "/** The outputs as a PublisherToken resource's properties. */",
    `export interface PublisherTokenProperties {\n${props.join("\n")}\n}`,
    "",
    "/** The input properties a user sets, in definition order. */",
    `export const TOKEN_INPUTS = ${list(inputs.map(([k]) => k))};`,
    "",
    "/** The outputs that are not inputs, in definition order. */",
    `export const TOKEN_OUTPUTS = ${list(outputs.map(([k]) => k))};`,
    "",
    "/** The outputs always stored as secrets. */",
    `export const TOKEN_SECRET_OUTPUTS = ${list(all.filter(([, p]) => p.secret).map(([k]) => k))};`,
    "",
    "/** The PublisherToken resource of the Pulumi package schema. */",
    `export const PUBLISHER_TOKEN_SCHEMA = ${JSON.stringify(resource, null, 2)};`,
    "",
  ].join("\n");
}

/**
 * tokens.schema.json with its token definitions generated: one definition per input (title,
 * description and examples from the token definition, constraints from the contract), and the
 * properties of `token` and `defaults`. The agency rule sits inline in `items`, not behind a
 * `$ref`: ajv then knows the items are strings and checks `uniqueItems` without deep comparison.
 * @param {any} doc @param {ReturnType<typeof tokenDefinition>} def @param {string} current
 */
function tokensSchema(doc, def, current) {
  const schema = JSON.parse(current);
  /** @param {string} name */
  const rule = (name) => {
    const source = schemaOf(doc, name);
    const constraints = Object.fromEntries(CONSTRAINTS.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
    return { $comment: `${CONSTRAINTS.join(", ")}: generated from ${name} in ${CONTRACT}`, ...constraints };
  };
  const inputs = Object.entries(def.inputs);
  /** @type {Record<string, unknown>} */
  const definitions = {};
  for (const [k, p] of inputs) {
    const about = { title: p.title, description: p.about, ...(p.examples ? { examples: p.examples } : {}) };
    if (p.schema) definitions[k] = { ...about, ...rule(p.schema) };
    else if (p.type === "array") {
      const item = schemaOf(doc, p.items).description;
      const items = { description: `${item[0].toUpperCase()}${item.slice(1)} (${p.items} in ${CONTRACT}).`, ...rule(p.items) };
      definitions[k] = { ...about, type: "array", items, ...(p.uniqueItems ? { uniqueItems: true } : {}) };
    } else definitions[k] = { ...about, type: p.type };
  }
  for (const [k, v] of Object.entries(schema.definitions)) if (!(k in def.inputs)) definitions[k] = v;
  // A person entry's `person`: its words hand-written, its rule the contract's PersonRef.
  const person = /** @type {any} */ (definitions.person);
  definitions.person = { ...(person ?? {}), ...rule("PersonRef") };
  const refs = (/** @type {[string, any][]} */ list) => Object.fromEntries(list.map(([k]) => [k, { $ref: `#/definitions/${k}` }]));
  const token = /** @type {any} */ (definitions.token);
  const defaults = /** @type {any} */ (definitions.defaults);
  if (!token || !defaults) throw new Error(`${TOKENS_SCHEMA}: definitions/token and definitions/defaults are needed`);
  token.required = inputs.filter(([, p]) => p.perToken).map(([k]) => k);
  token.properties = refs(inputs);
  defaults.properties = refs(inputs.filter(([, p]) => !p.perToken));
  schema.definitions = definitions;
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * Every generated file and its content, from the contract on disk.
 * @param {string} [root]
 * @returns {Record<string, string>} path relative to `root` -> content
 */
function generate(root = ROOT) {
  const doc = parse(readFileSync(path.join(root, CONTRACT), "utf8"));
  const def = tokenDefinition(root, doc);
  return {
    [GENERATED_TS]: generatedTs(doc),
    [GENERATED_TOKEN]: generatedToken(doc, def),
    [TOKENS_SCHEMA]: tokensSchema(doc, def, readFileSync(path.join(root, TOKENS_SCHEMA), "utf8")),
  };
}

/**
 * The generated files whose content on disk differs from {@link generate}.
 * @param {string} [root]
 */
function stale(root = ROOT) {
  const files = generate(root);
  const changed = Object.entries(files)
    .filter(([file, text]) => {
      try {
        return readFileSync(path.join(root, file), "utf8") !== text;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
  let present = [];
  try {
    present = readdirSync(path.join(root, GENERATED_DIR)).map((f) => `${GENERATED_DIR}/${f}`);
  } catch {
    // not generated yet: every file is missing, as listed above
  }
  return [...changed, ...present.filter((f) => !(f in files)).map((f) => `${f} (not generated: remove it)`)];
}

module.exports = { generate, stale };

if (require.main === module) {
  try {
    if (process.argv.includes("--check")) {
      const files = stale();
      if (files.length > 0) {
        process.stderr.write(`out of date with ${CONTRACT} and ${TOKEN}: ${files.join(", ")}; run \`npm run build\` (or node scripts/generate-contract.js)\n`);
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
