/**
 * The declaration schema (`schemas/tokens.schema.json`) and its validator.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

/**
 * The absolute path of `schemas/tokens.schema.json`: two levels above this
 * file, which holds both from `provider/declarations/` (tests) and from
 * `dist/declarations/` (the built package).
 */
export const SCHEMA_PATH = path.resolve(__dirname, "..", "..", "schemas", "tokens.schema.json");

let compiled: ValidateFunction | undefined;
let schema: Record<string, unknown> | undefined;

/** The schema as parsed JSON (read once). */
export function tokensSchema(): Record<string, unknown> {
  schema ??= JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Record<string, unknown>;
  return schema;
}

/**
 * Validates data against the schema, reporting every error (`allErrors`).
 * The validator is compiled on first use and reused.
 */
export function validateSchema(data: unknown): ErrorObject[] {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strictTypes: false });
    compiled = ajv.compile(tokensSchema());
  }
  return compiled(data) ? [] : [...(compiled.errors ?? [])];
}
