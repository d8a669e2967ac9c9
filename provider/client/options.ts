/**
 * Client options: defaults, validation (URL, key, transport safety) and
 * `resolveConnection`, which reads the base URL and key from Pulumi config
 * or the environment.
 *
 * Checked here, not by an ajv schema: one with these ranges and defaults is no shorter, needs a
 * mapping to keep these messages, writes defaults into the caller's object and compiles in every
 * process; its `coerceTypes` would read "0x10" or " 16" as 16, which `parseNumber` refuses.
 */
import { isIP } from "node:net";
import { type Clock, realClock } from "../core/clock";
import { LIST_ACCOUNTS } from "../generated/contract";
import { errors } from "./errors";
import { makeRedactor, truncate } from "./redact";
import { PULUMI_SETTINGS, type SettingHelp, type SettingName, settingConfigKey, settingEnv } from "./settings";

/** What the client reports to {@link ClientOptions.onRequest} after every attempt. Never holds the key. */
export interface RequestEvent {
  method: string;
  /** Path and query, e.g. `/v1/accounts?ids=a,b`. */
  path: string;
  /** Response status, when a response arrived. */
  status?: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Why the attempt failed without a response (e.g. `ECONNRESET`), scrubbed. */
  error?: string;
}

/** Options of {@link MarinSocialClient}. Only `baseUrl` and `apiKey` are required. */
export interface ClientOptions {
  /** e.g. `https://api.marin.example` or `http://127.0.0.1:8787`; a path prefix is kept. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged or put in an error. */
  apiKey: string;
  /** Allow plain http:// to a non-loopback host. Default false. */
  allowInsecureHttp?: boolean;
  /**
   * How the user sets the URL, key and opt-ins where this client is used, named in the fixes
   * error messages suggest. Default {@link PULUMI_SETTINGS} (Pulumi config, or the environment).
   */
  settings?: SettingHelp;
  /** undici Pool connections per origin. Default 8. */
  connections?: number;
  /**
   * In-flight request cap. Default 16; with `adaptiveConcurrency`, halved on 429
   * and grown back by one per success streak.
   * Environment/config knob: `MARIN_SOCIAL_MAX_CONCURRENCY` / `marin-social:maxConcurrency`.
   */
  maxConcurrency?: number;
  /**
   * Slow down under 429 instead of hammering. Default true:
   * - the in-flight cap is halved on a 429 burst and grown back slowly (AIMD);
   * - requests are paced to just under the server's rate limit (a token bucket,
   *   see pacer.ts): the one its `RateLimit-Policy` header advertises, from the
   *   first response that carries it, before any 429; otherwise the rate the
   *   client learns from the 429s it gets. Its `RateLimit` header's remaining
   *   quota keeps the client from bursting into an exhausted window.
   * False keeps a fixed cap of `maxConcurrency` and no pacing (beyond
   * `rateLimitPerSecond` when set), and ignores the rate-limit headers; every
   * 429 still pauses the queue for its Retry-After.
   * This is the "naive" mode of the benchmark; there is no reason to turn it off otherwise.
   * Environment/config knob: `MARIN_SOCIAL_ADAPTIVE_CONCURRENCY` / `marin-social:adaptiveConcurrency`.
   */
  adaptiveConcurrency?: boolean;
  /**
   * The API's rate limit in requests per second, when known: requests are
   * paced to it from the first one, whatever the server's `RateLimit-Policy`
   * header says. Default: unknown (advertised by the server, or learned from
   * 429s, when `adaptiveConcurrency` is on). With adaptive concurrency a 429 still lowers it.
   * Environment/config knob: `MARIN_SOCIAL_RATE_LIMIT` / `marin-social:rateLimit`.
   */
  rateLimitPerSecond?: number;
  /**
   * Per-attempt timeouts (connect, headers, body) and the per-call deadline, in ms.
   * undici checks the headers and body timeouts on a coarse clock (about 1 s
   * resolution); the deadline is exact.
   */
  timeouts?: {
    /** TCP/TLS connect timeout. Default 10 000. */
    connectMs?: number;
    /** Time to receive response headers. Default 30 000. */
    headersMs?: number;
    /** Longest gap between body chunks. Default 30 000. */
    bodyMs?: number;
    /**
     * Overall time per call, from its first attempt: attempts, backoff and the
     * waits of its retries (which go ahead of new calls in the client's queue).
     * Time queued before the first attempt, behind the client's own pacing and
     * in-flight cap, does not count: a stack of thousands of resources queues
     * most of its calls there, and they are not late. Default 60 000.
     */
    deadlineMs?: number;
  };
  retry?: {
    /** Attempts per call, the first included. Default 6. */
    maxAttempts?: number;
    /** Base of the exponential backoff (full jitter). Default 100. */
    baseDelayMs?: number;
    /** Cap of one backoff delay. Default 5 000. */
    maxDelayMs?: number;
    /** Cap applied to a server's Retry-After. Default 30 000. */
    maxRetryAfterMs?: number;
    /** Attempts when the connection is refused (nothing listening). Default 3. */
    refusedAttempts?: number;
  };
  /**
   * Coalesce concurrent `getAccount` calls into `GET /v1/accounts?ids=`. Default true.
   * False sends one `GET /v1/accounts/{id}` per lookup (the benchmark's naive baseline).
   * Environment/config knob: `MARIN_SOCIAL_BATCH_READS` / `marin-social:batchReads`.
   */
  batchReads?: boolean;
  /** Ids per batched request, from 1 to the API maximum (`LIST_ACCOUNTS.maxIds` of the contract), which is the default. */
  maxBatchSize?: number;
  /**
   * Lookups made in one tick share a request at once. Lookups that trickle in
   * while batches are being sent (one per resource, from the Pulumi engine)
   * wait for a quiet gap this long with no new lookup, so they gather into
   * full requests. Default 50 ms.
   */
  batchWindowMs?: number;
  /** The longest a trickling lookup waits for its batch to fill, ms (at least `batchWindowMs`). Default 1 000. */
  batchMaxWaitMs?: number;
  /** Replaces the default User-Agent, `pulumi-marin-social/<version>`. */
  userAgent?: string;
  /** Observability hook, called after every attempt. Exceptions it throws are ignored. */
  onRequest?: (e: RequestEvent) => void;
  /**
   * The clock and timers of every wait (backoff, Retry-After, deadline, pacing, batching
   * windows). Default: the real ones. Tests inject a clock they move by hand.
   */
  clock?: Clock;
}

