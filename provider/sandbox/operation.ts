/**
 * One compiled operation of the contract: its request validators (path, query, header
 * parameters and JSON body) and its response checker.
 *
 * The validation is ajv's; only reading the raw parameter strings is ours: ajv's `coerceTypes`
 * takes "0x10" and " 16" as integers and does not split `explode: false` lists.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { ValidateFunction } from "ajv";
import type { Ajv2020 } from "ajv/dist/2020";
import { formatIssues, type Issue, type IssueLocation } from "./issues";

/** A request as it arrives: raw strings, before validation. */
export interface RawRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** A request that passed validation: parameters coerced to their schema types. Header names are lower case. */
export interface ValidRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

/** A compiled operation of the contract. */
export interface Operation {
  /** `"METHOD /template"`, e.g. `"GET /v1/accounts/{id}"`. */
  readonly key: string;
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  readonly tags: readonly string[];
  /** Whether the operation takes a JSON body, and whether it must. */
  readonly body: "none" | "optional" | "required";
  /** Validates and coerces a request; issues say where each problem is. */
  validateRequest(req: RawRequest): { ok: true; value: ValidRequest } | { ok: false; issues: Issue[] };
  /**
   * Checks a response against the documented responses; returns the problems (empty when it
   * conforms). With `headers` (names in any case), each header the matched response documents
   * must, when present, match its schema (integers compared as numbers).
   */
  responseErrors(status: number, contentType: string | undefined, body: unknown, headers?: ResponseHeaders): string[];
}

/** Response headers as node:http and undici give them. */
export type ResponseHeaders = Record<string, string | string[] | number | undefined>;

/** A documented response header: its compiled schema and the type its string value is read as. */
interface HeaderCheck {
  name: string;
  validate: ValidateFunction;
  type: unknown;
}

/** Compiled header schemas by header object (shared `components/headers` compile once). */
const headerChecks = new WeakMap<object, HeaderCheck>();

type Json = Record<string, unknown>;
type Resolve = (ref: string) => unknown;
type Param = { name: string; in: IssueLocation; required?: boolean; style?: string; explode?: boolean; schema?: Json };

/** Compiles the operation `method template` from its raw OpenAPI object. */
export function compileOperation(
  ajv: Ajv2020,
  method: string,
  template: string,
  raw: unknown,
  resolve: Resolve,
  absolutize: (s: unknown) => unknown,
): Operation {
  const deref: Deref = (node) => derefNode(resolve, node);
  const op = raw as Json;
  const key = `${method} ${template}`;
  const groups = groupParams(((op.parameters as unknown[]) ?? []).map((p) => deref<Param>(p)));
  const paramValidators = compileParamValidators(ajv, groups, absolutize);
  const rb = op.requestBody ? deref<Json>(op.requestBody) : undefined;
  const bodySchema = (rb?.content as Json | undefined)?.["application/json"] as Json | undefined;
  const bodyValidator = bodySchema ? ajv.compile(absolutize(bodySchema.schema) as Json) : undefined;
  const { responses, responseHeaders } = compileResponses(ajv, (op.responses as Json) ?? {}, deref, absolutize);
  const compiled: Compiled = { key, deref, groups, paramValidators, bodyValidator, bodyRequired: Boolean(rb?.required), responses, responseHeaders };
  return {
    key,
    method,
    template,
    operationId: String(op.operationId ?? key),
    tags: (op.tags as string[]) ?? [],
    body: !bodyValidator ? "none" : rb?.required ? "required" : "optional",
    validateRequest: (req) => validateRequest(compiled, req),
    responseErrors: (status, contentType, body, headers) => responseErrors(compiled, status, contentType, body, headers),
  };
}

type Deref = <T>(node: unknown) => T;

