/**
 * Result shapes shared by the harness operations.
 */
import type { CallEvent } from "./provider-host";
import type { PropertyMap } from "./values";

/** One diagnostic: from the program (Engine.Log) or from the engine itself (step failures). */
export interface LogEntry {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  /** The resource the message is about, "" for the stack as a whole. */
  urn: string;
  streamId: number;
  ephemeral: boolean;
  source: "program" | "engine";
}

/** What the engine did (or, in a preview, would do) to one resource. */
export type StepOp = "create" | "update" | "same" | "replace" | "delete" | "read" | "refresh";

/** One step. */
export interface Step {
  urn: string;
  type: string;
  op: StepOp;
  /** Changed top-level input keys for update/replace; changed output keys for refresh. */
  diffs?: string[];
}

/** One resource the program registered, with what the engine answered. */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  /** The id returned to the program ("" in a preview create, and for components). */
  id: string;
  /** The inputs as the program sent them (secrets wrapped, `__provider` included). */
  inputs: PropertyMap;
  /** The outputs returned to the program (component outputs: as registered with registerOutputs). */
  outputs: PropertyMap;
}

/** Output drift found by a refresh for one resource. */
export interface RefreshChange {
  urn: string;
  /** Changed output keys: old and new values (secrets stay wrapped). Empty when `gone`. */
  diffs: Record<string, { old: unknown; new: unknown }>;
  /** True when the provider reported the resource no longer exists (it was dropped from the state). */
  gone: boolean;
}

/** The outcome of one operation. */
export interface RunResult {
  /** 0 on success, 255 on any failure (as the pulumi CLI); see programExitCode and errors. */
  exitCode: number;
  /** The runner process's own exit code (null when it was killed, undefined when no program ran). */
  programExitCode?: number | null;
  /** Process id of the program runner (undefined when no program ran). */
  programPid?: number;
  stdout: string;
  stderr: string;
  /** Engine.Log messages from the program and engine diagnostics, in arrival order. */
  logs: LogEntry[];
  registered: Registration[];
  steps: Step[];
  /** The stack outputs after the operation (secrets wrapped). */
  stackOutputs: PropertyMap;
  /** The dynamic-provider host, when one was started: its pid, stderr and every gRPC call made to it. */
  providerHost?: { pid: number; stderr: string; calls: CallEvent[] };
  /** Error messages, as the CLI prints them after "error: ". Empty on success. */
  errors: string[];
}

/** A RunResult from refresh (or preview with refresh: true). */
export interface RefreshResult extends RunResult {
  changes: RefreshChange[];
}
