/**
 * The shape of a route handler: a synchronous function of a validated request that returns a
 * reply or throws an {@link HttpError}. The server runs it inside one store transaction.
 */
import type { Principal } from "./auth";
import type { Contract } from "./contract";
import type { Faults } from "./faults";
import type { ValidRequest } from "./operation";
import type { SeedData } from "./seed";
import type { Stats } from "./stats";
import type { Store } from "./store";

/** Everything a sandbox's handlers share. */
export interface App {
  store: Store;
  faults: Faults;
  stats: Stats;
  contract: Contract;
  /** The seed the sandbox started with; `POST /_sandbox/reset` restores it. */
  seed: SeedData;
}

/** One request, as a handler sees it. */
export interface Ctx {
  app: App;
  req: ValidRequest;
  principal: Principal;
  /** The time of the request, ISO 8601. */
  now: string;
}

/** A successful (or handler-decided) response. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A route handler. Throw `HttpError` for a problem; a throw changes nothing (the transaction rolls back). */
export type Handler = (ctx: Ctx) => Reply;

/** A string parameter, path or query, already validated by the contract. */
export function str(v: unknown): string {
  return v as string;
}
