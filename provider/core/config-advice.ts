/** What both paths say about configuration: a key that leaks a secret, a key nothing reads. Pure. */

import { closest } from "./suggest";

/** The command that stores the API key encrypted. */
export const SECRET_API_KEY_COMMAND = "pulumi config set --secret marin-social:apiKey";

/**
 * The warning for an API key set as plain config (without `--secret`): where Pulumi then keeps
 * it in plaintext, and the fix.
 */
export function plaintextApiKeyWarning(stack?: string): string {
  const file = stack ? `Pulumi.${stack}.yaml` : "the stack's config file";
  return (
    `marin-social:apiKey is set as plain config, not as a secret: Pulumi keeps it in plaintext in ${file}, ` +
    "in the stack's update history (`pulumi stack history --json`) and, for the dynamic provider, in the checkpoint and its backups. " +
    `Store it encrypted with \`${SECRET_API_KEY_COMMAND} <key>\` (or set MARIN_SOCIAL_API_KEY in the environment instead), and rotate the key if that history is shared.`
  );
}

/**
 * The settings the client reads from config `marin-social:<name>` (and the environment), on both
 * paths: the connection, then the tuning knobs. The one list of them: the client's SettingName,
 * the schema's documentation and the unknown-key warning all derive from it.
 */
export const CONNECTION_SETTINGS = ["apiUrl", "apiKey", "allowInsecureHttp", "batchReads", "adaptiveConcurrency", "maxConcurrency", "rateLimit"] as const;

/** Every key under `marin-social:` something here reads: the settings and the declared stack's `declarations` (its file). */
export const KNOWN_CONFIG_KEYS: readonly string[] = [...CONNECTION_SETTINGS, "declarations"];

/**
 * The warning for a config key under `marin-social:` that nothing reads (`apiurl`, `apiURL`,
 * `apiUlr`), naming the closest known key, or listing them all when none is close; undefined
 * for a known key. `key` is the name after `marin-social:`. A warning, never a failure: an
 * unknown key changes nothing, and a project named `marin-social` may keep its own keys there.
 */
export function unknownConfigKeyWarning(key: string): string | undefined {
  if (KNOWN_CONFIG_KEYS.includes(key)) return undefined;
  const near = closest(key, KNOWN_CONFIG_KEYS);
  // Escaped: a key is user text, and goes to the terminal.
  const shown = `marin-social:${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key).slice(1, -1)}`;
  return near
    ? `Config key ${shown} is not one marin-social reads, so it is ignored; did you mean marin-social:${near}? ` +
        `Keys are case-sensitive: \`pulumi config rm ${shown}\`, then set marin-social:${near}.`
    : `Config key ${shown} is not one marin-social reads, so it is ignored (it reads ${KNOWN_CONFIG_KEYS.map((k) => `marin-social:${k}`).join(", ")}).`;
}
