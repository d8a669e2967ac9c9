/**
 * One `pulumi preview|up|refresh|destroy` through the Automation API, with what it produced
 * collected whether it succeeded or failed: the CLI's exit code and output, its engine events, the
 * diagnostics by URN, the steps, and the change summary.
 *
 * ```ts
 * const r = await runOp(s.stack, "up");
 * expect(r.exitCode).toBe(0);
 * expect(diagnosticsOf(r, tokenUrn("fb-1001"))).toEqual(["warning: invalidating ..."]);
 * ```
 */
import type { EngineEvent, OpType, Stack } from "@pulumi/pulumi/automation";

/** The PublisherToken type token. */
export const TOKEN_TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";

/** The URN of PublisherToken `name` (in stack `stack` of `project`; `parentTypes` for one inside a component). */
export function tokenUrn(name: string, o: { project?: string; stack?: string; parentTypes?: string[] } = {}): string {
  const type = [...(o.parentTypes ?? []), TOKEN_TYPE].join("$");
  return `urn:pulumi:${o.stack ?? "dev"}::${o.project ?? "marin-social"}::${type}::${name}`;
}

/** The operations {@link runOp} runs. */
export type Op = "preview" | "up" | "refresh" | "destroy";

/** One diagnostic the engine reported. */
export interface Diagnostic {
  urn?: string;
  severity: string;
  message: string;
}

/** One step (`resourcePreEvent`): what the engine did, or planned, to one resource. */
export interface StepSeen {
  op: OpType;
  urn: string;
  type: string;
}

/** What one operation produced. */
export interface OpRun {
  /** The CLI's exit code: 0 when it succeeded. */
  exitCode: number;
  /** The Automation API's error message when it failed (holds the CLI's stderr), else "". */
  message: string;
  stdout: string;
  stderr: string;
  events: EngineEvent[];
  diagnostics: Diagnostic[];
  /** Error diagnostics' messages, in order. */
  errors: string[];
  steps: StepSeen[];
  /** Resource changes by kind, from the summary event (e.g. `{ create: 7 }`). */
  changes: Record<string, number>;
}

/** Options passed through to the Automation API call (a subset every operation takes). */
export interface RunOpOptions {
  /** `pulumi up --continue-on-error`: a failed step does not stop the steps of resources that do not depend on it. */
  continueOnError?: boolean;
  /** `pulumi preview --refresh`, `pulumi up --refresh`. */
  refresh?: boolean;
  expectNoChanges?: boolean;
  parallel?: number;
  logVerbosity?: number;
  logToStdErr?: boolean;
  logFlow?: boolean;
  debug?: boolean;
  /** `pulumi refresh --run-program`: refresh with the program's current configuration. */
  runProgram?: boolean;
  /** Called with each engine event as it arrives. */
  onEvent?: (e: EngineEvent) => void;
}

/**
 * Runs `op` on `stack` without colour and returns what it produced; never rejects because the
 * operation failed (only when the CLI could not be run at all, it has no exit code).
 */
export async function runOp(stack: Stack, op: Op, o: RunOpOptions = {}): Promise<OpRun> {
  const events: EngineEvent[] = [];
  const { onEvent, ...flags } = o;
  let stdout = "";
  let stderr = "";
  const opts = {
    color: "never" as const,
    ...flags,
    onEvent: (e: EngineEvent) => {
      events.push(e);
      onEvent?.(e);
    },
    onOutput: (text: string) => {
      stdout += text;
    },
    onError: (text: string) => {
      stderr += text;
    },
  };
  let exitCode = 0;
  let message = "";
  try {
    if (op === "preview") await stack.preview(opts);
    else if (op === "up") await stack.up(opts);
    else if (op === "refresh") await stack.refresh(opts);
    else await stack.destroy(opts);
  } catch (err) {
    // The Automation API reports every failed command with code -2; the CLI's own exit code is on the execa error.
    const e = err as Error & { commandResult?: { err?: { exitCode?: number } } };
    const code = e.commandResult?.err?.exitCode;
    if (typeof code !== "number") throw err;
    exitCode = code;
    message = e.message;
  }
  const diagnostics: Diagnostic[] = [];
  const steps: StepSeen[] = [];
  let changes: Record<string, number> = {};
  for (const e of events) {
    const d = e.diagnosticEvent;
    if (d) diagnostics.push({ ...(d.urn ? { urn: d.urn } : {}), severity: d.severity, message: d.message.trim() });
    const m = e.resourcePreEvent?.metadata;
    if (m) steps.push({ op: m.op, urn: m.urn, type: m.type });
    if (e.summaryEvent) changes = { ...e.summaryEvent.resourceChanges } as Record<string, number>;
  }
  const errors = diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
  return { exitCode, message, stdout, stderr, events, diagnostics, errors, steps, changes };
}

/** The diagnostics reported against `urn`, as `severity: message`. */
export function diagnosticsOf(r: OpRun, urn: string): string[] {
  return r.diagnostics.filter((d) => d.urn === urn).map((d) => `${d.severity}: ${d.message}`);
}

/** The ops of the steps on `urn`, in order. */
export function stepsOf(r: OpRun, urn: string): OpType[] {
  return r.steps.filter((s) => s.urn === urn).map((s) => s.op);
}

/** The ops of the steps on PublisherTokens. */
export function tokenSteps(r: OpRun): OpType[] {
  return r.steps.filter((s) => s.type === TOKEN_TYPE).map((s) => s.op);
}

/** A resource of a stack export (`pulumi stack export`), as far as the tests read it. */
export interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  initErrors?: string[];
  [key: string]: unknown;
}

/** `pulumi stack export` (secrets stay encrypted): the deployment's resources. */
export async function exportedResources(stack: Stack): Promise<ExportedResource[]> {
  const d = (await stack.exportStack()).deployment as { resources?: ExportedResource[] };
  return d.resources ?? [];
}

/** The exported PublisherToken resources, by resource name. */
export async function exportedTokens(stack: Stack): Promise<Map<string, ExportedResource>> {
  const out = new Map<string, ExportedResource>();
  for (const r of await exportedResources(stack)) if (r.type === TOKEN_TYPE) out.set(r.urn.split("::").pop()!, r);
  return out;
}
