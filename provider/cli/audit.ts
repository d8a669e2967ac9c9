/**
 * `marin-social audit FILE [--json] [--api-url URL]`: live state against
 * declarations, one row per declared token. Exit 0 when there is no drift,
 * 2 when there is (like `pulumi preview --detailed-exitcode`), 1 on errors.
 * The API key comes from MARIN_SOCIAL_API_KEY (never a flag: flags end up in
 * shell history and process lists).
 */
import { buildReport, type Account, type Report, type ReportRow } from "../core";
import { MarinSocialClient, resolveConnection, USER_AGENT } from "../client";
import { formatProblem, loadDeclarations } from "../declarations";
import { parse } from "./args";
import { renderTable } from "./table";

const USAGE = `usage: marin-social audit FILE [--json] [--api-url URL] [--allow-insecure-http]

Reads the live state of every token FILE declares and prints, per token: the account,
publisher, name and live validity, the linked agencies, the desired state, the action
\`pulumi up\` would take, and drift (revoked outside Pulumi, or re-authorized after
Pulumi invalidated it).

  --json                 print the report as JSON (for CI)
  --api-url URL          the API (default: MARIN_SOCIAL_API_URL, else http://127.0.0.1:8787)
  --allow-insecure-http  allow http:// to a non-loopback host

The API key is read from MARIN_SOCIAL_API_KEY.
Exit codes: 0 no drift, 2 drift found, 1 error (bad file, unknown account, API failure).`;

/** Runs the audit command. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse("audit", argv, {
    json: { type: "boolean" },
    "api-url": { type: "string" },
    "allow-insecure-http": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new Error(`expected one declaration FILE, got ${positionals.length}.\n${USAGE}`);
  const file = positionals[0]!;

  const loaded = await loadDeclarations(file);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(formatProblem(p) + "\n");
    process.stderr.write(`${file}: ${loaded.problems.length} problem(s); nothing was audited.\n`);
    return 1;
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
      process.stdout.write(JSON.stringify({ file, apiUrl: connection.baseUrl, ...report }, null, 2) + "\n");
    } else {
      process.stdout.write(renderReport(report) + "\n");
    }
    if (report.summary.missing > 0) return 1;
    return report.summary.drift > 0 ? 2 : 0;
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
      if (tty) process.stderr.write(`\rreading accounts: ${read}/${total}`);
    },
    done() {
      if (tty) process.stderr.write("\r\x1b[K");
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
