/**
 * Ends the SDK's dynamic-provider host when the engine that started it has gone away. An engine
 * killed outright cannot stop its plugins, and nothing in the SDK's host watches for that; this
 * package is what the host loads of ours (see host.ts), so the watch starts here.
 */
import { fstatSync } from "node:fs";

/** True in the process of the SDK's dynamic-provider host (its `cmd/dynamic-provider` is the main module). */
export function inDynamicProviderHost(main: string | undefined = require.main?.filename): boolean {
  return /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider[\\/]/.test(main ?? "");
}

/**
 * Exits once the engine is gone. The engine starts every plugin with a pipe on stdin that it never
 * writes to, so end of file comes the moment it ends, however it ended; without that pipe (a host
 * started by hand), a new parent process tells the same, checked every second. Nothing is left to
 * finish: a result could only go to the engine.
 */
export function exitWhenEngineGone(): void {
  const gone = () => process.exit(1);
  if (fstatSync(0).isFIFO()) process.stdin.on("end", gone).on("error", gone).resume();
  const engine = process.ppid;
  setInterval(() => process.ppid !== engine && gone(), 1000).unref();
}
