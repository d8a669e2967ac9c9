import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One file per core, not vitest's default of one less: most of the suite's time is spent
    // waiting on child processes (the engine, the program, the plugin, the sandbox), so on 2 cores
    // a second file runs in time the first leaves idle.
    maxWorkers: availableParallelism(),
    // A hang fails the test; a file sharing the machine with another may take twice as long.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    setupFiles: ["test/support/fast-check-seed.ts"],
  },
});
