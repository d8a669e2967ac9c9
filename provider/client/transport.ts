/**
 * The HTTP transport: keep-alive undici Pools shared per origin within the
 * process, and one request attempt with its headers and body timeouts.
 */
import type { Pool } from "undici";
import type { IncomingHttpHeaders } from "undici/types/header";

/** Settings that shape a pool; clients with equal settings for one origin share it. */
export interface PoolSettings {
  connections: number;
  connectTimeoutMs: number;
}

interface SharedPool {
  pool: Pool;
  refs: number;
}

const pools = new Map<string, SharedPool>();

/** Largest response body accepted (bytes); larger responses fail instead of exhausting memory. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A pool borrowed from the process-wide registry; `release` once when done. */
export interface PoolLease {
  readonly pool: Pool;
  /** Drops this lease; the pool closes (gracefully) when its last lease is released. */
  release(): Promise<void>;
}

/**
 * Borrows the keep-alive pool for `origin` with `settings`, creating it on
 * first use. Clients of the same origin and settings share one pool (and so
 * its connections); each lease must be released once.
 */
export function leasePool(origin: string, settings: PoolSettings): PoolLease {
  const key = `${origin}|${settings.connections}|${settings.connectTimeoutMs}`;
  let shared = pools.get(key);
  if (!shared || shared.pool.closed || shared.pool.destroyed) {
    shared = {
      // Loaded at the first pool: about 180 ms of CPU at start (110 modules), which the plugin the
      // YAML host starts only for GetSchema never needs.
      pool: new (require("undici") as typeof import("undici")).Pool(origin, {
        connections: settings.connections,
        connectTimeout: settings.connectTimeoutMs,
        pipelining: 1,
        keepAliveTimeout: 4_000,
        maxResponseSize: MAX_RESPONSE_BYTES,
      }),
      refs: 0,
    };
    pools.set(key, shared);
  }
  const entry = shared;
  entry.refs++;
  let released = false;
  return {
    pool: entry.pool,
    async release() {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs > 0) return;
      if (pools.get(key) === entry) pools.delete(key);
      await entry.pool.close();
    },
  };
}

/** One HTTP request attempt. */
export interface AttemptRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Absolute path with query, e.g. `/v1/accounts?ids=a,b`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** A response read to the end. */
export interface AttemptResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body as text ("" for none). */
  text: string;
}

/**
 * Sends one request on `pool` and reads the whole body (or dumps it for a
 * bodiless response), so the connection goes back to the pool for reuse.
 * Throws undici/Node errors unchanged: timeouts (`UND_ERR_HEADERS_TIMEOUT`,
 * `UND_ERR_BODY_TIMEOUT`, `UND_ERR_CONNECT_TIMEOUT`), resets, refusals, or
 * `signal.reason` on abort.
 */
export async function sendAttempt(pool: Pool, req: AttemptRequest): Promise<AttemptResponse> {
  const res = await pool.request({
    method: req.method,
    path: req.path,
    headers: req.headers,
    body: req.body ?? null,
    signal: req.signal,
    headersTimeout: req.headersTimeoutMs,
    bodyTimeout: req.bodyTimeoutMs,
    idempotent: req.method !== "POST",
  });
  let text = "";
  if (res.statusCode === 204 || res.statusCode === 304) {
    await res.body.dump();
  } else {
    text = await res.body.text();
  }
  return { status: res.statusCode, headers: res.headers, text };
}
