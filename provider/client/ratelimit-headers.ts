/**
 * Reads the rate-limit headers a server advertises, in the syntax of
 * draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026), both structured-field Lists (RFC 9651):
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
import { parseList, type BareItem, type ListMember } from "./structured-fields";

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

const isInt = (b: BareItem | undefined, min: number): b is BareItem & { type: "integer" } =>
  b !== undefined && b.type === "integer" && b.value >= min;

function nameOf(m: ListMember): string | undefined {
  if (m.kind !== "item" || (m.item.type !== "string" && m.item.type !== "token")) return undefined;
  return m.item.value;
}

function membersOf(value: string | string[] | undefined): ListMember[] | undefined {
  if (value === undefined) return undefined;
  try {
    const members = parseList(value);
    return members.length > 0 ? members : undefined;
  } catch {
    return undefined;
  }
}

/** Parses `RateLimit-Policy`; undefined when absent, empty or malformed. */
export function parseRateLimitPolicy(value: string | string[] | undefined): QuotaPolicy[] | undefined {
  const members = membersOf(value);
  if (!members) return undefined;
  const out: QuotaPolicy[] = [];
  for (const m of members) {
    const name = nameOf(m);
    const q = m.params.get("q");
    const w = m.params.get("w");
    const qu = m.params.get("qu");
    if (name === undefined || !isInt(q, 0)) return undefined;
    if (w !== undefined && !isInt(w, 1)) return undefined;
    if (qu !== undefined && qu.type !== "string") return undefined;
    out.push({ name, quota: q.value, unit: qu?.value ?? "requests", ...(w ? { windowSeconds: w.value } : {}) });
  }
  return out;
}

/** Parses `RateLimit`; undefined when absent, empty or malformed. */
export function parseRateLimit(value: string | string[] | undefined): ServiceLimit[] | undefined {
  const members = membersOf(value);
  if (!members) return undefined;
  const out: ServiceLimit[] = [];
  for (const m of members) {
    const name = nameOf(m);
    const r = m.params.get("r");
    const t = m.params.get("t");
    if (name === undefined || !isInt(r, 0)) return undefined;
    if (t !== undefined && !isInt(t, 0)) return undefined;
    out.push({ name, remaining: r.value, ...(t ? { resetSeconds: t.value } : {}) });
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
  const limits = parseRateLimit(headers["ratelimit"]);
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
