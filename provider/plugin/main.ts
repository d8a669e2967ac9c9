/**
 * `pulumi-resource-marin-social`: the native provider plugin's entry point (bin/ runs it with the
 * installed Node). Prints the port for the engine, then serves until the engine stops it.
 *
 * Run by bin/, the server runs in a worker thread with explicit heap limits. The engine starts the
 * plugin without Node flags, and Node's own heap sizing (from the machine's memory) lets garbage
 * pile up: about 185 MB peak RSS at 5,000 tokens, against about 115 MB in the worker; the limits
 * are far above what the plugin keeps alive (the old generation's only sets V8's growth policy).
 * The single-file plugin (scripts/plugin-pack.js) carries its own Node flags, so it serves in its
 * main thread: one V8 isolate fewer (see plugin-pack.js's EXEC_ARGV for the figures).
 */
import { fstatSync } from "node:fs";
import * as path from "node:path";
import * as sea from "node:sea";
import { Worker } from "node:worker_threads";

/** The worker's heap limits, in MB. */
export const HEAP_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 };

/** Runs the plugin with the engine's arguments; resolves once the port is printed. */
export function main(args: readonly string[]): Promise<void> {
  return sea.isSea() ? serveHere(args) : serveInWorker(args);
}

/** The single-file plugin: serves in this thread (the server is required here, so bin/'s main thread never loads it). */
async function serveHere(args: readonly string[]): Promise<void> {
  const { engineAddress, startPluginServer } = require("./server") as typeof import("./server");
  const server = await startPluginServer(engineAddress([...args]));
  process.stdout.write(`${server.port}\n`);
  untilEngineGone(() => process.exit(0));
}

function serveInWorker(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, "worker.js"), { workerData: { args: [...args] }, resourceLimits: HEAP_LIMITS });
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
    untilEngineGone(() => void worker.terminate());
  });
}

/** Calls `stop` on SIGINT or SIGTERM, or once the engine is gone. */
function untilEngineGone(stop: () => void): void {
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // An engine killed outright cannot stop its plugins: stop when it is gone. It starts each
  // with a pipe on stdin that it never writes to, so end of file comes the moment it ends;
  // without that pipe (started by hand), a new parent process tells the same.
  if (fstatSync(0).isFIFO()) process.stdin.on("end", stop).on("error", stop).resume();
  const engine = process.ppid;
  setInterval(() => process.ppid !== engine && stop(), 1000).unref();
}
