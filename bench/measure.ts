/**
 * Runs one operation of the real `pulumi` CLI (Automation API) on a workload's stack and
 * measures it: wall time, HTTP requests and 429s (sandbox stats, reset first), the API span, the
 * engine's steps, and the dynamic-provider host's peak RSS.
 */
import dc from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { PulumiTestStack } from "../test/support/pulumi-env";
import { LATENCY_MS, RATE_LIMIT_PER_SECOND } from "./floors";
import { descendantsMatching, PeakRssMonitor } from "./host-memory";
import { TOKEN_TYPE } from "./state-size";
import type { Workload } from "./workload";

/** The engine operations the benchmark runs. */
export type EngineOp = "preview" | "up" | "refresh";

/** What one operation cost. */
export interface Measurement {
  wallMs: number;
  /** `/v1` requests the sandbox answered, 429s included. */
  requests: number;
  /** 429 responses among them. */
  rateLimited: number;
  /** Requests per route template and status, e.g. `{ "GET /v1/accounts": { "200": 10 } }`. */
  byRoute: Record<string, Record<string, number>>;
  /**
   * From the first `/v1` request the sandbox received to its last response, ms:
   * the API phase, without the CLI's, the program's and the engine's own start-up and
   * per-resource work (0 when no request was made).
   */
  apiSpanMs: number;
  /** From the start of the operation to the first `/v1` request, ms (undefined when none). */
  firstRequestMs?: number;
  /** Peak RSS of the dynamic-provider host, bytes (0 when it could not be read). */
  hostPeakRssBytes: number;
  /**
   * Peak RSS of the program process (the SDK's runner, `@pulumi/pulumi/cmd/run`, running
   * dist/program.js), bytes; 0 when it could not be read or no program ran (refresh).
   */
  programPeakRssBytes: number;
  /** The engine's steps on PublisherTokens by kind, e.g. `{ create: 100 }`. */
  steps: Record<string, number>;
  /** The operation's error messages (empty on success), the first few only. */
  errors: string[];
  /** Error messages in all. */
  errorCount: number;
}

interface Stats {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
}

/** The command line of the SDK's dynamic-provider host, which the CLI starts (via pulumi-resource-pulumi-nodejs). */
const HOST_COMMAND = "cmd/dynamic-provider";

/**
 * The command line of the SDK's program runner, which the Node.js language host starts for preview
 * and up (`node <sdk>/cmd/run/index.js --monitor ... --pwd <program dir>`): the program's process.
 */
export const PROGRAM_COMMAND = "@pulumi/pulumi/cmd/run/index.js";

/**
 * Runs `op` on `stack` with the workload's `--parallel` (none: the CLI's default) and deadline.
 * Before it: the faults are set again (so the sandbox's rate-limit bucket starts full, the same
 * for every operation) and the stats are zeroed. The provider host's memory is polled from the
 * moment it starts (any process below this one running the SDK's dynamic-provider host).
 */
export async function measure(w: Workload, stack: PulumiTestStack, op: EngineOp): Promise<Measurement> {
  await w.admin.sandbox.setFaults({ latencyMs: LATENCY_MS, errorRate: 0, rateLimitPerSecond: RATE_LIMIT_PER_SECOND });
  await w.admin.sandbox.resetStats();
  const monitor = new PeakRssMonitor(50, () => descendantsMatching(process.pid, HOST_COMMAND)).start();
  const program = new PeakRssMonitor(50, () => descendantsMatching(process.pid, PROGRAM_COMMAND)).start();
  const span = new ApiSpan().start();
  const steps: Record<string, number> = {};
  const errors: string[] = [];
  const onEvent = (e: EngineEvent): void => {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type === TOKEN_TYPE) steps[m.op] = (steps[m.op] ?? 0) + 1;
    const d = e.diagnosticEvent;
    if (d && d.severity === "error") errors.push(d.message.trim());
  };
  const opts = {
    color: "never" as const,
    onEvent,
    signal: AbortSignal.timeout(w.timeoutMs),
    ...(w.parallel !== undefined ? { parallel: w.parallel } : {}),
  };
  const started = performance.now();
  try {
    if (op === "preview") await stack.stack.preview(opts);
    else if (op === "up") await stack.stack.up(opts);
    else await stack.stack.refresh(opts);
  } catch (err) {
    if (errors.length === 0) errors.push((err as Error).message.trim());
  } finally {
    monitor.stop();
    program.stop();
    span.stop();
  }
  const wallMs = performance.now() - started;
  const stats = (await w.admin.sandbox.stats()) as Stats;
  return {
    wallMs,
    requests: stats.total,
    rateLimited: stats.byStatus["429"] ?? 0,
    byRoute: stats.byRoute,
    apiSpanMs: span.first === undefined || span.last === undefined ? 0 : span.last - span.first,
    ...(span.first !== undefined ? { firstRequestMs: span.first - started } : {}),
    hostPeakRssBytes: monitor.peak,
    programPeakRssBytes: program.peak,
    steps,
    errors: errors.slice(0, 3).map((e) => (e.length > 500 ? `${e.slice(0, 500)}…` : e)),
    errorCount: errors.length,
  };
}

/**
 * Watches the in-process sandbox's HTTP server through Node's diagnostics
 * channels: when the first `/v1` request arrived and the last response went out.
 */
class ApiSpan {
  first: number | undefined;
  last: number | undefined;
  private readonly onStart = (m: unknown): void => {
    if (isV1(m)) this.first ??= performance.now();
  };
  private readonly onFinish = (m: unknown): void => {
    if (isV1(m)) this.last = performance.now();
  };

  start(): this {
    dc.subscribe("http.server.request.start", this.onStart);
    dc.subscribe("http.server.response.finish", this.onFinish);
    return this;
  }

  stop(): void {
    dc.unsubscribe("http.server.request.start", this.onStart);
    dc.unsubscribe("http.server.response.finish", this.onFinish);
  }
}

function isV1(m: unknown): boolean {
  const url = (m as { request?: IncomingMessage }).request?.url;
  return typeof url === "string" && url.startsWith("/v1");
}
