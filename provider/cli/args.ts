/**
 * The one argument parser of `marin-social` (node:util's parseArgs, strict) and the help text
 * made from the same option specs, so that what `--help` documents is what the parser accepts.
 */
import { parseArgs } from "node:util";

/** One option: a string or a boolean flag, with its help. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** A one-letter alias (`-o`). */
  short?: string;
  /** What the value is called in the help (`--format FORMAT`); string options only. */
  value?: string;
  /** The help text; lines after the first are indented under it. */
  help: string;
}

/** A command: its synopsis, options and help text (see `provider/cli/commands.ts`). */
export interface CommandSpec {
  name: string;
  /** One line for `marin-social --help`. */
  summary: string;
  /** What follows `marin-social NAME` in the usage line, e.g. `FILE [FILE...] [--json]`. */
  synopsis: string;
  /** Paragraphs between the usage line and the options. */
  description: string;
  /** Whether the command takes operands (files); when false, any operand is an error. */
  positionals: boolean;
  options: Record<string, OptionSpec>;
  /** The text after the options: exit codes and notes. */
  footer: string;
}

/** Options every command takes besides its own. */
export const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h", help: "print this help" },
  debug: { type: "boolean", help: "print an error with its stack trace" },
} as const satisfies Record<string, OptionSpec>;

/** Parsed values: strings, booleans, or undefined when absent. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Every option of `spec`, its own first, then the common ones. */
export function allOptions(spec: Pick<CommandSpec, "options">): Record<string, OptionSpec> {
  return { ...spec.options, ...COMMON_OPTIONS };
}

/**
 * Parses `argv` (what follows the command name) strictly: an unknown option, a missing value, a
 * value given to a flag, or an operand to a command without operands is an Error naming the
 * command's --help.
 */
export function parse(spec: CommandSpec, argv: string[]): Parsed {
  const options = Object.fromEntries(
    Object.entries(allOptions(spec)).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: spec.positionals, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (err) {
    throw new Error(`${(err as Error).message.replace(/\.$/, "")}. Run \`marin-social ${spec.name} --help\` for usage.`);
  }
}

/** A string option that must be one of `allowed`; `fallback` when absent. An Error lists the choices. */
export function choice<T extends string>(command: string, name: string, value: string | boolean | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  throw new Error(`--${name} ${String(value)}: must be one of ${allowed.join(", ")}. Run \`marin-social ${command} --help\` for usage.`);
}

/** `-o, --output OUT` */
export function optionLabel(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}`;
}

/** The options as aligned help lines, two spaces in. */
export function optionLines(options: Record<string, OptionSpec>): string {
  const labels = Object.entries(options).map(([name, o]) => [optionLabel(name, o), o.help] as const);
  const width = Math.max(...labels.map(([l]) => l.length)) + 2;
  return labels
    .map(([label, help]) => {
      const [first, ...rest] = help.split("\n");
      return [`  ${label.padEnd(width)}${first}`, ...rest.map((l) => `  ${" ".repeat(width)}${l}`)].join("\n");
    })
    .join("\n");
}

/** The whole `marin-social NAME --help`. */
export function helpText(spec: CommandSpec): string {
  return [`usage: marin-social ${spec.name} ${spec.synopsis}`, "", spec.description, "", "options:", optionLines(allOptions(spec)), "", spec.footer].join("\n");
}
