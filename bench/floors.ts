/**
 * The figures the benchmark holds itself to (issue 5), as pure functions.
 * Every printed figure stands beside one of these.
 */

/** Requests per second the sandbox admits in the benchmark workload. */
export const RATE_LIMIT_PER_SECOND = 200;
/** Latency the sandbox adds to every `/v1` request in the workload, ms. */
export const LATENCY_MS = 10;
/** Ids per batched read (`GET /v1/accounts?ids=`), the API maximum. */
export const BATCH = 100;
/** Peak RSS allowed for the provider host at N = 5,000, bytes. */
export const MEMORY_LIMIT_BYTES = 200 * 1024 * 1024;
/** The N at which the memory limit applies. */
export const MEMORY_LIMIT_N = 5_000;
/** Stored bytes allowed per resource. */
export const STATE_LIMIT_BYTES = 3 * 1024;
/**
 * Bytes per resource of `pulumi stack export`'s output: the state as the file really holds it
 * (both copies of `__provider`, the hidden input `observed`, the CLI's indentation). The same
 * 3 KB per resource as {@link STATE_LIMIT_BYTES}, applied to the whole file.
 */
export const STATE_FILE_LIMIT_BYTES = 3 * 1024;
/**
 * The program process's peak RSS (the SDK runner running dist/program.js) may be at most this
 * many times a trivial dynamic program's with the same N under the same runner.
 */
export const PROGRAM_MEMORY_RATIO_LIMIT = 1.2;
/** Entries of the generated declaration file of the load benchmark. */
export const LOAD_ENTRIES = 10_000;
/** Time allowed to validate it, ms. */
export const LOAD_LIMIT_MS = 1_000;
/** Share of an `up`'s requests that may be 429 responses. */
export const MAX_429_SHARE = 0.01;
/** `up` may take this many times (requests ÷ rate limit). */
export const TIME_FACTOR = 1.3;

/** `preview` (program lookup with the audit, check and diff of all N): at most 2·⌈N/100⌉ + 5 requests. */
export function previewRequestFloor(n: number): number {
  return 2 * Math.ceil(n / BATCH) + 5;
}

/** `refresh` (read all N): at most ⌈N/100⌉ + 5 requests. */
export function refreshRequestFloor(n: number): number {
  return Math.ceil(n / BATCH) + 5;
}

/** `up` (invalidate all N and unlink every link): at most N + links + ⌈N/100⌉ + 5 requests. */
export function upRequestFloor(n: number, links: number): number {
  return n + links + Math.ceil(n / BATCH) + 5;
}

/** `up`: 429 responses allowed, 1% of its requests (rounded down). */
export function up429Floor(requests: number): number {
  return Math.floor(requests * MAX_429_SHARE);
}

/** The time the API's rate limit alone takes to admit these requests, ms. */
export function apiTimeMs(admittedRequests: number, ratePerSecond = RATE_LIMIT_PER_SECOND): number {
  return (admittedRequests * 1000) / ratePerSecond;
}

/**
 * `up`: the wall time allowed, ms: 1.3 × (requests the server admitted ÷ the
 * rate limit). 429 responses are left out of the count, so they cannot buy time.
 */
export function upTimeFloorMs(admittedRequests: number, ratePerSecond = RATE_LIMIT_PER_SECOND): number {
  return TIME_FACTOR * apiTimeMs(admittedRequests, ratePerSecond);
}

/**
 * The native path's preview, up and refresh may take at most this many times their engine floor
 * (issue 17 §3b): see {@link engineFloorMs}.
 */
export const NATIVE_FLOOR_RATIO_LIMIT = 1.2;

/**
 * The least time an operation of ours can take, ms: the slower of the engine's own (the same
 * operation on N trivial resources through the same CLI, language host and backend, which do
 * nothing) and the API's rate limit alone for the requests ours had admitted. The engine and the
 * API overlap (the engine runs `--parallel` steps at once), so neither adds to the other here.
 */
export function engineFloorMs(trivialMs: number, admittedRequests: number): { ms: number; bound: "engine" | "API" } {
  const api = apiTimeMs(admittedRequests);
  return api > trivialMs ? { ms: api, bound: "API" } : { ms: trivialMs, bound: "engine" };
}
