/**
 * Peak resident memory of a process, read from Linux's /proc/<pid>/status
 * (`VmHWM`, the high-water mark of the resident set) while it runs.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Reads VmHWM of `pid` in bytes, or undefined when the process is gone or /proc is unavailable. */
export function readPeakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls the peak RSS of processes until stopped. VmHWM only grows, so the last
 * reading before a process exits is its peak (up to the poll interval's last
 * few milliseconds, when it is shutting down anyway).
 */
export class PeakRssMonitor {
  private readonly peaks = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * `findPids` is called on every poll, for processes found by scanning
   * (e.g. {@link descendantsMatching}); pids given to {@link watch} are polled too.
   */
  constructor(
    private readonly intervalMs = 50,
    private readonly findPids: () => number[] = () => [],
  ) {}

  /** Starts polling (idempotent). */
  start(): this {
    if (!this.timer) {
      this.poll();
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  /** Adds a process to poll, e.g. from `onProviderHostStarted`. */
  watch(pid: number): void {
    if (!this.peaks.has(pid)) this.peaks.set(pid, 0);
    this.poll();
  }

  /** Stops polling; returns the highest peak seen across the processes (0 when none was read). */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peak;
  }

  /** Highest peak seen so far, bytes. */
  get peak(): number {
    return Math.max(0, ...this.peaks.values());
  }

  private poll(): void {
    for (const pid of this.findPids()) if (!this.peaks.has(pid)) this.peaks.set(pid, 0);
    for (const [pid, seen] of this.peaks) {
      const now = readPeakRss(pid);
      if (now !== undefined && now > seen) this.peaks.set(pid, now);
    }
  }
}

/**
 * Pids of the processes below `root` (children, grandchildren, ...) whose command line contains
 * `needle` (e.g. `cmd/dynamic-provider`: the SDK's host, which the pulumi CLI starts). Empty
 * where /proc is unavailable.
 */
export function descendantsMatching(root: number, needle: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    queue.push(...(children.get(pid) ?? []));
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle)) out.push(pid);
    } catch {
      // Ended meanwhile.
    }
  }
  return out;
}
