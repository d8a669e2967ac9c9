/**
 * The dynamic path's warnings about config: an API key set as plain config, and a
 * `marin-social:` key nothing reads. The program sees which config keys are secret (the language
 * host passes their names); the engine then stores all config in the dynamic provider's inputs,
 * in the checkpoint, as it was set.
 */
import * as pulumi from "@pulumi/pulumi";
import { plaintextApiKeyWarning, unknownConfigKeyWarning } from "../core";

const KEY = "marin-social:apiKey";

/** The SDK's own test of a config key's secrecy (runtime/config.js, internal but exported at run time). */
function isSecretConfig(key: string): boolean | undefined {
  const f = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return typeof f === "function" ? f(key) : undefined;
}

/** Logs the warning once per program when `marin-social:apiKey` is set but not as a secret. */
export function warnIfPlaintextApiKey(): void {
  if (pulumi.runtime.getConfig(KEY) === undefined || isSecretConfig(KEY) !== false) return;
  void pulumi.log.warn(plaintextApiKeyWarning(pulumi.getStack()));
}

/** Logs a warning for each `marin-social:` key of the stack's config that nothing reads (`marin-social:apiurl`). */
export function warnOfUnknownConfigKeys(): void {
  for (const key of Object.keys(pulumi.runtime.allConfig())) {
    if (!key.startsWith("marin-social:")) continue;
    const warning = unknownConfigKeyWarning(key.slice("marin-social:".length));
    if (warning) void pulumi.log.warn(warning);
  }
}
