/**
 * Bytes per resource in the stack state: what the file backend stores for each PublisherToken
 * (its serialized `__provider`, inputs and outputs), read from the checkpoint file itself (secrets
 * as stored: encrypted; `pulumi stack export` from the Automation API would show them decrypted).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { PulumiTestStack } from "../test/support/pulumi-env";

/** The type token of the resources measured. */
export const TOKEN_TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

/** Sizes of the PublisherToken resources of one stack's state. */
export interface StateSize {
  resources: number;
  /**
   * Mean bytes per resource: its whole state entry as compact JSON (urn, type,
   * id, inputs and outputs with `__provider` in both, as the engine stores it).
   */
  meanBytes: number;
  /** The largest resource, bytes. */
  maxBytes: number;
  /**
   * The measure, largest over the resources: the serialized provider plus the outputs
   * (compact JSON, the provider counted once). The whole entry above also holds the inputs and a
   * second copy of the provider, which the SDK stores in both.
   */
  providerPlusOutputsBytes: number;
  /** The serialized provider alone, bytes (the same text for every resource). */
  providerBytes: number;
  /** The whole checkpoint's deployment as compact JSON, divided by the resource count. */
  fileBytesPerResource: number;
}

interface StateResource {
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The checkpoint file of the stack in its file backend. */
function checkpointFile(s: PulumiTestStack): string {
  const stacks = path.join(s.cli.backendDir, ".pulumi", "stacks");
  for (const project of existsSync(stacks) ? readdirSync(stacks) : []) {
    const file = path.join(stacks, project, `${s.stack.name}.json`);
    if (existsSync(file)) return file;
  }
  throw new Error(`no checkpoint of stack ${s.stack.name} under ${stacks}`);
}

/** Measures the stack's state; throws when it holds no PublisherToken. */
export function stateSize(s: PulumiTestStack): StateSize {
  const file = checkpointFile(s);
  const state = (JSON.parse(readFileSync(file, "utf8")) as { checkpoint: { latest?: { resources?: StateResource[] } } }).checkpoint.latest ?? {};
  const tokens = (state.resources ?? []).filter((r) => r.type === TOKEN_TYPE);
  if (tokens.length === 0) throw new Error(`${file}: no ${TOKEN_TYPE} resource to measure`);
  const sizes = tokens.map((r) => Buffer.byteLength(JSON.stringify(r)));
  const provider = tokens[0]!.outputs.__provider ?? tokens[0]!.inputs.__provider;
  const providerPlusOutputs = tokens.map((r) => {
    const { __provider, ...outputs } = r.outputs;
    return (typeof __provider === "string" ? Buffer.byteLength(__provider) : 0) + Buffer.byteLength(JSON.stringify(outputs));
  });
  return {
    resources: tokens.length,
    providerPlusOutputsBytes: Math.max(...providerPlusOutputs),
    meanBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length,
    maxBytes: Math.max(...sizes),
    providerBytes: typeof provider === "string" ? Buffer.byteLength(provider) : 0,
    fileBytesPerResource: Buffer.byteLength(JSON.stringify(state)) / tokens.length,
  };
}
