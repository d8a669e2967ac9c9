/**
 * `marin-social audit (FILE | --person PERSON) [--format text|json|html|mermaid] [-o FILE] [--api-url URL]`:
 * live state against declarations, one row per declared token; or, with `--person`, every token
 * that person authorized, as offboarding them would declare it (`valid: false`). Exit 0 when `pulumi up` would succeed and nothing
 * drifted, 1 when `pulumi up` would fail (a refusal or an unknown account) or the audit could
 * not run, 2 on drift otherwise. The API key comes from MARIN_SOCIAL_API_KEY (never a flag:
 * flags end up in shell history and process lists, and never Pulumi config: this is no stack).
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { type ConnectionSource, ENV_SETTINGS, MarinSocialClient, resolveConnection, type SettingHelp, settingEnv, USER_AGENT } from "../client";
import { type Account, buildPersonReport, buildReport, isPersonReport, personSubject, planOffboarding, type Report } from "../core";
import { formatProblem, loadDeclarationSet, setProblems } from "../declarations";
import { REPORT_FORMATS, renderHtml, renderMermaid, tableOf } from "../report";
import { choice, helpText, parse } from "./args";
import { AUDIT } from "./commands";
import { err, errorInfo, out } from "./output";
import { renderTable, visible } from "./table";

/**
 * How `marin-social audit` is told the URL, the key and the opt-ins, for the fixes its errors
 * suggest: its flags and the environment. It reads no Pulumi config.
 */
export const AUDIT_SETTINGS: SettingHelp = {
  set: (name, value) =>
    name === "apiUrl"
      ? `--api-url ${value} or ${ENV_SETTINGS.set(name, value)}`
      : name === "allowInsecureHttp"
        ? `--allow-insecure-http or ${ENV_SETTINGS.set(name, value)}`
        : ENV_SETTINGS.set(name, value),
  show: (name) => (name === "apiUrl" ? `--api-url (else ${settingEnv(name)})` : ENV_SETTINGS.show(name)),
};

/** The exit codes of `marin-social audit`. */
export const AUDIT_EXIT = { ok: 0, fails: 1, drift: 2 } as const;

const USAGE = helpText(AUDIT);

/** The exit code for a report: whether `pulumi up` would fail, else whether anything drifted. */
export function auditExitCode(report: Report): number {
  if (report.summary.refused > 0 || report.summary.missing > 0) return AUDIT_EXIT.fails;
  return report.summary.drift > 0 ? AUDIT_EXIT.drift : AUDIT_EXIT.ok;
}

/** Runs the audit command. */
export async function run(argv: string[]): Promise<number> {
  const json = argv.includes("--json") || argv.includes("--format=json") || argv.some((a, i) => a === "--format" && argv[i + 1] === "json");
  try {
    return await audit(argv);
  } catch (e) {
    if (!json) throw e;
    out(`${JSON.stringify({ error: errorInfo(e) }, null, 2)}\n`);
    err(`marin-social audit: ${visible((e as Error).message)}\n`);
    return AUDIT_EXIT.fails;
  }
}

