/**
 * Bytes per resource in the stack state: what the file backend stores for each PublisherToken
 * (its serialized `__provider`, inputs and outputs), read from the checkpoint file itself (secrets
 * as stored: encrypted; `pulumi stack export` from the Automation API would show them decrypted).
 */
import { execFile } from "node:child_process";
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

/**
 * The state as `pulumi stack export` prints it (secrets as stored: ciphertext), per resource, and
 * what each PublisherToken entry in it holds (means over the PublisherTokens, compact JSON bytes).
 */
export interface ExportedState {
  /** Bytes of `pulumi stack export`'s output (indented JSON, as the CLI prints it). */
  exportBytes: number;
  /** PublisherTokens in it. */
  resources: number;
  /** {@link exportBytes} ÷ {@link resources}: the row's figure. */
  bytesPerResource: number;
  /** The same deployment as compact JSON ÷ resources (what is left without the CLI's indentation). */
  compactBytesPerResource: number;
  /** Means over the PublisherTokens, compact JSON bytes: what one entry holds. */
  perToken: {
    /** The whole entry. */
    entry: number;
    /** `inputs.__provider` (the serialized provider). */
    inputsProvider: number;
    /** The hidden input `observed` (what the program saw: see provider/token/observation.ts). */
    observed: number;
    /** Every other input. */
    otherInputs: number;
    /** `outputs.__provider` (the SDK stores the provider in the outputs too). */
    outputsProvider: number;
    /** Every other output (the secret fingerprint as ciphertext). */
    otherOutputs: number;
    /** The rest: urn, type, id, provider reference, propertyDependencies, timestamps... */
    rest: number;
  };
}

function bytesOf(v: unknown): number {
  return v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v));
}

/** Runs `pulumi stack export` on the stack (its CLI, workspace and environment); resolves its output. */
export function stackExport(s: PulumiTestStack): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      s.cli.install.pulumi,
      ["stack", "export", "--stack", s.stack.name, "--non-interactive"],
      { cwd: s.stack.workspace.workDir, env: { ...process.env, ...s.env }, maxBuffer: 1024 ** 3 },
      (err, stdout, stderr) => (err ? reject(new Error(`pulumi stack export: ${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** Measures `pulumi stack export`'s output; throws when it holds no PublisherToken. */
export async function exportedState(s: PulumiTestStack): Promise<ExportedState> {
  return exportedStateOf(await stackExport(s));
}

/** {@link exportedState} of an export's text. */
export function exportedStateOf(text: string): ExportedState {
  const deployment = (JSON.parse(text) as { deployment?: { resources?: Array<Record<string, unknown>> } }).deployment ?? {};
  const tokens = (deployment.resources ?? []).filter((r) => r.type === TOKEN_TYPE);
  if (tokens.length === 0) throw new Error(`pulumi stack export: no ${TOKEN_TYPE} resource to measure`);
  const sum = { entry: 0, inputsProvider: 0, observed: 0, otherInputs: 0, outputsProvider: 0, otherOutputs: 0, rest: 0 };
  for (const r of tokens) {
    const { __provider: ip, observed, ...inputs } = (r.inputs ?? {}) as Record<string, unknown>;
    const { __provider: op, ...outputs } = (r.outputs ?? {}) as Record<string, unknown>;
    const entry = bytesOf(r);
    const parts = {
      inputsProvider: bytesOf(ip),
      observed: bytesOf(observed),
      otherInputs: bytesOf(inputs),
      outputsProvider: bytesOf(op),
      otherOutputs: bytesOf(outputs),
    };
    sum.entry += entry;
    for (const [k, v] of Object.entries(parts)) sum[k as keyof typeof parts] += v;
    sum.rest += entry - Object.values(parts).reduce((a, b) => a + b, 0);
  }
  const mean = (v: number): number => Math.round(v / tokens.length);
  const bytes = Buffer.byteLength(text);
  return {
    exportBytes: bytes,
    resources: tokens.length,
    bytesPerResource: bytes / tokens.length,
    compactBytesPerResource: Buffer.byteLength(JSON.stringify(JSON.parse(text))) / tokens.length,
    perToken: {
      entry: mean(sum.entry),
      inputsProvider: mean(sum.inputsProvider),
      observed: mean(sum.observed),
      otherInputs: mean(sum.otherInputs),
      outputsProvider: mean(sum.outputsProvider),
      otherOutputs: mean(sum.otherOutputs),
      rest: mean(sum.rest),
    },
  };
}
