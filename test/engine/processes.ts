/**
 * Child processes of the harness (the program runner and the dynamic-provider host): spawned with
 * a scrubbed environment, output collected, exit awaited, and killed when this process exits so
 * that nothing outlives a test run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

/** How a child process ended. */
export interface ExitStatus {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** The signal that killed it, or null. */
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** Variables the Pulumi CLI sets itself; inherited copies would leak one run into another. */
const ENGINE_OWNED = /^(PULUMI_NODEJS_|PULUMI_CONFIG$|PULUMI_CONFIG_SECRET_KEYS$|PULUMI_PROJECT$|PULUMI_STACK$|PULUMI_ORGANIZATION$|PULUMI_DRY_RUN$)/;

/** This process's environment without the variables the engine owns, plus `extra` (later wins). */
export function childEnv(...extra: Array<Record<string, string | undefined> | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!ENGINE_OWNED.test(k)) env[k] = v;
  }
  for (const e of extra) {
    for (const [k, v] of Object.entries(e ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
  }
  return env;
}

/** Preload that ends a child once its parent is gone (see parent-watchdog.cjs). */
const WATCHDOG = path.join(__dirname, "parent-watchdog.cjs");

function withWatchdog(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const preload = `--require ${JSON.stringify(WATCHDOG)}`;
  return { ...env, NODE_OPTIONS: env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${preload}` : preload };
}

/**
 * A spawned Node.js child with its output collected. It runs with a preload that exits it when
 * this process dies (a test worker killed mid-operation leaves no orphan).
 */
export class Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has exited and its output streams have closed. */
  readonly exited: Promise<ExitStatus>;
  private out = "";
  private err = "";
  private status: ExitStatus | undefined;
  private readonly stdoutListeners: Array<(chunk: string) => void> = [];

  constructor(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
    installExitHook();
    const child = spawn(command, args, { cwd: opts.cwd, env: withWatchdog(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    this.process = child;
    if (child.pid === undefined) {
      // spawn failures surface through 'error'; give callers a clear message.
      throw new Error(`could not start ${command} ${args.join(" ")} in ${opts.cwd}`);
    }
    this.pid = child.pid;
    live.add(child);
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      this.out += chunk;
      for (const l of this.stdoutListeners) l(chunk);
    });
    child.stderr?.on("data", (chunk: string) => {
      this.err += chunk;
    });
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.on("error", (e) => {
        this.err += `\n[harness] ${e.message}\n`;
      });
      child.on("close", (code, signal) => {
        live.delete(child);
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  /** Everything written to stdout so far. */
  stdout(): string {
    return this.out;
  }

  /** Everything written to stderr so far. */
  stderr(): string {
    return this.err;
  }

  /** Calls `listener` with each later stdout chunk. */
  onStdout(listener: (chunk: string) => void): void {
    this.stdoutListeners.push(listener);
  }

  /** The exit status, or undefined while running. */
  exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /**
   * Stops the process: sends `signal`, and SIGKILL if it is still running after `graceMs`.
   * Resolves when it has exited (immediately if it already had).
   */
  async stop(signal: NodeJS.Signals = "SIGINT", graceMs = 3000): Promise<ExitStatus> {
    if (this.status) return this.status;
    try {
      this.process.kill(signal);
    } catch {
      // raced with exit
    }
    const timer = setTimeout(() => {
      try {
        this.process.kill("SIGKILL");
      } catch {
        // raced with exit
      }
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** True when a process with this pid exists (and is not a zombie we own). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
