/**
 * The Node.js binary that runs the SDK's processes (the program runner and the provider host).
 * Default: the one running the tests. `MARIN_TEST_NODE=/path/to/node` runs them on another
 * version (e.g. Node 22 or 24, what users run) while the tests and sandbox stay on this one.
 */
export function sdkNode(): string {
  return process.env.MARIN_TEST_NODE || process.execPath;
}
