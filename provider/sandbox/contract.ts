/**
 * The OpenAPI contract (`schemas/marin-social-api.yaml`) loaded once and compiled with ajv
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses). The sandbox validates requests with it and the
 * tests validate responses with it, so server and contract cannot drift.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020";
import { parse as parseYaml } from "yaml";
import { formatIssues, type Issue } from "./issues";
import { compileOperation, type Operation, type ResponseHeaders } from "./operation";

/** Where the contract lives: `<package root>/schemas/marin-social-api.yaml` (from `provider/sandbox` or `dist/sandbox`). */
export const CONTRACT_PATH = path.join(__dirname, "../../schemas/marin-social-api.yaml");

/** The `$id` under which the contract's components are registered with ajv. */
export const CONTRACT_ID = "https://marin-social.example/schemas/marin-social-api.yaml";

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/** A loaded, compiled contract. */
export interface Contract {
  /** Every operation, in file order. */
  readonly operations: readonly Operation[];
  /** The operation for `"METHOD /template"`, e.g. `"GET /v1/accounts/{id}"`. */
  operation(key: string): Operation | undefined;
  /** Validates `value` against `#/components/schemas/<name>`; returns the problems (empty when valid). */
  checkSchema(name: string, value: unknown): Issue[];
  /**
   * Checks a response against the contract: its status must be documented for the operation
   * (exact, then `4XX`/`5XX`, then `default`), and its body must match the documented media type
   * and schema. With `headers`, each header the response documents must match its schema when
   * present (e.g. `RateLimit`). `opKey` null checks a problem response of an unmatched route
   * (body only). Returns readable problems (empty when it conforms).
   */
  responseErrors(opKey: string | null, status: number, contentType: string | undefined, body: unknown, headers?: ResponseHeaders): string[];
}

let cached: Contract | undefined;

/** Loads and compiles the contract at `file` (default {@link CONTRACT_PATH}); cached for the default path. */
export function loadContract(file: string = CONTRACT_PATH): Contract {
  if (file === CONTRACT_PATH && cached) return cached;
  const contract = compileContract(file);
  if (file === CONTRACT_PATH) cached = contract;
  return contract;
}

type Doc = {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; [k: string]: unknown };
};

function compileContract(file: string): Contract {
  let doc: Doc;
  try {
    doc = parseYaml(readFileSync(file, "utf8")) as Doc;
  } catch (err) {
    throw new Error(`cannot load the API contract ${file}: ${(err as Error).message}`);
  }
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, verbose: true, allowUnionTypes: true });
  ajv.addVocabulary(["components", "example", "discriminator", "xml", "externalDocs"]);
  ajv.addFormat("date-time", { type: "string", validate: isDateTime });
  ajv.addSchema({ $id: CONTRACT_ID, components: doc.components ?? {} });

  const resolve = (ref: string): unknown => resolvePointer(doc, ref);
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const raw = item[method];
      if (raw === undefined) continue;
      operations.push(compileOperation(ajv, method.toUpperCase(), template, raw, resolve, absolutize));
    }
  }
  const byKey = new Map(operations.map((op) => [op.key, op]));
  const schemaValidators = new Map<string, ValidateFunction>();
  const schemaValidator = (name: string): ValidateFunction => {
    let v = schemaValidators.get(name);
    if (!v) {
      if (!doc.components?.schemas?.[name]) throw new Error(`the contract has no schema "${name}"`);
      v = ajv.compile({ $ref: `${CONTRACT_ID}#/components/schemas/${name}` });
      schemaValidators.set(name, v);
    }
    return v;
  };

  return {
    operations,
    operation: (key) => byKey.get(key),
    checkSchema(name, value) {
      const v = schemaValidator(name);
      return v(value) ? [] : formatIssues("body", v.errors ?? []);
    },
    responseErrors(opKey, status, contentType, body, headers) {
      if (opKey === null) return problemErrors(schemaValidator(status === 404 ? "RouteNotFoundProblem" : "Problem"), status, contentType, body);
      const op = byKey.get(opKey);
      if (!op) return [`the contract has no operation "${opKey}"`];
      return op.responseErrors(status, contentType, body, headers);
    },
  };
}

function problemErrors(v: ValidateFunction, status: number, contentType: string | undefined, body: unknown): string[] {
  if (!contentType?.startsWith("application/problem+json")) return [`expected application/problem+json, got ${contentType}`];
  if (!v(body)) return formatIssues("body", v.errors ?? []).map((i) => `${i.path || "/"}: ${i.message}`);
  const s = (body as { status?: unknown }).status;
  return s === status ? [] : [`problem status ${String(s)} differs from HTTP status ${status}`];
}

/** Rewrites local `$ref`s (`#/...`) to point into the registered contract, so any fragment compiles alone. */
function absolutize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(absolutize);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#") ? CONTRACT_ID + v : absolutize(v);
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`unsupported $ref "${ref}" in the API contract`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    if (node === undefined) throw new Error(`unresolved $ref "${ref}" in the API contract`);
  }
  return node;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function isDateTime(s: string): boolean {
  return DATE_TIME.test(s) && !Number.isNaN(Date.parse(s));
}
