/**
 * The YAML declaration loader: the one loader used by the stack program,
 * `marin-social validate` and `marin-social audit`.
 *
 * Files are read by the `yaml` library alone (YAML_OPTIONS) and follow
 * `schemas/tokens.schema.json`; every problem is reported as
 * `file:line:col: path: message`, and a rejected file yields no tokens.
 */

export { assertValid, DeclarationError } from "./errors";
export { MAX_ALIAS_COUNT, MAX_FILE_BYTES, MAX_MAP_KEYS, MAX_NESTING, MAX_TOKENS, SPLIT_ADVICE } from "./limits";
export { loadDeclarations, parseDeclarations } from "./load";
export { YAML_OPTIONS } from "./parse";
export { formatProblem, type Problem } from "./problem";
export { SCHEMA_PATH } from "./schema";
export { type DeclarationSet, loadDeclarationSet, setOk, setProblems } from "./set";
export type { LoadResult, LocatedPerson, LocatedToken, TokenLocation } from "./types";
