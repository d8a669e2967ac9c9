/**
 * Time for the adapters (the API client, the sandbox): a monotonic
 * millisecond clock and its timers, in one place so that tests can inject a
 * clock they move by hand instead of waiting on, or measuring, real time.
 */

/** A clock and its timers. The default, {@link realClock}, is `performance.now()` and Node's timers. */
export interface Clock {
  /** Milliseconds on a monotonic clock (the origin is arbitrary). */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer set with {@link Clock.setTimeout} (a handle already fired or cleared is ignored). */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and Node's timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
