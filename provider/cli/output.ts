/**
 * The CLI's standard output and error under pipes. A reader that goes away early
 * (`marin-social validate --json FILE | head -c 100`) is not an error: the write fails with
 * EPIPE, which would otherwise be an unhandled 'error' event and a stack trace. Once a stream's
 * reader is gone, whatever is still written to it is dropped, and the command finishes and exits
 * with the code it would have had.
 */

/** Writes `text` to stdout; dropped once stdout's reader is gone. */
export function out(text: string): void {
  if (!process.stdout.destroyed) process.stdout.write(text);
}

/** Writes `text` to stderr; dropped once stderr's reader is gone. */
export function err(text: string): void {
  if (!process.stderr.destroyed) process.stderr.write(text);
}

let guarded = false;

/**
 * Makes a closed stdout or stderr quiet (EPIPE, or the stream destroyed under a write). Any other
 * write error is reported once on stderr, and the process exits 1. Idempotent.
 */
export function guardPipes(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
      if (stream !== process.stderr) err(`marin-social: cannot write to standard output: ${e.message}\n`);
      process.exitCode = 1;
    });
  }
}

/** An error as `--json` output carries it: a stable `code` (the client's, e.g. `unauthorized`, else `error`) and the message. */
export function errorInfo(e: unknown): { code: string; message: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return { code: typeof code === "string" ? code : "error", message: e instanceof Error ? e.message : String(e) };
}
