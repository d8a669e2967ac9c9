/**
 * Vitest setup: every fast-check property in the suite runs from a fixed seed unless it gives
 * its own, so a run is reproducible (fast-check prints the seed with any counterexample).
 * FUZZ_SEED=<n> explores another. Fuzz tests that keep a list of seeds use fuzzSeeds (seeds.ts).
 */
import fc from "fast-check";

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261125;
if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(process.env.FUZZ_SEED)}`);
fc.configureGlobal({ seed });
