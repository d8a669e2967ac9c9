/**
 * `marin-social validate FILE [FILE...] [--json]`: checks declaration files and folders
 * with the same loader the stack program and `audit` use, as one stack: an account declared
 * in two files is a problem, and a set above the supported stack size gets a warning.
 */
import { formatProblem, type LoadResult, loadDeclarationSet, setOk } from "../declarations";
import { plural } from "../report/text";
import { helpText, parse } from "./args";
import { VALIDATE } from "./commands";
import { err, errorInfo, out } from "./output";

/** The command's help text. */
export const USAGE = helpText(VALIDATE);

/** The one-line summary of a valid file: `ok: FILE declares N tokens (K valid: false)`. */
export function summary(result: Extract<LoadResult, { ok: true }>): string {
  const invalid = result.tokens.filter((t) => !t.valid).length;
  return `ok: ${result.file} declares ${plural(result.tokens.length, "token")} (${invalid.toLocaleString("en-US")} valid: false)`;
}

/**
 * Runs the command. Resolves to 0 when every file is valid, 1 otherwise;
 * throws an Error (printed without a stack by main) for bad arguments.
 */
export async function run(argv: string[]): Promise<number> {
  try {
    return await validate(argv);
  } catch (e) {
    if (!argv.includes("--json")) throw e;
    out(`${JSON.stringify({ error: errorInfo(e) }, null, 2)}\n`);
    err(`marin-social validate: ${(e as Error).message}\n`);
    return 1;
  }
}

async function validate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(VALIDATE, argv);
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    throw new Error("name at least one declaration file, e.g. `marin-social validate tokens.yaml` (see --help)");
  }
  const set = await loadDeclarationSet(positionals);
  const results = set.files;

  if (values.json) {
    const files = results.map((r) => (r.ok ? { file: r.file, ok: true, tokens: r.tokens } : { file: r.file, ok: false, problems: r.problems }));
    out(`${JSON.stringify({ files, problems: set.problems, warnings: set.warnings }, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (r.ok) out(`${summary(r)}\n`);
      else err(r.problems.map((p) => `${formatProblem(p)}\n`).join(""));
    }
    err(set.problems.map((p) => `${formatProblem(p)}\n`).join(""));
    for (const w of set.warnings) err(`warning: ${w}\n`);
  }
  return setOk(set) ? 0 : 1;
}