/** {@link ClientOptions} with every default filled in and the URL parsed. */
export interface ResolvedOptions {
  origin: string;
  /** Path prefix of the base URL without a trailing slash ("" for none). */
  basePath: string;
  /** The base URL as shown in messages (no credentials, no query). */
  displayUrl: string;
  apiKey: string;
  connections: number;
  maxConcurrency: number;
  adaptiveConcurrency: boolean;
  /** Known rate limit (requests/s), or undefined when unknown. */
  rateLimitPerSecond: number | undefined;
  timeouts: { connectMs: number; headersMs: number; bodyMs: number; deadlineMs: number };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number; refusedAttempts: number };
  batchReads: boolean;
  maxBatchSize: number;
  batchWindowMs: number;
  batchMaxWaitMs: number;
  userAgent?: string;
  onRequest?: (e: RequestEvent) => void;
  clock: Clock;
  /** See {@link ClientOptions.settings}. */
  settings: SettingHelp;
}

/** The embedded sandbox's address, used when no API URL is configured. */
export const DEFAULT_API_URL = "http://127.0.0.1:8787";

/** Defaults of every numeric option. */
export const DEFAULTS = {
  connections: 8,
  maxConcurrency: 16,
  timeouts: { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000, deadlineMs: 60_000 },
  retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5_000, maxRetryAfterMs: 30_000, refusedAttempts: 3 },
  maxBatchSize: LIST_ACCOUNTS.maxIds,
  batchWindowMs: 50,
  batchMaxWaitMs: 1_000,
} as const;

/** The API's limit on ids per `GET /v1/accounts?ids=` (from the contract). */
export const API_MAX_BATCH = LIST_ACCOUNTS.maxIds;

