/**
 * The limits of the declaration loader. A file over any of them is rejected
 * with a problem that names the limit.
 */

/** Largest declaration file read, in bytes (1 MiB). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Most tokens one file may declare. */
export const MAX_TOKENS = 50_000;

/**
 * yaml's `maxAliasCount` ("billion laughs" alias bombs): an anchor's uses
 * (the anchor itself and each alias to it so far) times the aliases nested
 * inside it may not exceed this. Also the most aliases (`*name`) one file may
 * hold, which keeps yaml's alias resolution (a scan per alias) cheap.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * Deepest nesting, as the depth of yaml's CST parser stack (the document,
 * each open list or map, the scalar being read): a declaration file needs 6.
 * Deeper input makes yaml's composer recurse until the stack overflows, after
 * seconds and gigabytes for a 1 MiB file of `[`.
 */
export const MAX_NESTING = 64;

/**
 * Most keys in one map: a declaration map has at most 5. yaml's duplicate-key
 * check (`uniqueKeys`) compares each key with every earlier one, so a 1 MiB
 * map of short keys would take minutes.
 */
export const MAX_MAP_KEYS = 100;

/**
 * How to get past a per-file limit, for its refusal: the stack program, `validate` and `audit`
 * read several files, and a stack above the supported size is split across stacks.
 */
export const SPLIT_ADVICE =
  "split the tokens across several files: the stack program reads a list (`pulumi config set --path 'marin-social:declarations[0]' part-1.yaml`, " +
  "`--path 'marin-social:declarations[1]' part-2.yaml`) or a folder (`pulumi config set marin-social:declarations tokens/`), " +
  "and `marin-social validate` and `audit` take the same files; above the supported stack size, also across stacks (docs/performance.md#stack-size)";
