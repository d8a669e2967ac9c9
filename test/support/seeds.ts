/**
 * Seeds for fuzz and property tests. A test runs a fixed list of seeds kept
 * in its file (add one deliberately, e.g. after FUZZ_SEED found a bug), plus
 * the seed in the FUZZ_SEED environment variable, if set, for exploration.
 * Every seed is printed, so any run can be repeated.
 */

/** The seeds `name` runs: `fixed`, then FUZZ_SEED if set. */
export function fuzzSeeds(name: string, fixed: readonly number[]): number[] {
  const seeds = [...fixed];
  const extra = process.env.FUZZ_SEED;
  if (extra !== undefined && extra !== "") {
    const seed = Number(extra);
    if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(extra)}`);
    seeds.push(seed);
  }
  console.log(`${name}: seeds ${seeds.join(", ")} (repeat one with FUZZ_SEED=<seed>)`);
  return seeds;
}
