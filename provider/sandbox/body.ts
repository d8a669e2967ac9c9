/**
 * Reading and parsing request bodies: a size limit (413), JSON only (415), malformed JSON (400).
 */
import type { IncomingMessage } from "node:http";
import { REQUEST_BODY_LIMITS } from "../generated/contract";
import { HttpError } from "./problem";

/** The body limit of `/v1` requests (the contract's `x-request-body-limits`). */
export const V1_BODY_LIMIT = REQUEST_BODY_LIMITS.v1;
/** The body limit of `/_sandbox` requests (bulk accounts). */
export const SANDBOX_BODY_LIMIT = REQUEST_BODY_LIMITS.sandbox;
/** Past this, an oversized body is not drained any more: the connection is dropped. */
const DRAIN_CAP = 64 * 1024 * 1024;

/** Reads the whole body; throws a 413 problem (after draining it) when it exceeds `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > DRAIN_CAP) {
      req.destroy();
      break;
    }
    if (total <= limit) chunks.push(b);
  }
  if (total > limit) {
    throw new HttpError(413, `the body is ${total > DRAIN_CAP ? "over 64 MiB" : `${total} bytes`}; the limit here is ${limit} bytes (${limit / 1024} KiB)`);
  }
  return Buffer.concat(chunks, total);
}

/** Parses a JSON body; undefined when empty. Throws 415 for a non-JSON media type and 400 for malformed JSON. */
export function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "application/json" && !/^application\/[\w.+-]*\+json$/.test(type)) {
    throw new HttpError(415, `the body must be JSON: send Content-Type: application/json (got ${type ? `"${type}"` : "none"})`);
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    const msg = err instanceof SyntaxError ? err.message : "it is nested too deeply";
    throw new HttpError(400, `body: malformed JSON: ${msg}`, { errors: [{ in: "body", path: "", message: `malformed JSON: ${msg}` }] });
  }
}
