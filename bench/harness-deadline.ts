/**
 * The engine-protocol harness gives every provider call a 60 s gRPC deadline
 * (test/engine/provider-host.ts, `callTimeoutMs`), and its operations do not
 * let a spec change it. The Pulumi engine sets no such deadline on Create,
 * Read or Update. At N = 5,000 under a 200 requests/s limit, `up` needs about
 * 75 s of API time while the engine starts every create at once, so creates
 * that queue behind the others outlive 60 s and the harness, not the product,
 * fails them.
 *
 * Until the harness takes a `callTimeoutMs` in its StackSpec, the benchmark
 * raises the deadline of the hosts it starts, for the duration of one run,
 * by setting it on each host before the harness configures it (the first call
 * made to a host). Remove this file once the harness has the option.
 */
import { ProviderHost } from "../test/engine";

/** The harness's own default, for the record. */
export const HARNESS_CALL_TIMEOUT_MS = 60_000;

/**
 * Runs `fn` with every ProviderHost the harness starts using `callTimeoutMs`
 * as its per-call deadline; restores the harness afterwards. Not reentrant.
 */
export async function withProviderCallTimeout<T>(callTimeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const proto = ProviderHost.prototype as unknown as { configure: (...args: unknown[]) => Promise<void> };
  const original = proto.configure;
  proto.configure = function (this: { callTimeoutMs: number }, ...args: unknown[]): Promise<void> {
    this.callTimeoutMs = Math.max(this.callTimeoutMs, callTimeoutMs);
    return original.apply(this, args);
  };
  try {
    return await fn();
  } finally {
    proto.configure = original;
  }
}
