/**
 * Scripted HTTP servers for the client tests: real node:http on 127.0.0.1,
 * port 0, recording every request (arrival time, headers, body, requests in
 * flight) and answering each attempt as the test scripts it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { afterEach } from "vitest";
import { type ClientOptions, MarinSocialClient } from "../../provider/client";
import type { Account } from "../../provider/core/types";

/** One request as the server saw it. */
export interface Hit {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The server's clock at arrival (after the body was read): performance.now(), or the `now` it was started with. */
  at: number;
  /** Requests in flight at arrival, this one included. */
  inFlight: number;
  /** The connection it came on (1-based). */
  connection: number;
}

/** Answers one request. */
export type Handler = (hit: Hit, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

/** A running scripted server. */
export interface TestServer {
  url: string;
  port: number;
  hits: Hit[];
  /** Resolves once `n` requests have arrived (at once if they already have). */
  waitForHits(n: number): Promise<void>;
  /** Highest number of requests in flight seen so far. */
  maxInFlight(): number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0 that hands every request to `handler`; `now` stamps arrivals (e.g. a ManualClock's). */
export async function startServer(handler: Handler, now: () => number = () => performance.now()): Promise<TestServer> {
  const hits: Hit[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let inFlight = 0;
  let peak = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const ids = new WeakMap<Socket, number>();
  const server = createServer(async (req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on("finish", finish);
    res.on("close", finish);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://x");
    const hit: Hit = {
      index: hits.length,
      method: req.method ?? "",
      url: req.url ?? "",
      pathname: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: now(),
      inFlight,
      connection: ids.get(req.socket) ?? 0,
    };
    hits.push(hit);
    for (const w of waiters.splice(0)) {
      if (hits.length >= w.n) w.resolve();
      else waiters.push(w);
    }
    try {
      await handler(hit, res, req);
    } catch (err) {
      if (!res.headersSent) json(res, 599, { detail: String(err) });
    }
  });
  server.on("connection", (s) => {
    connections++;
    ids.set(s, connections);
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    waitForHits: (n) => (hits.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    maxInFlight: () => peak,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A handler that answers the n-th request with `steps[n]` (the last step repeats). */
export function script(...steps: Handler[]): Handler {
  return (hit, res, req) => {
    const step = steps[Math.min(hit.index, steps.length - 1)];
    if (!step) throw new Error("empty script");
    return step(hit, res, req);
  };
}

/** Writes a JSON response. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes an RFC 9457 problem. */
export function problem(res: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  const text = JSON.stringify({ type: `https://example.test/problems/${status}`, title: `status ${status}`, status, detail, ...extra });
  res.writeHead(status, { "content-type": "application/problem+json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes the contract's 404 problem of `kind` (`account` is the only one that means "gone"). */
export function notFoundProblem(res: ServerResponse, kind: "account" | "agency" | "link" | "route", detail = `scripted ${kind} not found`): void {
  problem(res, 404, detail, {}, { type: `https://marin-social.example/problems/${kind}-not-found` });
}

/** Step: answer with a problem of `status`. */
export const fail =
  (status: number, headers: Record<string, string> = {}, detail = `scripted ${status}`): Handler =>
  (_hit, res) =>
    problem(res, status, detail, headers);

/** Step: drop the connection without answering (a reset). */
export const reset: Handler = (_hit, res) => {
  res.socket?.destroy();
};

/** Step: never answer (until the server closes). */
export const hang: Handler = () => undefined;

/** A well-formed account with id `id`. */
export function account(id: string, extra: Partial<Account> = {}): Account {
  return {
    id,
    publisher: id.startsWith("tw") ? "twitter" : "facebook",
    externalId: `ext-${id}`,
    name: `Account ${id}`,
    token: { valid: true, fingerprint: `fp-${id}`, invalidatedAt: null, invalidatedBy: null, reason: null, authorizedBy: null, authorizedAt: null },
    agencies: [{ id: "ag-north", name: "North Agency" }],
    version: 1,
    ...extra,
  };
}

/** Step: answer `GET /v1/accounts/{id}` or `GET /v1/accounts?ids=` with accounts for the ids asked (minus `missing`). */
export const accounts =
  (missing: readonly string[] = []): Handler =>
  (hit, res) => {
    if (hit.pathname === "/v1/accounts") {
      const ids = (hit.query.get("ids") ?? "").split(",").filter((id) => id && !missing.includes(id));
      json(res, 200, { items: ids.map((id) => account(id)), nextCursor: null });
      return;
    }
    const m = /^\/v1\/accounts\/([^/]+)$/.exec(hit.pathname);
    if (m?.[1] && !missing.includes(decodeURIComponent(m[1]))) json(res, 200, account(decodeURIComponent(m[1])));
    else notFoundProblem(res, m ? "account" : "route", "unknown account");
  };

/** How a rate-limited test server advertises its limit: the draft's headers, nothing, or its own headers from `r` and `t`. */
export type Advertise = "draft" | "none" | ((r: number, t: number) => Record<string, string>);

/**
 * A handler that limits like the sandbox: a token bucket of `rate` requests/s holding a second's
 * worth, 429 with `Retry-After: 1` when empty, else the accounts asked for. Its time is `now`
 * (give it the client's ManualClock). `drain(leave)` empties the bucket, as another client's burst would.
 */
export function rateLimited(
  rate: number,
  advertise: Advertise = "none",
  now: () => number = () => performance.now(),
): { handler: Handler; drain: (leave?: number) => void } {
  let tokens = rate;
  let last = now();
  const headers = (): Record<string, string> => {
    if (advertise === "none") return {};
    const r = Math.floor(tokens);
    const t = Math.ceil((rate - tokens) / rate);
    if (advertise === "draft") return { "ratelimit-policy": `"default";q=${rate};w=1`, ratelimit: `"default";r=${r};t=${t}` };
    return advertise(r, t);
  };
  const handler: Handler = (hit, res, req) => {
    const t = now();
    tokens = Math.min(rate, tokens + ((t - last) / 1000) * rate);
    last = t;
    if (tokens < 1) {
      json(res, 429, { status: 429, detail: "slow down" }, { "retry-after": "1", ...headers() });
      return;
    }
    tokens -= 1;
    for (const [k, v] of Object.entries(headers())) res.setHeader(k, v);
    return accounts()(hit, res, req);
  };
  return {
    handler,
    drain: (leave = 0) => {
      tokens = leave;
      last = now();
    },
  };
}

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

/** Awaits `p` and returns what it rejected with (fails if it resolved). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** Scripted servers and clients started for one test; {@link clientFixture} closes them after it. */
export interface ClientFixture {
  /**
   * Starts a scripted server with `handler` and a client for it with the fixture's options for its
   * URL and `opts`; with a `clock` in `opts`, the server stamps arrivals with it too.
   */
  setup(handler: Handler, opts?: Partial<ClientOptions>): Promise<{ s: TestServer; c: MarinSocialClient }>;
  /** Starts a scripted server with `handler`. */
  serve(handler: Handler): Promise<TestServer>;
  /** A client with exactly `options`. */
  connect(options: ClientOptions): MarinSocialClient;
}

/**
 * Registers an `afterEach` (call it at the top of a test file) that closes every client, then
 * every server, the test started through the returned fixture. `optionsFor(baseUrl, opts)` builds
 * the client options {@link ClientFixture.setup} uses.
 */
export function clientFixture(optionsFor: (baseUrl: string, opts: Partial<ClientOptions>) => ClientOptions): ClientFixture {
  let servers: TestServer[] = [];
  let clients: MarinSocialClient[] = [];
  afterEach(async () => {
    const [cs, ss] = [clients, servers];
    clients = [];
    servers = [];
    for (const c of cs) await c.close();
    for (const s of ss) await s.close();
  });
  const serve = async (handler: Handler, now?: () => number): Promise<TestServer> => {
    const s = await startServer(handler, now);
    servers.push(s);
    return s;
  };
  const connect = (options: ClientOptions): MarinSocialClient => {
    const c = new MarinSocialClient(options);
    clients.push(c);
    return c;
  };
  return {
    serve,
    connect,
    async setup(handler, opts = {}) {
      const clock = opts.clock;
      const s = await serve(handler, clock ? () => clock.now() : undefined);
      return { s, c: connect(optionsFor(s.url, opts)) };
    },
  };
}
