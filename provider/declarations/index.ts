/**
 * The YAML declaration loader: the one loader used by the stack program,
 * `marin-social validate` and `marin-social audit`.
 *
 * Files are read by the `yaml` library alone (YAML_OPTIONS) and follow
 * `schemas/tokens.schema.json`; every problem is reported as
 * `file:line:col: path: message`, and a rejected file yields no tokens.
 */
export { parseDeclarations, loadDeclarations } from "./load";
export { DeclarationError, assertValid } from "./errors";
export { formatProblem, type Problem } from "./problem";
export { MAX_FILE_BYTES, MAX_TOKENS, MAX_ALIAS_COUNT, MAX_NESTING, MAX_MAP_KEYS } from "./limits";
export { YAML_OPTIONS } from "./parse";
export { SCHEMA_PATH } from "./schema";
export type { LoadResult, LocatedToken, TokenLocation } from "./types";
