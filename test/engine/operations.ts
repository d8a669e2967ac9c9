/**
 * The four CLI operations, played by the harness: preview, up, refresh and destroy. Each one
 * starts what it needs (engine gRPC server, the program's runner, the dynamic-provider host) and
 * stops all of it before resolving, whatever happened, within an overall deadline.
 */
import { Deployment, DYNAMIC_PREFIX } from "./deployment";
import { startEngineServer, type EngineServer } from "./engine-server";
import type { Child } from "./processes";
import { resolveSpec, type ResolvedSpec, type StackSpec } from "./project";
import { startProgram } from "./program";
import { startProviderHost, type ProviderHost } from "./provider-host";
import { Limiter } from "./queues";
import { readState, writeState, type State, type StateResource } from "./state";
import type { LogEntry, RefreshChange, RefreshResult, RunResult, Step } from "./types";
import { markSecretKeys, sameValue, type PropertyMap } from "./values";

/** How long a program may keep running after a failed step before it is interrupted (as the CLI cancels it). */
const CANCEL_GRACE_MS = 5000;

/** Starts the provider host on first use, configures it with the stack config, and stops it at the end. */
class HostManager {
  private promise: Promise<ProviderHost> | undefined;
  private host: ProviderHost | undefined;

  constructor(
    private readonly rs: ResolvedSpec,
    private readonly engineAddress: string,
    private readonly onStarted?: (pid: number) => void,
  ) {}

  get(): Promise<ProviderHost> {
    this.promise ??= (async () => {
      const host = await startProviderHost({
        cwd: this.rs.programDir,
        env: this.rs.spec.env,
        project: this.rs.project,
        config: this.rs.config,
        engineAddress: this.engineAddress,
        callTimeoutMs: this.rs.callTimeoutMs,
      });
      this.host = host;
      this.onStarted?.(host.pid);
      await host.configure(this.rs.config, this.rs.secretKeys);
      return host;
    })();
    return this.promise;
  }

  info(): RunResult["providerHost"] {
    return this.host ? { pid: this.host.pid, stderr: this.host.stderr(), calls: [...this.host.calls] } : undefined;
  }

  /** Kills the host now (used on timeout, to fail calls still waiting on it). */
  async kill(): Promise<void> {
    await this.host?.kill("SIGKILL");
  }

  async shutdown(): Promise<void> {
    if (this.promise) await this.promise.catch(() => undefined);
    // The engine closes plugins with SIGINT; the dynamic-provider host has no handler and exits.
    await this.host?.kill("SIGINT");
  }
}

function isDynamic(r: StateResource): boolean {
  return r.custom && r.type.startsWith(DYNAMIC_PREFIX);
}

/** Reads every provider-managed resource of `state` (refresh); returns the refreshed state and the drift. */
async function refreshState(
  state: State,
  getHost: () => Promise<ProviderHost>,
  parallel: number,
  errors: string[],
  logs: LogEntry[],
): Promise<{ state: State; changes: RefreshChange[]; steps: Step[] }> {
  const limiter = new Limiter(parallel);
  const changes: RefreshChange[] = [];
  const steps: Step[] = [];
  const next: Array<StateResource | undefined> = state.resources.map((r) => r);
  await Promise.all(
    state.resources.map((r, i) => {
      if (!isDynamic(r) || r.pendingDelete) return Promise.resolve();
      return limiter.run(async () => {
        try {
          const host = await getHost();
          const res = await host.read(r.id, r.urn, r.outputs, r.inputs);
          if (res.id === "") {
            next[i] = undefined;
            changes.push({ urn: r.urn, diffs: {}, gone: true });
            steps.push({ urn: r.urn, type: r.type, op: "refresh", diffs: [] });
            return;
          }
          const outputs = res.properties;
          markSecretKeys(outputs, r.additionalSecretOutputs ?? []);
          const diffs: Record<string, { old: unknown; new: unknown }> = {};
          for (const k of new Set([...Object.keys(r.outputs), ...Object.keys(outputs)])) {
            if (!sameValue(r.outputs[k], outputs[k])) diffs[k] = { old: r.outputs[k], new: outputs[k] };
          }
          next[i] = { ...r, id: res.id, outputs, inputs: res.inputs ?? r.inputs };
          if (Object.keys(diffs).length) changes.push({ urn: r.urn, diffs, gone: false });
          steps.push({ urn: r.urn, type: r.type, op: "refresh", diffs: Object.keys(diffs).sort() });
        } catch (err) {
          const message = (err as Error).message;
          errors.push(message);
          logs.push({ severity: "error", message, urn: r.urn, streamId: 0, ephemeral: false, source: "engine" });
        }
      });
    }),
  );
  const order = new Map(state.resources.map((r, i) => [r.urn, i] as const));
  changes.sort((a, b) => (order.get(a.urn) ?? 0) - (order.get(b.urn) ?? 0));
  steps.sort((a, b) => (order.get(a.urn) ?? 0) - (order.get(b.urn) ?? 0));
  return { state: { resources: next.filter((r): r is StateResource => !!r), outputs: state.outputs }, changes, steps };
}

