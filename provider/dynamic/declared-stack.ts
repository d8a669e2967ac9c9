/**
 * A whole stack from declaration files: one PublisherToken per entry, and a
 * stack output summarizing the audit. The repository's own program and
 * examples/yaml-stack both run this.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { formatProblem, loadDeclarationSet, setProblems } from "../declarations";
import { PublisherToken, REPORTED_ERROR_EXIT_CODE, type TokenAudit } from ".";
import { programConnectionError } from "./lookup";
import { Offboarding } from "./offboarding";
import { programTokens } from "./program-tokens";
import { actedOn, tokenAudit } from "./publisher-token";
import { withoutStackTraces } from "./stack-traces";

/** Exit code for a rejected declaration file or configuration (no resource is registered), or a refused token. */
export const USER_ERROR_EXIT_CODE = REPORTED_ERROR_EXIT_CODE;

/** Options for {@link declaredStack}. */
export interface DeclaredStackOptions {
  /**
   * The declaration file, or several: files and folders (a folder's `*.yaml` and `*.yml` files).
   * Relative paths resolve against the project directory (the folder of Pulumi.yaml, not the
   * program's working directory: for `main: dist/program.js` the CLI runs the program in dist/).
   * Default: config `marin-social:declarations` (a path, or a list set with
   * `pulumi config set --path 'marin-social:declarations[0]' FILE`), else `tokens.yaml`.
   */
  file?: string | readonly string[];
}

/** Stack outputs of a declared stack. */
export interface DeclaredStackOutputs {
  /** The declaration files that were loaded, comma-separated, as named relative to the project. */
  declarations: string;
  /** Per account: live validity, linked agencies and the action `pulumi up` takes. */
  audit: pulumi.Output<Record<string, Omit<TokenAudit, "accountId">>>;
}

/**
 * Loads the declaration files and registers one PublisherToken per entry, named by its
 * accountId, and one {@link Offboarding} per `people:` entry, named by its person. A rejected
 * file is reported with `pulumi.log.error` (every problem, file:line:col) and registers none of
 * its entries; the other files' entries are registered, so one bad file blocks no offboarding.
 * An account declared in two files is refused in both (neither is registered). Then `pulumi up`
 * fails (exit code 32), so nothing is deleted; a preview exits 0, so that the preview `pulumi up`
 * runs first does not stop the rest. A missing API key registers nothing. More tokens than the
 * supported stack size (SUPPORTED_STACK_TOKENS) get a warning before anything is registered.
 * An entry that is refused (see {@link PublisherToken}) does not stop the others.
 */
export async function declaredStack(opts: DeclaredStackOptions = {}): Promise<Partial<DeclaredStackOutputs>> {
  // Tokens the program declared before calling this are not decided until the file's are
  // declared too: two resources for one account are refused whichever comes first.
  const release = programTokens().hold();
  try {
    return await declareFromFile(opts);
  } finally {
    release();
  }
}

async function declareFromFile(opts: DeclaredStackOptions): Promise<Partial<DeclaredStackOutputs>> {
  const projectDir = pulumi.getRootDirectory() || process.cwd();
  const named = opts.file ?? configuredFiles();
  if (typeof named === "object" && "error" in named) return fail(named.error);
  const shown = (typeof named === "string" ? [named] : named).map((f) => path.relative(projectDir, path.resolve(projectDir, f)) || f);
  const set = await loadDeclarationSet(shown, projectDir);
  const problems = setProblems(set);
  const shownList = shown.join(", ");
  for (const w of set.warnings) void pulumi.log.warn(w);
  if (problems.length > 0) {
    const bad = [...new Set(problems.map((p) => p.file))];
    const registered = set.tokens.length + set.people.length;
    void pulumi.log.error(
      (registered > 0
        ? `${bad.join(", ")}: problems below; their tokens were not registered (a preview shows any already in the stack as deletes; up fails instead of deleting them), the other ${registered.toLocaleString("en-US")} were:\n`
        : `${bad.join(", ")} was rejected; nothing was registered:\n`) +
        problems.map(formatProblem).join("\n") +
        `\nFix the problems above (\`marin-social validate ${shown.join(" ")}\` checks ${shown.length > 1 ? "them" : "the file"}), then run the command again.`,
    );
    // As for a refused token: a preview with other tokens to cut exits 0, so that the preview
    // `pulumi up` runs first does not stop them; the up itself fails, so the engine deletes
    // nothing of what was not registered.
    if (registered === 0) {
      process.exitCode = USER_ERROR_EXIT_CODE;
      return {};
    }
    if (!pulumi.runtime.isDryRun()) process.exitCode = USER_ERROR_EXIT_CODE;
  }
  const connection = programConnectionError();
  if (connection) return fail(connection.message);

  const tokens = withoutStackTraces(() =>
    set.tokens.map(
      (t) =>
        new PublisherToken(t.accountId, {
          accountId: t.accountId,
          valid: t.valid,
          ...(t.publisher !== undefined ? { publisher: t.publisher } : {}),
          ...(t.reason !== undefined ? { reason: t.reason } : {}),
          ...(t.expectAgencies !== undefined ? { expectAgencies: t.expectAgencies } : {}),
        }),
    ),
  );
  // Each person is asked of the API again on every run (see Offboarding).
  withoutStackTraces(() =>
    set.people.map(
      (p) =>
        new Offboarding(p.person.replace(/::/g, ":_"), {
          person: p.person,
          ...(p.reason !== undefined ? { reason: p.reason } : {}),
          ...(p.keep !== undefined ? { keep: p.keep } : {}),
          ...(p.expectAccounts !== undefined ? { expectAccounts: p.expectAccounts } : {}),
        }),
    ),
  );
  // The tokens' inputs are the file's plain values, so their audits are plain promises (see
  // PublisherToken): one Output for the whole summary, not one per token.
  const audits = tokens.map(tokenAudit);
  const rows = audits.every((a): a is Promise<TokenAudit> => !pulumi.Output.isInstance(a)) ? pulumi.output(Promise.all(audits)) : pulumi.all(audits);
  const summary = rows.apply((all) => Object.fromEntries(all.map(({ accountId, ...rest }) => [accountId, rest])));
  // In `pulumi up` the summary (each row's `action` is the plan) is recorded only once every token
  // has been acted on: an up cancelled or failed before then records no action that never ran.
  return { declarations: shownList, audit: pulumi.all([summary, actedOn(tokens)]).apply(([all]) => all) };
}

/** Config `marin-social:declarations`: a path, or a list of paths (set with `--path`); default `tokens.yaml`. */
function configuredFiles(): string | readonly string[] | { error: string } {
  const raw = new pulumi.Config("marin-social").get("declarations");
  if (raw === undefined) return "tokens.yaml";
  if (!raw.trim().startsWith("[")) return raw;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    list = undefined;
  }
  if (Array.isArray(list) && list.length > 0 && list.every((f) => typeof f === "string" && f !== "")) return list as string[];
  return {
    error:
      "config marin-social:declarations must be a file or folder, or a non-empty list of them: " +
      "`pulumi config set --path 'marin-social:declarations[0]' part-1.yaml`, `--path 'marin-social:declarations[1]' part-2.yaml`",
  };
}

function fail(message: string): Record<string, never> {
  void pulumi.log.error(message);
  process.exitCode = USER_ERROR_EXIT_CODE;
  return {};
}
