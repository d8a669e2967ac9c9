/**
 * One benchmark workload: a fresh sandbox holding N generated accounts (each
 * linked to 1-3 agencies), a declaration file offboarding all of them, and the
 * repository's stack pointed at both, ready for the engine-protocol harness.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MarinSocialClient } from "../provider/client";
import { startSandbox, type Sandbox } from "../provider/sandbox";
import type { StackSpec } from "../test/engine";
import { declarationText } from "./declarations";
import { LATENCY_MS, RATE_LIMIT_PER_SECOND } from "./floors";

/** The repository root: the Pulumi project the benchmark runs (Pulumi.yaml, dist/program.js). */
export const ROOT = path.resolve(__dirname, "..");

/** Agencies the generated accounts are spread over. */
const AGENCIES = 10;

/** Client knobs (environment) of the naive baseline: one GET per resource, no coalescing, no adaptive concurrency. */
export const NAIVE_ENV: Readonly<Record<string, string>> = {
  MARIN_SOCIAL_BATCH_READS: "false",
  MARIN_SOCIAL_ADAPTIVE_CONCURRENCY: "false",
};

/** Options of {@link startWorkload}. */
export interface WorkloadOptions {
  n: number;
  /** Extra environment for the program and the provider host (the naive baseline's knobs). */
  env?: Record<string, string>;
  /** Deadline of one harness operation, ms. */
  timeoutMs: number;
  /** The engine's --parallel; default the CLI's (unbounded). */
  parallel?: number;
}

/** A seeded sandbox and a stack spec for it. `close()` stops the sandbox and removes the files. */
export interface Workload {
  n: number;
  /** Agency links of the N accounts (what `up` must unlink). */
  links: number;
  ids: string[];
  sandbox: Sandbox;
  /** Admin client (its own, not the product's process clients). */
  admin: MarinSocialClient;
  spec: StackSpec;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts an in-memory sandbox with no demo data, adds N accounts linked to
 * 1-3 of 10 agencies, counts the links, writes the declaration file, and only
 * then turns on the workload's faults (10 ms latency, 200 requests/s).
 */
export async function startWorkload(opts: WorkloadOptions): Promise<Workload> {
  const sandbox = await startSandbox({ port: 0, seed: "none" });
  const admin = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, maxConcurrency: 4 });
  const dir = mkdtempSync(path.join(tmpdir(), "marin-bench-"));
  const close = async (): Promise<void> => {
    await admin.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { ids } = await admin.sandbox.addAccounts({ count: opts.n, idPrefix: "bench-", agenciesPerAccount: { min: 1, max: 3 }, agencies: AGENCIES });
    const links = (await admin.listAccounts()).reduce((sum, a) => sum + a.agencies.length, 0);
    const declarations = path.join(dir, "tokens.yaml");
    writeFileSync(declarations, declarationText(ids));
    await admin.sandbox.setFaults({ latencyMs: LATENCY_MS, errorRate: 0, rateLimitPerSecond: RATE_LIMIT_PER_SECOND });
    const spec: StackSpec = {
      programDir: ROOT,
      project: "marin-social",
      stack: "bench",
      config: { "marin-social:apiUrl": sandbox.url, "marin-social:declarations": declarations },
      secretConfig: { "marin-social:apiKey": sandbox.keys.admin },
      statePath: path.join(dir, "state.json"),
      timeoutMs: opts.timeoutMs,
      ...(opts.parallel ? { parallel: opts.parallel } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    };
    return { n: opts.n, links, ids, sandbox, admin, spec, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What the sandbox holds after an `up`: accounts still valid, and links left. Read with the faults off, uncounted. */
export async function remoteOutcome(w: Workload): Promise<{ stillValid: number; linksLeft: number }> {
  await w.admin.sandbox.setFaults({ latencyMs: 0, errorRate: 0, rateLimitPerSecond: null });
  try {
    const all = await w.admin.listAccounts();
    return {
      stillValid: all.filter((a) => a.token.valid).length,
      linksLeft: all.reduce((sum, a) => sum + a.agencies.length, 0),
    };
  } finally {
    await w.admin.sandbox.setFaults({ latencyMs: LATENCY_MS, errorRate: 0, rateLimitPerSecond: RATE_LIMIT_PER_SECOND });
  }
}