/** The compiled parts of an operation that its request and response checks read. */
interface Compiled {
  key: string;
  deref: Deref;
  /** The operation's parameters by location, in contract order. */
  groups: Map<IssueLocation, Param[]>;
  /** One object schema per location that has parameters. */
  paramValidators: Map<IssueLocation, ValidateFunction>;
  /** Undefined when the operation takes no JSON body. */
  bodyValidator: ValidateFunction | undefined;
  bodyRequired: boolean;
  /** Media type validators by documented status; null when the response documents no body. */
  responses: Map<string, Map<string, ValidateFunction> | null>;
  responseHeaders: Map<string, HeaderCheck[]>;
}

/** Follows `$ref`s until `node` is not a reference. */
function derefNode<T>(resolve: Resolve, node: unknown): T {
  let n = node as Json;
  while (n && typeof n.$ref === "string") n = resolve(n.$ref) as Json;
  return n as T;
}

function groupParams(params: Param[]): Map<IssueLocation, Param[]> {
  const groups = new Map<IssueLocation, Param[]>();
  for (const p of params) groups.set(p.in, [...(groups.get(p.in) ?? []), p]);
  return groups;
}

/** One object schema per parameter location; only headers allow names the contract does not list. */
function compileParamValidators(ajv: Ajv2020, groups: Map<IssueLocation, Param[]>, absolutize: (s: unknown) => unknown): Map<IssueLocation, ValidateFunction> {
  const paramValidators = new Map<IssueLocation, ValidateFunction>();
  for (const [loc, list] of groups) {
    const properties: Json = {};
    for (const p of list) properties[headerName(loc, p.name)] = absolutize(p.schema ?? {});
    const required = list.filter((p) => p.required).map((p) => headerName(loc, p.name));
    paramValidators.set(loc, ajv.compile({ type: "object", properties, required, additionalProperties: loc === "header" }));
  }
  return paramValidators;
}

function compileResponses(ajv: Ajv2020, documented: Json, deref: Deref, absolutize: (s: unknown) => unknown): Pick<Compiled, "responses" | "responseHeaders"> {
  const responses = new Map<string, Map<string, ValidateFunction> | null>();
  const responseHeaders = new Map<string, HeaderCheck[]>();
  for (const [status, r] of Object.entries(documented)) {
    const response = deref<Json>(r);
    responseHeaders.set(status, compileHeaderChecks(ajv, (response.headers as Json | undefined) ?? {}, deref, absolutize));
    const content = response.content as Json | undefined;
    if (!content) {
      responses.set(status, null);
      continue;
    }
    const media = new Map<string, ValidateFunction>();
    for (const [type, m] of Object.entries(content)) media.set(type, ajv.compile(absolutize((m as Json).schema) as Json));
    responses.set(status, media);
  }
  return { responses, responseHeaders };
}

function compileHeaderChecks(ajv: Ajv2020, headers: Json, deref: Deref, absolutize: (s: unknown) => unknown): HeaderCheck[] {
  const checks: HeaderCheck[] = [];
  for (const [name, h] of Object.entries(headers)) {
    const header = deref<Json>(h);
    let check = headerChecks.get(header);
    if (!check) {
      const schema = deref<Json>(header.schema ?? {});
      check = { name, validate: ajv.compile(absolutize(schema) as Json), type: schema.type };
      headerChecks.set(header, check);
    }
    checks.push({ ...check, name });
  }
  return checks;
}