/**
 * True for hosts that never leave the machine, judged from the name alone (no DNS lookup):
 * the IP literals 127.0.0.0/8, `::1` and IPv4-mapped 127.x, and the exact name `localhost`.
 * Other names, `*.localhost` and `localhost.` included, are not loopback: whether they resolve
 * to this machine depends on the resolver (RFC 6761 is not enforced everywhere), so plain http
 * to them needs `allowInsecureHttp`, like any remote host.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  const kind = isIP(h);
  if (kind === 4) return h.startsWith("127.");
  if (kind === 6) {
    if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped?.[1]) return mapped[1].startsWith("127.");
    const mappedHex = /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.exec(h);
    return mappedHex !== null;
  }
  return false;
}

/** `raw` with whatever sits between `//` and an `@` (a user:password) replaced, for a message about a URL that does not parse. */
function withoutCredentials(raw: string): string {
  return raw.replace(/^([^/]*\/\/)[^/?#]*@/, "$1<credentials removed>@");
}

function num(value: number | undefined, fallback: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw errors.config(`${name} must be a number from ${min} to ${max}, got ${String(value)}`, `Fix ${name} in the client options.`);
  }
  return value;
}

/**
 * Validates `opts` and fills in defaults: the one validation of the client's settings, used by
 * the client's constructor and by {@link resolveConnection}. Throws MarinSocialError:
 * `config` for a bad URL, an empty or malformed key or an out-of-range number;
 * `insecure-transport` for http:// to a non-loopback host (see {@link isLoopbackHost}) without
 * `allowInsecureHttp`. Messages never contain the key. `urlFrom` names where the URL came
 * from in messages (e.g. `config marin-social:apiUrl`).
 */
export function resolveOptions(opts: ClientOptions, urlFrom?: string): ResolvedOptions {
  if (typeof opts !== "object" || opts === null) {
    throw errors.config("client options are missing", "Pass { baseUrl, apiKey } (see resolveConnection).");
  }
  const settings = opts.settings ?? PULUMI_SETTINGS;
  const apiKey = checkedKey(opts.apiKey, settings);
  const scrub = makeRedactor(apiKey).text;
  const { url, display } = checkedUrl(opts, urlFrom, settings, scrub);
  const t = opts.timeouts ?? {};
  const r = opts.retry ?? {};
  const resolved: ResolvedOptions = {
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ""),
    displayUrl: scrub(display),
    apiKey,
    connections: num(opts.connections, DEFAULTS.connections, "connections", 1, 1024),
    maxConcurrency: num(opts.maxConcurrency, DEFAULTS.maxConcurrency, "maxConcurrency", 1, 4096),
    adaptiveConcurrency: opts.adaptiveConcurrency ?? true,
    rateLimitPerSecond: opts.rateLimitPerSecond === undefined ? undefined : num(opts.rateLimitPerSecond, 0, "rateLimitPerSecond", 0.01, 1_000_000),
    timeouts: {
      connectMs: num(t.connectMs, DEFAULTS.timeouts.connectMs, "timeouts.connectMs", 1),
      headersMs: num(t.headersMs, DEFAULTS.timeouts.headersMs, "timeouts.headersMs", 1),
      bodyMs: num(t.bodyMs, DEFAULTS.timeouts.bodyMs, "timeouts.bodyMs", 1),
      deadlineMs: num(t.deadlineMs, DEFAULTS.timeouts.deadlineMs, "timeouts.deadlineMs", 1),
    },
    retry: {
      maxAttempts: num(r.maxAttempts, DEFAULTS.retry.maxAttempts, "retry.maxAttempts", 1, 100),
      baseDelayMs: num(r.baseDelayMs, DEFAULTS.retry.baseDelayMs, "retry.baseDelayMs", 0),
      maxDelayMs: num(r.maxDelayMs, DEFAULTS.retry.maxDelayMs, "retry.maxDelayMs", 0),
      maxRetryAfterMs: num(r.maxRetryAfterMs, DEFAULTS.retry.maxRetryAfterMs, "retry.maxRetryAfterMs", 0),
      refusedAttempts: num(r.refusedAttempts, DEFAULTS.retry.refusedAttempts, "retry.refusedAttempts", 1, 100),
    },
    batchReads: opts.batchReads ?? true,
    maxBatchSize: num(opts.maxBatchSize, DEFAULTS.maxBatchSize, "maxBatchSize", 1, API_MAX_BATCH),
    batchWindowMs: num(opts.batchWindowMs, DEFAULTS.batchWindowMs, "batchWindowMs", 0),
    batchMaxWaitMs: 0,
    clock: opts.clock ?? realClock,
    settings,
  };
  resolved.batchMaxWaitMs = Math.max(resolved.batchWindowMs, num(opts.batchMaxWaitMs, DEFAULTS.batchMaxWaitMs, "batchMaxWaitMs", 0));
  if (opts.userAgent !== undefined) {
    if (!/^[\x20-\x7e]*$/.test(opts.userAgent)) {
      throw errors.config("userAgent must be printable ASCII", "Fix userAgent in the client options.");
    }
    resolved.userAgent = scrub(opts.userAgent);
  }
  if (opts.onRequest !== undefined) resolved.onRequest = opts.onRequest;
  return resolved;
}

