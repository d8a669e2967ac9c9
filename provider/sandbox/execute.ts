/**
 * Runs a handler in one store transaction, with `Idempotency-Key` replay: the first response to a
 * key is stored together with the change it made, and a replay returns it and changes nothing.
 */
import { createHash } from "node:crypto";
import type { Ctx, Handler, Reply } from "./handler";
import { HttpError, problem } from "./problem";

/** The header marking a replayed response. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** Turns an `HttpError` into a problem reply for the request at `instance`. */
export function problemReply(e: HttpError, instance: string): Reply {
  return { status: e.status, body: { ...problem(e.status, e.detail, e.extensions, e.slug), instance }, headers: e.headers };
}

/** A digest of what makes two requests the same: method, path with query, and raw body. */
export function requestFingerprint(method: string, url: string, body: Buffer): string {
  return createHash("sha256").update(`${method} ${url}\n`).update(body).digest("hex");
}

/**
 * Runs `handler` atomically. With an idempotency key, a stored response for the same principal
 * and key is replayed (or, for a different request, a 422); otherwise the handler's reply (any
 * status below 500, problems included) is stored in the same transaction as its change.
 */
export function execute(handler: Handler, ctx: Ctx, instance: string, idem?: { key: string; fingerprint: string }): Reply {
  const { store } = ctx.app;
  const owner = ctx.principal.label;
  return store.transaction(() => {
    if (idem) {
      const prev = store.getResponse(owner, idem.key);
      if (prev && prev.fingerprint !== idem.fingerprint) {
        throw new HttpError(422, "this Idempotency-Key was already used for a different request; use a new key for a new request");
      }
      if (prev) {
        return { status: prev.status, body: prev.body === null ? undefined : JSON.parse(prev.body), headers: { ...prev.headers, [REPLAYED_HEADER]: "true" } };
      }
    }
    let reply: Reply;
    try {
      reply = store.transaction(() => handler(ctx));
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      reply = problemReply(err, instance);
    }
    if (idem && reply.status < 500) {
      const body = reply.body === undefined ? null : JSON.stringify(reply.body);
      store.putResponse(owner, idem.key, { fingerprint: idem.fingerprint, status: reply.status, headers: reply.headers ?? {}, body });
    }
    return reply;
  });
}
