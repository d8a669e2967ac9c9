/**
 * The request pipeline of the sandbox (node:http): faults, authentication, routing, body and
 * contract validation, then the handler in one transaction. Every failure is a problem response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../core/clock";
import type { KeyRing } from "./auth";
import { parseJson, readBody, SANDBOX_BODY_LIMIT, V1_BODY_LIMIT } from "./body";
import { execute, problemReply, requestFingerprint } from "./execute";
import type { App, Reply } from "./handler";
import { describeIssues } from "./issues";
import { HttpError, notFound } from "./problem";
import { rateLimitHeaders } from "./ratelimit-headers";
import type { Match, Router } from "./router";
import { HANDLERS } from "./routes";
import { UNMATCHED } from "./stats";

/** What the pipeline needs beside the app. `isClosing` turns late requests into 503s during shutdown; `clock` times the latency fault. */
export interface Pipeline {
  app: App;
  router: Router;
  keys: KeyRing;
  isClosing: () => boolean;
  clock: Clock;
}

/** Returns the `request` listener of the sandbox's HTTP server. */
export function createListener(p: Pipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(p, req).then(
      (r) => send(res, r),
      (err: unknown) => {
        if (res.destroyed) return; // the client or a shutdown dropped the connection
        const pathname = pathOf(req.url);
        process.stderr.write(`marin-social sandbox: internal error on ${req.method} ${pathname}: ${(err as Error).message}\n`);
        const reply = problemReply(new HttpError(500, "internal error in the sandbox; nothing was changed"), pathname);
        send(res, isV1(pathname) ? withRateLimit(p.app, reply) : reply);
      },
    );
  };
}

async function handle(p: Pipeline, req: IncomingMessage): Promise<Reply> {
  const url = req.url ?? "/";
  const pathname = pathOf(url);
  const method = req.method ?? "GET";
  const v1 = isV1(pathname);
  const sandbox = pathname === "/_sandbox" || pathname.startsWith("/_sandbox/");
  let route = UNMATCHED;
  let reply: Reply;
  try {
    if (!v1 && !sandbox) throw notFound("route", `no route ${pathname}; the API lives under /v1`);
    const { faults } = p.app;
    if (v1 && faults.latencyMs > 0) await new Promise<void>((resolve) => p.clock.setTimeout(resolve, faults.latencyMs));
    if (p.isClosing()) throw new HttpError(503, "the sandbox is shutting down");
    let match: Match | HttpError;
    try {
      match = p.router.match(method, pathname);
      if (match.kind === "ok") route = match.op.key;
    } catch (err) {
      match = err as HttpError; // bad percent-encoding: reported after authentication
    }
    if (v1) {
      const retryAfter = faults.takeToken();
      if (retryAfter !== null) {
        throw new HttpError(429, `rate limit exceeded; retry after ${retryAfter} s`, {}, { "Retry-After": String(retryAfter) });
      }
    }
    const principal = p.keys.authenticate(req.headers.authorization);
    if (match instanceof HttpError) throw match;
    if (match.kind === "none") throw notFound("route", `no route ${pathname}`);
    if (match.kind === "method") {
      throw new HttpError(405, `${method} is not allowed on ${pathname}; use ${match.allow.join(", ")}`, {}, { Allow: match.allow.join(", ") });
    }
    if (sandbox && principal.scope !== "admin") throw new HttpError(403, `the /_sandbox routes need the admin key; this key (${principal.label}) is not one`);
    if (v1) {
      const status = faults.failure(route, pathname);
      if (status !== null) throw new HttpError(status, `injected fault (${status}) on ${route}; nothing was changed`, {}, {}, "injected-fault");
    }
    // Operations without a body leave it unread (node:http discards it).
    const raw = match.op.body === "none" ? Buffer.alloc(0) : await readBody(req, v1 ? V1_BODY_LIMIT : SANDBOX_BODY_LIMIT);
    const body = match.op.body === "none" ? undefined : parseJson(raw, req.headers["content-type"]);
    const checked = match.op.validateRequest({ params: match.params, query: new URLSearchParams(searchOf(url)), headers: req.headers, body });
    if (!checked.ok) throw new HttpError(400, describeIssues(checked.issues), { errors: checked.issues });
    const handler = HANDLERS[route];
    if (!handler) throw new HttpError(501, `${route} is in the contract but not implemented`);
    const key = checked.value.headers["idempotency-key"] as string | undefined;
    const ctx = { app: p.app, req: checked.value, principal, now: new Date().toISOString() };
    reply = execute(handler, ctx, pathname, key ? { key, fingerprint: requestFingerprint(method, url, raw) } : undefined);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    reply = problemReply(err, pathname);
  }
  if (v1) p.app.stats.record(route, reply.status);
  return v1 ? withRateLimit(p.app, reply) : reply;
}

function isV1(pathname: string): boolean {
  return pathname === "/v1" || pathname.startsWith("/v1/");
}

/**
 * `reply` with the `RateLimit-Policy` and `RateLimit` headers of the bucket as it is now, while a
 * rate limit is set (unchanged otherwise). A copy: a reply stored for an `Idempotency-Key` keeps
 * no rate-limit headers, so a replay carries the current ones.
 */
function withRateLimit(app: App, reply: Reply): Reply {
  const state = app.faults.rateLimitState();
  return state ? { ...reply, headers: { ...reply.headers, ...rateLimitHeaders(state) } } : reply;
}

function send(res: ServerResponse, r: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { "Cache-Control": "no-store", ...r.headers };
  if (r.body === undefined || r.status === 204) {
    res.writeHead(r.status, headers).end();
    return;
  }
  const text = JSON.stringify(r.body);
  headers["Content-Type"] = r.status >= 400 ? "application/problem+json" : "application/json; charset=utf-8";
  headers["Content-Length"] = Buffer.byteLength(text);
  res.writeHead(r.status, headers).end(text);
}

function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? u : u.slice(0, q);
}

function searchOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}
