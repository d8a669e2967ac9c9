/**
 * Engine-protocol test harness: plays the Pulumi engine so tests can run `pulumi preview`, `up`,
 * `refresh` and `destroy` without the pulumi CLI, with the real SDK processes (the program through
 * `@pulumi/pulumi/cmd/run`, dynamic resources through `@pulumi/pulumi/cmd/dynamic-provider`).
 * See README.md in this folder for what is reproduced and what is simplified.
 */
export { preview, up, refresh, destroy } from "./operations";
export { startProviderHost, ProviderHost } from "./provider-host";
export type { ProviderHostOptions, CheckFailure, ProviderCallError, CallEvent } from "./provider-host";
export { readState, writeState, stateText, emptyState } from "./state";
export type { State, StateResource } from "./state";
export type { StackSpec } from "./project";
export type { RunResult, RefreshResult, RefreshChange, LogEntry, Step, StepOp, Registration } from "./types";
export { formatDiagnostics } from "./diagnostics";
export { isProcessAlive } from "./processes";
export { SIG_KEY, SECRET_SIG, UNKNOWN, isSecret, makeSecret, removeSecrets, redactSecrets } from "./values";
export type { PropertyMap } from "./values";
