/**
 * The dynamic path's warning for an API key set as plain config. The program sees which config
 * keys are secret (the language host passes their names); the engine then stores all config in the
 * dynamic provider's inputs, in the checkpoint, as it was set.
 */
import * as pulumi from "@pulumi/pulumi";
import { plaintextApiKeyWarning } from "../core";

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
