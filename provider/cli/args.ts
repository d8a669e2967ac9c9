/** A small argument parser on node:util's parseArgs, with errors that say how to fix them. */
import { parseArgs } from "node:util";

/** Option specs: every option is a string or a boolean flag. */
export type OptionSpecs = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Parsed values: strings, booleans, or undefined when absent. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses `argv`; an unknown or malformed option becomes an Error naming the command's --help. */
export function parse(command: string, argv: string[], options: OptionSpecs): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (err) {
    throw new Error(`${(err as Error).message}. Run \`marin-social ${command} --help\` for usage.`);
  }
}

/** A string option that must be one of `allowed`; `fallback` when absent. An Error lists the choices. */
export function choice<T extends string>(command: string, name: string, value: string | boolean | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  throw new Error(`--${name} ${String(value)}: must be one of ${allowed.join(", ")}. Run \`marin-social ${command} --help\` for usage.`);
}
