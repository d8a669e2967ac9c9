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

/**
 * What makes two requests the same: `<method> <path with query>` and a digest of the raw body,
 * on two lines, so a reused key can be told apart by what differs.
 */
export function requestFingerprint(method: string, url: string, body: Buffer): string {
  return `${method} ${url}\n${createHash("sha256").update(body).digest("hex")}`;
}

/** The 422 for a key first used for another request: what differs, and the fix. */
function keyReused(key: string, first: string, now: string): HttpError {
  const [firstTarget, firstBody] = first.split("\n");
  const [target] = now.split("\n");
  const fix = "A retry must repeat the request exactly; a new request needs a new Idempotency-Key. Nothing was changed.";
  if (firstBody !== undefined && firstTarget === target) {
    return new HttpError(422, `Idempotency-Key reused with a different request body: "${key}" was first sent with another body to ${target}. ${fix}`);
  }
  const was = firstBody !== undefined ? ` (first used for ${firstTarget})` : "";
  return new HttpError(422, `Idempotency-Key reused for a different request: "${key}" was first used for another method, path or body${was}. ${fix}`);
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
      if (prev && prev.fingerprint !== idem.fingerprint) throw keyReused(idem.key, prev.fingerprint, idem.fingerprint);
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
