/**
 * The stack state the harness persists between operations: a plain JSON file, like a Pulumi
 * checkpoint reduced to what the tests need. Secret values stay wrapped in the secret signature
 * object (a real backend would encrypt them); `stateText` shows what such a backend would hold.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { redactSecrets, type PropertyMap } from "./values";

/** One resource in the state. */
export interface StateResource {
  /** The resource URN, `urn:pulumi:<stack>::<project>::<qualified type>::<name>`. */
  urn: string;
  /** The type token, e.g. `pulumi-nodejs:dynamic:Resource` or `pulumi:pulumi:Stack`. */
  type: string;
  /** True for custom resources (managed by a provider), false for components and the stack. */
  custom: boolean;
  /** Provider-assigned id; "" for components. */
  id: string;
  /** Parent URN, if any. */
  parent?: string;
  /** Checked inputs, exactly as the provider's Check returned them (secrets wrapped, `__provider` included). */
  inputs: PropertyMap;
  /** Outputs (secrets wrapped, `__provider` included). */
  outputs: PropertyMap;
  /** Provider reference `<provider urn>::<provider id>` for custom resources. */
  provider?: string;
  /** URNs this resource depends on. */
  dependencies?: string[];
  /** Output keys the program asked to be kept secret. */
  additionalSecretOutputs?: string[];
  /** Set when the program marked the resource `protect: true` (delete and replace are refused). */
  protect?: boolean;
  /** Set when the program marked the resource `retainOnDelete: true` (dropped from state without Delete). */
  retainOnDelete?: boolean;
  /** True for a resource read with `ReadResource` (`.get`), not managed by the stack. */
  external?: boolean;
  /** Errors of a create or update that partly succeeded; the next run updates the resource. */
  initErrors?: string[];
  /** True for a replaced resource whose deletion has not happened yet (deleted by the next successful up). */
  pendingDelete?: boolean;
}

/** The whole stack state. */
export interface State {
  /** Resources in dependency order (parents before children). */
  resources: StateResource[];
  /** Stack outputs, as registered on the `pulumi:pulumi:Stack` resource (secrets wrapped). */
  outputs: PropertyMap;
}

/** An empty state, as for a new stack. */
export function emptyState(): State {
  return { resources: [], outputs: {} };
}

/**
 * Reads the state at `statePath`; a missing file is an empty stack. Throws an Error naming the
 * file when it is not a valid state document.
 */
export function readState(statePath: string): State {
  let text: string;
  try {
    text = fs.readFileSync(statePath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${statePath}: not JSON (${(err as Error).message}); delete the file to start an empty stack`);
  }
  const s = parsed as Partial<State> | null;
  if (!s || typeof s !== "object" || !Array.isArray(s.resources) || typeof s.outputs !== "object" || s.outputs === null) {
    throw new Error(`${statePath}: expected { resources: [...], outputs: {...} }; delete the file to start an empty stack`);
  }
  return { resources: s.resources, outputs: s.outputs };
}

/** Writes `state` to `statePath` atomically (temporary file + rename), creating the directory. */
export function writeState(statePath: string, state: State): void {
  fs.mkdirSync(path.dirname(path.resolve(statePath)), { recursive: true });
  const tmp = `${statePath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(tmp, statePath);
}

/**
 * The state as a real backend would store it: JSON with every secret's plaintext replaced by
 * `"[secret]"` ciphertext. Accepts a state object or a state file path. Use it to scan state for leaks.
 */
export function stateText(stateOrPath: State | string): string {
  const state = typeof stateOrPath === "string" ? readState(stateOrPath) : stateOrPath;
  return JSON.stringify(redactSecrets(state), null, 2);
}
