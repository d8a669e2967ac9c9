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
export {
  MarinSocialError,
  errors,
  errorForStatus,
  isNotFound,
  isMarinSocialError,
  type ErrorCode,
  type ErrorKind,
  type ErrorContext,
  type ProblemDetails,
} from "./errors";
export {
  resolveConnection,
  resolveOptions,
  isLoopbackHost,
  DEFAULT_API_URL,
  DEFAULTS,
  API_MAX_BATCH,
  type ClientOptions,
  type Connection,
  type ConnectionSource,
  type RequestEvent,
  type ResolvedOptions,
} from "./options";
export { ENV_SETTINGS, PULUMI_SETTINGS, settingEnv, type SettingHelp, type SettingName } from "./settings";
export { MarinSocialClient, type ClientMetrics, type PacingState, type ListAccountsQuery, type SandboxApi } from "./client";
export { parseRetryAfter, backoffDelay, isRetryableStatus, decideRetry, classifyTransportError, type RetryPolicy } from "./retry";
export {
  parseRateLimitPolicy,
  parseRateLimit,
  readAdvertisement,
  MAX_PACED_WINDOW_S,
  type QuotaPolicy,
  type ServiceLimit,
  type Advertisement,
} from "./ratelimit-headers";
export { realClock, type Clock } from "../core/clock";
export { VERSION, USER_AGENT } from "./version";
export {
  ReadAhead,
  READ_AHEAD_PAGE,
  READ_AHEAD_FRESH_MS,
  PROBE_PAGES,
  ASKS_PER_PAGE,
  type ReadAheadClient,
  type ReadAheadOptions,
  type ReadAheadStats,
} from "./read-ahead";