interface Session {
  rs: ResolvedSpec;
  hosts: HostManager;
  /** The engine's gRPC server; its address is given to the program and the provider host. */
  server: EngineServer;
  /** What the server's ResourceMonitor/Engine calls go to. */
  target: { deployment?: Deployment };
  program: Child | undefined;
}

/** Runs `body` with an overall deadline and guaranteed cleanup of every process and server. */
async function withSession<T extends RunResult>(
  spec: StackSpec,
  onHostStarted: ((pid: number) => void) | undefined,
  body: (s: Session, deadline: Promise<"timeout">) => Promise<T>,
): Promise<T> {
  const rs = resolveSpec(spec);
  const target: { deployment?: Deployment } = {};
  const server = await startEngineServer(target);
  const session: Session = { rs, hosts: new HostManager(rs, server.address, onHostStarted), server, target, program: undefined };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), rs.timeoutMs);
  });
  let result: T;
  try {
    result = await body(session, deadline);
  } finally {
    if (timer) clearTimeout(timer);
    await session.program?.stop("SIGKILL");
    await session.server.close();
    await session.hosts.shutdown();
  }
  // Taken after the host stopped, so its stderr is complete.
  const info = session.hosts.info();
  if (info) result.providerHost = info;
  return result;
}

function timeoutMessage(rs: ResolvedSpec, what: string): string {
  return `harness: ${what} did not finish within ${rs.timeoutMs} ms (spec.timeoutMs); processes were killed`;
}

async function runProgramOperation(
  spec: StackSpec,
  dryRun: boolean,
  opts: { refresh?: boolean; onProviderHostStarted?: (pid: number) => void },
): Promise<RefreshResult> {
  return withSession(spec, opts.onProviderHostStarted, async (s, deadline) => {
    const { rs } = s;
    let state = readState(spec.statePath);
    const errors: string[] = [];
    const logs: LogEntry[] = [];
    let changes: RefreshChange[] = [];
    let refreshSteps: Step[] = [];
    if (opts.refresh) {
      const r = await Promise.race([refreshState(state, () => s.hosts.get(), rs.parallel, errors, logs), deadline]);
      if (r === "timeout") {
        await s.hosts.kill();
        errors.push(timeoutMessage(rs, "refresh"));
      } else {
        state = r.state;
        changes = r.changes;
        refreshSteps = r.steps;
      }
    }
    let cancelTimer: NodeJS.Timeout | undefined;
    const dep = new Deployment({
      rs,
      dryRun,
      old: state,
      getHost: () => s.hosts.get(),
      onFailure: () => {
        // Like the CLI, a failed step cancels the program (SIGINT, then SIGKILL).
        cancelTimer = setTimeout(() => void s.program?.stop("SIGINT"), CANCEL_GRACE_MS);
      },
    });
    let exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    if (!errors.length) {
      s.target.deployment = dep;
      s.program = startProgram(rs, s.server.address, dryRun);
      const first = await Promise.race([s.program.exited, deadline]);
      if (first === "timeout") {
        await s.program.stop("SIGKILL");
        await s.hosts.kill();
        errors.push(timeoutMessage(rs, dryRun ? "preview" : "up"));
      } else {
        exitStatus = first;
      }
    }
    if (cancelTimer) clearTimeout(cancelTimer);
    const code = exitStatus?.code;
    // A program stopped after a failed step needs no message of its own: the step's error says why.
    if (exitStatus && code !== 0 && !dep.failed) {
      if (code === 32) {
        // The runner's "already reported to the user" exit code.
        if (!errors.length && !dep.errors.length) errors.push("Program exited with code 32 after reporting an error");
      } else {
        errors.push(code === null ? `Program was killed by signal ${exitStatus.signal}` : `Program exited with non-zero exit code: ${code}`);
      }
    }
    const programOk = code === 0 && !dep.errors.length && !errors.length;
    const finished = await Promise.race([dep.finish(programOk).then(() => "done" as const), deadline]);
    if (finished === "timeout" && !errors.some((e) => e.startsWith("harness:"))) {
      await s.hosts.kill();
      errors.push(timeoutMessage(rs, "the deletion phase"));
    }
    const allErrors = [...errors, ...dep.errors];
    const snapshot = dep.snapshot();
    if (!dryRun) writeState(spec.statePath, snapshot);
    const result: RefreshResult = {
      exitCode: allErrors.length === 0 ? 0 : 255,
      programExitCode: s.program ? (exitStatus ? exitStatus.code : null) : undefined,
      programPid: s.program?.pid,
      stdout: s.program?.stdout() ?? "",
      stderr: s.program?.stderr() ?? "",
      logs: [...logs, ...dep.logs],
      registered: dep.registered,
      steps: [...refreshSteps, ...dep.steps],
      stackOutputs: snapshot.outputs,
      errors: allErrors,
      changes,
    };
    return result;
  });
}