async function audit(argv: string[]): Promise<number> {
  const { values, positionals } = parse(AUDIT, argv);
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const person = typeof values.person === "string" ? values.person : undefined;
  if (person !== undefined && positionals.length > 0) {
    throw new Error(`--person audits that person's tokens instead of a FILE; give one of them, not both.\n${USAGE}`);
  }
  if (person === undefined && positionals.length === 0) throw new Error(`expected a declaration FILE (or several, or a folder) or --person.\n${USAGE}`);
  if (values.json && (values.format ?? "json") !== "json") throw new Error(`--json is --format json; give one of them.\n${USAGE}`);
  const format = choice("audit", "format", values.json ? "json" : values.format, REPORT_FORMATS, "text");

  let read: (client: MarinSocialClient) => Promise<Report>;
  let file: string | undefined;
  if (person !== undefined) {
    read = async (client) => buildPersonReport(person, await client.accountsAuthorizedBy(person), await client.audit());
  } else {
    file = positionals.join(", ");
    const set = await loadDeclarationSet(positionals);
    const problems = setProblems(set);
    for (const w of set.warnings) err(`warning: ${w}\n`);
    if (problems.length > 0) {
      if (format === "json") out(`${JSON.stringify({ file, problems }, null, 2)}\n`);
      err(problems.map((p) => `${formatProblem(p)}\n`).join(""));
      err(`${file}: ${problems.length} problem(s); nothing was audited.\n`);
      return AUDIT_EXIT.fails;
    }
    const loaded = set;
    read = async (client) => {
      const ids = loaded.tokens.map((t) => t.accountId);
      const progress = progressReporter(ids.length);
      const live = await readAll(client, ids, progress);
      progress.done();
      // Each person's accounts, listed in pages as the stack program asks for them on every run.
      const people = [];
      for (const p of loaded.people) {
        const found = await client.accountsAuthorizedBy(p.person);
        for (const a of found) live.set(a.id, a);
        people.push(planOffboarding(p, found));
      }
      return buildReport(loaded.tokens, live, await client.audit(), people);
    };
  }

  const flags: ConnectionSource["flags"] = {};
  if (values["api-url"] === "") throw new Error("--api-url is empty; give the API's base URL, e.g. --api-url https://api.example.com");
  if (typeof values["api-url"] === "string") flags.apiUrl = { value: values["api-url"], flag: "--api-url" };
  if (values["allow-insecure-http"]) flags.allowInsecureHttp = { value: "true", flag: "--allow-insecure-http" };
  const connection = resolveConnection({ flags, env: process.env, settings: AUDIT_SETTINGS });
  const client = new MarinSocialClient({ ...connection, settings: AUDIT_SETTINGS, userAgent: USER_AGENT });
  try {
    const report = await read(client);
    const source = { file, apiUrl: connection.baseUrl, generatedAt: new Date().toISOString() };
    const render = {
      text: () => renderReport(report),
      json: () => JSON.stringify(file === undefined ? { apiUrl: source.apiUrl, ...report } : { file, apiUrl: source.apiUrl, ...report }, null, 2),
      html: () => renderHtml(report, source),
      mermaid: () => renderMermaid(report),
    };
    const text = `${render[format]()}\n`;
    if (typeof values.output === "string") writeOutput(values.output, text);
    else out(text);
    return auditExitCode(report);
  } finally {
    await client.close();
  }
}

async function readAll(client: MarinSocialClient, ids: string[], progress: { tick(n: number): void }) {
  const chunk = 500;
  const live = new Map<string, Account>();
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    for (const [id, account] of await client.getAccounts(part)) live.set(id, account);
    progress.tick(part.length);
  }
  return live;
}

/** Progress on a terminal only (stderr), so pipes and --json stay clean. */
function progressReporter(total: number) {
  const tty = process.stderr.isTTY === true && total > 100;
  let read = 0;
  return {
    tick(n: number) {
      read += n;
      if (tty) err(`\rreading accounts: ${read}/${total}`);
    },
    done() {
      if (tty) err("\r\x1b[K");
    },
  };
}

/** Writes `text` to `file` whole or not at all (a temporary file, then a rename). */
function writeOutput(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot write the report to ${file}: ${(e as Error).message}. Check the directory exists and is writable.`);
  }
}

/**
 * The table, then notes for refusals, then a summary line (user data shown with {@link visible}).
 * A person's audit first says whose tokens they are, and says so when there are none.
 */
export function renderReport(report: Report): string {
  const { columns, rows } = tableOf(report);
  const lines: string[] = [];
  const s = report.summary;
  if (isPersonReport(report)) {
    if (s.tokens === 0) return visible(`No account's token was authorized by ${report.person.ref}.`);
    lines.push(visible(`Tokens authorized by ${personSubject(report)}; IF OFFBOARDED is what offboarding them would do:`), "");
  }
  lines.push(renderTable(columns, rows));
  const notes = report.rows.filter((r) => r.detail);
  if (notes.length > 0) {
    lines.push("", ...notes.map((r) => visible(`${r.accountId}: ${r.detail}`)));
  }
  const change = isPersonReport(report) ? "to change if offboarded" : "to change";
  lines.push("", `${s.tokens} tokens: ${s.pending} ${change}, ${s.refused} refused, ${s.missing} not found, ${s.drift} drifted.`);
  return lines.join("\n");
}
