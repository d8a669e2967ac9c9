/**
 * Provider configuration: the provider resource's inputs (for the default provider, every stack
 * config key under `marin-social:`), with the environment as fallback, as resolveConnection reads
 * them. Keys this provider does not know are tolerated: the repository's own project is named
 * `marin-social`, so its `marin-social:declarations` arrives here too.
 */
import { type Connection, MarinSocialClient, resolveConnection, resolveOptions, USER_AGENT } from "../client";
import { unknownConfigKeyWarning } from "../core";
import { hasUnknown } from "../token/inputs";
import { PACKAGE } from "./schema";
import type { Props } from "./wire";

/** Config keys the schema declares; `apiKey` is a secret. */
export const CONFIG_KEYS = ["apiUrl", "apiKey", "allowInsecureHttp"] as const;

/** A config reader over provider inputs, by full key (`marin-social:apiKey`), as resolveConnection wants. */
function configReader(values: Record<string, unknown>): (key: string) => string | undefined {
  return (key) => {
    if (!key.startsWith(`${PACKAGE}:`)) return undefined;
    const v = values[key.slice(PACKAGE.length + 1)];
    if (v === undefined || v === null || hasUnknown(v)) return undefined;
    return typeof v === "string" ? v : JSON.stringify(v);
  };
}

/** The connection the inputs (or the environment) describe; throws the client's clear `config` errors. */
export function connectionOf(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Connection {
  const connection = resolveConnection({ config: configReader(values), env });
  resolveOptions(connection); // validates the URL and transport now, not at the first request
  return connection;
}

/** A client for the connection. */
export function clientOf(connection: Connection): MarinSocialClient {
  return new MarinSocialClient({ ...connection, userAgent: USER_AGENT });
}

/**
 * CheckConfig: the failures of the inputs as a whole, and the inputs to record, with `apiKey`
 * always a secret (even when it was set as plain config), and a warning for each key nothing reads
 * (a key is never refused). Unknown values (preview) are not checked.
 *
 * A failure names no property: the engine prints a property failure as
 * `property apiUrl value {<the value>} has a problem`, which would print a password an `apiUrl`
 * embeds (and put it in `-v=9` logs). The message names the config key itself, never its value.
 */
export function checkConfig(
  news: Props,
  env: NodeJS.ProcessEnv = process.env,
): { secrets: Set<string>; failures: Array<{ property: string; reason: string }>; warnings: string[] } {
  const secrets = new Set(news.secrets);
  if (news.values.apiKey !== undefined) secrets.add("apiKey");
  const warnings = Object.keys(news.values)
    .filter((k) => !ENGINE_KEYS.has(k))
    .flatMap((k) => unknownConfigKeyWarning(k) ?? []);
  if (CONFIG_KEYS.some((k) => hasUnknown(news.values[k]))) return { secrets, failures: [], warnings };
  try {
    connectionOf(news.values, env);
    return { secrets, failures: [], warnings };
  } catch (err) {
    return { secrets, failures: [{ property: "", reason: (err as Error).message }], warnings };
  }
}

/** Inputs the engine adds to every provider's (pkg/resource/deploy/providers/registry.go): not the user's config. */
const ENGINE_KEYS = new Set(["version", "__internal"]);