function validateRequest(c: Compiled, req: RawRequest): { ok: true; value: ValidRequest } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const value: ValidRequest = { params: {}, query: {}, headers: {}, body: req.body };
  const check = (loc: IssueLocation, obj: Json): void => {
    const v = c.paramValidators.get(loc);
    if (!v) {
      for (const name of Object.keys(obj)) issues.push({ in: loc, path: name, message: `unknown ${loc} parameter` });
      return;
    }
    if (!v(obj)) issues.push(...formatIssues(loc, v.errors ?? []));
  };
  for (const p of c.groups.get("path") ?? []) {
    const rawValue = req.params[p.name];
    if (rawValue !== undefined) value.params[p.name] = coerceParam(c, rawValue, p);
  }
  check("path", value.params);
  const byName = c.groups.get("query") ?? [];
  for (const name of new Set(req.query.keys())) {
    const all = req.query.getAll(name);
    const p = byName.find((q) => q.name === name);
    if (all.length > 1) issues.push({ in: "query", path: name, message: "is given more than once; give it once" });
    value.query[name] = p ? coerceParam(c, all[0] ?? "", p) : all[0];
  }
  check("query", value.query);
  for (const p of c.groups.get("header") ?? []) {
    const h = req.headers[p.name.toLowerCase()];
    if (h !== undefined) value.headers[p.name.toLowerCase()] = Array.isArray(h) ? h.join(", ") : h;
  }
  if (c.groups.has("header")) check("header", value.headers);
  if (c.bodyValidator) {
    if (req.body === undefined) {
      if (c.bodyRequired) issues.push({ in: "body", path: "", message: "a JSON body is required" });
    } else if (!c.bodyValidator(req.body)) {
      issues.push(...formatIssues("body", c.bodyValidator.errors ?? []));
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, value };
}

function coerceParam(c: Compiled, raw: string, p: Param): unknown {
  const schema = c.deref<Json>(p.schema ?? {});
  return coerce(raw, p, schema, c.deref<Json>(schema.items ?? {}));
}

function responseErrors(c: Compiled, status: number, contentType: string | undefined, body: unknown, headers?: ResponseHeaders): string[] {
  const { key, responses } = c;
  const cls = `${Math.floor(status / 100)}XX`;
  const documented = responses.has(String(status)) ? String(status) : responses.has(cls) ? cls : "default";
  const media = responses.get(documented);
  if (media === undefined) return [`${key}: status ${status} is not documented`];
  const bad = headers ? headerErrors(c, documented, status, headers) : [];
  if (bad.length) return bad;
  const empty = body === undefined || body === "" || body === null;
  if (media === null) return empty ? [] : [`${key}: status ${status} documents no body, got one`];
  const type = (contentType ?? "").split(";")[0]?.trim() ?? "";
  const v = media.get(type);
  if (!v) return [`${key}: status ${status} documents ${[...media.keys()].join(", ")}, got "${type}"`];
  if (!v(body)) {
    return formatIssues("body", v.errors ?? []).map((i) => `${key} ${status}: ${i.path || "/"} ${i.message}`);
  }
  if (type === "application/problem+json" && (body as Json).status !== status) {
    return [`${key}: problem status ${String((body as Json).status)} differs from HTTP status ${status}`];
  }
  return [];
}

/** Problems with the documented headers of the response `documented` that `headers` carries. */
function headerErrors(c: Compiled, documented: string, status: number, headers: ResponseHeaders): string[] {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const out: string[] = [];
  for (const check of c.responseHeaders.get(documented) ?? []) {
    const raw = lower.get(check.name.toLowerCase());
    if (raw === undefined) continue;
    const text = Array.isArray(raw) ? raw.join(", ") : String(raw);
    const value = coerceScalar(text, check.type);
    if (!check.validate(value)) {
      const why = (check.validate.errors ?? []).map((e) => e.message).join("; ");
      out.push(`${c.key} ${status}: header ${check.name} ${JSON.stringify(text)} ${why}`);
    }
  }
  return out;
}

function headerName(loc: IssueLocation, name: string): string {
  return loc === "header" ? name.toLowerCase() : name;
}

/** Converts a raw parameter string to its schema's type; leaves it a string when it does not parse, so validation reports it. */
function coerce(raw: string, p: Param, schema: Json, items: Json): unknown {
  const type = schema.type;
  if (type === "array") {
    const parts = p.explode === false || p.in === "path" ? raw.split(",") : [raw];
    return parts.map((s) => coerceScalar(s, items.type));
  }
  return coerceScalar(raw, type);
}

function coerceScalar(raw: string, type: unknown): unknown {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}
