/**
 * `pulumi-resource-marin-social`: the native provider plugin's entry point (bin/ runs it with the
 * installed Node). Prints the port for the engine, then serves until the engine stops it.
 *
 * The server runs in a worker thread with explicit heap limits. The engine starts the plugin
 * without Node flags, and Node's own heap sizing (from the machine's memory) lets garbage pile up:
 * about 185 MB peak RSS at 5,000 tokens, against about 115 MB in the worker; the limits are far
 * above what the plugin keeps alive (the old generation's only sets V8's growth policy).
 */
import { fstatSync } from "node:fs";
import * as path from "node:path";
import * as sea from "node:sea";
import { Worker } from "node:worker_threads";

/** The worker's heap limits, in MB. */
export const HEAP_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 };

/** Runs the plugin with the engine's arguments; resolves once the port is printed. */
export function main(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // The single-file plugin (scripts/plugin-pack.js) has no worker.js on disk: it carries the
    // worker's bundle as an asset, and runs it as source.
    const [script, evaluated] = sea.isSea() ? [sea.getAsset("worker.js", "utf8"), true] : [path.join(__dirname, "worker.js"), false];
    const worker = new Worker(script, { eval: evaluated, workerData: { args: [...args] }, resourceLimits: HEAP_LIMITS });
    let serving = false;
    worker.once("message", (port: number) => {
      serving = true;
      process.stdout.write(`${port}\n`);
      resolve();
    });
    worker.once("error", (err) => {
      if (!serving) return reject(err);
      process.stderr.write(`pulumi-resource-marin-social: ${err.stack ?? err}\n`);
      process.exit(1);
    });
    worker.once("exit", (code) => process.exit(code));
    const stop = () => void worker.terminate();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    // An engine killed outright cannot stop its plugins: stop when it is gone. It starts each
    // with a pipe on stdin that it never writes to, so end of file comes the moment it ends;
    // without that pipe (started by hand), a new parent process tells the same.
    if (fstatSync(0).isFIFO()) process.stdin.on("end", stop).on("error", stop).resume();
    const engine = process.ppid;
    setInterval(() => process.ppid !== engine && stop(), 1000).unref();
  });
}