/** The trimmed API key; throws `config` when it is empty or has characters a header cannot carry. */
function checkedKey(value: unknown, settings: SettingHelp): string {
  const keyFix = `Set a valid key with ${settings.set("apiKey", "<key>")}.`;
  const apiKey = typeof value === "string" ? value.trim() : "";
  if (!apiKey) throw errors.config("the API key is empty", keyFix);
  if (!/^[\x21-\x7e]+$/.test(apiKey)) {
    throw errors.config("the API key contains spaces, control or non-ASCII characters", keyFix);
  }
  return apiKey;
}

/**
 * The parsed API URL and its display form (without a trailing slash), checked in the order
 * {@link resolveOptions} documents; `scrub` takes the key out of every message.
 */
function checkedUrl(opts: ClientOptions, urlFrom: string | undefined, settings: SettingHelp, scrub: (s: string) => string): { url: URL; display: string } {
  const raw = typeof opts.baseUrl === "string" ? opts.baseUrl.trim() : "";
  const from = urlFrom ? ` (${urlFrom})` : "";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw errors.config(
      `the API URL "${scrub(withoutCredentials(raw))}"${from} is not a valid URL`,
      `Set an absolute URL such as https://api.example.com with ${settings.set("apiUrl", "<url>")}.`,
    );
  }
  const display = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw errors.config(
      `the API URL ${scrub(display)}${from} uses ${url.protocol.replace(/:$/, "")}, not http or https`,
      `Set an https:// URL with ${settings.set("apiUrl", "<url>")}.`,
    );
  }
  if (url.username || url.password) {
    throw errors.config(
      `the API URL ${scrub(display)}${from} embeds credentials`,
      `Remove the user:password part; set the key with ${settings.set("apiKey", "<key>")}.`,
    );
  }
  if (url.search || url.hash) {
    throw errors.config(`the API URL ${scrub(display)}${from} has a query or fragment`, "Set only scheme, host, port and an optional path prefix.");
  }
  if (url.protocol === "http:" && !opts.allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw errors.insecureTransport(scrub(display), scrub(url.hostname), urlFrom, settings);
  }
  return { url, display };
}

/** Where {@link resolveConnection} reads settings from. */
export interface ConnectionSource {
  /** Values given on a command line, which win over config and the environment, each with the flag that gave it (`--api-url`). */
  flags?: Partial<Record<SettingName, { value: string; flag: string }>>;
  /** Reads a Pulumi config value by its full key, e.g. `marin-social:apiKey`. */
  config?: (key: string) => string | undefined;
  /** Environment, usually `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * How the user sets these where they are read, for the fixes in error messages; default
   * {@link PULUMI_SETTINGS}. Pass it to the client too (`new MarinSocialClient({ ...connection, settings })`).
   */
  settings?: SettingHelp;
}

/**
 * The resolved connection settings, ready for {@link ClientOptions}. The
 * tuning members are present only when set in config or the environment, so
 * the client's defaults apply otherwise.
 */
export interface Connection {
  baseUrl: string;
  apiKey: string;
  allowInsecureHttp: boolean;
  /** From `marin-social:batchReads` / `MARIN_SOCIAL_BATCH_READS`. */
  batchReads?: boolean;
  /** From `marin-social:adaptiveConcurrency` / `MARIN_SOCIAL_ADAPTIVE_CONCURRENCY`. */
  adaptiveConcurrency?: boolean;
  /** From `marin-social:maxConcurrency` / `MARIN_SOCIAL_MAX_CONCURRENCY`. */
  maxConcurrency?: number;
  /** From `marin-social:rateLimit` / `MARIN_SOCIAL_RATE_LIMIT` (requests per second). */
  rateLimitPerSecond?: number;
}

/** A setting read by {@link resolveConnection}: its value and where it came from. */
interface Setting {
  name: SettingName;
  value: string;
  /** e.g. `config marin-social:batchReads` or `environment MARIN_SOCIAL_BATCH_READS`. */
  from: string;
  /** How to set it where it was read. */
  help: SettingHelp;
}

function fixOf(s: Setting, example: string): string {
  return `Set it with ${s.help.set(s.name, example)}.`;
}

