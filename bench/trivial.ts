/**
 * The trivial baseline of the program-memory row: a tiny Pulumi program registering N trivial
 * dynamic resources (a dynamic provider whose create returns an id), run by the same CLI, language
 * host and SDK runner (`@pulumi/pulumi/cmd/run` from the repository's node_modules) as the
 * repository's stack, with the same environment. What its program process peaks at is the SDK's
 * own cost of N dynamic resources; what ours peaks at above it is our program's.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pulumiStack } from "../test/support/pulumi-env";
import { descendantsMatching, PeakRssMonitor } from "./host-memory";
import { type EngineOp, PROGRAM_COMMAND } from "./measure";
import { ROOT } from "./workload";

/** The project name of the trivial program (its config namespace too). */
export const TRIVIAL_PROJECT = "trivial-dynamic";

/**
 * The trivial program: N dynamic resources named `r<i>`, one input each, a provider whose create
 * returns that input as the id. Nothing else: no lookup, no log, no output, no apply.
 */
export const TRIVIAL_PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) {
    return { id: inputs.name };
  },
};
const n = new pulumi.Config().requireNumber("n");
for (let i = 0; i < n; i++) {
  new pulumi.dynamic.Resource(provider, "r" + i, { name: "r" + i }, {}, "trivial", "Thing");
}
`;

/**
 * The same program with each resource shaped like a PublisherToken: its 16 input properties
 * (the 8 the program sets, with a found \`observed\` like ours, and the 8 declared outputs as
 * undefined), \`tokenFingerprint\` a secret output, constructed with stack traces off as
 * declaredStack does. Still no lookup, no log, no apply: what it costs above the trivial program is
 * the SDK's cost of the shape; what ours costs above it is our program's own.
 */
export const SHAPED_PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) {
    return { id: inputs.accountId };
  },
};
const n = new pulumi.Config().requireNumber("n");
const pad = (i) => String(i).padStart(6, "0");
const limit = Error.stackTraceLimit;
Error.stackTraceLimit = 0;
for (let i = 1; i <= n; i++) {
  const agencies = [1, 2].map((k) => ({ id: "ag-bench-00" + k, name: "Bench Agency 00" + k }));
  const observed = { status: "found", publisher: "facebook", name: "Bench Account " + i, valid: true, invalidatedAt: null, invalidatedBy: null, reason: null, agencies, version: 1 };
  new pulumi.dynamic.Resource(
    provider,
    "bench-" + pad(i),
    {
      accountId: "bench-" + pad(i), valid: false, publisher: undefined, reason: "bench: offboarding (BENCH-" + i + ")", expectAgencies: undefined,
      actor: "pulumi:" + pulumi.getProject() + "/" + pulumi.getStack(), observed, duplicates: undefined,
      accountName: undefined, externalId: undefined, linkedAgencies: undefined, unlinkedAgencies: undefined,
      invalidatedAt: undefined, invalidatedBy: undefined, revokedOutsidePulumi: undefined, tokenFingerprint: undefined,
    },
    { additionalSecretOutputs: ["tokenFingerprint"] },
    "trivial",
    "Shaped",
  );
}
Error.stackTraceLimit = limit;
`;

/** What the trivial program's runs cost. */
export interface TrivialMeasurement {
  /** Peak RSS of the program process per operation, bytes (0 when it could not be read). */
  programPeakRssBytesByOp: { preview: number; up: number };
  /** Wall time per operation, ms; refresh when it ran (the dynamic path's engine floor, bench/engine-floor.ts). */
  wallMsByOp: { preview: number; up: number; refresh?: number };
  /** Error messages of the operations (empty on success), the first few. */
  errors: string[];
}

/** Writes the trivial project (Pulumi.yaml, package.json, index.js, node_modules linked) into a new folder; returns it. */
export function trivialProject(program: string = TRIVIAL_PROGRAM): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-bench-trivial-")), TRIVIAL_PROJECT);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${TRIVIAL_PROJECT}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`);
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: TRIVIAL_PROJECT, private: true, main: "index.js" })}\n`);
  writeFileSync(path.join(dir, "index.js"), program);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Runs the trivial program's preview and up (`--skip-preview`, as the Automation API does) with N
 * resources on a fresh file-backend stack, polling its program process's peak RSS; with `refresh`,
 * then its refresh (`--skip-preview`), as our rows run the three. `env` reaches the CLI and
 * everything it starts (PULUMI_SKIP_CHECKPOINTS, as for our stack). An up that does not create
 * the N resources (and the stack) is an error.
 */
export async function measureTrivial(
  n: number,
  opts: { env?: Record<string, string>; parallel?: number; timeoutMs: number; log?: (line: string) => void; shaped?: boolean; refresh?: boolean },
): Promise<TrivialMeasurement> {
  const workDir = trivialProject(opts.shaped ? SHAPED_PROGRAM : TRIVIAL_PROGRAM);
  const label = opts.shaped ? "shaped" : "trivial";
  const result: TrivialMeasurement = { programPeakRssBytesByOp: { preview: 0, up: 0 }, wallMsByOp: { preview: 0, up: 0 }, errors: [] };
  const ops: EngineOp[] = opts.refresh ? ["preview", "up", "refresh"] : ["preview", "up"];
  try {
    const s = await pulumiStack({ workDir, stackName: "bench", config: { [`${TRIVIAL_PROJECT}:n`]: String(n) }, env: opts.env ?? {} });
    try {
      for (const op of ops) {
        opts.log?.(`${label} N=${n}: ${op}...`);
        // Refresh does not run the program: nothing to watch.
        const monitor = op === "refresh" ? undefined : new PeakRssMonitor(50, () => descendantsMatching(process.pid, PROGRAM_COMMAND)).start();
        const o = {
          color: "never" as const,
          signal: AbortSignal.timeout(opts.timeoutMs),
          ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
        };
        const started = performance.now();
        try {
          if (op === "preview") await s.stack.preview(o);
          else if (op === "refresh") await s.stack.refresh(o);
          else {
            const created = (await s.stack.up(o)).summary.resourceChanges?.create ?? 0;
            if (created !== n + 1) result.errors.push(`up: created ${created} resources, not ${n} and the stack`);
          }
        } catch (err) {
          result.errors.push(`${op}: ${(err as Error).message.trim().slice(0, 500)}`);
        } finally {
          const peak = monitor?.stop();
          if (op !== "refresh") result.programPeakRssBytesByOp[op] = peak ?? 0;
        }
        result.wallMsByOp[op] = performance.now() - started;
        const memory = op === "refresh" ? "" : `, program peak ${(result.programPeakRssBytesByOp[op] / 2 ** 20).toFixed(0)} MB`;
        opts.log?.(`${label} N=${n}: ${op} ${(result.wallMsByOp[op]! / 1000).toFixed(1)} s${memory}`);
      }
    } finally {
      await s.cleanup();
    }
  } finally {
    rmSync(path.dirname(workDir), { recursive: true, force: true });
  }
  return result;
}
