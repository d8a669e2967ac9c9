/**
 * The load benchmark: validating a generated 10,000-entry declaration file
 * with the product's loader, in this process, best of a few runs.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { loadDeclarations } from "../provider/declarations";
import { declarationText, generatedIds } from "./declarations";

/** What the load benchmark found. */
export interface LoadMeasurement {
  entries: number;
  fileBytes: number;
  /** Best wall time of `loadDeclarations(file)` (read + validate), ms. */
  bestMs: number;
  /** Every run, ms, in order. */
  runsMs: number[];
}

/**
 * Writes a `entries`-entry file into `dir` (ids plus a mix of `publisher` and
 * `expectAgencies`, a shared `reason` in `defaults`), loads it `runs` times and
 * checks every run accepted all entries. Throws if the loader rejects the file.
 */
export async function measureLoad(dir: string, entries: number, runs = 5): Promise<LoadMeasurement> {
  const text = declarationText(generatedIds(entries, "acct-"), { varied: true });
  const file = path.join(dir, `load-${entries}.yaml`);
  writeFileSync(file, text);
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await loadDeclarations(file);
    runsMs.push(performance.now() - t0);
    if (!r.ok)
      throw new Error(
        `the loader rejected the generated file ${file}: ${r.problems
          .slice(0, 3)
          .map((p) => p.message)
          .join("; ")}`,
      );
    if (r.tokens.length !== entries) throw new Error(`the loader returned ${r.tokens.length} tokens for ${entries} entries`);
  }
  return { entries, fileBytes: Buffer.byteLength(text), bestMs: Math.min(...runsMs), runsMs };
}