function parseBool(s: Setting, scrub: (s: string) => string): boolean {
  const v = s.value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off", ""].includes(v)) return false;
  throw errors.config(`${s.from} must be true or false, got "${truncate(scrub(s.value), 100)}"`, `Set it with ${s.help.set(s.name, "true")} (or false).`);
}

function parseNumber(s: Setting, scrub: (s: string) => string, min: number, max: number, integer: boolean): number {
  const v = s.value.trim();
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw errors.config(
      `${s.from} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}, got "${truncate(scrub(s.value), 100)}"`,
      fixOf(s, String(integer ? Math.max(min, 16) : 100)),
    );
  }
  return n;
}

/**
 * Reads and validates the connection settings: the one resolver behind the provider host, the
 * program's lookup and its fail-fast check, and the CLI. Command-line `flags` win over Pulumi
 * config keys `marin-social:apiUrl`, `marin-social:apiKey` and `marin-social:allowInsecureHttp`,
 * which win over the environment variables `MARIN_SOCIAL_API_URL`, `MARIN_SOCIAL_API_KEY` and
 * `MARIN_SOCIAL_ALLOW_INSECURE_HTTP`; empty values count as unset. The URL
 * defaults to the embedded sandbox, {@link DEFAULT_API_URL}. A missing key
 * throws a MarinSocialError `config` naming the ways to set it (`source.settings`). The result is validated with
 * {@link resolveOptions} before it is returned, so a bad URL, plain http to a remote host
 * (`insecure-transport`) or a malformed key fails here, once, naming where the URL came from.
 * The URL is returned as given (a path prefix is kept; one ending in `/v1` is a mistake that
 * the first request reports, see the client's `route-not-found`).
 *
 * Tuning knobs, read the same way (config wins, empty is unset) and returned
 * only when set; see {@link ClientOptions} for what each does:
 * | config key | environment | type |
 * | --- | --- | --- |
 * | `marin-social:batchReads` | `MARIN_SOCIAL_BATCH_READS` | true/false |
 * | `marin-social:adaptiveConcurrency` | `MARIN_SOCIAL_ADAPTIVE_CONCURRENCY` | true/false |
 * | `marin-social:maxConcurrency` | `MARIN_SOCIAL_MAX_CONCURRENCY` | whole number 1..4096 |
 * | `marin-social:rateLimit` | `MARIN_SOCIAL_RATE_LIMIT` | requests per second, 0.01..1000000 |
 * A malformed value throws a MarinSocialError `config` naming the setting and its source.
 */
export function resolveConnection(source: ConnectionSource): Connection {
  const help = source.settings ?? PULUMI_SETTINGS;
  const read = (name: SettingName): Setting | undefined => {
    const configKey = settingConfigKey(name);
    const envKey = settingEnv(name);
    const f = source.flags?.[name];
    if (f && f.value.trim() !== "") return { name, value: f.value.trim(), from: f.flag, help };
    const c = source.config?.(configKey);
    if (typeof c === "string" && c.trim() !== "") return { name, value: c.trim(), from: `config ${configKey}`, help };
    const e = source.env?.[envKey];
    if (typeof e === "string" && e.trim() !== "") return { name, value: e.trim(), from: `environment ${envKey}`, help };
    return undefined;
  };
  const key = read("apiKey");
  if (!key) {
    throw errors.config("no API key is set", `Set it with ${help.set("apiKey", "<key>")} (for the local sandbox: sandbox-admin).`);
  }
  const scrub = makeRedactor(key.value).text;
  const url = read("apiUrl");
  const insecure = read("allowInsecureHttp");
  const connection: Connection = {
    baseUrl: url?.value ?? DEFAULT_API_URL,
    apiKey: key.value,
    allowInsecureHttp: insecure ? parseBool(insecure, scrub) : false,
  };
  const batch = read("batchReads");
  if (batch) connection.batchReads = parseBool(batch, scrub);
  const adaptive = read("adaptiveConcurrency");
  if (adaptive) connection.adaptiveConcurrency = parseBool(adaptive, scrub);
  const max = read("maxConcurrency");
  if (max) connection.maxConcurrency = parseNumber(max, scrub, 1, 4096, true);
  const rate = read("rateLimit");
  if (rate) connection.rateLimitPerSecond = parseNumber(rate, scrub, 0.01, 1_000_000, false);
  resolveOptions({ ...connection, settings: help }, url?.from ?? `the default ${DEFAULT_API_URL}`);
  return connection;
}
