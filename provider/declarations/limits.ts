/**
 * The limits of the declaration loader. A file over any of them is rejected
 * with a problem that names the limit.
 */

/** Largest declaration file read, in bytes (1 MiB). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Most tokens one file may declare. */
export const MAX_TOKENS = 50_000;

/**
 * Most alias expansions (`*name`) in one file, counting an alias inside an
 * expanded anchor each time it is expanded: caps "billion laughs" alias bombs
 * (the role of yaml's `maxAliasCount`).
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * Deepest nesting of lists and maps (an upper bound, counted while lexing):
 * a declaration file needs 4; deeper input would make the YAML parser
 * recurse until the stack overflows.
 */
export const MAX_NESTING = 64;
