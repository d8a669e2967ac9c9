/**
 * Reads the rate-limit headers a server advertises, in the syntax of
 * draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026), both structured-field Lists (RFC 9651,
 * parsed by the `structured-headers` library):
 *
 *   RateLimit-Policy: "default";q=200;w=1     quota q (quota units, default requests) per window of w seconds
 *   RateLimit: "default";r=187;t=1            r units available now; t: the effective window, seconds
 *
 * Malformed fields are ignored (section 7): a field that is not a List, or any member that breaks
 * the draft (no name, `q`/`r` missing or not a non-negative Integer, `w` not a positive Integer,
 * `t` not a non-negative Integer, `qu` not a String), makes the client ignore that whole field.
 * Policy names may be Strings (draft 11) or Tokens (earlier drafts); parameters the draft does not
 * define are comments. The legacy `X-RateLimit-*` and pre-07 `RateLimit-Limit` fields are not read.
 */
import { type BareItem, type InnerList, type Item, type Parameters, parseList, Token } from "structured-headers";

/** One quota policy of `RateLimit-Policy`. */
export interface QuotaPolicy {
  name: string;
  /** `q`: the quota, in `unit`. */
  quota: number;
  /** `qu`: the quota unit; `requests` when absent. */
  unit: string;
  /** `w`: the window in seconds, when given. */
  windowSeconds?: number;
}

/** One service limit of `RateLimit`. */
export interface ServiceLimit {
  name: string;
  /** `r`: quota units available now. */
  remaining: number;
  /** `t`: the effective window in seconds, when given. */
  resetSeconds?: number;
}

/** What one response advertised, reduced to what pacing needs. */
export interface Advertisement {
  /**
   * Requests per second allowed by the most restrictive request-quota policy with a window of at
   * most {@link MAX_PACED_WINDOW_S}: the least q/w (a zero quota is skipped: there is no rate to
   * pace to, `r` and 429s cover it). Absent when no such policy was advertised.
   */
  ratePerSecond?: number;
  /** The least `r` among the request-quota service limits (units other than requests are skipped). */
  remaining?: number;
}

/**
 * Policies with a longer window are not paced evenly: spreading a daily quota over the day would
 * crawl. They are left to `r` and to 429s with their Retry-After.
 */
export const MAX_PACED_WINDOW_S = 3600;

/** Response headers as undici gives them (lower-case names). */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** True for an Integer (RFC 9651) of at least `min`. */
const isInt = (b: BareItem | undefined, min: number): b is number => typeof b === "number" && Number.isInteger(b) && b >= min;

/** A member's name: a String (draft 11) or a Token (earlier drafts). */
function nameOf(m: Item): string | undefined {
  const v = m[0];
  if (typeof v === "string") return v;
  return v instanceof Token ? v.toString() : undefined;
}

/** The List's items, or undefined when absent, empty, malformed, or holding an inner list. */
function membersOf(value: string | string[] | undefined): Array<{ item: Item; params: Parameters }> | undefined {
  if (value === undefined) return undefined;
  let list: Array<Item | InnerList>;
  try {
    list = parseList(Array.isArray(value) ? value.join(", ") : value);
  } catch {
    return undefined;
  }
  if (list.length === 0 || list.some((m) => Array.isArray(m[0]))) return undefined;
  return (list as Item[]).map((item) => ({ item, params: item[1] }));
}

/** Parses `RateLimit-Policy`; undefined when absent, empty or malformed. */
export function parseRateLimitPolicy(value: string | string[] | undefined): QuotaPolicy[] | undefined {
  const members = membersOf(value);
  if (!members) return undefined;
  const out: QuotaPolicy[] = [];
  for (const m of members) {
    const name = nameOf(m.item);
    const q = m.params.get("q");
    const w = m.params.get("w");
    const qu = m.params.get("qu");
    if (name === undefined || !isInt(q, 0)) return undefined;
    if (w !== undefined && !isInt(w, 1)) return undefined;
    if (qu !== undefined && typeof qu !== "string") return undefined;
    out.push({ name, quota: q, unit: qu ?? "requests", ...(w !== undefined ? { windowSeconds: w } : {}) });
  }
  return out;
}

/** Parses `RateLimit`; undefined when absent, empty or malformed. */
export function parseRateLimit(value: string | string[] | undefined): ServiceLimit[] | undefined {
  const members = membersOf(value);
  if (!members) return undefined;
  const out: ServiceLimit[] = [];
  for (const m of members) {
    const name = nameOf(m.item);
    const r = m.params.get("r");
    const t = m.params.get("t");
    if (name === undefined || !isInt(r, 0)) return undefined;
    if (t !== undefined && !isInt(t, 0)) return undefined;
    out.push({ name, remaining: r, ...(t !== undefined ? { resetSeconds: t } : {}) });
  }
  return out;
}

/**
 * What the `RateLimit-Policy` and `RateLimit` headers of one response advertise, or undefined
 * when neither is present and well-formed (or neither says anything about request quotas).
 * A `RateLimit` item naming a policy of this response with another unit is skipped; one naming
 * no policy of this response counts as requests.
 */
export function readAdvertisement(headers: HeaderBag): Advertisement | undefined {
  const policies = parseRateLimitPolicy(headers["ratelimit-policy"]);
  const limits = parseRateLimit(headers.ratelimit);
  const out: Advertisement = {};
  for (const p of policies ?? []) {
    if (p.unit !== "requests" || p.windowSeconds === undefined || p.quota === 0 || p.windowSeconds > MAX_PACED_WINDOW_S) continue;
    const rate = p.quota / p.windowSeconds;
    if (out.ratePerSecond === undefined || rate < out.ratePerSecond) out.ratePerSecond = rate;
  }
  const unitOf = new Map((policies ?? []).map((p) => [p.name, p.unit]));
  for (const l of limits ?? []) {
    if ((unitOf.get(l.name) ?? "requests") !== "requests") continue;
    if (out.remaining === undefined || l.remaining < out.remaining) out.remaining = l.remaining;
  }
  return out.ratePerSecond === undefined && out.remaining === undefined ? undefined : out;
}
