/**
 * The local Marin Social API sandbox: a faithful server of `schemas/marin-social-api.yaml` on a
 * SQLite store, with demo data, keys, faults and statistics. Everything else in the project
 * (client, provider, tests, demo, benchmarks) runs against it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, realClock } from "../core/clock";
import type { Agency } from "../core/types";
import { urlHost } from "../core/url";
import { DEMO_KEYS, type ExtraKey, KeyRing } from "./auth";
import { loadContract } from "./contract";
import { Faults } from "./faults";
import type { App } from "./handler";
import { Router } from "./router";
import { checkHandlers } from "./routes";
import { applySeed, resolveSeed } from "./seed";
import { createListener } from "./server";
import { Stats } from "./stats";
import { Store } from "./store";

export type { ExtraKey, KeyScope } from "./auth";
export { DEMO_KEYS } from "./auth";
export { CONTRACT_PATH, loadContract } from "./contract";
export { DEMO_PEOPLE, DEMO_SEED } from "./seed";

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (a free port). */
  port?: number;
  /** SQLite file, or `:memory:` (the default). A restart on the same file keeps everything. */
  db?: string;
  /** `demo` (default), `none`, or the path of a JSON seed file (schema `SandboxSeed`). Applied only to an empty database, and by `POST /_sandbox/reset`. */
  seed?: "demo" | "none" | string;
  /** Keys beside the demo keys. */
  extraKeys?: ExtraKey[];
  /** Accept the well-known demo keys (default true). `marin-social sandbox` turns them off on a non-loopback address. */
  demoKeys?: boolean;
  /** The clock of the latency and rate-limit faults; default the real one. Tests inject one they move by hand. */
  clock?: Clock;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL, `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  port: number;
  /** The demo keys. */
  keys: { admin: string; readonly: string; agency(id: string): string };
  /** The agencies the sandbox holds now (their `keys.agency(id)` keys work). */
  agencies(): Agency[];
  /** Stops the server (dropping open connections) and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a sandbox. Seeds the database when it is empty. Rejects with a clear error for a bad
 * seed file, an unusable database or a port in use (and then leaves nothing open).
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? "127.0.0.1";
  const contract = loadContract();
  checkHandlers(contract);
  const seed = resolveSeed(opts.seed ?? "demo", contract);
  const store = new Store(opts.db ?? ":memory:");
  let closing = false;
  let server: Server | undefined;
  try {
    if (store.isEmpty()) applySeed(store, seed);
    const clock = opts.clock ?? realClock;
    const app: App = { store, faults: new Faults(() => clock.now()), stats: new Stats(), contract, seed };
    const keys = new KeyRing(opts.extraKeys ?? [], (id) => store.agencyExists(id), opts.demoKeys ?? true);
    server = createServer(createListener({ app, router: new Router(contract.operations), keys, isClosing: () => closing, clock }));
    await listen(server, opts.port ?? 0, host);
  } catch (err) {
    store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const s = server;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost(reachable(host))}:${port}`,
    port,
    keys: { admin: DEMO_KEYS.admin, readonly: DEMO_KEYS.readonly, agency: DEMO_KEYS.agency },
    agencies: () => (store.db.open ? store.listAgencies() : []),
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        s.close(() => {
          store.close();
          resolve();
        });
        s.closeAllConnections();
      });
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === "EADDRINUSE" ? `port ${port} is in use; pick another (--port 0 picks a free one)` : err.message;
      reject(new Error(`cannot listen on ${host}:${port}: ${why}`));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** The address to reach a server listening on `host` from this machine: a wildcard is reached on 127.0.0.1. */
function reachable(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
}
