/**
 * `marin-social audit FILE [--json] [--api-url URL]`: live state against
 * declarations, one row per declared token. Exit 0 when `pulumi up` would succeed and nothing
 * drifted, 1 when `pulumi up` would fail (a refusal or an unknown account) or the audit could
 * not run, 2 on drift otherwise. The API key comes from MARIN_SOCIAL_API_KEY (never a flag:
 * flags end up in shell history and process lists).
 */
import { buildReport, type Account, type Report, type ReportRow } from "../core";
import { MarinSocialClient, resolveConnection, USER_AGENT } from "../client";
import { formatProblem, loadDeclarations } from "../declarations";
import { parse } from "./args";
import { err, errorInfo, out } from "./output";
import { renderTable } from "./table";

/** The exit codes of `marin-social audit`. */
export const AUDIT_EXIT = { ok: 0, fails: 1, drift: 2 } as const;

const USAGE = `usage: marin-social audit FILE [--json] [--api-url URL] [--allow-insecure-http]

Reads the live state of every token FILE declares and prints, per token: the account,
publisher, name and live validity, the linked agencies, the desired state, the action
\`pulumi up\` would take, and drift (revoked outside Pulumi, or re-authorized after
Pulumi invalidated it).

  --json                 print the report as JSON on stdout (for CI); a rejected file prints
                         {"file", "problems": [{file, line, col, path, message}]}, and any
                         other error {"error": {code, message}}
  --api-url URL          the API (default: MARIN_SOCIAL_API_URL, else http://127.0.0.1:8787)
  --allow-insecure-http  allow http:// to a non-loopback host

The API key is read from MARIN_SOCIAL_API_KEY.

Exit codes:
  0  \`pulumi up\` would succeed, and nothing drifted
  1  \`pulumi up\` would fail for a token (publisher mismatch, expectAgencies differing from the
     live links, valid: true on a revoked token, an unknown account), or the audit could not
     run (bad file, bad arguments, configuration or API error)
  2  drift found (revoked outside Pulumi, or re-authorized after Pulumi invalidated it), and
     \`pulumi up\` would not fail
A reader that closes stdout early (| head) does not change the exit code.`;

/** The exit code for a report: whether `pulumi up` would fail, else whether anything drifted. */
export function auditExitCode(report: Report): number {
  if (report.summary.refused > 0 || report.summary.missing > 0) return AUDIT_EXIT.fails;
  return report.summary.drift > 0 ? AUDIT_EXIT.drift : AUDIT_EXIT.ok;
}

/** Runs the audit command. */
export async function run(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    return await audit(argv);
  } catch (e) {
    if (!json) throw e;
    out(JSON.stringify({ error: errorInfo(e) }, null, 2) + "\n");
    err(`marin-social audit: ${(e as Error).message}\n`);
    return AUDIT_EXIT.fails;
  }
}

async function audit(argv: string[]): Promise<number> {
  const { values, positionals } = parse("audit", argv, {
    json: { type: "boolean" },
    "api-url": { type: "string" },
    "allow-insecure-http": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    out(USAGE + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new Error(`expected one declaration FILE, got ${positionals.length}.\n${USAGE}`);
  const file = positionals[0]!;

  const loaded = await loadDeclarations(file);
  if (!loaded.ok) {
    if (values.json) out(JSON.stringify({ file, problems: loaded.problems }, null, 2) + "\n");
    err(loaded.problems.map((p) => formatProblem(p) + "\n").join(""));
    err(`${file}: ${loaded.problems.length} problem(s); nothing was audited.\n`);
    return AUDIT_EXIT.fails;
  }

  const env = { ...process.env };
  if (typeof values["api-url"] === "string") env.MARIN_SOCIAL_API_URL = values["api-url"];
  if (values["allow-insecure-http"]) env.MARIN_SOCIAL_ALLOW_INSECURE_HTTP = "true";
  const connection = resolveConnection({ env });
  const client = new MarinSocialClient({ ...connection, userAgent: USER_AGENT });
  try {
    const ids = loaded.tokens.map((t) => t.accountId);
    const progress = progressReporter(ids.length);
    const live = await readAll(client, ids, progress);
    progress.done();
    const history = await client.audit();
    const report = buildReport(loaded.tokens, live, history);
    if (values.json) {
      out(JSON.stringify({ file, apiUrl: connection.baseUrl, ...report }, null, 2) + "\n");
    } else {
      out(renderReport(report) + "\n");
    }
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

function cellsOf(r: ReportRow): string[] {
  return [
    r.accountId,
    r.publisher ?? "-",
    r.name ?? "-",
    r.status === "missing" ? "not found" : r.liveValid ? "valid" : "INVALID",
    r.linkedAgencies?.map((a) => a.id).join(",") || "-",
    r.desiredValid ? "valid" : "invalid",
    r.action,
    r.drift ? `${r.drift}: ${r.driftDetail}` : "-",
  ];
}

/** The table, then notes for refusals, then a summary line. */
export function renderReport(report: Report): string {
  const header = ["ACCOUNT", "PUBLISHER", "NAME", "LIVE", "AGENCIES", "DESIRED", "ACTION", "DRIFT"];
  const lines = [renderTable(header, report.rows.map(cellsOf))];
  const notes = report.rows.filter((r) => r.detail);
  if (notes.length > 0) {
    lines.push("", ...notes.map((r) => `${r.accountId}: ${r.detail}`));
  }
  const s = report.summary;
  lines.push(
    "",
    `${s.tokens} tokens: ${s.pending} to change, ${s.refused} refused, ${s.missing} not found, ${s.drift} drifted.`,
  );
  return lines.join("\n");
}
