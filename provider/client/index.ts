/**
 * The Marin Social API client: undici pool, retries with Retry-After,
 * adaptive concurrency, batched reads, and one error family that never
 * carries the API key.
 *
 * ```ts
 * const client = new MarinSocialClient(resolveConnection({ config: (k) => cfg.get(k), env: process.env }));
 * const account = await client.getAccount("fb-1001");
 * ```
 */

export { type Clock, realClock } from "../core/clock";
export { type AccountsByPersonQuery, type ClientMetrics, type ListAccountsQuery, MarinSocialClient, type PacingState, type SandboxApi } from "./client";
export {
  type ErrorCode,
  type ErrorContext,
  type ErrorKind,
  errorForStatus,
  errors,
  isMarinSocialError,
  isNotFound,
  MarinSocialError,
  type ProblemDetails,
} from "./errors";
export {
  API_MAX_BATCH,
  type ClientOptions,
  type Connection,
  type ConnectionSource,
  DEFAULT_API_URL,
  DEFAULTS,
  isLoopbackHost,
  type RequestEvent,
  type ResolvedOptions,
  resolveConnection,
  resolveOptions,
} from "./options";
export {
  type Advertisement,
  MAX_PACED_WINDOW_S,
  parseRateLimit,
  parseRateLimitPolicy,
  type QuotaPolicy,
  readAdvertisement,
  type ServiceLimit,
} from "./ratelimit-headers";
export {
  ASKS_PER_PAGE,
  PROBE_PAGES,
  READ_AHEAD_FRESH_MS,
  READ_AHEAD_PAGE,
  ReadAhead,
  type ReadAheadClient,
  type ReadAheadOptions,
  type ReadAheadStats,
} from "./read-ahead";
export { backoffDelay, classifyTransportError, decideRetry, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry";
export { ENV_SETTINGS, PULUMI_SETTINGS, type SettingHelp, type SettingName, settingEnv } from "./settings";
export { USER_AGENT, VERSION } from "./version";
