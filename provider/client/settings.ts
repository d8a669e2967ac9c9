/**
 * How a user sets each connection setting, in the words of the entry point they use: the fix an
 * error message suggests must name what that entry point reads. The stack program and the
 * provider read Pulumi config, then the environment ({@link PULUMI_SETTINGS}, the default);
 * `marin-social audit` reads flags and the environment, never Pulumi config (its own
 * {@link SettingHelp}, in provider/cli).
 */

import type { CONNECTION_SETTINGS } from "../core/config-advice";

/** A connection setting {@link resolveConnection} reads: `marin-social:<name>` in config. */
export type SettingName = (typeof CONNECTION_SETTINGS)[number];

/** The environment variable of a setting: `apiUrl` -> `MARIN_SOCIAL_API_URL`. */
export function settingEnv(name: SettingName): string {
  return `MARIN_SOCIAL_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The Pulumi config key of a setting: `apiUrl` -> `marin-social:apiUrl`. */
export function settingConfigKey(name: SettingName): string {
  return `marin-social:${name}`;
}

/** How to set and how to check a setting where the client is used, for the fixes in error messages. */
export interface SettingHelp {
  /** How to set `name` to `value`, to follow "Set it with": e.g. "`pulumi config set marin-social:apiUrl <url>` or MARIN_SOCIAL_API_URL=<url>". */
  set(name: SettingName, value: string): string;
  /** How to see the value in use, to follow "Check": e.g. "`pulumi config get marin-social:apiUrl` (or MARIN_SOCIAL_API_URL)". */
  show(name: SettingName): string;
}

/** Pulumi config first, then the environment: the stack program and the provider (and the client's default). */
export const PULUMI_SETTINGS: SettingHelp = {
  set: (name, value) => `\`pulumi config set${name === "apiKey" ? " --secret" : ""} ${settingConfigKey(name)} ${value}\` or ${settingEnv(name)}=${value}`,
  show: (name) => `\`pulumi config get ${settingConfigKey(name)}\` (or ${settingEnv(name)})`,
};

/** The environment only: for code that resolves the connection from the environment alone. */
export const ENV_SETTINGS: SettingHelp = {
  set: (name, value) => `\`export ${settingEnv(name)}=${value}\``,
  show: (name) => settingEnv(name),
};
