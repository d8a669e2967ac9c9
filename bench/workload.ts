/**
 * One benchmark workload: a fresh sandbox holding N generated accounts (each linked to 1-3
 * agencies), a declaration file offboarding all of them, and the repository's stack pointed at
 * both, as a stack of the real `pulumi` CLI (Automation API, file backend in a temporary folder,
 * offline: test/support/pulumi-env.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MarinSocialClient } from "../provider/client";
import { type Sandbox, startSandbox } from "../provider/sandbox";
import { type PulumiTestStack, pulumiStack, repoProgramCopy } from "../test/support/pulumi-env";
import { declarationText } from "./declarations";
import { LATENCY_MS, RATE_LIMIT_PER_SECOND } from "./floors";
import { personDeclarationText, seedPerson } from "./person";

/** The repository root: the Pulumi project the benchmark runs (Pulumi.yaml, dist/program.js). */
export const ROOT = path.resolve(__dirname, "..");

/** Agencies the generated accounts are spread over. */
const AGENCIES = 10;

/** Client knobs (environment) of the naive baseline: one GET per resource, no coalescing, no read-ahead, no adaptive concurrency. */
export const NAIVE_ENV: Readonly<Record<string, string>> = {
  MARIN_SOCIAL_BATCH_READS: "false",
  MARIN_SOCIAL_ADAPTIVE_CONCURRENCY: "false",
};

/** Options of {@link startWorkload}. */
export interface WorkloadOptions {
  n: number;
  /** Deadline of one operation, ms. */
  timeoutMs: number;
  /** The CLI's `--parallel`; undefined runs the CLI's default (4 per CPU), as users do. */
  parallel?: number;
  /**
   * The person row's workload (bench/person.ts): N accounts, one in five authorized by one person,
   * and a declaration file with that person's `people:` entry alone. `ids` and `links` are then theirs.
   */
  person?: boolean;
}

/** A seeded sandbox and its declaration file. `close()` stops the sandbox, removes the stacks and the files. */
export interface Workload {
  n: number;
  /** Agency links of the N accounts (what `up` must unlink). */
  links: number;
  ids: string[];
  sandbox: Sandbox;
  /** Admin client (its own, not the product's process clients). */
  admin: MarinSocialClient;
  /** Temporary folder of this workload (holds tokens.yaml). */
  dir: string;
  /** The declaration file. */
  declarations: string;
  timeoutMs: number;
  parallel?: number;
  /** Stacks opened on it ({@link workloadStack}); `close()` removes them. */
  stacks: PulumiTestStack[];
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
  const stacks: PulumiTestStack[] = [];
  const close = async (): Promise<void> => {
    for (const s of stacks) await s.cleanup();
    await admin.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const declarations = path.join(dir, "tokens.yaml");
    let ids: string[];
    let links: number;
    if (opts.person) {
      ({ ids, links } = await seedPerson(admin, opts.n, AGENCIES));
      writeFileSync(declarations, personDeclarationText());
    } else {
      ({ ids } = await admin.sandbox.addAccounts({ count: opts.n, idPrefix: "bench-", agenciesPerAccount: { min: 1, max: 3 }, agencies: AGENCIES }));
      links = (await admin.listAccounts()).reduce((sum, a) => sum + a.agencies.length, 0);
      writeFileSync(declarations, declarationText(ids));
    }
    await admin.sandbox.setFaults({ latencyMs: LATENCY_MS, errorRate: 0, rateLimitPerSecond: RATE_LIMIT_PER_SECOND });
    const w: Workload = { n: opts.n, links, ids, sandbox, admin, dir, declarations, timeoutMs: opts.timeoutMs, stacks, close };
    if (opts.parallel !== undefined) w.parallel = opts.parallel;
    return w;
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The repository's stack (a copy of Pulumi.yaml and package.json, with dist/ and node_modules
 * linked, reading the workload's declarations) as a fresh stack of the real CLI, configured for
 * the workload's sandbox. `env` reaches the CLI, the program and the provider host (the naive
 * baseline's knobs). Removed by the workload's `close()`.
 */
export async function workloadStack(w: Workload, env: Record<string, string> = {}): Promise<PulumiTestStack> {
  const workDir = repoProgramCopy({ declarations: w.declarations });
  const programTmp = path.dirname(workDir);
  const s = await pulumiStack({
    workDir,
    stackName: "bench",
    config: { "marin-social:apiUrl": w.sandbox.url },
    secretConfig: { "marin-social:apiKey": w.sandbox.keys.admin },
    env,
  });
  const cleanup = s.cleanup.bind(s);
  const owned: PulumiTestStack = {
    ...s,
    async cleanup() {
      await cleanup();
      rmSync(programTmp, { recursive: true, force: true });
    },
  };
  w.stacks.push(owned);
  return owned;
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
