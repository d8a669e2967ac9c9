/**
 * A whole stack from a declaration file: one PublisherToken per entry, and a
 * stack output summarizing the audit. The repository's own program and
 * examples/yaml-stack both run this.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { formatProblem, loadDeclarations } from "../declarations";
import { PublisherToken, REPORTED_ERROR_EXIT_CODE, type TokenAudit } from ".";
import { programConnectionError } from "./lookup";
import { Offboarding } from "./offboarding";
import { programTokens } from "./program-tokens";
import { tokenAudit } from "./publisher-token";
import { withoutStackTraces } from "./stack-traces";

/** Exit code for a rejected declaration file or configuration (no resource is registered), or a refused token. */
export const USER_ERROR_EXIT_CODE = REPORTED_ERROR_EXIT_CODE;

/** Options for {@link declaredStack}. */
export interface DeclaredStackOptions {
  /**
   * The declaration file; relative paths resolve against the project directory (the folder of
   * Pulumi.yaml, not the program's working directory: for `main: dist/program.js` the CLI runs the
   * program in dist/). Default: config `marin-social:declarations`, else `tokens.yaml`.
   */
  file?: string;
}

/** Stack outputs of a declared stack. */
export interface DeclaredStackOutputs {
  /** The declaration file that was loaded. */
  declarations: string;
  /** Per account: live validity, linked agencies and the action `pulumi up` takes. */
  audit: pulumi.Output<Record<string, Omit<TokenAudit, "accountId">>>;
}

/**
 * Loads the declaration file and registers one PublisherToken per entry,
 * named by its accountId, and one {@link Offboarding} per `people:` entry, named by its person. A rejected file, or a missing API key, is reported
 * with `pulumi.log.error` (every problem, file:line:col) and registers nothing:
 * the program exits with code 32 and no resource is created, changed or deleted.
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
  const configured = new pulumi.Config("marin-social").get("declarations");
  const projectDir = pulumi.getRootDirectory() || process.cwd();
  const file = path.resolve(projectDir, opts.file ?? configured ?? "tokens.yaml");
  const shown = path.relative(projectDir, file) || file;
  const result = await loadDeclarations(file);
  if (!result.ok) {
    return fail(
      `${shown} was rejected; nothing was registered:\n` +
        result.problems.map(formatProblem).join("\n") +
        `\nFix the problems above (\`marin-social validate ${shown}\` checks the file), then run the command again.`,
    );
  }
  const connection = programConnectionError();
  if (connection) return fail(connection.message);

  const tokens = withoutStackTraces(() =>
    result.tokens.map(
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
    result.people.map(
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
  const audit = rows.apply((all) => Object.fromEntries(all.map(({ accountId, ...rest }) => [accountId, rest])));
  return { declarations: shown, audit };
}

function fail(message: string): Record<string, never> {
  void pulumi.log.error(message);
  process.exitCode = USER_ERROR_EXIT_CODE;
  return {};
}
