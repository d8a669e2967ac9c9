/**
 * Stack traces off for a synchronous stretch of the program's own work.
 *
 * The SDK captures `new Error().stack` for every promise it makes (runtime/debuggable.ts, only for
 * its report of leaked promises at exit), several per resource property and per log call, and the
 * runner source-maps each frame. For thousands of tokens that dominated preview time and a good
 * part of the program's memory. The work done under this is all of one known place, so its
 * traces say nothing. `Error.stackTraceLimit` is global: only ever set around synchronous code.
 * (The SDK's source positions of resources are unaffected: it raises the limit itself for them.)
 */
export function withoutStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