/**
 * `pulumi preview`: runs the program with --dry-run; Check and Diff run in the provider host, no
 * Create/Update/Delete. With `refresh: true`, refreshes first (like `preview --refresh`), in memory.
 * The state file is not written.
 */
export async function preview(spec: StackSpec, opts: { refresh?: boolean } = {}): Promise<RefreshResult> {
  return runProgramOperation(spec, true, { refresh: opts.refresh });
}

/**
 * `pulumi up`: runs the program, creates/updates/replaces what it registers, deletes what it no
 * longer registers (only when everything succeeded), and writes the state file (also on failure,
 * with what completed). `onProviderHostStarted` receives the host's pid as soon as it runs.
 */
export async function up(spec: StackSpec, opts: { onProviderHostStarted?: (pid: number) => void } = {}): Promise<RunResult> {
  const r = await runProgramOperation(spec, false, { onProviderHostStarted: opts.onProviderHostStarted });
  const { changes: _changes, ...rest } = r;
  return rest;
}

function emptyResult(state: State): RefreshResult {
  return { exitCode: 0, stdout: "", stderr: "", logs: [], registered: [], steps: [], stackOutputs: state.outputs, errors: [], changes: [] };
}

/**
 * `pulumi refresh`: Read for every resource in the state (no program run); a resource whose Read
 * returns an empty id is dropped. Writes the refreshed state and reports the drift per resource.
 */
export async function refresh(spec: StackSpec): Promise<RefreshResult> {
  return withSession(spec, undefined, async (s, deadline) => {
    const state = readState(spec.statePath);
    const result = emptyResult(state);
    const r = await Promise.race([refreshState(state, () => s.hosts.get(), s.rs.parallel, result.errors, result.logs), deadline]);
    if (r === "timeout") {
      await s.hosts.kill();
      result.errors.push(timeoutMessage(s.rs, "refresh"));
    } else {
      result.changes = r.changes;
      result.steps = r.steps;
      writeState(spec.statePath, r.state);
    }
    result.exitCode = result.errors.length ? 255 : 0;
    return result;
  });
}

/**
 * `pulumi destroy`: Delete for every resource in the state, dependents first (no program run).
 * Stops at the first failure, keeping what was not deleted in the state file.
 */
export async function destroy(spec: StackSpec): Promise<RunResult> {
  return withSession(spec, undefined, async (s, deadline) => {
    const state = readState(spec.statePath);
    const result = emptyResult(state);
    const remaining = [...state.resources];
    const work = (async () => {
      for (const r of [...state.resources].reverse()) {
        try {
          if (r.protect) throw new Error(`resource ${r.urn} is protected; set protect: false before destroying it`);
          if (isDynamic(r) && !r.external && !r.retainOnDelete) {
            const host = await s.hosts.get();
            await host.delete(r.id, r.urn, r.outputs, r.inputs);
          }
          remaining.splice(remaining.indexOf(r), 1);
          if (!r.pendingDelete) result.steps.push({ urn: r.urn, type: r.type, op: "delete" });
        } catch (err) {
          const message = (err as Error).message;
          result.errors.push(message);
          result.logs.push({ severity: "error", message, urn: r.urn, streamId: 0, ephemeral: false, source: "engine" });
          return;
        }
      }
    })();
    if ((await Promise.race([work.then(() => "done" as const), deadline])) === "timeout") {
      await s.hosts.kill();
      result.errors.push(timeoutMessage(s.rs, "destroy"));
    }
    const outputs: PropertyMap = remaining.length ? state.outputs : {};
    writeState(spec.statePath, { resources: remaining, outputs });
    result.stackOutputs = outputs;
    result.exitCode = result.errors.length ? 255 : 0;
    return result;
  });
}
