/**
 * `marin-social demo` (what `npm start` runs): the whole story on the embedded
 * default. Starts the sandbox with the demo seed on a free port, then:
 * - with the `pulumi` CLI on PATH: a local file backend in a temporary folder,
 *   `pulumi preview` (the audit), `pulumi up` (the invalidation), an
 *   out-of-band revoke through the API, and `pulumi refresh` (the drift);
 * - without it: says so, with the install hint, and shows the audit, what
 *   preview would log, what up does (run with the provider's own lifecycle code),
 *   the out-of-band revoke, and the drift the audit then finds.
 * It exits by itself when done.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { auditLine, buildReport, describePlan, planToken, pulumiActor } from "../core";
import { MarinSocialClient, USER_AGENT } from "../client";
import { assertValid, loadDeclarations } from "../declarations";
import { TokenLifecycle } from "../resource/lifecycle";
import { startSandbox } from "../sandbox";
import { auditExitCode, renderReport } from "./audit";
import { out } from "./output";

const ROOT = path.join(__dirname, "..", "..");
const DECLARATIONS = path.join(ROOT, "tokens.yaml");
const STACK = "demo";
const OUT_OF_BAND = { accountId: "fb-1002", actor: "jane@agency.example", reason: "Jane revoked it by hand in the web UI" };

const say = (text = "") => out(text + "\n");
const heading = (text: string) => say(`\n=== ${text}`);

/** Runs the demo; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help")) {
    say(
      "usage: marin-social demo [--without-pulumi]\n\nRuns the README story against a fresh sandbox and exits.\n\n" +
        "Exit codes: 0 the story ran to the end, 1 a step failed.",
    );
    return 0;
  }
  const sandbox = await startSandbox({ port: 0, db: ":memory:", seed: "demo" });
  say(`Marin Social sandbox (demo seed) listening on ${sandbox.url}`);
  const client = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, userAgent: USER_AGENT });
  try {
    const pulumi = argv.includes("--without-pulumi") ? undefined : findPulumi();
    return pulumi ? await withPulumi(pulumi, sandbox.url, sandbox.keys.admin, client) : await withoutPulumi(client);
  } finally {
    await client.close();
    await sandbox.close();
  }
}

function findPulumi(): string | undefined {
  const r = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return r.status === 0 ? "pulumi" : undefined;
}

async function revokeOutOfBand(client: MarinSocialClient): Promise<void> {
  heading(`Out of band: ${OUT_OF_BAND.actor} invalidates ${OUT_OF_BAND.accountId} in the Marin Social web UI`);
  const account = await client.invalidateToken(OUT_OF_BAND.accountId, { actor: OUT_OF_BAND.actor, reason: OUT_OF_BAND.reason });
  say(`${account.id} valid=${account.token.valid} invalidatedBy=${account.token.invalidatedBy}`);
}

async function withPulumi(pulumi: string, url: string, key: string, client: MarinSocialClient): Promise<number> {
  const home = mkdtempSync(path.join(tmpdir(), "marin-social-demo-"));
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${home}`,
    PULUMI_CONFIG_PASSPHRASE: "marin-social-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    MARIN_SOCIAL_API_URL: url,
    MARIN_SOCIAL_API_KEY: key,
  };
  const stackFile = path.join(ROOT, `Pulumi.${STACK}.yaml`);
  const createdStackFile = !existsSync(stackFile);
  const step = (title: string, args: string[], okCodes = [0]) => {
    heading(`${title}: pulumi ${args.join(" ")}`);
    const r = spawnSync(pulumi, args, { cwd: ROOT, env, stdio: "inherit" });
    if (!okCodes.includes(r.status ?? 1)) throw new Error(`pulumi ${args[0]} failed with exit code ${r.status}`);
  };
  try {
    say(`Using the pulumi CLI with a local file backend in ${home}`);
    step("Create a throw-away stack", ["stack", "init", STACK, "--non-interactive"]);
    step("Audit: what would change, and who is cut off", ["preview", "--stack", STACK, "--non-interactive"]);
    step("Invalidate", ["up", "--yes", "--stack", STACK, "--non-interactive", "--skip-preview"]);
    await revokeOutOfBand(client);
    step("Drift: refresh shows the token revoked outside Pulumi", ["refresh", "--yes", "--stack", STACK, "--non-interactive", "--skip-preview"]);
    step("And preview now refuses to pretend it can restore it", ["preview", "--stack", STACK, "--non-interactive"], [0, 255, 1]);
    step("Stop managing the tokens (changes nothing in Marin Social)", ["destroy", "--yes", "--stack", STACK, "--non-interactive", "--skip-preview"]);
    return 0;
  } finally {
    spawnSync(pulumi, ["stack", "rm", STACK, "--yes", "--force", "--non-interactive"], { cwd: ROOT, env, stdio: "ignore" });
    if (createdStackFile) rmSync(stackFile, { force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

async function withoutPulumi(client: MarinSocialClient): Promise<number> {
  say(
    "\nThe pulumi CLI is not on PATH, so this shows what `pulumi preview`, `pulumi up` and `pulumi refresh` do\n" +
      "using the same code they run. Install Pulumi (https://www.pulumi.com/docs/iac/download-install/,\n" +
      "e.g. `curl -fsSL https://get.pulumi.com | sh`) and run `npm start` again for the real thing.",
  );
  const tokens = assertValid(await loadDeclarations(DECLARATIONS));
  const actor = pulumiActor("marin-social", STACK);
  const audit = async () => {
    const live = await client.getAccounts(tokens.map((t) => t.accountId));
    return { live, report: buildReport(tokens, live, await client.audit()) };
  };

  heading("marin-social audit tokens.yaml");
  const before = await audit();
  say(renderReport(before.report));

  heading("What `pulumi preview` logs against each PublisherToken");
  for (const t of tokens) {
    const live = before.live.get(t.accountId);
    if (!live) continue;
    const line = auditLine(live, planToken(t, live, { actor }));
    say(`${line.severity.padEnd(7)} ${t.accountId}: ${line.message}`);
  }

  heading("What `pulumi up` does (the provider's own lifecycle code, against the sandbox)");
  const lifecycle = new TokenLifecycle(() => client);
  for (const t of tokens) {
    const live = before.live.get(t.accountId);
    if (!live) continue;
    const plan = planToken(t, live, { actor });
    if (plan.refusal || plan.actions.length === 0) continue;
    for (const line of describePlan(plan)) say(`  ${line}`);
    await lifecycle.create({ ...t, actor });
  }

  heading("marin-social audit tokens.yaml (after up: nothing left to do)");
  say(renderReport((await audit()).report));

  await revokeOutOfBand(client);

  heading("marin-social audit tokens.yaml (what `pulumi refresh` reports as drift)");
  const after = await audit();
  say(renderReport(after.report));
  const s = after.report.summary;
  say(
    `\n\`marin-social audit tokens.yaml\` now exits ${auditExitCode(after.report)}: ${s.drift} token(s) drifted, and \`pulumi up\` ` +
      `would fail for ${s.refused + s.missing} (exit 1 when up would fail, else 2 on drift, else 0). ` +
      "Pulumi's own gate is `pulumi preview --expect-no-changes`, which fails when anything would change.",
  );
  return 0;
}
