/**
 * `npm run bench` (through bench/run.js): parses flags, runs the benchmark,
 * prints the table and writes bench/results.json.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { type BenchOptions, DEFAULT_OPTIONS, runBench } from "./bench";
import { formatReport } from "./report";

const USAGE = `usage: npm run bench -- [options]

Runs the repository's stack through the real pulumi CLI (npm run pulumi:install)
against a sandbox (10 ms latency, 200 requests/s) with N generated accounts, and
prints each figure beside its floor. Writes bench/results.json.

options:
  --n N[,N...]        stack sizes (repeatable); default 100,1000,5000. Above the
                      supported stack size (5,000 dynamic, 20,000 native) a path
                      warns; --n 10000,20000 --no-baseline --skip-checkpoints
                      --no-trivial --no-person ran in about an hour on 2 cores
  --quick             N=100 only, 3 load runs (a minute or so)
  --no-baseline       skip the naive baseline
  --no-native         skip the native provider's rows (they need the pulumi CLI with its YAML host)
  --no-trivial        skip the trivial programs: the trivial dynamic program (the program-memory
                      row's baseline) and both paths' engine floors (no such rows then)
  --no-shaped         skip the trivial program shaped like a PublisherToken (the program-memory
                      row's split): saves its preview and up, O(N^2) with checkpoints on
  --no-person         skip the person rows (offboarding one person who holds 1 in 5 of the N accounts)
  --person-only       run the person rows alone (--n 5000: 1,000 of 5,000 accounts)
  --baseline-up-max N run the naive up and refresh only up to this N (default 1000)
  --parallel N        the CLI's --parallel (default: none given, so the CLI's own, 4 per CPU)
  --skip-checkpoints  PULUMI_SKIP_CHECKPOINTS=true: the file backend writes the state once, at
                      the end, not after every step (which costs O(N^2) at large N)
  --out FILE          where to write the results (default bench/results.json)
  --json              print the results as JSON instead of the table
  -h, --help          this help`;

/** Parsed command line: the options, where to write, and how to print. */
export interface CliOptions {
  bench: BenchOptions;
  out: string;
  json: boolean;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v.replace(/_/g, ""));
  if (!/^\d[\d_]*$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag}: expected a whole number of at least 1, got "${v}"`);
  }
  return n;
}

/** Parses the flags; undefined for --help. Throws an Error naming the bad flag. */
export function parseCli(argv: string[]): CliOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string", multiple: true },
      quick: { type: "boolean" },
      "no-baseline": { type: "boolean" },
      "no-native": { type: "boolean" },
      "no-trivial": { type: "boolean" },
      "no-shaped": { type: "boolean" },
      "no-person": { type: "boolean" },
      "person-only": { type: "boolean" },
      "baseline-up-max": { type: "string" },
      out: { type: "string" },
      parallel: { type: "string" },
      "skip-checkpoints": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const bench: BenchOptions = { ...DEFAULT_OPTIONS };
  if (values.quick) {
    bench.sizes = [100];
    bench.loadRuns = 3;
  }
  if (values.n) bench.sizes = values.n.flatMap((v) => v.split(",")).map((v) => positiveInt("--n", v.trim()));
  if (values["no-baseline"]) bench.baseline = false;
  if (values["no-native"]) bench.native = false;
  if (values["no-trivial"]) bench.trivial = false;
  if (values["no-shaped"]) bench.shaped = false;
  if (values["no-person"]) bench.person = false;
  if (values["person-only"]) bench.personOnly = true;
  if (values.parallel !== undefined) bench.parallel = positiveInt("--parallel", values.parallel);
  if (values["skip-checkpoints"]) bench.skipCheckpoints = true;
  if (values["baseline-up-max"] !== undefined) bench.baselineUpMaxN = positiveInt("--baseline-up-max", values["baseline-up-max"]);
  return { bench, out: path.resolve(values.out ?? path.join(__dirname, "results.json")), json: values.json ?? false };
}

/** Runs the command; resolves the exit code (0 even when rows FAIL: these are figures, not assertions). */
export async function main(argv: string[]): Promise<number> {
  let cli: CliOptions | undefined;
  try {
    cli = parseCli(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!cli) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const results = await runBench({ ...cli.bench, log: (line) => process.stderr.write(`bench: ${line}\n`) });
  writeFileSync(cli.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    cli.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatReport(results)}\nResults written to ${path.relative(process.cwd(), cli.out) || cli.out}\n`,
  );
  return 0;
}
